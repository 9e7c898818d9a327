import * as DatabaseError from "../../../DatabaseError.js"

const constraintKinds: Record<string, DatabaseError.ConstraintKind> = {
  "23505": "unique",
  "23503": "foreign_key",
  "23502": "not_null",
  "23514": "check",
  "23P01": "other" // exclusion
}

// Errors raised by the socket layer before PostgreSQL says anything.
const networkCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "EPIPE"])

const field = (cause: unknown, name: string): string | undefined => {
  if (typeof cause !== "object" || cause === null) return undefined
  const value = (cause as Record<string, unknown>)[name]
  return typeof value === "string" && value.length > 0 ? value : undefined
}

const isConnectionLoss = (message: string) =>
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|not queryable/i
    .test(message)

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
  if (code !== undefined && !networkCodes.has(code)) return false
  if (code === "EPIPE") return false
  const message = cause instanceof Error ? cause.message : String(cause)
  return !/not queryable/i.test(message)
}

/** @internal */
export const classify = (cause: unknown): DatabaseError.Reason => {
  const code = field(cause, "code")
  const message = cause instanceof Error ? cause.message : String(cause)
  if (code !== undefined && code.startsWith("23")) {
    const detail = field(cause, "detail")
    const table = field(cause, "table")
    const column = field(cause, "column")
    const constraint = field(cause, "constraint")
    return new DatabaseError.ConstraintError({
      kind: constraintKinds[code] ?? "other",
      message: detail ? `${message} (${detail})` : message,
      ...(table ? { table } : {}),
      ...(column ? { column } : {}),
      ...(constraint ? { constraint } : {})
    })
  }
  if (code === "40001" || code === "40P01") {
    return new DatabaseError.TransactionError({ phase: "serialization", retryable: true, message })
  }
  if (code === "25P02") {
    return new DatabaseError.TransactionError({
      phase: "serialization",
      retryable: false,
      message: `${message} (an earlier statement of this transaction failed; roll back, or use a nested begin to recover)`
    })
  }
  // A protocol violation the server reports as a plain ERROR (e.g. "bind
  // message supplies 1 parameters, but prepared statement requires 2") is a
  // bad statement on a connection that stays usable; only a FATAL one ends it.
  if (code === "08P01" && field(cause, "severity") === "ERROR") {
    return new DatabaseError.StatementError({ message, code })
  }
  if (
    (code !== undefined && (code.startsWith("08") || code === "57P01" || code === "57P02" || code === "57P03" ||
      code === "28P01" || code === "28000" || code === "3D000" || networkCodes.has(code))) ||
    isConnectionLoss(message)
  ) {
    const address = field(cause, "address")
    const port = typeof cause === "object" && cause !== null && typeof (cause as any).port === "number"
      ? (cause as any).port as number
      : undefined
    const refused = code === "28P01" || code === "28000" || code === "3D000" || code === "57P03"
    const unreachable = (code !== undefined && networkCodes.has(code) && code !== "ECONNRESET" && code !== "EPIPE") ||
      /timeout exceeded when trying to connect|connection timeout/i.test(message)
    return new DatabaseError.ConnectionError({
      kind: refused ? "refused" : unreachable ? "unreachable" : "lost",
      message: message.length > 0 ? message : `connection failed (${code})`,
      ...(address ? { host: address } : {}),
      ...(port !== undefined ? { port } : {})
    })
  }
  if (code === "57014") {
    return new DatabaseError.StatementError({ message: `${message} (statement timeout or cancellation)`, code })
  }
  return new DatabaseError.StatementError({ message, ...(code === undefined ? {} : { code }) })
}
