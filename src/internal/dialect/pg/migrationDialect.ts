/**
 * The PostgreSQL `MigrationDialect`: a transaction-scoped advisory lock
 * keyed by the migrations table (works behind a transaction-mode pooler,
 * unlike a session lock); constraints stay enforced, as PostgreSQL checks
 * them statement by statement and ALTERs keep them valid.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { MigrationDialect } from "../migrationDialect.js"

/** The first half of the lock key: the table's name as a signed 32-bit FNV-1a hash. */
const keyOf = (table: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < table.length; i++) {
    h ^= table.charCodeAt(i)
    h = Math.imul(h, 16777619)
  }
  return h | 0
}

/** @internal */
export const pgMigrationDialect: MigrationDialect = {
  columnTypes: { text: "TEXT", timestamp: "TIMESTAMPTZ", integer: "BIGINT" },
  lock: (table) => ({
    // Keyed by table and schema, so migrations of other schemas do not wait.
    // No parameters on purpose (the table name is a validated identifier,
    // hashed here): the lock held while a non-transactional migration runs
    // is sent as a simple query, which takes none (see the runner's
    // lockWithoutSnapshot).
    sql: `SELECT pg_advisory_xact_lock(${keyOf(table)}, hashtext(current_schema()))`,
    params: []
  }),
  transactionalOnly: undefined,
  aroundTransaction: (_conn, transaction) => transaction,
  violations: () => Effect.succeed([])
}
