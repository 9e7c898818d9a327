/**
 * The SQLite `MigrationDialect`: BEGIN IMMEDIATE (the library's write
 * transactions) is the lock; foreign keys are off while a migration runs and
 * checked with `PRAGMA foreign_key_check` before COMMIT.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { Connection } from "../../../Connection.js"
import type { MigrationDialect } from "../migrationDialect.js"

const MAX_REPORTED = 10

const violations = (conn: Connection) =>
  Effect.map(conn.all("PRAGMA foreign_key_check"), (rows) => {
    const lines = rows.slice(0, MAX_REPORTED).map((row) =>
      `table ${String(row.table)} row ${row.rowid === null ? "(without rowid)" : String(row.rowid)}: no matching row in ${String(row.parent)}`
    )
    if (rows.length > MAX_REPORTED) lines.push(`and ${rows.length - MAX_REPORTED} more`)
    return lines
  })

const aroundTransaction = <A, E, R>(conn: Connection, transaction: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const rows = yield* conn.all("PRAGMA foreign_keys")
    const enforced = Number(rows[0]?.foreign_keys ?? 0) === 1
    if (!enforced) return yield* transaction
    yield* conn.execute("PRAGMA foreign_keys = OFF")
    return yield* Effect.ensuring(
      transaction,
      // A connection left with enforcement off would silently accept
      // orphans: if turning it back on fails, the failure is a defect.
      Effect.orDie(conn.execute("PRAGMA foreign_keys = ON"))
    )
  })

/** @internal */
export const sqliteMigrationDialect: MigrationDialect = {
  columnTypes: { text: "TEXT", timestamp: "TEXT", integer: "INTEGER" },
  lock: undefined,
  transactionalOnly:
    "SQLite runs DDL inside transactions, so no migration needs to run outside one; remove transactional: false",
  aroundTransaction,
  violations
}
