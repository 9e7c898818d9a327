import * as DatabaseError from "../../../DatabaseError.js"

const constraintKinds: Record<string, DatabaseError.ConstraintKind> = {
  SQLITE_CONSTRAINT_UNIQUE: "unique",
  SQLITE_CONSTRAINT_PRIMARYKEY: "unique",
  SQLITE_CONSTRAINT_FOREIGNKEY: "foreign_key",
  SQLITE_CONSTRAINT_NOTNULL: "not_null",
  SQLITE_CONSTRAINT_CHECK: "check"
}

const busyCodes = new Set(["SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_BUSY_RECOVERY", "SQLITE_LOCKED"])

const connectionCodes = new Set(["SQLITE_CANTOPEN", "SQLITE_NOTADB", "SQLITE_CORRUPT", "SQLITE_IOERR"])

// "UNIQUE constraint failed: users.email, users.name" / "NOT NULL constraint failed: users.name"
const columnList = /constraint failed: ([^\s,]+)\.([^\s,]+)/
// "CHECK constraint failed: positive_age" (a name or the expression text)
const checkName = /CHECK constraint failed: (.+)$/

/** @internal */
export const classify = (cause: unknown): DatabaseError.Reason => {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : undefined
  const message = cause instanceof Error ? cause.message : String(cause)
  if (code !== undefined && code.startsWith("SQLITE_CONSTRAINT")) {
    const kind = constraintKinds[code] ?? "other"
    const columns = columnList.exec(message)
    const check = kind === "check" ? checkName.exec(message) : null
    return new DatabaseError.ConstraintError({
      kind,
      message,
      ...(columns ? { table: columns[1]!, column: columns[2]! } : {}),
      ...(check ? { constraint: check[1]! } : {})
    })
  }
  if (code !== undefined && (busyCodes.has(code) || code.startsWith("SQLITE_BUSY"))) {
    return new DatabaseError.TransactionError({
      phase: "serialization",
      retryable: true,
      message: `${message} (the database file is locked by another connection; raise busyTimeout or pass a retry schedule to begin)`
    })
  }
  if (code !== undefined && [...connectionCodes].some((c) => code.startsWith(c))) {
    return new DatabaseError.ConnectionError({
      kind: code.startsWith("SQLITE_CANTOPEN") || code.startsWith("SQLITE_NOTADB") ? "unreachable" : "lost",
      message
    })
  }
  return new DatabaseError.StatementError({ message, ...(code === undefined ? {} : { code }) })
}
