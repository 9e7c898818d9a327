import Sqlite from "better-sqlite3"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import * as Statement from "effect/sql/Statement"
import * as Stream from "effect/Stream"
import * as DatabaseError from "../../../DatabaseError.js"
import { classifyWith, closed, ConnectionFailure, sqlErrorReasonWith } from "../connectionFailure.js"
import { formatDateTimeText } from "../dateText.js"
import type { Dialect, Driver, DriverConnection, Reservation, QueryResult, Restore } from "../Dialect.js"
import { reserveFromLease } from "../lease.js"
import { Gate } from "../gate.js"
import { defaultValueOptions } from "../schemaDialect.js"
import { driverSqlError } from "../sqlError.js"
import { areDriverValues } from "../../driverValues.js"
import { fromScopedPull } from "../../scopedPull.js"
import { syncQuery, syncQueryRow, type SyncQueryable } from "../../statements.js"
import { compiler } from "./compiler.js"
import { classify, sqlErrorReason } from "./errors.js"
import { registerFunctions } from "./functions.js"
import { inList } from "./inList.js"
import { queryDialect } from "./query.js"

/** @internal */
export interface SqliteOptions {
  readonly filename: string
  readonly readonly?: boolean | undefined
  /** How long a statement waits for another process's lock before SQLITE_BUSY, in ms. */
  readonly busyTimeout?: number | undefined
  /** Write-ahead logging for file databases (default on). */
  readonly wal?: boolean | undefined
  readonly statementCacheSize?: number | undefined
  /** How long a fiber waits for the connection while another holds it, in ms. */
  readonly connectTimeout?: number | undefined
  /** Read integers as bigint (better-sqlite3 `safeIntegers`), so 64-bit values come back exact. */
  readonly safeIntegers?: boolean | undefined
}

const escapeIdentifier = Statement.defaultEscape("\"")

/** @internal */
export const dialect: Dialect = {
  name: "sqlite",
  label: "SQLite",
  urlScheme: "sqlite://",
  compiler,
  capabilities: {
    returning: true,
    savepointRelease: true,
    transactionalDdl: true,
    maxParameters: 32766
  },
  // A deferred BEGIN upgrades to a write lock at the first write and can then
  // fail with SQLITE_BUSY mid-transaction; IMMEDIATE takes the write lock up
  // front, where the busy timeout can wait for it.
  // A read-only transaction takes no write lock, so readers in other
  // processes do not queue behind it; the connection's refuseWrites makes it
  // refuse writes.
  begin: (options) => options.readOnly === true ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE",
  inlinePaging: true,
  unboundedLimit: "-1",
  inList,
  placeholder: () => "?",
  quoteIdentifier: escapeIdentifier,
  classify: classifyWith(classify),
  sqlErrorReason: sqlErrorReasonWith(sqlErrorReason),
  // COMMIT is a local call: when it fails, it did not commit.
  commitOutcomeUnknown: () => false,
  valueOptions: defaultValueOptions,
  query: queryDialect
}

const safeIntegersDialect: Dialect = { ...dialect, valueOptions: { safeIntegers: true } }

const STREAM_CHUNK = 256

// better-sqlite3 binds only numbers, strings, bigints, buffers and null.
const needsNormalizing = (params: ReadonlyArray<unknown>): boolean => {
  for (let i = 0; i < params.length; i++) {
    const p = params[i]
    if (p === undefined || typeof p === "boolean" || p instanceof Date) return true
  }
  return false
}

// A Date takes SQLite's own date-time text, as the ORM binds it, so raw SQL compares it with CURRENT_TIMESTAMP's.
const normalizeParam = (p: unknown): unknown =>
  p === undefined ? null : typeof p === "boolean" ? (p ? 1 : 0) : p instanceof Date ? formatDateTimeText(p) : p

// The scan is skipped for the bulk write's chunks (marked as driver values); a short list is scanned, which
// costs less than looking the mark up, so every other statement pays nothing for it.
const bindable = (params: ReadonlyArray<unknown>): Array<unknown> =>
  (params.length > 64 && areDriverValues(params)) || !needsNormalizing(params)
    ? params as Array<unknown>
    : params.map(normalizeParam)

/** What SQLite throws for a write under PRAGMA query_only, for a write refused in a read-only transaction. */
const readOnlyRefusal = () =>
  Object.assign(new Error("attempt to write in a read-only transaction"), { code: "SQLITE_READONLY" })

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
    const closedError = () => closed("this SQLite database")
    // The one connection: a permit of this gate is the right to use it, and
    // a fiber waits for it as for a full pool's connection.
    const connectTimeout = options.connectTimeout ?? 10_000
    const gate = new Gate(1, connectTimeout, () =>
      new ConnectionFailure(
        new DatabaseError.ConnectionError({
          kind: "pool_timeout",
          message:
            `the SQLite connection did not become free within ${connectTimeout} ms (connectTimeout): the database has a single connection and another fiber holds it (an open session, connect or begin scope); close that scope sooner, or raise connectTimeout`
        })
      ))

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
      (db) =>
        Effect.sync(() => {
          gate.close(closedError())
          db.close()
        })
    )
    const safeIntegers = options.safeIntegers === true
    yield* Effect.try({
      try: () => {
        db.defaultSafeIntegers(safeIntegers)
        // Off by default in SQLite; a data layer that declares foreign keys means them.
        db.pragma("foreign_keys = ON")
        registerFunctions(db)
        if (!isMemory(options.filename) && options.wal !== false && options.readonly !== true) {
          db.pragma("journal_mode = WAL")
        }
      },
      catch: (cause) => DatabaseError.make(classify(cause), { cause })
    })

    const cacheSize = options.statementCacheSize ?? 256
    const statements = new Map<string, Sqlite.Statement>()
    // A read-only transaction is on (refuseWrites): SQLite has no BEGIN READ
    // ONLY, and PRAGMA query_only costs two statements per transaction (more
    // than the deferred BEGIN, select and ROLLBACK of a point read together),
    // so each statement is checked instead. sqlite3_stmt_readonly is false
    // exactly for statements that may change a database file (transaction
    // control, SAVEPOINT and ATTACH are not writes), which query_only refuses.
    let writesRefused = false
    const refusable = (statement: Sqlite.Statement): Sqlite.Statement => {
      if (writesRefused && !statement.readonly) throw readOnlyRefusal()
      return statement
    }

    const prepare = (sql: string): Sqlite.Statement => {
      // better-sqlite3's own message for this is a TypeError that says nothing about why.
      if (!db.open) throw closedError()
      let statement = statements.get(sql)
      if (statement === undefined) {
        statement = db.prepare(sql)
        if (statements.size >= cacheSize) {
          statements.delete(statements.keys().next().value!)
        }
        statements.set(sql, statement)
      }
      return writesRefused ? refusable(statement) : statement
    }

    const fail = (cause: unknown) => driverSqlError(dialect, cause)

    const runStatement = (statement: Sqlite.Statement, params: ReadonlyArray<unknown>): QueryResult => {
      // A lone number or string binds as it is, without a spread call (a point lookup's key).
      const only = params.length === 1 ? params[0] : undefined
      const direct = typeof only === "number" || typeof only === "string"
      if (statement.reader) {
        const rows = direct ? statement.all(only) : statement.all(...bindable(params))
        return { rows: rows as Array<Record<string, unknown>>, rowsAffected: 0 }
      }
      const info = direct ? statement.run(only) : statement.run(...bindable(params))
      return { rows: [], rowsAffected: info.changes }
    }

    const queryNow = (sql: string, params: ReadonlyArray<unknown>): QueryResult => runStatement(prepare(sql), params)

    // A point lookup: better-sqlite3 reads the first row only, without an array.
    const queryRowNow = (sql: string, params: ReadonlyArray<unknown>): Record<string, unknown> | undefined => {
      const statement = prepare(sql)
      if (!statement.reader) {
        statement.run(...bindable(params))
        return undefined
      }
      const only = params.length === 1 ? params[0] : undefined
      return (typeof only === "number" || typeof only === "string"
        ? statement.get(only)
        : statement.get(...bindable(params))) as Record<string, unknown> | undefined
    }

    /**
     * Runs `f` on the cached statement with integers read as bigint when
     * `safe`; the statement is shared, so the connection's default is put back.
     */
    const withIntegers = <A>(statement: Sqlite.Statement, safe: boolean, f: () => A): A => {
      if (safe === safeIntegers) return f()
      statement.safeIntegers(safe)
      try {
        return f()
      } finally {
        statement.safeIntegers(safeIntegers)
      }
    }

    const query = (sql: string, params: ReadonlyArray<unknown>) =>
      Effect.suspend(() => {
        try {
          return Effect.succeed(queryNow(sql, params))
        } catch (cause) {
          return Effect.fail(fail(cause))
        }
      })

    // `effect/sql` statements read integers as bigint while the fiber has
    // `SqlClient.SafeIntegers` set (as the upstream SQLite clients do).
    const fiberSafeIntegers = <A, E>(f: (safe: boolean) => Effect.Effect<A, E>) =>
      safeIntegers ? f(true) : Effect.withFiber<A, E>((fiber) => f(fiber.getRef(SqlClient.SafeIntegers)))

    const clientQuery = (sql: string, params: ReadonlyArray<unknown>) =>
      fiberSafeIntegers((safe) =>
        Effect.suspend(() => {
          try {
            const statement = prepare(sql)
            return Effect.succeed(withIntegers(statement, safe, () => runStatement(statement, params)))
          } catch (cause) {
            return Effect.fail(fail(cause))
          }
        })
      )

    const rows = (sql: string, params: ReadonlyArray<unknown>) => Effect.map(clientQuery(sql, params), (r) => r.rows)

    // better-sqlite3's own answer, as effect/sql's SQLite clients give it:
    // a read's rows, a write's RunResult ({ changes, lastInsertRowid }).
    const raw = (sql: string, params: ReadonlyArray<unknown>) =>
      fiberSafeIntegers((safe) =>
        Effect.suspend(() => {
          try {
            const statement = prepare(sql)
            return Effect.succeed(withIntegers(statement, safe, (): unknown =>
              statement.reader ? statement.all(...bindable(params)) : statement.run(...bindable(params))))
          } catch (cause) {
            return Effect.fail(fail(cause))
          }
        })
      )

    const values = (sql: string, params: ReadonlyArray<unknown>) =>
      fiberSafeIntegers((safe) =>
        Effect.suspend(() => {
          const statement = prepare(sql)
          try {
            if (!statement.reader) {
              statement.run(...bindable(params))
              return Effect.succeed([])
            }
            statement.raw(true)
            return Effect.succeed(withIntegers(statement, safe, () => statement.all(...bindable(params)) as Array<Array<unknown>>))
          } catch (cause) {
            return Effect.fail(fail(cause))
          } finally {
            if (statement.reader) statement.raw(false)
          }
        })
      )

    const acquire: Effect.Effect<void, SqlError> = Effect.suspend(() =>
      gate.tryAcquire() ? Effect.void : Effect.callback<void, SqlError>((resume) => {
        const withdraw = gate.acquire((error) => resume(error === undefined ? Effect.void : Effect.fail(fail(error))))
        return Effect.sync(withdraw)
      })
    )
    const release = Effect.sync(() => gate.release())
    // Holds the connection until the scope closes; waiting for it stays interruptible.
    const hold: Effect.Effect<void, SqlError, Scope.Scope> = Effect.uninterruptibleMask((restore) =>
      Effect.andThen(restore(acquire), Effect.addFinalizer(() => release))
    )

    // An open iterator keeps the connection busy, so a stream holds the lock
    // until it ends unless the caller already holds it.
    const stream = (holdsLock: boolean) =>
    (
      sql: string,
      params: ReadonlyArray<unknown>,
      transformRows: (<A extends object>(rows: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined
    ): Stream.Stream<any, SqlError> =>
      fromScopedPull(Effect.gen(function*() {
        if (!holdsLock) yield* hold
        const safe = yield* fiberSafeIntegers((safe) => Effect.succeed(safe))
        const iterator = yield* Effect.acquireRelease(
          Effect.try({
            try: () => {
              // The cached statement unless an open iterator keeps it busy
              // (a stream of the same statement on a connection of its own).
              const cached = prepare(sql)
              const statement = cached.busy ? refusable(db.prepare(sql)) : cached
              if (!statement.reader) throw new TypeError("stream() needs a statement that returns rows")
              if (safe !== safeIntegers) statement.safeIntegers(safe)
              const rows = statement.iterate(...bindable(params)) as IterableIterator<Record<string, unknown>>
              return { statement, rows }
            },
            catch: fail
          }),
          ({ rows, statement }) =>
            Effect.sync(() => {
              rows.return?.()
              // The statement is shared: the connection's default goes back.
              if (safe !== safeIntegers && db.open) statement.safeIntegers(safeIntegers)
            })
        )
        const rows = iterator.rows
        return Effect.suspend((): Effect.Effect<readonly [any, ...Array<any>], SqlError | Cause.Done> => {
          try {
            const batch: Array<Record<string, unknown>> = []
            while (batch.length < STREAM_CHUNK) {
              const next = rows.next()
              if (next.done === true) break
              batch.push(next.value)
            }
            if (batch.length === 0) return Cause.done()
            return Effect.succeed((transformRows ? transformRows(batch) : batch) as readonly [any, ...Array<any>])
          } catch (cause) {
            return Effect.fail(fail(cause))
          }
        })
      }))

    // The shared connection takes the connection for each statement and runs
    // it before giving it back, so that no transaction of another fiber can
    // begin between the two and take the statement in.
    const gated = <A>(effect: Effect.Effect<A, SqlError>): Effect.Effect<A, SqlError> =>
      Effect.uninterruptibleMask((restore) => Effect.andThen(restore(acquire), Effect.ensuring(effect, release)))

    const makeConnection = (holdsLock: boolean): DriverConnection & SyncQueryable => {
      const run = holdsLock ? <A>(effect: Effect.Effect<A, SqlError>) => effect : gated
      return {
        // Statements are synchronous: the statement path runs them without an
        // effect of their own (only where the connection is already held).
        [syncQuery]: holdsLock ? queryNow : undefined,
        [syncQueryRow]: holdsLock ? queryRowNow : undefined,
        query: (sql, params) => run(query(sql, params)),
        invalidate: () => {
          // One connection for the whole layer: there is nothing to swap in, so
          // the best repair is to end whatever transaction was left open.
          // A read-only transaction's refusal must not outlive it.
          writesRefused = false
          try {
            if (db.inTransaction) db.exec("ROLLBACK")
          } catch {
            // the connection reports its own state on the next statement
          }
        },
        execute: (sql, params, transformRows) =>
          run(transformRows ? Effect.map(rows(sql, params), transformRows) : rows(sql, params)),
        executeRaw: (sql, params) => run(raw(sql, params)),
        executeValues: (sql, params) => run(values(sql, params)),
        executeValuesUnprepared: (sql, params) => run(values(sql, params)),
        executeUnprepared: (sql, params, transformRows) =>
          run(transformRows ? Effect.map(rows(sql, params), transformRows) : rows(sql, params)),
        executeStream: stream(holdsLock),
        refuseWrites: (refuse) => {
          writesRefused = refuse
        }
      }
    }

    const reserved = makeConnection(true)
    const shared = makeConnection(false)
    // The one connection, and its release; a free connection is taken in one
    // step (sessions per request take it once each).
    const leasedNow = Effect.succeed<Reservation>({ conn: reserved, release })
    const lease = (restore: Restore): Effect.Effect<Reservation, SqlError> =>
      Effect.suspend(() => gate.tryAcquire() ? leasedNow : Effect.andThen(restore(acquire), leasedNow))

    return {
      dialect: safeIntegers ? safeIntegersDialect : dialect,
      reserve: reserveFromLease(lease),
      lease,
      shared,
      poolStats: Effect.sync(() => ({ total: 1, idle: db.inTransaction ? 0 : 1, waiting: gate.waiting })),
      preparedStatements: Effect.sync(() => statements.size),
      spanAttributes: [["db.system.name", "sqlite"]],
      singleConnection: true
    } satisfies Driver
  })
