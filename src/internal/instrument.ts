import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { DriverConnection } from "./dialect/Dialect.js"

/** @internal */
export interface StatementListener {
  readonly echo: boolean
  readonly onStatement: ((sql: string, params: ReadonlyArray<unknown>) => void) | undefined
}

const formatParams = (params: ReadonlyArray<unknown>) =>
  JSON.stringify(params, (_, v) =>
    typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? `<${v.byteLength} bytes>` : v)

/**
 * Wraps a connection so that every statement it runs, from our API or from
 * `SqlClient`, is echoed through Effect's logger and/or reported to a
 * listener. Without either option the connection is returned untouched, so
 * the statement path pays nothing.
 *
 * @internal
 */
export const instrument = (conn: DriverConnection, listener: StatementListener): DriverConnection => {
  if (!listener.echo && listener.onStatement === undefined) return conn
  const observe = (sql: string, params: ReadonlyArray<unknown>): Effect.Effect<void> =>
    Effect.suspend(() => {
      listener.onStatement?.(sql, params)
      return listener.echo
        ? Effect.logInfo(params.length === 0 ? sql : `${sql} -- params: ${formatParams(params)}`).pipe(
          Effect.annotateLogs("effect-sqlservice", "statement")
        )
        : Effect.void
    })
  return {
    invalidate: conn.invalidate,
    refuseWrites: conn.refuseWrites,
    query: (sql, params, options) => Effect.andThen(observe(sql, params), conn.query(sql, params, options)),
    execute: (sql, params, t) => Effect.andThen(observe(sql, params), conn.execute(sql, params, t)),
    executeRaw: (sql, params) => Effect.andThen(observe(sql, params), conn.executeRaw(sql, params)),
    executeValues: (sql, params) => Effect.andThen(observe(sql, params), conn.executeValues(sql, params)),
    executeValuesUnprepared: (sql, params) => Effect.andThen(observe(sql, params), conn.executeValuesUnprepared(sql, params)),
    executeUnprepared: (sql, params, t) => Effect.andThen(observe(sql, params), conn.executeUnprepared(sql, params, t)),
    executeStream: (sql, params, t) => Stream.unwrap(Effect.as(observe(sql, params), conn.executeStream(sql, params, t)))
  }
}
