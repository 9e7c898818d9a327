/**
 * Scratch databases: where migrations are replayed (by `generate` and
 * `check`) to learn the schema they produce, without touching the
 * application's database. One per dialect, each in its dialect's folder.
 *
 * @internal
 */
import type * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type * as Database from "../../Database.js"
import type * as DatabaseError from "../../DatabaseError.js"

/** @internal */
export interface ScratchOptions {
  /**
   * PostgreSQL: a URL of the server to create the temporary database on; its
   * user needs `CREATEDB`. Default: the `DATABASE_URL` setting.
   */
  readonly scratchUrl?: string | Redacted.Redacted<string> | undefined
}

/**
 * An empty database for the scope, gone when the scope closes.
 *
 * @internal
 */
export type ScratchDatabase = (
  options: ScratchOptions
) => Effect.Effect<Database.Database, DatabaseError.DatabaseError, Scope.Scope>
