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

/** "sqls" in ASCII: the first half of the lock key, the table's hash is the second. */
const LOCK_CLASS = 0x73716c73

/** @internal */
export const pgMigrationDialect: MigrationDialect = {
  columnTypes: { text: "TEXT", timestamp: "TIMESTAMPTZ", integer: "BIGINT" },
  lock: (table) => ({
    // Keyed by schema and table, so migrations of other schemas do not wait.
    sql: "SELECT pg_advisory_xact_lock($1, hashtext(current_schema() || '.' || $2))",
    params: [LOCK_CLASS, table]
  }),
  transactionalOnly: undefined,
  aroundTransaction: (_conn, transaction) => transaction,
  violations: () => Effect.succeed([])
}
