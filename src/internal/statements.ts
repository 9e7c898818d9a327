import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import type { SqlError } from "effect/sql/SqlError"
import type { Input, Row } from "../Connection.js"
import * as DatabaseError from "../DatabaseError.js"
import type { Dialect, DriverConnection, QueryOptions, QueryResult } from "./dialect/Dialect.js"

/**
 * A driver whose statements complete synchronously (better-sqlite3) puts its
 * plain `query` function on the connection under this key, and the statement
 * path calls it inside the one `Effect.suspend` that also compiles, instead of
 * going through `conn.query`'s own suspend and a `mapError`. Wrappers such as
 * `instrument` (echo, onStatement) build a new object without it, so they keep
 * the effectful path and see every statement.
 *
 * @internal
 */
export const syncQuery: unique symbol = Symbol.for("effect-sqlservice/syncQuery") as never

/**
 * Beside `syncQuery`, the first row of a statement that returns at most one
 * (better-sqlite3's `.get()`: no array, no further rows read).
 *
 * @internal
 */
export const syncQueryRow: unique symbol = Symbol.for("effect-sqlservice/syncQueryRow") as never

/** @internal */
export interface SyncQueryable {
  readonly [syncQuery]?: ((sql: string, params: ReadonlyArray<unknown>) => QueryResult) | undefined
  readonly [syncQueryRow]?: ((sql: string, params: ReadonlyArray<unknown>) => Row | undefined) | undefined
}

const runSync = (
  dialect: Dialect,
  query: (sql: string, params: ReadonlyArray<unknown>) => QueryResult,
  sql: string,
  params: ReadonlyArray<unknown>
): Effect.Effect<QueryResult, DatabaseError.DatabaseError> => {
  try {
    return Effect.succeed(query(sql, params))
  } catch (cause) {
    // The same error the effectful path builds from the driver's SqlError.
    return Effect.fail(fromDriverError(dialect, sql, cause))
  }
}

/**
 * Compiles an input to SQL text and parameters with the dialect's compiler,
 * so an `effect/sql` fragment from any client runs with our placeholders.
 * A fragment the compiler rejects is a typed failure, not a throw.
 *
 * @internal
 */
export const compile = (
  dialect: Dialect,
  input: Input,
  params: ReadonlyArray<unknown> | undefined
): Result.Result<readonly [sql: string, params: ReadonlyArray<unknown>], DatabaseError.DatabaseError> => {
  if (typeof input === "string") return Result.succeed([input, params ?? []])
  try {
    // Our client's own statements compile themselves: they keep the text of their template.
    const own = input as { readonly compiler?: unknown; readonly compile?: (withoutTransform: boolean) => readonly [string, ReadonlyArray<unknown>] }
    if (own.compiler === dialect.compiler && typeof own.compile === "function") return Result.succeed(own.compile(false))
    return Result.succeed(dialect.compiler.compile(input, false))
  } catch (cause) {
    return Result.fail(compileError(cause))
  }
}

/**
 * What a driver threw for `sql`, classified by the dialect.
 *
 * @internal
 */
export const fromDriverError = (dialect: Dialect, sql: string, cause: unknown): DatabaseError.DatabaseError =>
  DatabaseError.make(dialect.classify(cause), { sql, cause })

/**
 * A driver's `SqlError` as our error: the driver error its reason carries,
 * classified by the dialect. A `DatabaseError` the driver or our own client
 * decided (a closed database, a detached connection) keeps its reason, with
 * the statement added.
 *
 * @internal
 */
export const fromSqlError = (dialect: Dialect, sql: string) => (error: SqlError): DatabaseError.DatabaseError => {
  const cause = error.reason.cause
  if (!DatabaseError.isDatabaseError(cause)) return fromDriverError(dialect, sql, cause)
  return cause.sql !== undefined || sql === "" ? cause : DatabaseError.make(cause.reason, { sql, cause: cause.cause })
}

const compileError = (cause: unknown) =>
  DatabaseError.make(
    new DatabaseError.StatementError({
      message: `cannot compile statement: ${cause instanceof Error ? cause.message : String(cause)}`
    }),
    { cause }
  )

/**
 * Runs SQL text with its parameters and maps driver failures onto
 * `DatabaseError` reasons.
 *
 * @internal
 */
export const run = (
  dialect: Dialect,
  conn: DriverConnection,
  sql: string,
  params: ReadonlyArray<unknown>,
  options?: QueryOptions
): Effect.Effect<QueryResult, DatabaseError.DatabaseError> => {
  const query = (conn as SyncQueryable)[syncQuery]
  return query !== undefined
    ? Effect.suspend(() => runSync(dialect, query, sql, params))
    : Effect.mapError(conn.query(sql, params, options), fromSqlError(dialect, sql))
}

/**
 * Compiles and runs; the compile step is inside the effect so a bad fragment
 * is a typed failure, not a throw at call time.
 *
 * @internal
 */
export const runInput = (
  dialect: Dialect,
  conn: DriverConnection,
  input: Input,
  params: ReadonlyArray<unknown> | undefined
) =>
  Effect.suspend(() => {
    const result = compile(dialect, input, params)
    if (Result.isFailure(result)) return Effect.fail(result.failure)
    const compiled = result.success
    const query = (conn as SyncQueryable)[syncQuery]
    return query !== undefined
      ? runSync(dialect, query, compiled[0], compiled[1])
      : Effect.mapError(conn.query(compiled[0], compiled[1]), fromSqlError(dialect, compiled[0]))
  })
