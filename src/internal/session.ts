import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { Input, Row } from "../Connection.js"
import * as DatabaseError from "../DatabaseError.js"
import * as Query from "../Query.js"
import type { Session } from "../Session.js"
import * as Table from "../Table.js"
import * as Read from "./orm/read.js"
import type { Runner } from "./orm/runner.js"
import * as Write from "./orm/write.js"
import type { Dialect, DriverConnection } from "./dialect/Dialect.js"
import { compile, fromSqlError, run, runInput } from "./statements.js"

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

/** @internal */
export type Atomically = <A, E, R>(
  effect: Effect.Effect<A, E, R>
) => Effect.Effect<A, E | DatabaseError.DatabaseError, Exclude<R, Session>>

const multipleRows = (count: number) =>
  DatabaseError.make(
    new DatabaseError.MultipleRowsError({ message: `expected at most one row, the query returned ${count}`, count })
  )

const noRow = (what: string) =>
  DatabaseError.make(new DatabaseError.NotFoundError({ message: `expected one row, ${what} returned none` }))

/**
 * A session over `held`: the statement path begins a transaction first when
 * the session needs one and has none open; ORM calls (queries, get, save...)
 * take the same path.
 *
 * @internal
 */
export const makeSession = (dialect: Dialect, held: Held, atomically: Atomically): Session => {
  const ensureBegun = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    held.autoBegin && !held.inTransaction ? Effect.zipRight(beginImplicit(dialect, held), effect) : effect
  const execute = (input: Input, params?: ReadonlyArray<unknown>) =>
    ensureBegun(runInput(dialect, held.conn, input, params))
  const rawAll = (input: Input, params?: ReadonlyArray<unknown>) => Effect.map(execute(input, params), (r) => r.rows)

  const streamSql = (sql: string, values: ReadonlyArray<unknown>) => {
    const rows = held.conn.executeStream(sql, values, undefined).pipe(
      Stream.mapError(fromSqlError(dialect, sql))
    ) as Stream.Stream<Row, DatabaseError.DatabaseError>
    return held.autoBegin && !held.inTransaction ? Stream.unwrap(Effect.as(beginImplicit(dialect, held), rows)) : rows
  }

  let self: Session
  const runner: Runner = {
    dialect,
    run: (sql, params) => ensureBegun(run(dialect, held.conn, sql, params)),
    stream: streamSql,
    atomically,
    session: () => self
  }

  // all/first/one/oneOrNone accept a Query, a Table plus a statement, or a statement.
  const rows = (args: ReadonlyArray<any>, atMost?: number): Effect.Effect<ReadonlyArray<any>, DatabaseError.DatabaseError> => {
    const [first, second, third] = args
    if (Query.isSelect(first)) return atMost === undefined ? Read.selectAll(runner, first) : Read.selectAtMost(runner, first, atMost)
    if (Table.isTable(first)) return Effect.flatMap(rawAll(second, third), (r) => Read.decodeStatement(runner, first, r))
    return rawAll(first, second)
  }

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

  const impl = {
    dialect: dialect.name,
    execute,
    all: (...args: ReadonlyArray<any>) => rows(args),
    stream: (...args: ReadonlyArray<any>) => {
      const [first, second] = args
      if (Query.isSelect(first)) return Read.streamQuery(runner, first)
      return Stream.suspend(() => {
        const compiled = compile(dialect, first, second)
        return Either.isLeft(compiled) ? Stream.fail(compiled.left) : streamSql(compiled.right[0], compiled.right[1])
      })
    },
    first: (...args: ReadonlyArray<any>) => Effect.map(rows(args, 1), (r) => Option.fromNullable(r[0])),
    one: (...args: ReadonlyArray<any>) =>
      Effect.flatMap(rows(args, 2), (r) =>
        r.length === 1 ? Effect.succeed(r[0]) : Effect.fail(r.length === 0 ? noRow("the query") : multipleRows(r.length))),
    oneOrNone: (...args: ReadonlyArray<any>) =>
      Effect.flatMap(rows(args, 2), (r) =>
        r.length <= 1 ? Effect.succeed(Option.fromNullable(r[0])) : Effect.fail(multipleRows(r.length))),
    scalar: (input: Input, params?: ReadonlyArray<unknown>) =>
      Effect.map(rawAll(input, params), (r) => {
        const row = r[0]
        if (row === undefined) return Option.none()
        for (const key in row) return Option.some(row[key])
        return Option.none()
      }),
    count: (query: Query.Any) => Read.count(runner, query),
    get: (table: Table.Any, pk: unknown) => Read.get(runner, table, pk),
    getOrFail: (table: Table.Any, pk: unknown) =>
      Effect.flatMap(Read.get(runner, table, pk), Option.match({
        onNone: () => Effect.fail(Read.notFound(table, pk)),
        onSome: Effect.succeed
      })),
    save: (table: Table.Any, row: Record<string, unknown>, options?: Write.SaveOptions) => Write.saveOne(runner, table, row, options),
    saveAll: (table: Table.Any, rows: ReadonlyArray<Record<string, unknown>>, options?: Write.SaveOptions) =>
      Write.saveAll(runner, table, rows, options),
    insert: (table: Table.Any, row: Record<string, unknown>, options?: Write.SaveOptions) =>
      Write.saveOne(runner, table, row, options, "insert"),
    insertAll: (table: Table.Any, rows: ReadonlyArray<Record<string, unknown>>, options?: Write.SaveOptions) =>
      Write.saveAll(runner, table, rows, options, "insert"),
    update: (query: Query.Any, values: Record<string, unknown>) => Write.updateQuery(runner, query, values),
    delete: (...args: ReadonlyArray<any>) => {
      const [first, second] = args
      if (Query.isSelect(first)) return Write.deleteQuery(runner, first)
      return Write.deleteRows(runner, first, Array.isArray(second) ? second : [second])
    },
    commit: finish("commit"),
    rollback: finish("rollback"),
    inTransaction: Effect.sync(() => held.inTransaction)
  }
  self = impl as unknown as Session
  return self
}
