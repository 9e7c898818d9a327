import * as Statement from "@effect/sql/Statement"
import { SqlError } from "@effect/sql/SqlError"
import Sqlite from "better-sqlite3"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as DatabaseError from "../../../DatabaseError.js"
import type { Dialect, Driver, DriverConnection, QueryResult } from "../Dialect.js"
import { syncQuery, type SyncQueryable } from "../../statements.js"
import { classify } from "./errors.js"
import { inList } from "./inList.js"

/** @internal */
export interface SqliteOptions {
  readonly filename: string
  readonly readonly?: boolean | undefined
  /** How long a statement waits for another process's lock before SQLITE_BUSY, in ms. */
  readonly busyTimeout?: number | undefined
  /** Write-ahead logging for file databases (default on). */
  readonly wal?: boolean | undefined
  readonly statementCacheSize?: number | undefined
}

const escapeIdentifier = Statement.defaultEscape("\"")

/** @internal */
export const dialect: Dialect = {
  name: "sqlite",
  compiler: Statement.makeCompilerSqlite(),
  capabilities: {
    returning: true,
    savepointRelease: true,
    transactionalDdl: true,
    maxParameters: 32766
  },
  // A deferred BEGIN upgrades to a write lock at the first write and can then
  // fail with SQLITE_BUSY mid-transaction; IMMEDIATE takes the write lock up
  // front, where the busy timeout can wait for it.
  begin: (options) => options.readOnly === true ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE",
  unboundedLimit: "-1",
  inList,
  placeholder: () => "?",
  quoteIdentifier: escapeIdentifier,
  classify
}

const STREAM_CHUNK = 256

// better-sqlite3 binds only numbers, strings, bigints, buffers and null.
const needsNormalizing = (params: ReadonlyArray<unknown>): boolean => {
  for (let i = 0; i < params.length; i++) {
    const p = params[i]
    if (p === undefined || typeof p === "boolean" || p instanceof Date) return true
  }
  return false
}

const normalizeParam = (p: unknown): unknown =>
  p === undefined ? null : typeof p === "boolean" ? (p ? 1 : 0) : p instanceof Date ? p.toISOString() : p

const bindable = (params: ReadonlyArray<unknown>): Array<unknown> =>
  needsNormalizing(params) ? params.map(normalizeParam) : params as Array<unknown>

const isMemory = (filename: string) => filename === ":memory:" || filename === ""

/**
 * One better-sqlite3 connection behind a one-permit lock: SQLite allows one
 * writer anyway, and one connection is what makes `:memory:` a single shared
 * database for every session of a layer.
 *
 * @internal
 */
export const make = (options: SqliteOptions): Effect.Effect<Driver, DatabaseError.DatabaseError, Scope.Scope> =>
  Effect.gen(function*() {
    const db = yield* Effect.acquireRelease(
      Effect.try({
        try: () =>
          new Sqlite(options.filename, {
            readonly: options.readonly ?? false,
            timeout: options.busyTimeout ?? 5000
          }),
        catch: (cause) =>
          DatabaseError.make(
            new DatabaseError.ConnectionError({
              kind: "unreachable",
              message: `cannot open SQLite database "${options.filename}": ${
                cause instanceof Error ? cause.message : String(cause)
              }`
            }),
            { cause }
          )
      }),
      (db) => Effect.sync(() => db.close())
    )
    yield* Effect.try({
      try: () => {
        // Off by default in SQLite; a data layer that declares foreign keys means them.
        db.pragma("foreign_keys = ON")
        if (!isMemory(options.filename) && options.wal !== false && options.readonly !== true) {
          db.pragma("journal_mode = WAL")
        }
      },
      catch: (cause) => DatabaseError.make(classify(cause), { cause })
    })

    const cacheSize = options.statementCacheSize ?? 256
    const statements = new Map<string, Sqlite.Statement>()
    const prepare = (sql: string): Sqlite.Statement => {
      let statement = statements.get(sql)
      if (statement === undefined) {
        statement = db.prepare(sql)
        if (statements.size >= cacheSize) {
          statements.delete(statements.keys().next().value!)
        }
        statements.set(sql, statement)
      }
      return statement
    }

    const fail = (cause: unknown) => new SqlError({ cause, message: cause instanceof Error ? cause.message : String(cause) })

    const queryNow = (sql: string, params: ReadonlyArray<unknown>): QueryResult => {
      const statement = prepare(sql)
      if (statement.reader) {
        return { rows: statement.all(...bindable(params)) as Array<Record<string, unknown>>, rowsAffected: 0 }
      }
      const info = statement.run(...bindable(params))
      return { rows: [], rowsAffected: info.changes }
    }

    const query = (sql: string, params: ReadonlyArray<unknown>) =>
      Effect.suspend(() => {
        try {
          return Effect.succeed(queryNow(sql, params))
        } catch (cause) {
          return Effect.fail(fail(cause))
        }
      })

    const rows = (sql: string, params: ReadonlyArray<unknown>) => Effect.map(query(sql, params), (r) => r.rows)

    const values = (sql: string, params: ReadonlyArray<unknown>) =>
      Effect.suspend(() => {
        const statement = prepare(sql)
        try {
          if (!statement.reader) {
            statement.run(...bindable(params))
            return Effect.succeed([])
          }
          statement.raw(true)
          return Effect.succeed(statement.all(...bindable(params)) as Array<Array<unknown>>)
        } catch (cause) {
          return Effect.fail(fail(cause))
        } finally {
          if (statement.reader) statement.raw(false)
        }
      })

    const lock = yield* Effect.makeSemaphore(1)

    // An open iterator keeps the connection busy, so a stream holds the lock
    // until it ends unless the caller already holds it.
    const stream = (holdsLock: boolean) =>
    (
      sql: string,
      params: ReadonlyArray<unknown>,
      transformRows: (<A extends object>(rows: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined
    ): Stream.Stream<any, SqlError> =>
      Effect.gen(function*() {
        if (!holdsLock) {
          yield* Effect.acquireRelease(lock.take(1), () => lock.release(1))
        }
        const iterator = yield* Effect.acquireRelease(
          Effect.try({
            try: () => {
              const statement = db.prepare(sql)
              if (!statement.reader) throw new TypeError("stream() needs a statement that returns rows")
              return statement.iterate(...bindable(params)) as IterableIterator<Record<string, unknown>>
            },
            catch: fail
          }),
          (iterator) => Effect.sync(() => iterator.return?.())
        )
        const pull = Effect.suspend(() => {
          try {
            const batch: Array<Record<string, unknown>> = []
            while (batch.length < STREAM_CHUNK) {
              const next = iterator.next()
              if (next.done === true) break
              batch.push(next.value)
            }
            if (batch.length === 0) return Effect.fail(Option.none())
            return Effect.succeed(Chunk.unsafeFromArray(transformRows ? transformRows(batch) : batch))
          } catch (cause) {
            return Effect.fail(Option.some(fail(cause)))
          }
        })
        return Stream.repeatEffectChunkOption(pull)
      }).pipe(Stream.unwrapScoped)

    const makeConnection = (holdsLock: boolean): DriverConnection & SyncQueryable => ({
      // Statements are synchronous: the statement path runs them without an effect of their own.
      [syncQuery]: queryNow,
      query,
      invalidate: () => {
        // One connection for the whole layer: there is nothing to swap in, so
        // the best repair is to end whatever transaction was left open.
        try {
          if (db.inTransaction) db.exec("ROLLBACK")
        } catch {
          // the connection reports its own state on the next statement
        }
      },
      execute: (sql, params, transformRows) =>
        transformRows ? Effect.map(rows(sql, params), transformRows) : rows(sql, params),
      executeRaw: (sql, params) => query(sql, params),
      executeValues: values,
      executeUnprepared: (sql, params, transformRows) =>
        transformRows ? Effect.map(rows(sql, params), transformRows) : rows(sql, params),
      executeStream: stream(holdsLock)
    })

    const reserved = makeConnection(true)
    const shared = makeConnection(false)

    return {
      dialect,
      reserve: Effect.uninterruptibleMask((restore) =>
        Effect.zipRight(
          restore(lock.take(1)),
          Effect.as(Effect.addFinalizer(() => lock.release(1)), reserved)
        )
      ),
      // Statements are synchronous, so waiting for the lock is enough: nothing
      // else can run on the connection while one executes.
      shared: lock.withPermits(1)(Effect.succeed(shared)),
      poolStats: Effect.sync(() => ({ total: 1, idle: db.inTransaction ? 0 : 1, waiting: 0 })),
      spanAttributes: [["db.system.name", "sqlite"]],
      singleConnection: true
    } satisfies Driver
  })
