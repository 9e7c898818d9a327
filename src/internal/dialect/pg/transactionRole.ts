/**
 * What a statement does to the transaction state of its connection, as far
 * as pooler mode needs to know: `"begins"` opens a transaction (which then
 * gets its `SET LOCAL` settings), `"outside"` must not be wrapped in a
 * transaction of ours (it ends one, or PostgreSQL refuses it inside a
 * transaction block), `"other"` is everything else.
 *
 * @internal
 */
export type TransactionRole = "begins" | "outside" | "other"

const BEGINS = /^\s*(?:BEGIN|START\s+TRANSACTION)\b/i

const OUTSIDE = new RegExp(
  "^\\s*(?:" + [
    "COMMIT",
    "ROLLBACK",
    "END",
    "ABORT",
    "SAVEPOINT",
    "RELEASE",
    "PREPARE\\s+TRANSACTION",
    "VACUUM",
    "CLUSTER",
    "REINDEX",
    "CHECKPOINT",
    "ALTER\\s+SYSTEM",
    "(?:CREATE|DROP)\\s+(?:DATABASE|TABLESPACE|SUBSCRIPTION)",
    "(?:CREATE(?:\\s+UNIQUE)?|DROP)\\s+INDEX\\s+CONCURRENTLY",
    "REFRESH\\s+MATERIALIZED\\s+VIEW\\s+CONCURRENTLY",
    "SET\\s+LOCAL"
  ].join("|") + ")\\b",
  "i"
)

/** @internal */
export const transactionRole = (sql: string): TransactionRole =>
  BEGINS.test(sql) ? "begins" : OUTSIDE.test(sql) ? "outside" : "other"
