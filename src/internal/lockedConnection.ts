import * as Effect from "effect/Effect"
import type { SqlError } from "effect/sql/SqlError"
import * as Stream from "effect/Stream"
import type * as DatabaseError from "../DatabaseError.js"
import type { Dialect, DriverConnection } from "./dialect/Dialect.js"
import { type Frame, withConnection, withConnectionStream } from "./held.js"
import { beginTransaction } from "./session.js"

/**
 * The connection of `frame` as `effect/sql` sees it: every statement takes
 * its turn on the connection like ours (serialized, waiting while a nested
 * block owns it, refused once the frame has ended), reported as `SqlError`
 * as the `SqlClient` interface promises. In a read-only session a statement
 * first begins the session's read-only transaction, like the session's own
 * statements, so that `SqlClient` cannot write through it either.
 *
 * @internal
 */
export const lockedConnection = (
  frame: Frame,
  toSqlError: (error: DatabaseError.DatabaseError) => SqlError,
  dialect: Dialect
): DriverConnection => {
  const held = frame.held
  const conn = held.conn
  const guarded = <A, E>(use: Effect.Effect<A, E>): Effect.Effect<A, E | DatabaseError.DatabaseError> =>
    held.readOnly && held.autoBegin && !held.inTransaction ? Effect.andThen(beginTransaction(dialect, held, {}), use) : use
  const locked = <A>(use: Effect.Effect<A, SqlError>): Effect.Effect<A, SqlError> =>
    Effect.catchIf(
      withConnection(frame, () => guarded(use)),
      (e): e is DatabaseError.DatabaseError => e._tag === "DatabaseError",
      (e) => Effect.fail(toSqlError(e))
    )
  return {
    invalidate: conn.invalidate,
    refuseWrites: conn.refuseWrites,
    query: (sql, params, options) => locked(conn.query(sql, params, options)),
    execute: (sql, params, transformRows) => locked(conn.execute(sql, params, transformRows)),
    executeRaw: (sql, params) => locked(conn.executeRaw(sql, params)),
    executeValues: (sql, params) => locked(conn.executeValues(sql, params)),
    executeValuesUnprepared: (sql, params) => locked(conn.executeValuesUnprepared(sql, params)),
    executeUnprepared: (sql, params, transformRows) => locked(conn.executeUnprepared(sql, params, transformRows)),
    executeStream: (sql, params, transformRows) =>
      Stream.mapError(
        withConnectionStream(frame, () => {
          const rows = conn.executeStream(sql, params, transformRows)
          return held.readOnly && held.autoBegin && !held.inTransaction
            ? Stream.unwrap(Effect.as(beginTransaction(dialect, held, {}), rows))
            : rows
        }),
        (e) => e._tag === "DatabaseError" ? toSqlError(e) : e
      )
  }
}
