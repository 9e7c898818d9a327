/**
 * What differs between databases when migrations run: the migrations
 * table's column types, how runners on other connections or processes are
 * kept out (the lock), whether a migration may run outside a transaction, and
 * what must surround a migration's transaction on its connection.
 *
 * @internal
 */
import type * as Effect from "effect/Effect"
import type { Connection } from "../../Connection.js"
import type { DatabaseError } from "../../DatabaseError.js"

/** @internal */
export interface MigrationDialect {
  /** Column types of the migrations table. */
  readonly columnTypes: { readonly text: string; readonly timestamp: string; readonly integer: string }
  /**
   * The statement (with its parameters) each transaction that reads and then
   * writes the migrations table runs first, so that two runners take turns;
   * undefined where the transaction's BEGIN already takes the database's
   * write lock (SQLite's BEGIN IMMEDIATE). It must be transaction-scoped:
   * behind a transaction-mode pooler a session lock would stay on a server
   * connection that the next client gets.
   */
  readonly lock: ((table: string) => { readonly sql: string; readonly params: ReadonlyArray<unknown> }) | undefined
  /** Why a migration may not declare `transactional: false` here; undefined where it may. */
  readonly transactionalOnly: string | undefined
  /**
   * Runs one migration's transaction on the connection it holds. SQLite turns
   * foreign key enforcement off before BEGIN (it cannot change inside a
   * transaction: a table rebuild's DROP of a parent table would cascade or
   * fail) and restores it afterwards, however the transaction ends.
   */
  readonly aroundTransaction: <A, E, R>(
    conn: Connection,
    transaction: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | DatabaseError, R>
  /**
   * What the migration broke that enforcement was off for, checked just
   * before COMMIT: one line per violation (`posts row 3: no users row for
   * its foreign key`), none when all is well.
   */
  readonly violations: (conn: Connection) => Effect.Effect<ReadonlyArray<string>, DatabaseError>
}
