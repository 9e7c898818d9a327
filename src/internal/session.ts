import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { Input, Row } from "../Connection.js"
import * as DatabaseError from "../DatabaseError.js"
import type { Session } from "../Session.js"
import type { Dialect, DriverConnection } from "./dialect/Dialect.js"
import { compile, compileError, fromSqlError, run, runInput } from "./statements.js"

/**
 * A connection held by a session, a `begin` block or `db.connect`, with the
 * transaction state our combinators need. It lives in a FiberRef of its
 * Database, so statements (ours and `SqlClient`'s) issued inside find it.
 *
 * @internal
 */
export interface Held {
  readonly conn: DriverConnection
  /** A transaction is open on `conn`. */
  inTransaction: boolean
  /** How many `begin` blocks are running on `conn`; session commit/rollback is refused inside one. */
  beginDepth: number
  /** Next savepoint number: names are unique per connection hold, never reused by siblings. */
  savepoints: number
  /** Statements begin a transaction implicitly (sessions); raw connections run in autocommit. */
  readonly autoBegin: boolean
}

/** @internal */
export const makeHeld = (conn: DriverConnection, autoBegin: boolean): Held => ({
  conn,
  inTransaction: false,
  beginDepth: 0,
  savepoints: 0,
  autoBegin
})

/** @internal */
export const transactionError = (phase: DatabaseError.TransactionError["phase"], sql: string) =>
(error: DatabaseError.DatabaseError): DatabaseError.DatabaseError => {
  const retryable = error.reason._tag === "TransactionError" && error.reason.retryable
  return DatabaseError.make(
    new DatabaseError.TransactionError({
      phase: retryable && phase === "commit" ? "serialization" : phase,
      retryable,
      message: `${sql} failed: ${error.reason.message}`
    }),
    { sql, cause: error.cause }
  )
}

/** @internal */
export const control = (dialect: Dialect, held: Held, phase: DatabaseError.TransactionError["phase"], sql: string) =>
  Effect.mapError(run(dialect, held.conn, sql, []), transactionError(phase, sql))

const beginImplicit = (dialect: Dialect, held: Held) =>
  Effect.map(control(dialect, held, "begin", dialect.begin({})), () => {
    held.inTransaction = true
  })

/**
 * The statement path of sessions: begins a transaction first when the
 * session has none open.
 *
 * @internal
 */
export const makeSession = (dialect: Dialect, held: Held): Session => {
  const execute = (input: Input, params?: ReadonlyArray<unknown>) =>
    held.autoBegin && !held.inTransaction
      ? Effect.zipRight(beginImplicit(dialect, held), runInput(dialect, held.conn, input, params))
      : runInput(dialect, held.conn, input, params)
  const all = (input: Input, params?: ReadonlyArray<unknown>) =>
    Effect.map(execute(input, params), (r) => r.rows)

  const refuseInsideBegin = (what: string) =>
    DatabaseError.make(
      new DatabaseError.TransactionError({
        phase: what === "commit" ? "commit" : "rollback",
        retryable: false,
        message:
          `session.${what} inside db.begin: the begin block ${what}s by itself (commit on success, roll back on failure); fail the block to roll back, or use a nested begin for a savepoint`
      })
    )

  const finish = (what: "commit" | "rollback") =>
    Effect.suspend(() => {
      if (held.beginDepth > 0) return Effect.fail(refuseInsideBegin(what))
      if (!held.inTransaction) return Effect.void
      held.inTransaction = false
      return control(dialect, held, what, what === "commit" ? "COMMIT" : "ROLLBACK")
    })

  return {
    dialect: dialect.name,
    execute,
    all,
    stream: (input, params) =>
      Stream.suspend(() => {
        let compiled: readonly [string, ReadonlyArray<unknown>]
        try {
          compiled = compile(dialect, input, params)
        } catch (cause) {
          return Stream.fail(compileError(cause))
        }
        const [sql, values] = compiled
        const rows = held.conn.executeStream(sql, values, undefined).pipe(
          Stream.mapError(fromSqlError(dialect, sql))
        ) as Stream.Stream<Row, DatabaseError.DatabaseError>
        return held.autoBegin && !held.inTransaction
          ? Stream.unwrap(Effect.as(beginImplicit(dialect, held), rows))
          : rows
      }),
    first: (input, params) => Effect.map(all(input, params), (rows) => Option.fromNullable(rows[0])),
    one: (input, params) =>
      Effect.flatMap(all(input, params), (rows) =>
        rows.length === 1
          ? Effect.succeed(rows[0]!)
          : Effect.fail(
            rows.length === 0
              ? DatabaseError.make(new DatabaseError.NotFoundError({ message: "expected one row, the query returned none" }))
              : multipleRows(rows.length)
          )),
    oneOrNone: (input, params) =>
      Effect.flatMap(all(input, params), (rows) =>
        rows.length <= 1
          ? Effect.succeed(Option.fromNullable(rows[0]))
          : Effect.fail(multipleRows(rows.length))),
    scalar: (input, params) =>
      Effect.map(all(input, params), (rows) => {
        const row = rows[0]
        if (row === undefined) return Option.none()
        for (const key in row) return Option.some(row[key])
        return Option.none()
      }),
    commit: finish("commit"),
    rollback: finish("rollback"),
    inTransaction: Effect.sync(() => held.inTransaction)
  }
}

const multipleRows = (count: number) =>
  DatabaseError.make(
    new DatabaseError.MultipleRowsError({ message: `expected at most one row, the query returned ${count}`, count })
  )
