import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import type { SqlError } from "effect/sql/SqlError"
import * as Stream from "effect/Stream"
import type { Input, Row } from "../Connection.js"
import * as DatabaseError from "../DatabaseError.js"
import * as Query from "../Query.js"
import type { Session } from "../Session.js"
import * as Table from "../Table.js"
import * as Read from "./orm/read.js"
import type { Runner } from "./orm/runner.js"
import * as Write from "./orm/write.js"
import { runCommitted } from "./afterCommit.js"
import type { BeginOptions, Dialect, DriverConnection, QueryResult } from "./dialect/Dialect.js"
import { effectiveFrame, type Frame, type Held, isBlock, release, takeNow, withConnection, withConnectionStream } from "./held.js"
import {
  compile,
  fromDriverError,
  fromSqlError,
  run,
  runInput,
  syncQuery,
  syncQueryRow,
  type SyncQueryable
} from "./statements.js"

/** @internal */
export type { Frame, Held } from "./held.js"

/**
 * What a failed BEGIN, COMMIT, ROLLBACK or SAVEPOINT statement means. A lost
 * connection is a `ConnectionError` (nothing is left open on the server: it
 * rolls back what it had), except a COMMIT that may have reached the server
 * before the connection went: its outcome is unknown, and saying it failed
 * would invite a retry that writes the same rows twice.
 *
 * @internal
 */
export const controlError = (dialect: Dialect, phase: DatabaseError.TransactionError["phase"], sql: string) =>
(error: DatabaseError.DatabaseError): DatabaseError.DatabaseError => {
  const reason = error.reason
  if (reason._tag === "ConnectionError") {
    if (phase === "commit" && dialect.commitOutcomeUnknown(error.cause)) {
      return DatabaseError.make(
        new DatabaseError.TransactionError({
          phase: "commit",
          retryable: false,
          outcome: "unknown",
          message:
            `COMMIT outcome unknown: the connection was lost after COMMIT was sent, so the transaction may or may not have been committed; check what was stored before running it again (${reason.message})`
        }),
        { sql, cause: error }
      )
    }
    return DatabaseError.make(
      new DatabaseError.ConnectionError({ ...reason, message: `${sql} failed: ${reason.message}` }),
      { sql, cause: error.cause }
    )
  }
  const retryable = reason._tag === "TransactionError" && reason.retryable
  return DatabaseError.make(
    new DatabaseError.TransactionError({
      phase: retryable && phase === "commit" ? "serialization" : phase,
      retryable,
      message: `${sql} failed: ${reason.message}`
    }),
    { sql, cause: error.cause }
  )
}

/**
 * Runs a transaction-control statement; the caller holds the connection.
 *
 * @internal
 */
export const control = (dialect: Dialect, held: Held, phase: DatabaseError.TransactionError["phase"], sql: string) =>
  Effect.mapError(run(dialect, held.conn, sql, []), controlError(dialect, phase, sql))

/**
 * BEGIN on `held` (the caller holds the connection): read only when asked
 * or when the session is, and then, where BEGIN cannot say read only
 * (SQLite), with the connection refusing writes, which `liftGuard` undoes
 * once the transaction has ended. `statement` replaces the dialect's BEGIN
 * (`SqlClient.BeginTransaction`).
 *
 * @internal
 */
export const beginTransaction = (
  dialect: Dialect,
  held: Held,
  options: BeginOptions,
  statement?: string
): Effect.Effect<void, DatabaseError.DatabaseError> => {
  const readOnly = options.readOnly === true || held.readOnly
  const begun = Effect.map(
    control(dialect, held, "begin", statement ?? dialect.begin(readOnly ? { ...options, readOnly } : options)),
    () => began(held, readOnly)
  )
  return readOnly && held.conn.refuseWrites !== undefined ? Effect.uninterruptible(begun) : begun
}

/**
 * Marks `held` as in its transaction once BEGIN has run, a read-only one
 * with the connection refusing writes where BEGIN cannot say read only.
 *
 * @internal
 */
export const began = (held: Held, readOnly: boolean): void => {
  held.inTransaction = true
  const refuseWrites = readOnly ? held.conn.refuseWrites : undefined
  if (refuseWrites === undefined) return
  held.guarded = true
  refuseWrites(true)
}

/**
 * Lets the connection write again after the read-only transaction that
 * refused writes has ended (committed, rolled back or failed): the
 * connection goes on to other sessions (SQLite has one for the whole
 * Database).
 *
 * @internal
 */
export const liftGuard = (held: Held): Effect.Effect<void> =>
  Effect.sync(() => {
    if (!held.guarded) return
    held.guarded = false
    held.conn.refuseWrites?.(false)
  })

// Sessions begin their transaction with their first statement.
const beginImplicitly = (dialect: Dialect, held: Held) => beginTransaction(dialect, held, {})

const needsBegin = (held: Held) => held.autoBegin && !held.inTransaction

// What `immediately` answers when the statement must take the ordinary path, and how it fails.
const notNow: unique symbol = Symbol("notNow")
class Failed {
  constructor(readonly error: DatabaseError.DatabaseError) {}
}

/** @internal */
export type Atomically = <A, E, R>(
  effect: Effect.Effect<A, E, R>
) => Effect.Effect<A, E | DatabaseError.DatabaseError, Exclude<R, Session>>

const multipleRows = (count: number) =>
  DatabaseError.make(
    new DatabaseError.MultipleRowsError({ message: `expected at most one row, the query returned ${count}`, count })
  )

const firstOf = (r: ReadonlyArray<any>) => Effect.succeed(Option.fromNullishOr(r[0]))
const exactlyOne = (r: ReadonlyArray<any>) =>
  r.length === 1 ? Effect.succeed(r[0]) : Effect.fail(r.length === 0 ? noRow("the query") : multipleRows(r.length))
const oneOrNoneOf = (r: ReadonlyArray<any>) =>
  r.length <= 1 ? Effect.succeed(Option.fromNullishOr(r[0])) : Effect.fail(multipleRows(r.length))

const noRow = (what: string) =>
  DatabaseError.make(new DatabaseError.NotFoundError({ message: `expected one row, ${what} returned none` }))

/**
 * How a session reaches its connection: the fiber's current frame (a
 * `Context.Reference` of its Database), and `begin` starting from a given frame.
 *
 * @internal
 */
export interface SessionContext {
  readonly dialect: Dialect
  readonly current: Context.Reference<Frame | undefined>
  readonly beginOn: (from: Frame) => Atomically
}

/**
 * A session whose home is `home` (a scope's root, or a `begin` block). Each
 * call runs in the calling fiber's frame when that is on the same connection
 * (a nested `begin` in progress), so a session captured outside a nested
 * block writes inside it; statements begin the session's transaction first
 * when it needs one and has none open.
 *
 * @internal
 */
export const makeSession = (ctx: SessionContext, home: Frame): Session => {
  const { dialect } = ctx
  const held = home.held
  const frameNow = Effect.map(Effect.service(ctx.current), (current) => effectiveFrame(home, current))

  const inFrame = <A>(frame: Frame, use: (conn: DriverConnection) => Effect.Effect<A, DatabaseError.DatabaseError>) =>
    withConnection(frame, (conn) => needsBegin(held) ? Effect.andThen(beginImplicitly(dialect, held), use(conn)) : use(conn))

  const onConnection = <A>(use: (conn: DriverConnection) => Effect.Effect<A, DatabaseError.DatabaseError>) =>
    Effect.withFiber((fiber) => inFrame(effectiveFrame(home, fiber.getRef(ctx.current)), use))

  /**
   * The one-step path of a statement: on a driver that runs statements
   * synchronously (SQLite), with the connection free for `frame` right now,
   * it is taken, the session's transaction begun if needed, the statement
   * run and the connection given back, all within the caller's fiber step:
   * nothing can interleave, so this is what `inFrame` does without its
   * steps. `notNow` when the ordinary path must run (an asynchronous or
   * instrumented driver, a connection in use, a frame that has ended); a
   * failure comes back as `Failed`. With `firstRow` the driver reads the
   * first row only, where it can, and that row (or `undefined`) is the
   * answer. No closure or Result per call: a point lookup is about as much
   * work as the driver's own read, and allocations were a sixth of its cost.
   */
  const immediately = (
    frame: Frame,
    sql: string,
    params: ReadonlyArray<unknown>,
    firstRow: boolean
  ): QueryResult | Row | undefined | Failed | typeof notNow => {
    const conn = held.conn as SyncQueryable
    const query = conn[syncQuery]
    if (query === undefined || !takeNow(frame)) return notNow
    try {
      if (needsBegin(held)) {
        const begin = dialect.begin(held.readOnly ? { readOnly: true } : {})
        try {
          query(begin, [])
        } catch (cause) {
          return new Failed(controlError(dialect, "begin", begin)(fromDriverError(dialect, begin, cause)))
        }
        began(held, held.readOnly)
      }
      try {
        if (!firstRow) return query(sql, params)
        const row = conn[syncQueryRow]
        return row !== undefined ? row(sql, params) : query(sql, params).rows[0]
      } catch (cause) {
        return new Failed(fromDriverError(dialect, sql, cause))
      }
    } finally {
      release(held)
    }
  }

  /** Runs the statement, then `then` on the result, in the calling fiber's step where `immediately` can. */
  const runThen = <A>(
    sql: string,
    params: ReadonlyArray<unknown>,
    then: (result: QueryResult) => Effect.Effect<A, DatabaseError.DatabaseError>
  ): Effect.Effect<A, DatabaseError.DatabaseError> =>
    Effect.withFiber((fiber) => {
      const frame = effectiveFrame(home, fiber.getRef(ctx.current))
      const now = immediately(frame, sql, params, false)
      if (now === notNow) return Effect.flatMap(inFrame(frame, (conn) => run(dialect, conn, sql, params)), then)
      return now instanceof Failed ? Effect.fail(now.error) : then(now as QueryResult)
    })

  const firstRowThen = <A>(
    sql: string,
    params: ReadonlyArray<unknown>,
    then: (row: Row | undefined) => Effect.Effect<A, DatabaseError.DatabaseError>
  ): Effect.Effect<A, DatabaseError.DatabaseError> =>
    Effect.withFiber((fiber) => {
      const frame = effectiveFrame(home, fiber.getRef(ctx.current))
      const now = immediately(frame, sql, params, true)
      if (now === notNow) return Effect.flatMap(inFrame(frame, (conn) => run(dialect, conn, sql, params)), (result) => then(result.rows[0]))
      return now instanceof Failed ? Effect.fail(now.error) : then(now as Row | undefined)
    })

  const execute = (input: Input, params?: ReadonlyArray<unknown>) =>
    onConnection((conn) => runInput(dialect, conn, input, params))
  const rawAll = (input: Input, params?: ReadonlyArray<unknown>) => Effect.map(execute(input, params), (r) => r.rows)

  // A stream holds the connection from when it starts running until it ends.
  const streamSql = (sql: string, values: ReadonlyArray<unknown>): Stream.Stream<Row, DatabaseError.DatabaseError> =>
    withConnectionStream(
      frameNow,
      (conn) => conn.executeStream(sql, values, undefined) as Stream.Stream<Row, SqlError>,
      () => needsBegin(held) ? beginImplicitly(dialect, held) : undefined,
      fromSqlError(dialect, sql)
    )

  let self: Session
  const runner: Runner = {
    dialect,
    run: (sql, params, options) => onConnection((conn) => run(dialect, conn, sql, params, options)),
    runThen,
    firstRowThen,
    stream: streamSql,
    atomically: (effect) => Effect.flatMap(frameNow, (frame) => ctx.beginOn(frame)(effect)),
    session: () => self
  }

  // all/first/one/oneOrNone accept a Query, a Table plus a statement, or a statement.
  const rows = (args: ReadonlyArray<any>, atMost?: number): Effect.Effect<ReadonlyArray<any>, DatabaseError.DatabaseError> => {
    const [first, second, third] = args
    if (Query.isSelect(first)) return atMost === undefined ? Read.selectAll(runner, first) : Read.selectAtMost(runner, first, atMost)
    if (Table.isTable(first)) return Effect.flatMap(rawAll(second, third), (r) => Read.decodeStatement(runner, first, r))
    return rawAll(first, second)
  }

  // `rows`, then `then`: a Query's rows go to `then` in the step that reads them.
  const rowsThen = <A>(
    args: ReadonlyArray<any>,
    atMost: number,
    then: (rows: ReadonlyArray<any>) => Effect.Effect<A, DatabaseError.DatabaseError>
  ): Effect.Effect<A, DatabaseError.DatabaseError> =>
    Query.isSelect(args[0]) ? Read.selectThen(runner, args[0], atMost, then) : Effect.flatMap(rows(args, atMost), then)

  const refuseInsideBegin = (what: string) =>
    DatabaseError.make(
      new DatabaseError.TransactionError({
        phase: what === "commit" ? "commit" : "rollback",
        retryable: false,
        message:
          `session.${what} inside db.begin: the begin block ${what}s by itself (commit on success, roll back on failure); fail the block to roll back, or use a nested begin for a savepoint`
      })
    )

  // Only the session itself ends its transaction, never from inside a begin
  // block. The transaction's afterCommit callbacks run once COMMIT succeeded
  // and the connection is free again; otherwise they are dropped.
  const finish = (what: "commit" | "rollback") =>
    Effect.flatMap(frameNow, (frame) => {
      if (isBlock(frame) || held.owner !== frame) return Effect.fail(refuseInsideBegin(what))
      let committed: ReadonlyArray<Effect.Effect<void>> = []
      const end = withConnection(frame, () => {
        if (!held.inTransaction) return Effect.void
        held.inTransaction = false
        const callbacks = frame.callbacks.splice(0)
        return Effect.ensuring(
          Effect.map(control(dialect, held, what, what === "commit" ? "COMMIT" : "ROLLBACK"), () => {
            if (what === "commit") committed = callbacks
          }),
          liftGuard(held)
        )
      })
      return Effect.andThen(end, Effect.suspend(() => runCommitted(committed)))
    })

  const impl = {
    dialect: dialect.name,
    execute,
    all: (...args: ReadonlyArray<any>) => Query.isSelect(args[0]) ? Read.selectThen(runner, args[0], undefined, Effect.succeed) : rows(args),
    stream: (...args: ReadonlyArray<any>) => {
      const [first, second] = args
      if (Query.isSelect(first)) return Read.streamQuery(runner, first)
      return Stream.suspend(() => {
        const compiled = compile(dialect, first, second)
        return Result.isFailure(compiled) ? Stream.fail(compiled.failure) : streamSql(compiled.success[0], compiled.success[1])
      })
    },
    first: (...args: ReadonlyArray<any>) => rowsThen(args, 1, firstOf),
    one: (...args: ReadonlyArray<any>) => rowsThen(args, 2, exactlyOne),
    oneOrNone: (...args: ReadonlyArray<any>) => rowsThen(args, 2, oneOrNoneOf),
    scalar: (input: Input | Query.Any, params?: ReadonlyArray<unknown>) =>
      Effect.map(Query.isSelect(input) ? rows([input], 1) : rawAll(input, params), (r) => {
        const row = r[0] as Record<string, unknown> | undefined
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
