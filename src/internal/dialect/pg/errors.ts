import {
  AuthenticationError,
  AuthorizationError,
  ConnectionError as SqlConnectionError,
  ConstraintError as SqlConstraintError,
  DeadlockError,
  LockTimeoutError,
  SerializationError,
  SqlSyntaxError,
  type SqlErrorReason,
  StatementTimeoutError,
  UniqueViolation,
  UnknownError
} from "effect/sql/SqlError"
import * as DatabaseError from "../../../DatabaseError.js"
import type { SqlErrorReasonProps } from "../Dialect.js"
import { clip, constraintHeadlines, errorMessage, foreignText } from "../../errorMessage.js"
import { ReasonFailure } from "./pooler.js"

const constraintKinds: Record<string, DatabaseError.ConstraintKind> = {
  "23505": "unique",
  "23503": "foreign_key",
  "23502": "not_null",
  "23514": "check",
  "23P01": "other" // exclusion
}

/** SQLSTATE class 22, data exception: the value given, not the statement, is wrong. */
const invalidInputHeadlines: Record<string, string> = {
  "22P02": "invalid input value", // invalid_text_representation: "abc" as integer, an unknown enum label
  "22003": "value out of range", // numeric_value_out_of_range
  "22007": "invalid date or time", // invalid_datetime_format
  "22008": "invalid date or time", // datetime_field_overflow: February 30
  "22001": "value too long", // string_data_right_truncation: longer than VARCHAR(n)
  "22021": "invalid text", // character_not_in_repertoire: U+0000, invalid UTF-8
  "22012": "division by zero"
}

/**
 * Every way pg reports that a connection is gone, could not be made or may
 * not be used, whichever of them a given timing produces: the server's
 * SQLSTATE when it said something, the socket's error code when it did not,
 * and pg's and pg-pool's own messages when neither did.
 */
const connectionCodes: Record<string, DatabaseError.ConnectionKind> = {
  // Class 08, connection exception.
  "08000": "lost",
  "08001": "unreachable", // sqlclient_unable_to_establish_sqlconnection
  "08003": "lost", // connection_does_not_exist
  "08004": "refused", // sqlserver_rejected_establishment_of_sqlconnection
  "08006": "lost", // connection_failure
  "08007": "lost", // transaction_resolution_unknown
  "08P01": "lost", // protocol_violation (FATAL; an ERROR one is a bad statement, see below)
  // Sessions the server ends.
  "57P01": "lost", // admin_shutdown: pg_terminate_backend, fast or smart shutdown
  "57P02": "lost", // crash_shutdown
  "57P04": "lost", // database_dropped
  "57P05": "lost", // idle_session_timeout
  "25P03": "lost", // idle_in_transaction_session_timeout
  // The server answered but will not serve us.
  "57P03": "refused", // cannot_connect_now: starting up, shutting down, in recovery
  "28000": "refused", // invalid_authorization_specification (unknown role, pg_hba)
  "28P01": "refused", // invalid_password
  "3D000": "refused", // invalid_catalog_name: no such database
  // The socket, before the server said anything.
  ECONNREFUSED: "unreachable",
  ENOTFOUND: "unreachable",
  EAI_AGAIN: "unreachable",
  ETIMEDOUT: "unreachable",
  EHOSTUNREACH: "unreachable",
  EHOSTDOWN: "unreachable",
  ENETUNREACH: "unreachable",
  ENETDOWN: "unreachable",
  ECONNRESET: "lost",
  ECONNABORTED: "lost",
  EPIPE: "lost",
  ERR_STREAM_WRITE_AFTER_END: "lost",
  ERR_STREAM_DESTROYED: "lost",
  ERR_SOCKET_CLOSED: "lost"
}

const connectionMessages: ReadonlyArray<readonly [RegExp, DatabaseError.ConnectionKind]> = [
  // pg: the socket closed without us ending the client, or after an error on it.
  [/^Connection terminated unexpectedly$/, "lost"],
  [/^Client has encountered a connection error and is not queryable$/, "lost"],
  [/^write after end$/, "lost"],
  // pg-pool: opening a new connection took longer than connectTimeout.
  [/^Connection terminated due to connection timeout$/, "unreachable"],
  // pg-pool: every connection stayed checked out for longer than connectTimeout.
  [/^timeout exceeded when trying to connect$/, "pool_timeout"],
  // pg and pg-pool: we ended the client or the pool (the Database was closed).
  [/^Connection terminated$/, "closed"],
  [/^Client was closed and is not queryable$/, "closed"],
  [/^Cannot use a pool after calling end on the pool$/, "closed"]
]

const connectionHeadlines: Record<DatabaseError.ConnectionKind, string> = {
  unreachable: "server unreachable",
  refused: "connection refused",
  lost: "connection lost",
  pool_timeout: "no connection available",
  closed: "database is closed",
  detached: "connection detached"
}

const connectionHints: Partial<Record<DatabaseError.ConnectionKind, string>> = {
  pool_timeout:
    "every pooled connection stayed busy for longer than connectTimeout; raise poolSize or connectTimeout, or hold connections for less time",
  closed: "the scope or layer that provided this Database has ended; use the Database only while it is open"
}

// "Key (email)=(ada@example.com) already exists.": the key's values, which
// PostgreSQL does not shorten (unlike "Failing row contains (...)").
const keyValues = /^(Key \(.*?\)=\()([\s\S]*)(\)[^)]*)$/

const detailText = (detail: string) =>
  foreignText(detail.replace(keyValues, (_, lead: string, values: string, tail: string) => lead + clip(values) + tail))

const field = (cause: unknown, name: string): string | undefined => {
  if (typeof cause !== "object" || cause === null) return undefined
  const value = (cause as Record<string, unknown>)[name]
  return typeof value === "string" && value.length > 0 ? value : undefined
}

/** The error's own words; Node's AggregateError (every address refused) has none, its parts do. */
const textOf = (cause: unknown, code: string | undefined): string => {
  if (cause instanceof AggregateError && cause.message === "") {
    const parts = cause.errors.map((e) => (e instanceof Error ? e.message : String(e))).filter((m) => m !== "")
    if (parts.length > 0) return parts.join("; ")
  }
  if (cause instanceof Error) return cause.message !== "" ? cause.message : code ?? cause.name
  return String(cause)
}

const connectionKind = (cause: unknown, code: string | undefined, text: string): DatabaseError.ConnectionKind | undefined => {
  // A protocol violation the server reports as a plain ERROR (e.g. "bind
  // message supplies 1 parameters, but prepared statement requires 2") is a
  // bad statement on a connection that stays usable; only a FATAL one ends it.
  if (code === "08P01" && field(cause, "severity") === "ERROR") return undefined
  if (code !== undefined && connectionCodes[code] !== undefined) return connectionCodes[code]
  for (const [pattern, kind] of connectionMessages) if (pattern.test(text)) return kind
  // Whatever else the server ends a session with.
  const severity = field(cause, "severity")
  if (severity === "FATAL" || severity === "PANIC") return "lost"
  return undefined
}

/**
 * A COMMIT that failed because the connection went may have committed,
 * unless the server said why it refused (any SQLSTATE, e.g. 57P01 read as
 * the reply: the backend was terminated before it ran the COMMIT) or the
 * client knew the connection was gone before sending it.
 *
 * @internal
 */
export const commitOutcomeUnknown = (cause: unknown): boolean => {
  const code = field(cause, "code")
  // A SQLSTATE: the server answered. (Socket and Node stream codes start with E.)
  if (code !== undefined && !code.startsWith("E")) return false
  // The write itself failed: the COMMIT never left this process.
  if (code !== undefined && notSentCodes.has(code)) return false
  const message = cause instanceof Error ? cause.message : String(cause)
  return !/not queryable/i.test(message)
}

const notSentCodes = new Set(["EPIPE", "ERR_STREAM_WRITE_AFTER_END", "ERR_STREAM_DESTROYED", "ERR_SOCKET_CLOSED"])

/** @internal */
export const classify = (cause: unknown): DatabaseError.Reason => {
  if (cause instanceof ReasonFailure) return cause.reason
  const code = field(cause, "code")
  const text = textOf(cause, code)
  const why = foreignText(text)
  const detail = field(cause, "detail")
  const serverHint = field(cause, "hint")
  const hint = serverHint === undefined ? undefined : foreignText(serverHint)
  const withDetail = detail === undefined ? why : `${why}; ${detailText(detail)}`

  if (code !== undefined && code.startsWith("23")) {
    const kind = constraintKinds[code] ?? "other"
    const table = field(cause, "table")
    const column = field(cause, "column")
    const constraint = field(cause, "constraint")
    return new DatabaseError.ConstraintError({
      kind,
      message: errorMessage(constraintHeadlines[kind], withDetail, hint),
      ...(table ? { table } : {}),
      ...(column ? { column } : {}),
      ...(constraint ? { constraint } : {})
    })
  }
  if (code !== undefined && code.startsWith("22")) {
    const table = field(cause, "table")
    const column = field(cause, "column")
    return new DatabaseError.InputError({
      code,
      message: errorMessage(
        invalidInputHeadlines[code] ?? "invalid value",
        withDetail,
        hint ?? "the database refused a value given to this statement; check the value, or the column's type"
      ),
      ...(table ? { table } : {}),
      ...(column ? { column } : {})
    })
  }
  switch (code) {
    case "40001":
    case "40P01":
      return new DatabaseError.TransactionError({
        phase: "serialization",
        retryable: true,
        message: errorMessage(
          "transaction conflict",
          why,
          "another transaction got there first; pass a retry Schedule to begin to run the whole transaction again"
        )
      })
    case "25P02":
      return new DatabaseError.TransactionError({
        phase: "serialization",
        retryable: false,
        message: errorMessage(
          "transaction aborted",
          why,
          "an earlier statement of this transaction failed; roll back, or use a nested begin to recover"
        )
      })
    case "25006":
      return new DatabaseError.ReadOnlyError({
        code,
        message: errorMessage(
          "read-only transaction",
          why,
          "a read-only session or begin (readOnly: true) refuses writes: write in a session or begin without readOnly, on the primary server, not a standby"
        )
      })
    case "53100":
      return new DatabaseError.StorageFullError({
        code,
        message: errorMessage("storage full", withDetail, hint ?? "free disk space on the database server")
      })
    case "53300":
      return new DatabaseError.TooManyConnectionsError({
        code,
        message: errorMessage(
          "too many connections",
          why,
          "lower poolSize, or raise the server's max_connections or the role's CONNECTION LIMIT"
        )
      })
    case "57014":
      return new DatabaseError.StatementError({
        code,
        message: errorMessage("statement cancelled", why, "statementTimeout elapsed, or the fiber running it was interrupted")
      })
  }

  const kind = connectionKind(cause, code, text)
  if (kind !== undefined) {
    const address = field(cause, "address")
    const port = typeof cause === "object" && cause !== null && typeof (cause as any).port === "number"
      ? (cause as any).port as number
      : undefined
    return new DatabaseError.ConnectionError({
      kind,
      message: errorMessage(connectionHeadlines[kind], why, connectionHints[kind] ?? hint),
      ...(address ? { host: address } : {}),
      ...(port !== undefined ? { port } : {})
    })
  }
  return new DatabaseError.StatementError({
    message: errorMessage("statement failed", withDetail, hint),
    ...(code === undefined ? {} : { code })
  })
}

/**
 * The `effect/sql` reason of a pg error, by its SQLSTATE as `@effect/sql-pg`
 * classifies it; an error without one (a socket, pg's own messages) is a
 * `ConnectionError` when it means the connection is gone. The reason carries
 * `props.cause`.
 *
 * @internal
 */
export const sqlErrorReason = (driverError: unknown, props: SqlErrorReasonProps): SqlErrorReason => {
  const code = field(driverError, "code")
  if (code !== undefined) {
    if (code.startsWith("08")) return new SqlConnectionError(props)
    if (code.startsWith("28")) return new AuthenticationError(props)
    if (code === "42501") return new AuthorizationError(props)
    if (code.startsWith("42")) return new SqlSyntaxError(props)
    if (code === "23505") {
      return new UniqueViolation({ ...props, constraint: field(driverError, "constraint")?.trim() || "unknown" })
    }
    if (code.startsWith("23")) return new SqlConstraintError(props)
    if (code === "40P01") return new DeadlockError(props)
    if (code === "40001") return new SerializationError(props)
    if (code === "55P03") return new LockTimeoutError(props)
    if (code === "57014") return new StatementTimeoutError(props)
  }
  return classify(driverError)._tag === "ConnectionError" ? new SqlConnectionError(props) : new UnknownError(props)
}
