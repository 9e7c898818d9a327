import * as Effect from "effect/Effect"
import type { SqlError } from "effect/sql/SqlError"
import * as Stream from "effect/Stream"
import type * as DatabaseError from "../DatabaseError.js"
import type { DriverConnection } from "./dialect/Dialect.js"
import { type Frame, withConnection, withConnectionStream } from "./held.js"

/**
 * The connection of `frame` as `effect/sql` sees it: every statement takes
 * its turn on the connection like ours (serialized, waiting while a nested
 * block owns it, refused once the frame has ended), reported as `SqlError`
 * as the `SqlClient` interface promises.
 *
 * @internal
 */
export const lockedConnection = (
  frame: Frame,
  toSqlError: (error: DatabaseError.DatabaseError) => SqlError
): DriverConnection => {
  const conn = frame.held.conn
  const locked = <A>(use: Effect.Effect<A, SqlError>): Effect.Effect<A, SqlError> =>
    Effect.catchIf(
      withConnection(frame, () => use),
      (e): e is DatabaseError.DatabaseError => e._tag === "DatabaseError",
      (e) => Effect.fail(toSqlError(e))
    )
  return {
    invalidate: conn.invalidate,
    query: (sql, params, options) => locked(conn.query(sql, params, options)),
    execute: (sql, params, transformRows) => locked(conn.execute(sql, params, transformRows)),
    executeRaw: (sql, params) => locked(conn.executeRaw(sql, params)),
    executeValues: (sql, params) => locked(conn.executeValues(sql, params)),
    executeValuesUnprepared: (sql, params) => locked(conn.executeValuesUnprepared(sql, params)),
    executeUnprepared: (sql, params, transformRows) => locked(conn.executeUnprepared(sql, params, transformRows)),
    executeStream: (sql, params, transformRows) =>
      Stream.mapError(
        withConnectionStream(frame, () => conn.executeStream(sql, params, transformRows)),
        (e) => e._tag === "DatabaseError" ? toSqlError(e) : e
      )
  }
}
