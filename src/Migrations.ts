/**
 * Schema migrations: ordered changes to a database's schema, each with an
 * `up` and, when it can be undone, a `down`, applied once per database and
 * recorded in a migrations table.
 *
 * ```ts
 * // migrations/sqlite/20261201045000_add_posts.ts
 * import { Migrations } from "effect-sqlservice"
 * export const up = Migrations.statements([
 *   "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL)"
 * ])
 * export const down = Migrations.statements(["DROP TABLE posts"])
 *
 * // at start: apply what is pending
 * Migrations.layer({ directory: "migrations/sqlite" })
 * ```
 *
 * Each migration runs in a transaction of its own together with its row of
 * the migrations table, so a failed migration leaves the schema and the
 * table as they were. Two processes starting together apply each migration
 * once: they take turns through a transaction-scoped lock (PostgreSQL
 * `pg_advisory_xact_lock`, which works behind a transaction-mode pooler;
 * SQLite `BEGIN IMMEDIATE`) and re-read the table once they hold it.
 *
 * @since 0.4.0
 */
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Database } from "./Database.js"
import type { DatabaseError } from "./DatabaseError.js"
import type * as Model from "./internal/migrations/model.js"
import * as runner from "./internal/migrations/runner.js"
import * as internalStatements from "./internal/migrations/statements.js"

/**
 * A migration given in code (`{ migrations: [...] }`); a migration file
 * exports the same fields but `id` and `name`, which come from its name
 * `<id>_<name>.ts`. `E` is what its `up` and `down` may fail with: a
 * hand-written migration's own failure passes through `up` and `down`
 * unchanged, and their error type says so (see `MigrationFailure`).
 *
 * @since 0.4.0
 * @category models
 */
export interface Migration<E = DatabaseError> extends Omit<Model.Migration, "up" | "down"> {
  readonly up: Effect.Effect<void, E, Database>
  readonly down?: Effect.Effect<void, E, Database>
}

/**
 * The failures of a source's migrations given in code, beyond the
 * `DatabaseError` of the runner: the error types of their `up`s and
 * `down`s. A directory's modules are imported at run time, so their types
 * are unknown: a failure of theirs that is not a `DatabaseError` becomes a
 * `MigrationError` of kind `failed` with it as its `cause`.
 *
 * @since 0.4.0
 * @category models
 */
export type MigrationFailure<O> = O extends { readonly migrations: ReadonlyArray<infer M> }
  ? M extends unknown ? Exclude<FailureOf<M, "up"> | FailureOf<M, "down">, DatabaseError> : never
  : never

type FailureOf<M, K extends "up" | "down"> = K extends keyof M ? Effect.Error<NonNullable<M[K]>> : never

/**
 * What a migration's `up` or `down` is: an Effect on the `Database` in
 * context (inside the migration's transaction, `db.sql`, `db.begin` and the
 * `Session` run on it).
 *
 * @since 0.4.0
 * @category models
 */
export type MigrationEffect = Model.MigrationEffect

/**
 * Where the migrations come from: a directory of one dialect's migration
 * files (`migrations/sqlite`, `migrations/pg`), named
 * `<digits>_<name>.(ts|mts|js|mjs)` and exporting `up` (an Effect), and
 * optionally `down`, `transactional`, `destructive` and `irreversible`; or
 * the migrations themselves. `.ts` files need a process that loads
 * TypeScript (tsx), or compile them to `.js`.
 *
 * @since 0.4.0
 * @category models
 */
export type Source =
  | { readonly directory: string }
  | { readonly migrations: ReadonlyArray<Migration<unknown>> }

/**
 * @since 0.4.0
 * @category models
 */
export type Options = Source & {
  /** The migrations table, created when missing (default `effect_sqlservice_migrations`). */
  readonly table?: string | undefined
}

/**
 * @since 0.4.0
 * @category models
 */
export type UpOptions = Options & {
  /** Apply up to and including this id (default: all pending). */
  readonly to?: string | undefined
  /** Run migrations whose `up` lists `destructive` steps. */
  readonly allowDestructive?: boolean | undefined
  /** Apply pending migrations that sort before the latest applied one (e.g. from a merged branch). */
  readonly allowOutOfOrder?: boolean | undefined
}

/**
 * @since 0.4.0
 * @category models
 */
export type DownOptions = Options & {
  /** How many of the latest applied migrations to undo (default 1). */
  readonly steps?: number | undefined
  /** Undo every migration applied after this id, leaving it applied (takes precedence over `steps`). */
  readonly to?: string | undefined
  /** Run `down`s that list `destructive` steps. */
  readonly allowDestructive?: boolean | undefined
}

/**
 * A migration that a call applied or undid.
 *
 * @since 0.4.0
 * @category models
 */
export interface Applied {
  readonly id: string
  readonly name: string
  readonly direction: "up" | "down"
  readonly durationMs: number
}

/**
 * Of a migration: `applied`; `pending`; `missing` (recorded as applied, no
 * longer in the source); `modified` (applied, changed since).
 *
 * @since 0.4.0
 * @category models
 */
export type State = "applied" | "pending" | "missing" | "modified"

/**
 * @since 0.4.0
 * @category models
 */
export interface StatusEntry {
  readonly id: string
  readonly name: string
  readonly state: State
  readonly appliedAt?: Date
  readonly durationMs?: number
  /** As recorded when applied; for a pending migration, its current one. */
  readonly checksum?: string
}

/**
 * A migration direction as SQL statements, one statement per string, run in
 * order on the migration's transaction (a non-transactional migration's on
 * a connection of its own, in autocommit). A failing statement fails with a
 * `MigrationError` of kind `failed` naming the migration and the statement,
 * the driver's error as its `cause`.
 *
 * @since 0.4.0
 * @category constructors
 */
export const statements: (list: ReadonlyArray<string>) => Effect.Effect<void, DatabaseError, Database> =
  internalStatements.statements

/**
 * The statements of an Effect made by `statements` (for linting, offline
 * SQL and checksums); undefined for any other Effect.
 *
 * @since 0.4.0
 * @category getters
 */
export const statementsOf: (effect: Effect.Effect<unknown, unknown, unknown>) => ReadonlyArray<string> | undefined =
  internalStatements.statementsOf

/**
 * Applies pending migrations in id order (ids compare as integers), all or
 * up to `to`, and returns those it applied. Refused before anything runs,
 * with a `MigrationError` naming the migrations: an applied one that was
 * changed (`modified`) or is gone (`missing`), a pending one sorting before
 * the latest applied (`outOfOrder`, unless `allowOutOfOrder`), a `destructive`
 * one without `allowDestructive`. A migration that fails is rolled back and
 * ends the run; a hand-written migration's own failure passes through as it
 * is (typed by `MigrationFailure`).
 *
 * @since 0.4.0
 * @category running
 */
export const up: <const O extends UpOptions>(
  options: O
) => Effect.Effect<ReadonlyArray<Applied>, DatabaseError | MigrationFailure<O>, Database> = runner.up

/**
 * Undoes the latest applied migrations, newest first: `steps` of them
 * (default 1), or all those after `to`. Refused before anything runs when
 * one has no `down` (`irreversible`), lists destructive `down` steps without
 * `allowDestructive`, or when an applied migration is changed or missing.
 *
 * @since 0.4.0
 * @category running
 */
export const down: <const O extends DownOptions>(
  options: O
) => Effect.Effect<ReadonlyArray<Applied>, DatabaseError | MigrationFailure<O>, Database> = runner.down

/**
 * Every migration of the source and every one recorded as applied, with
 * its state, in id order. Writes nothing (a missing migrations table reads
 * as nothing applied).
 *
 * @since 0.4.0
 * @category running
 */
export const status: (options: Options) => Effect.Effect<ReadonlyArray<StatusEntry>, DatabaseError, Database> =
  runner.status

/**
 * A layer that applies pending migrations when it is built: put it between
 * the `Database` layer and the application so that the application starts
 * on an up-to-date schema.
 *
 * @since 0.4.0
 * @category layers
 */
export const layer = <const O extends UpOptions>(options: O): Layer.Layer<never, DatabaseError | MigrationFailure<O>, Database> =>
  Layer.effectDiscard(up(options))
