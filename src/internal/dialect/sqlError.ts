import {
  ConnectionError,
  ConstraintError,
  SqlError,
  UniqueViolation,
  UnknownError
} from "effect/sql/SqlError"
import * as DatabaseError from "../../DatabaseError.js"
import { ConnectionFailure } from "./connectionFailure.js"
import type { Dialect } from "./Dialect.js"

const messageOf = (cause: unknown): string => cause instanceof Error ? cause.message : String(cause)

/**
 * What the driver threw, as `effect/sql` reports it: an `SqlError` whose
 * reason is the dialect's classification and whose reason's `cause` is the
 * driver error itself (our statement path classifies that error again, see
 * `fromSqlError`). A failure the driver decided itself (a closed database,
 * no connection free in time) carries its `DatabaseError` instead.
 *
 * @internal
 */
export const driverSqlError = (
  dialect: Pick<Dialect, "sqlErrorReason">,
  driverError: unknown,
  operation?: string
): SqlError => {
  const cause = driverError instanceof ConnectionFailure
    ? DatabaseError.make(driverError.reason, { cause: driverError })
    : driverError
  return new SqlError({ reason: dialect.sqlErrorReason(driverError, { cause, message: messageOf(driverError), operation }) })
}

/** The driver error a `DatabaseError` was made of, through `DatabaseError`s that wrap others. */
const driverErrorOf = (error: DatabaseError.DatabaseError): unknown => {
  let cause: unknown = error.cause
  while (DatabaseError.isDatabaseError(cause)) cause = cause.cause
  return cause
}

/**
 * A failure our `SqlClient` decided itself (a detached connection, a closed
 * database, no connection free in time, a failed BEGIN or COMMIT), as
 * `effect/sql` reports it: an `SqlError` whose reason carries the
 * `DatabaseError` as its `cause`. The reason's kind follows the driver error
 * underneath when there is one, as the upstream clients classify it.
 *
 * @internal
 */
export const sqlErrorFromDatabaseError = (
  dialect: Pick<Dialect, "sqlErrorReason">,
  error: DatabaseError.DatabaseError,
  operation?: string
): SqlError => {
  const props = { cause: error, message: error.message, operation }
  const reason = error.reason
  if (reason._tag === "ConnectionError") return new SqlError({ reason: new ConnectionError(props) })
  const driverError = driverErrorOf(error)
  if (driverError !== undefined) return new SqlError({ reason: dialect.sqlErrorReason(driverError, props) })
  if (reason._tag === "ConstraintError") {
    return new SqlError({
      reason: reason.kind === "unique"
        ? new UniqueViolation({ ...props, constraint: reason.constraint ?? "unknown" })
        : new ConstraintError(props)
    })
  }
  return new SqlError({ reason: new UnknownError(props) })
}
