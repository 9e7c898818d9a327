import { ConnectionError as SqlConnectionError, type SqlErrorReason } from "effect/sql/SqlError"
import * as DatabaseError from "../../DatabaseError.js"
import type { SqlErrorReasonProps } from "./Dialect.js"

/**
 * A failure the driver decides itself, before any database is involved (a
 * closed database, no connection free in time): it carries its
 * `ConnectionError` ready-made, so classifying it is not a guess from a
 * driver's message.
 *
 * @internal
 */
export class ConnectionFailure extends Error {
  constructor(readonly reason: DatabaseError.ConnectionError) {
    super(reason.message)
    this.name = "ConnectionFailure"
  }
}

/**
 * A dialect's `classify`, with the driver's own failures passed through as
 * they are.
 *
 * @internal
 */
export const classifyWith = (classify: (cause: unknown) => DatabaseError.Reason) => (cause: unknown): DatabaseError.Reason =>
  cause instanceof ConnectionFailure ? cause.reason : classify(cause)

/** @internal */
export const closed = (what: string): ConnectionFailure =>
  new ConnectionFailure(
    new DatabaseError.ConnectionError({
      kind: "closed",
      message: `database is closed: the scope of ${what}'s layer (or of Database.make) has ended (use the database inside that scope)`
    })
  )

/**
 * A dialect's `sqlErrorReason`, with the driver's own failures (a closed
 * database, no connection free in time) reported as `effect/sql`'s
 * `ConnectionError`.
 *
 * @internal
 */
export const sqlErrorReasonWith = (
  classify: (driverError: unknown, props: SqlErrorReasonProps) => SqlErrorReason
) =>
(driverError: unknown, props: SqlErrorReasonProps): SqlErrorReason =>
  driverError instanceof ConnectionFailure ? new SqlConnectionError(props) : classify(driverError, props)
