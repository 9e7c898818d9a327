import {
  AuthenticationError,
  AuthorizationError,
  ConnectionError as SqlConnectionError,
  ConstraintError as SqlConstraintError,
  LockTimeoutError,
  type SqlErrorReason,
  UniqueViolation,
  UnknownError
} from "effect/sql/SqlError"
import * as DatabaseError from "../../../DatabaseError.js"
import type { SqlErrorReasonProps } from "../Dialect.js"
import { constraintHeadlines, errorMessage, foreignText } from "../../errorMessage.js"

const constraintKinds: Record<string, DatabaseError.ConstraintKind> = {
  SQLITE_CONSTRAINT_UNIQUE: "unique",
  SQLITE_CONSTRAINT_PRIMARYKEY: "unique",
  SQLITE_CONSTRAINT_FOREIGNKEY: "foreign_key",
  SQLITE_CONSTRAINT_NOTNULL: "not_null",
  SQLITE_CONSTRAINT_CHECK: "check"
}

// "UNIQUE constraint failed: users.email, users.name" / "NOT NULL constraint failed: users.name"
const columnList = /constraint failed: ([^\s,]+)\.([^\s,]+)/
// "cannot store TEXT value in INTEGER column typed_values.n" (a STRICT table)
const columnOf = /column ([^\s.]+)\.([^\s.]+)$/
// "CHECK constraint failed: positive_age" (a name or the expression text)
const checkName = /CHECK constraint failed: (.+)$/

// better-sqlite3 throws a TypeError without a code for any use of a closed
// connection (a prepared statement of it included), and checks the directory
// of a new file itself before SQLite would say SQLITE_CANTOPEN.
const closedConnection = /^The database connection is not open$/
const missingDirectory = /^Cannot open database because the directory does not exist$/

/**
 * The primary result code of an extended one: SQLITE_READONLY_DBMOVED →
 * SQLITE_READONLY. Extended codes say why; the primary says what it means.
 */
const primary = (code: string) => {
  const second = code.indexOf("_", "SQLITE_".length)
  return second === -1 ? code : code.slice(0, second)
}

/** @internal */
export const classify = (cause: unknown): DatabaseError.Reason => {
  const code = typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : undefined
  const text = cause instanceof Error ? cause.message : String(cause)
  const why = foreignText(text)
  switch (code) {
    // A STRICT table refusing a value of another type: PostgreSQL's 22P02.
    case "SQLITE_CONSTRAINT_DATATYPE":
    case "SQLITE_MISMATCH":
    case "SQLITE_TOOBIG": {
      const columns = columnOf.exec(text)
      return new DatabaseError.InputError({
        code,
        message: errorMessage(
          code === "SQLITE_TOOBIG" ? "value too long" : "invalid input value",
          why,
          "the database refused a value given to this statement; check the value, or the column's type"
        ),
        ...(columns ? { table: columns[1]!, column: columns[2]! } : {})
      })
    }
  }
  switch (code === undefined ? undefined : primary(code)) {
    case "SQLITE_CONSTRAINT": {
      const kind = constraintKinds[code!] ?? "other"
      const columns = columnList.exec(text)
      const check = kind === "check" ? checkName.exec(text) : null
      return new DatabaseError.ConstraintError({
        kind,
        message: errorMessage(constraintHeadlines[kind], why),
        ...(columns ? { table: columns[1]!, column: columns[2]! } : {}),
        ...(check ? { constraint: check[1]! } : {})
      })
    }
    case "SQLITE_BUSY":
    case "SQLITE_LOCKED":
      return new DatabaseError.TransactionError({
        phase: "serialization",
        retryable: true,
        message: errorMessage(
          "transaction conflict",
          why,
          "the database file is locked by another connection; raise busyTimeout or pass a retry Schedule to begin"
        )
      })
    case "SQLITE_READONLY":
      return new DatabaseError.ReadOnlyError({
        code: code!,
        message: errorMessage(
          "database is read-only",
          why,
          "a read-only session or begin (readOnly: true) refuses writes: write in a session or begin without readOnly; otherwise the file, its directory or the connection is read-only (or PRAGMA query_only is on): open a writable file to write"
        )
      })
    case "SQLITE_FULL":
      return new DatabaseError.StorageFullError({
        code: code!,
        message: errorMessage(
          "storage full",
          why,
          "free disk space, or raise PRAGMA max_page_count if it was lowered"
        )
      })
    case "SQLITE_CANTOPEN":
    case "SQLITE_NOTADB":
      return new DatabaseError.ConnectionError({ kind: "unreachable", message: errorMessage("cannot open database", why) })
    case "SQLITE_CORRUPT":
    case "SQLITE_IOERR":
      return new DatabaseError.ConnectionError({ kind: "lost", message: errorMessage("database file unusable", why) })
  }
  if (code === undefined && missingDirectory.test(text)) {
    return new DatabaseError.ConnectionError({ kind: "unreachable", message: errorMessage("cannot open database", why) })
  }
  if (code === undefined && closedConnection.test(text)) {
    return new DatabaseError.ConnectionError({
      kind: "closed",
      message: errorMessage(
        "database is closed",
        why,
        "the scope or layer that provided this Database has ended; use the Database only while it is open"
      )
    })
  }
  return new DatabaseError.StatementError({
    message: errorMessage("statement failed", why),
    ...(code === undefined ? {} : { code })
  })
}

const uniqueConstraint = (text: string): string => {
  const prefix = "UNIQUE constraint failed:"
  const at = text.indexOf(prefix)
  const name = at === -1 ? "" : text.slice(at + prefix.length).trim()
  return name === "" ? "unknown" : name
}

/**
 * The `effect/sql` reason of a better-sqlite3 error, by its extended result
 * code, as `effect/sql`'s `classifySqliteError` does (BUSY is a
 * `LockTimeoutError`, a PRIMARY KEY conflict a `ConstraintError`); the reason
 * carries `props.cause`.
 *
 * @internal
 */
export const sqlErrorReason = (driverError: unknown, props: SqlErrorReasonProps): SqlErrorReason => {
  const code = typeof driverError === "object" && driverError !== null && "code" in driverError &&
      typeof driverError.code === "string"
    ? driverError.code
    : undefined
  if (code === "SQLITE_CONSTRAINT_UNIQUE") {
    return new UniqueViolation({ ...props, constraint: uniqueConstraint(driverError instanceof Error ? driverError.message : "") })
  }
  switch (code === undefined ? undefined : primary(code)) {
    case "SQLITE_AUTH":
      return new AuthenticationError(props)
    case "SQLITE_PERM":
      return new AuthorizationError(props)
    case "SQLITE_CONSTRAINT":
      return new SqlConstraintError(props)
    case "SQLITE_BUSY":
    case "SQLITE_LOCKED":
      return new LockTimeoutError(props)
    case "SQLITE_CANTOPEN":
      return new SqlConnectionError(props)
  }
  // A closed connection, a missing directory, a corrupt file.
  return classify(driverError)._tag === "ConnectionError" ? new SqlConnectionError(props) : new UnknownError(props)
}
