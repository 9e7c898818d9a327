/**
 * The shapes the three parts of migrations share: the planner (metadata
 * diff → statements, `plan.ts`), the runner (migrations table, locks,
 * up/down/status, `runner.ts`) and the generator (scratch replay, files,
 * lint, check, `generate.ts`). It imports nothing of theirs.
 *
 * @internal
 */
import type * as Effect from "effect/Effect"
import type { Database } from "../../Database.js"

/**
 * What a migration's `up` or `down` may require: the `Database` it runs on
 * (inside the migration's transaction, `db.sql` and `db.begin` run on it).
 *
 * @internal
 */
export type MigrationEffect = Effect.Effect<void, unknown, Database>

/** @internal */
export interface Migration {
  /** Sorts the migrations: the file name's leading digits (`20261201045000`). */
  readonly id: string
  /** The slug after the id (`add_posts`). */
  readonly name: string
  readonly up: MigrationEffect
  /** Absent: the migration cannot be undone (`down` refuses it with a `MigrationError`). */
  readonly down?: MigrationEffect
  /** Default true: up and down each run in one transaction with their migrations-table write. */
  readonly transactional?: boolean
  /** Steps that lose data, per direction; running such a direction needs `allowDestructive`. */
  readonly destructive?: { readonly up?: ReadonlyArray<string>; readonly down?: ReadonlyArray<string> }
  /** Why `down` cannot bring back data that `up` removed (it recreates the structure empty). */
  readonly irreversible?: ReadonlyArray<string>
  /** Of the file's text (directory source) or given; absent: changes to it cannot be detected. */
  readonly checksum?: string
  /** Where it came from (a file path), for messages. */
  readonly source?: string
}

/**
 * What the planner produces for one dialect from two normalized `Metadata`
 * values: the statements of `up` (from → to) and `down` (to → from), each
 * one statement per string, and what a person must know before running
 * them.
 *
 * @internal
 */
export interface PlannedMigration {
  readonly up: ReadonlyArray<string>
  readonly down: ReadonlyArray<string>
  /** Human-readable destructive steps (`drop column users.age`), per direction. */
  readonly destructive: { readonly up: ReadonlyArray<string>; readonly down: ReadonlyArray<string> }
  /** Data `down` cannot restore (`column users.age is dropped by up; down re-creates it empty`). */
  readonly irreversible: ReadonlyArray<string>
  /** False when a statement cannot run in a transaction (PostgreSQL `ALTER TYPE ... ADD VALUE` before 12, ...). */
  readonly transactional: boolean
  /** One line per change, for the generated file's header and `generate`'s result (`add column users.age`). */
  readonly summary: ReadonlyArray<string>
}
