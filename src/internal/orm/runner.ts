import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type { Row } from "../../Connection.js"
import type * as DatabaseError from "../../DatabaseError.js"
import type { Session } from "../../Session.js"
import type { Dialect, QueryOptions, QueryResult } from "../dialect/Dialect.js"

/**
 * What ORM operations need from a session: run SQL on its connection (with
 * its implicit BEGIN), stream, and make a group of statements atomic.
 *
 * @internal
 */
export interface Runner {
  readonly dialect: Dialect
  readonly run: (
    sql: string,
    params: ReadonlyArray<unknown>,
    options?: QueryOptions
  ) => Effect.Effect<QueryResult, DatabaseError.DatabaseError>
  /**
   * Runs a statement, then `then` on its result: one fiber step where the
   * driver runs statements synchronously and the connection is free.
   */
  readonly runThen: <A>(
    sql: string,
    params: ReadonlyArray<unknown>,
    then: (result: QueryResult) => Effect.Effect<A, DatabaseError.DatabaseError>
  ) => Effect.Effect<A, DatabaseError.DatabaseError>
  /**
   * Runs a statement that returns at most one row, then `then` on that row:
   * the driver reads that row only where it can, in one fiber step where
   * `runThen` would.
   */
  readonly firstRowThen: <A>(
    sql: string,
    params: ReadonlyArray<unknown>,
    then: (row: Row | undefined) => Effect.Effect<A, DatabaseError.DatabaseError>
  ) => Effect.Effect<A, DatabaseError.DatabaseError>
  readonly stream: (sql: string, params: ReadonlyArray<unknown>) => Stream.Stream<Row, DatabaseError.DatabaseError>
  /** All or nothing: a savepoint inside an open transaction, else a transaction. */
  readonly atomically: <A, E, R>(
    effect: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | DatabaseError.DatabaseError, Exclude<R, Session>>
  /** The session itself, for hooks. */
  readonly session: () => Session
}
