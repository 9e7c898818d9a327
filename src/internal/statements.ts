import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import type { Input } from "../Connection.js"
import * as DatabaseError from "../DatabaseError.js"
import type { Dialect, DriverConnection } from "./dialect/Dialect.js"

/**
 * Compiles an input to SQL text and parameters with the dialect's compiler,
 * so an `@effect/sql` fragment from any client runs with our placeholders.
 *
 * @internal
 */
export const compile = (
  dialect: Dialect,
  input: Input,
  params: ReadonlyArray<unknown> | undefined
): readonly [sql: string, params: ReadonlyArray<unknown>] => {
  if (typeof input === "string") return [input, params ?? []]
  return dialect.compiler.compile(input, false)
}

/** @internal */
export const fromSqlError = (dialect: Dialect, sql: string) => (error: SqlError): DatabaseError.DatabaseError =>
  DatabaseError.make(dialect.classify(error.cause ?? error), { sql, cause: error.cause ?? error })

/** @internal */
export const compileError = (cause: unknown) =>
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
export const run = (dialect: Dialect, conn: DriverConnection, sql: string, params: ReadonlyArray<unknown>) =>
  Effect.mapError(conn.query(sql, params), fromSqlError(dialect, sql))

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
    let compiled: readonly [string, ReadonlyArray<unknown>]
    try {
      compiled = compile(dialect, input, params)
    } catch (cause) {
      return Effect.fail(compileError(cause))
    }
    return run(dialect, conn, compiled[0], compiled[1])
  })
