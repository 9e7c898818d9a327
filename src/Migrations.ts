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
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type { Database } from "./Database.js"
import type { DatabaseError } from "./DatabaseError.js"
import * as internalCheck from "./internal/migrations/check.js"
import * as internalGenerate from "./internal/migrations/generate.js"
import * as internalLint from "./internal/migrations/lint.js"
import type { Dialect } from "./Metadata.js"
import type * as Table from "./Table.js"
import type * as Model from "./internal/migrations/model.js"
import * as runner from "./internal/migrations/runner.js"
import * as internalStatements from "./internal/migrations/statements.js"

/**
 * A migration given in code (`{ migrations: [...] }`); a migration file
 * exports the same fields but `id` and `name`, which come from its name
 * `<id>_<name>.ts`.
 *
 * @since 0.4.0
 * @category models
 */
export type Migration = Model.Migration

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
  | { readonly migrations: ReadonlyArray<Migration> }

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
 * is.
 *
 * @since 0.4.0
 * @category running
 */
export const up: (options: UpOptions) => Effect.Effect<ReadonlyArray<Applied>, DatabaseError, Database> = runner.up

/**
 * Undoes the latest applied migrations, newest first: `steps` of them
 * (default 1), or all those after `to`. Refused before anything runs when
 * one has no `down` (`irreversible`), lists destructive `down` steps without
 * `allowDestructive`, or when an applied migration is changed or missing.
 *
 * @since 0.4.0
 * @category running
 */
export const down: (options: DownOptions) => Effect.Effect<ReadonlyArray<Applied>, DatabaseError, Database> =
  runner.down

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
export const layer = (options: UpOptions): Layer.Layer<never, DatabaseError, Database> =>
  Layer.effectDiscard(runner.up(options))

// ---------------------------------------------------------------------------
// Generating, linting and checking migrations
// ---------------------------------------------------------------------------

/**
 * @since 0.4.0
 * @category models
 */
export interface GenerateOptions {
  /** The migrations directory of `dialect` (e.g. `migrations/pg`); created when missing. */
  readonly directory: string
  /** The tables as they should be once the new migration is applied. */
  readonly tables: ReadonlyArray<Table.Any>
  /** The dialect the directory's migrations are for; one directory per dialect the project deploys to. */
  readonly dialect: Dialect
  /** What the migration does; it becomes the file name's slug (`add posts` → `<id>_add_posts.ts`). */
  readonly name: string
  /**
   * PostgreSQL: a URL of the server to create the temporary scratch database
   * on (its user needs `CREATEDB`). Default: the `DATABASE_URL` setting. The
   * application's database is never used.
   */
  readonly scratchUrl?: string | Redacted.Redacted<string> | undefined
  /** Generate a migration whose `up` loses data (drops, narrowing type changes, NOT NULL on existing rows). */
  readonly allowDestructive?: boolean | undefined
  /** The time the id is made of (default: the clock). */
  readonly now?: Date | undefined
  /** The module the generated file imports `Migrations` from (default `"effect-sqlservice"`). */
  readonly importFrom?: string | undefined
  /** The migrations table, left out of the comparison (default `effect_sqlservice_migrations`). */
  readonly table?: string | undefined
}

/**
 * A migration `generate` wrote.
 *
 * @since 0.4.0
 * @category models
 */
export interface Generated {
  /** The file, `<directory>/<id>_<name>.ts`. */
  readonly path: string
  /** UTC `YYYYMMDDHHMMSS`, after every existing id. */
  readonly id: string
  readonly name: string
  /** Its statements, destructive steps and irreversible notes. */
  readonly planned: PlannedMigration
}

/**
 * What `generate` plans: the statements of `up` and `down`, one per string,
 * and what a person must know before running them.
 *
 * @since 0.4.0
 * @category models
 */
export type PlannedMigration = Model.PlannedMigration

/**
 * Writes the migration that takes the schema the directory's migrations
 * produce to `tables`, and returns it; `Option.none()` (and no file) when
 * there is nothing to change.
 *
 * The existing migrations are replayed into a scratch database (SQLite: in
 * memory; PostgreSQL: a temporary database on the `scratchUrl` server,
 * dropped afterwards), which is reflected and compared with the declared
 * tables, so generating never needs a production connection. Renames are
 * declared (`Column.renamedFrom`, the table option `renamedFrom`), never
 * guessed. The planned statements are tried on the scratch database before
 * the file is written: `up` must produce the declared tables and `down` the
 * schema before it.
 *
 * A change that loses data (a dropped table or column, a narrowing type
 * change, NOT NULL on existing rows) is refused with a `MigrationError` of
 * kind `destructive` listing the steps, unless `allowDestructive`; the file
 * then lists them (`export const destructive`), and a `down` that cannot
 * bring the data back says so (`export const irreversible`).
 *
 * @since 0.4.0
 * @category generating
 */
export const generate: (options: GenerateOptions) => Effect.Effect<Option.Option<Generated>, DatabaseError> =
  internalGenerate.generate

/**
 * A destructive step of a migration that `lint` found.
 *
 * @since 0.4.0
 * @category models
 */
export interface LintFinding {
  readonly direction: "up" | "down"
  /** What is lost, e.g. `drop column users.age`. */
  readonly step: string
  /** The statement that does it; absent for a declared step of a hand-written migration. */
  readonly statement?: string
}

/**
 * @since 0.4.0
 * @category models
 */
export interface MigrationLint {
  readonly id: string
  readonly name: string
  /** The migration's file, for a directory source. */
  readonly source?: string
  readonly findings: ReadonlyArray<LintFinding>
}

/**
 * The steps of each migration that lose data (only the migrations that
 * have some): those it declares (`destructive`) and those its
 * `Migrations.statements` contain: `DROP TABLE`, `DROP COLUMN`, a column type
 * change, `SET NOT NULL`. SQLite's table rebuild (a `DROP TABLE x` followed
 * by `ALTER TABLE <new> RENAME TO x`, the rows copied first) keeps the data
 * and is not listed. Statements are read with `dialect`'s rules for strings
 * and comments (default PostgreSQL's).
 *
 * @since 0.4.0
 * @category generating
 */
export const lint: (
  options: Source & { readonly dialect?: Dialect | undefined }
) => Effect.Effect<ReadonlyArray<MigrationLint>, DatabaseError> = internalLint.lint

/**
 * @since 0.4.0
 * @category models
 */
export type CheckOptions = Source & {
  /** Also check that the migrations produce these tables (a change without its `generate`). */
  readonly tables?: ReadonlyArray<Table.Any> | undefined
  /** PostgreSQL: the server for the temporary scratch database (default: `DATABASE_URL`). */
  readonly scratchUrl?: string | Redacted.Redacted<string> | undefined
  /** The migrations table (default `effect_sqlservice_migrations`). */
  readonly table?: string | undefined
}

/**
 * For CI: fails with a `MigrationError` of kind `drift`, listing the
 * differences, when the live database in context does not have the schema
 * its applied migrations produce (replayed into a scratch database), or,
 * given `tables`, when all the migrations do not produce those tables.
 * Pending migrations are not drift. An applied migration that is changed
 * or missing fails as `up` would (`modified`, `missing`). Writes nothing to
 * the live database.
 *
 * @since 0.4.0
 * @category running
 */
export const check: (options: CheckOptions) => Effect.Effect<void, DatabaseError, Database> = internalCheck.check
