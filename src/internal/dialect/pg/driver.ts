import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { SqlError } from "effect/sql/SqlError"
import * as Statement from "effect/sql/Statement"
import * as Stream from "effect/Stream"
import type Pg from "pg"
import * as DatabaseError from "../../../DatabaseError.js"
import { classifyWith, closed, ConnectionFailure, sqlErrorReasonWith } from "../connectionFailure.js"
import type { Dialect, Driver, DriverConnection, Reservation, QueryOptions, QueryResult, Restore } from "../Dialect.js"
import { reserveFromLease } from "../lease.js"
import { defaultValueOptions } from "../schemaDialect.js"
import { driverSqlError } from "../sqlError.js"
import { compiler } from "./compiler.js"
import { type Lease, whenReady } from "./connections.js"
import * as Cursor from "./cursor.js"
import { classify, commitOutcomeUnknown, sqlErrorReason } from "./errors.js"
import * as Pool from "./pool.js"
import * as PreparedStatements from "./preparedStatements.js"
import { isLostStatement, poolerDetected, ReasonFailure, sessionStateRefusal } from "./pooler.js"
import { transactionRole } from "./transactionRole.js"
import { inList } from "./inList.js"
import { queryDialect } from "./query.js"
import { pooler, replication } from "./replication.js"
import { bindable } from "./types.js"

/** @internal */
export interface PgOptions {
  readonly connectionString: string
  /** For messages: where we tried to connect, never the password. */
  readonly host: string
  readonly port: number
  readonly database: string
  readonly maxConnections?: number | undefined
  readonly minConnections?: number | undefined
  readonly idleTimeout?: number | undefined
  readonly connectTimeout?: number | undefined
  readonly applicationName?: string | undefined
  readonly statementTimeout?: number | undefined
  /** How long cleanup waits for the server (closing the pool, a cursor; cancelling) before destroying connections. */
  readonly closeTimeout?: number | undefined
  /** Name (prepare) statements with parameters; off for transaction-mode poolers. Default true. */
  readonly preparedStatements?: boolean | undefined
  /** The most statements one connection keeps prepared (least recently used closed first). Default 100. */
  readonly preparedStatementCacheSize?: number | undefined
  /**
   * `"transaction"`: connected through a transaction-mode pooler. Every
   * statement is unnamed, `statementTimeout` is `SET LOCAL` per transaction
   * (never a startup parameter), session-state statements are refused.
   */
  readonly pooler?: "transaction" | undefined
  /** Whether making the driver fails when the server does not answer a first `SELECT 1` (default true; replicas may be down). */
  readonly checkOnStart?: boolean | undefined
}

const escapeIdentifier = Statement.defaultEscape("\"")

const isolationSql = {
  "read uncommitted": "READ UNCOMMITTED",
  "read committed": "READ COMMITTED",
  "repeatable read": "REPEATABLE READ",
  "serializable": "SERIALIZABLE"
} as const

/** @internal */
export const dialect: Dialect = {
  name: "pg",
  label: "PostgreSQL",
  urlScheme: "postgres://",
  replication,
  pooler,
  // int8 arrives as text, so 64-bit integers read back exactly without an option.
  valueOptions: defaultValueOptions,
  compiler,
  capabilities: {
    returning: true,
    savepointRelease: true,
    transactionalDdl: true,
    maxParameters: 65535
  },
  begin: (options) => {
    let sql = "BEGIN"
    if (options.isolationLevel !== undefined) sql += ` ISOLATION LEVEL ${isolationSql[options.isolationLevel]}`
    if (options.readOnly === true) sql += " READ ONLY"
    return sql
  },
  inlinePaging: false,
  unboundedLimit: "ALL",
  inList,
  placeholder: (index) => `$${index}`,
  quoteIdentifier: escapeIdentifier,
  classify: classifyWith(classify),
  sqlErrorReason: sqlErrorReasonWith(sqlErrorReason),
  commitOutcomeUnknown,
  query: queryDialect
}

const toSqlError = (cause: unknown) => driverSqlError(dialect, cause)

/** SQL text with its parameters, before a connection gives it a name. */
interface StatementText {
  readonly sql: string
  readonly params: ReadonlyArray<unknown>
  readonly rowMode: "array" | undefined
  /**
   * pg sends a text without parameters as a simple query, which the server
   * runs however many statements it holds; the extended protocol takes
   * exactly one, as SQLite's prepare does. A simple-protocol text is
   * never named (prepared).
   */
  readonly protocol: "extended" | "simple"
  /** Name it whatever its size (see `QueryOptions.reuse`). */
  readonly reuse?: boolean | undefined
}

const revoked = () => toSqlError(closed("this PostgreSQL database"))

/**
 * pg answers a simple-protocol text of several statements with one result
 * per statement, and a single statement with its result: the rows of each,
 * nested only when there are several.
 */
const perStatement = (
  result: Pg.QueryResult | ReadonlyArray<Pg.QueryResult>,
  rowsOf: (result: Pg.QueryResult) => ReadonlyArray<any>
): ReadonlyArray<any> => Array.isArray(result) ? result.map(rowsOf) : rowsOf(result as Pg.QueryResult)

/**
 * A pool of `pg` clients. Every checked-out client carries an error
 * listener (see `Pool`), so a connection dropped by the server becomes a
 * failed statement, not an uncaught 'error' event that takes the process
 * down.
 *
 * @internal
 */
export const make = (options: PgOptions): Effect.Effect<Driver, DatabaseError.DatabaseError, Scope.Scope> =>
  Effect.gen(function*() {
    const connectTimeout = options.connectTimeout ?? 10_000
    const closeTimeout = options.closeTimeout ?? 5_000
    // The shutdown bounds itself (closeTimeout + 1 s): a finalizer cannot be
    // interrupted, so a timeout around it would never fire.
    const pool = yield* Effect.acquireRelease(
      Effect.sync(() =>
        Pool.make({
          connectionString: options.connectionString,
          max: options.maxConnections ?? 10,
          min: options.minConnections ?? 0,
          idleTimeout: options.idleTimeout ?? 30_000,
          connectTimeout,
          applicationName: options.applicationName ?? "effect-sqlservice",
          // A pooler refuses (or silently drops) it as a startup parameter.
          statementTimeout: options.pooler === "transaction" ? undefined : options.statementTimeout,
          closeTimeout,
          host: options.host,
          port: options.port,
          database: options.database
        })
      ),
      (pool) => Effect.promise(() => pool.close())
    )

    // A checked-out client for the scope. Waiting for it is interruptible;
    // once it is ours, the release is registered before anything else can
    // happen.
    const checkOut = (restore: Restore) =>
      restore(Effect.callback<Pool.LeaseHandle, SqlError>((resume) => {
        const withdraw = pool.lease((error, lease) =>
          resume(error !== undefined || lease === undefined ? Effect.fail(toSqlError(error)) : Effect.succeed(lease))
        )
        return Effect.sync(withdraw)
      }))
    const leased: Effect.Effect<Pool.LeaseHandle, SqlError, Scope.Scope> = Effect.uninterruptibleMask((restore) =>
      Effect.tap(checkOut(restore), (lease) => Effect.addFinalizer(() => Effect.sync(() => lease.release())))
    )

    const prepared = PreparedStatements.make({
      enabled: options.pooler === "transaction" ? false : options.preparedStatements ?? true,
      cacheSize: options.preparedStatementCacheSize ?? 100
    })

    // A statement for `client`: its name depends on what that connection
    // has prepared, so it is chosen right before the statement is queued.
    const configFor = (client: Pg.ClientBase, statement: StatementText): Pg.QueryConfig => {
      const name = statement.protocol === "simple" ? undefined : prepared.nameFor(client, statement.sql, statement.params, statement.reuse === true)
      // Assigned, not spread in: no temporary objects per statement.
      const config: { text: string; values: Array<unknown>; queryMode?: "extended"; name?: string; rowMode?: "array" } = {
        text: statement.sql,
        values: bindable(statement.params)
      }
      if (statement.protocol === "extended") config.queryMode = "extended"
      if (name !== undefined) config.name = name
      if (statement.rowMode !== undefined) config.rowMode = statement.rowMode
      return config as Pg.QueryConfig
    }

    // What a failed statement says about its connection and its name: a lost
    // connection must not go back to the pool; a named statement's failure
    // may change what is prepared (see PreparedStatements.failed).
    const onQueryError = (err: Error, config: Pg.QueryConfig, lease: Lease) => {
      if (classify(err)._tag === "ConnectionError") lease.markBroken(err)
      if (config.name !== undefined) prepared.failed(lease.client, config.text, config.name, (err as { code?: string }).code)
    }

    // In pooler mode the statement timeout belongs to each transaction (at least 1 ms: 0 means none).
    const localTimeout = options.pooler === "transaction" && options.statementTimeout !== undefined
      ? `SET LOCAL statement_timeout = ${Math.max(1, Math.ceil(options.statementTimeout))}`
      : undefined

    // One query on `client`, answered once (pg answers a query it could not
    // bind twice: the error, then success at ReadyForQuery).
    const queryOnce = (
      client: Pg.ClientBase,
      config: Pg.QueryConfig,
      callback: (error: Error | undefined, result?: Pg.QueryResult) => void
    ) => {
      let answered = false
      client.query(config, (error: Error | null | undefined, result: Pg.QueryResult) => {
        if (answered) return
        answered = true
        callback(error ?? undefined, result)
      })
    }
    const control = (text: string): Pg.QueryConfig => ({ text })
    // What an interrupted short transaction answers; nobody waits for it.
    const notSent = () => new Error("statement not sent: interrupted before its transaction was set up")

    /**
     * Runs `statement` on the lease's client and answers once; a failure is
     * answered only when the client takes the next statement. In pooler mode
     * with a statement timeout, a statement that opens a transaction is
     * followed by `SET LOCAL statement_timeout`, and one outside a
     * transaction runs in a short transaction of its own with it. In the
     * default mode a named statement that reached a server connection that
     * did not prepare it (a pooler in front, 26000 / 42P05) is sent again
     * unnamed, once, outside a transaction; inside one the transaction is
     * already aborted, and the failure says to enable pooler mode.
     * `interrupted` is asked between the steps of that short transaction: a
     * cancel that reached the server during BEGIN or SET LOCAL found nothing
     * to cancel, so the statement is not sent and the transaction is rolled
     * back instead.
     */
    const send = (
      lease: Lease,
      statement: StatementText,
      callback: (error: Error | undefined, result?: Pg.QueryResult) => void,
      interrupted: () => boolean = () => false
    ): void => {
      const client = lease.client
      const status = (client as unknown as { readonly _txStatus?: string | null })._txStatus
      const idle = status !== "T" && status !== "E"
      const finish = (error: Error | undefined, result?: Pg.QueryResult) =>
        error === undefined ? callback(undefined, result) : whenReady(client, () => callback(error))
      const config = configFor(client, statement)
      const failed = (error: Error, sent: Pg.QueryConfig) => onQueryError(error, sent, lease)
      if (localTimeout !== undefined) {
        const role = transactionRole(statement.sql)
        if (role === "begins") {
          return queryOnce(client, config, (error, result) => {
            if (error !== undefined) {
              failed(error, config)
              return finish(error)
            }
            queryOnce(client, control(localTimeout), (setError) => finish(setError, result))
          })
        }
        if (idle && role === "other") {
          const rollback = (error: Error) => queryOnce(client, control("ROLLBACK"), () => finish(error))
          return queryOnce(client, control("BEGIN"), (beginError) => {
            if (beginError !== undefined) return finish(beginError)
            if (interrupted()) return rollback(notSent())
            queryOnce(client, control(localTimeout), (setError) => {
              if (setError !== undefined) return rollback(setError)
              if (interrupted()) return rollback(notSent())
              queryOnce(client, config, (error, result) => {
                if (error !== undefined) {
                  failed(error, config)
                  return classify(error)._tag === "ConnectionError" ? finish(error) : rollback(error)
                }
                queryOnce(client, control("COMMIT"), (commitError) => finish(commitError, result))
              })
            })
          })
        }
      }
      queryOnce(client, config, (error, result) => {
        if (error === undefined) return finish(undefined, result)
        const code = (error as { code?: string }).code
        if (config.name !== undefined && isLostStatement(code)) {
          prepared.unname(client, config.text, config.name)
          if (!idle) return finish(poolerDetected(code, error.message))
          return whenReady(client, () => {
            const unnamed = configFor(client, statement)
            queryOnce(client, unnamed, (retryError, retried) => {
              if (retryError !== undefined) failed(retryError, unnamed)
              finish(retryError, retried)
            })
          })
        }
        failed(error, config)
        finish(error)
      })
    }

    // A cancel request that reaches the server before the statement does
    // (the statement was on its way when the fiber was interrupted) finds
    // nothing to cancel, and the statement then runs to its end. So while the
    // statement has not answered, the request is sent again, every 50 ms, for
    // at most closeTimeout.
    const cancelUntilDone = (lease: Lease, isDone: () => boolean): Promise<void> =>
      pool.cancel(lease).then(() => {
        const deadline = Date.now() + closeTimeout
        const again = () => {
          if (isDone() || Date.now() > deadline) return
          void pool.cancel(lease).finally(() => {
            if (!isDone()) setTimeout(again, 50).unref()
          })
        }
        if (!isDone()) setTimeout(again, 50).unref()
      })

    // Interrupting a fiber must stop its statement on the server too, and
    // only that one: the cancel targets the backend serving this client.
    const runOn = <A>(
      lease: Pool.LeaseHandle,
      statement: StatementText,
      map: (result: Pg.QueryResult) => A
    ): Effect.Effect<A, SqlError> =>
      Effect.callback<A, SqlError>((resume) => {
        if (lease.revoked) return resume(Effect.fail(revoked()))
        let done = false
        let interrupted = false
        send(lease, statement, (err, result) => {
          done = true
          resume(err !== undefined ? Effect.fail(toSqlError(err)) : Effect.succeed(map(result!)))
        }, () => interrupted)
        return Effect.suspend(() => {
          interrupted = true
          return done ? Effect.void : Effect.promise(() => cancelUntilDone(lease, () => done))
        })
      })

    // One statement on a pooled client, checkout to release in a single
    // callback chain: under load (thousands of concurrent statements) the
    // per-statement scope and fiber steps cost more than the query itself.
    const runPooled = <A>(statement: StatementText, map: (result: Pg.QueryResult) => A): Effect.Effect<A, SqlError> =>
      Effect.callback<A, SqlError>((resume) => {
        let lease: Pool.LeaseHandle | undefined
        let finished = false
        let interrupted = false
        const withdraw = pool.lease((error, held) => {
          if (error !== undefined || held === undefined) {
            if (!interrupted) resume(Effect.fail(toSqlError(error)))
            return
          }
          lease = held
          send(held, statement, (queryError, result) => {
            finished = true
            held.release()
            if (interrupted) return
            resume(queryError !== undefined ? Effect.fail(toSqlError(queryError)) : Effect.succeed(map(result!)))
          }, () => interrupted)
        })
        return Effect.suspend(() => {
          interrupted = true
          withdraw()
          const running = lease
          return running !== undefined && !finished ? Effect.promise(() => cancelUntilDone(running, () => finished)) : Effect.void
        })
      })

    const toResult = (result: Pg.QueryResult): QueryResult => ({
      rows: result.rows ?? [],
      rowsAffected: result.rowCount ?? 0
    })

    const cursorCleanup: Cursor.CursorCleanup = { cancel: pool.cancel, bound: closeTimeout }

    // A reserved client, or (reserved undefined) one checked out per statement.
    const makeConnection = (reserved: Pool.LeaseHandle | undefined, invalidate: () => void): DriverConnection => {
      const withClient = <A>(
        sql: string,
        params: ReadonlyArray<unknown>,
        map: (result: Pg.QueryResult) => A,
        rowMode?: "array",
        protocol: "extended" | "simple" = "extended",
        reuse?: boolean
      ): Effect.Effect<A, SqlError> => {
        const statement: StatementText = { sql, params, rowMode, protocol, reuse }
        if (options.pooler === "transaction") {
          const refusal = sessionStateRefusal(sql)
          if (refusal !== undefined) return Effect.fail(toSqlError(new ReasonFailure(refusal)))
        }
        return reserved !== undefined ? runOn(reserved, statement, map) : runPooled(statement, map)
      }
      const query = (sql: string, params: ReadonlyArray<unknown>, queryOptions?: QueryOptions) =>
        withClient(sql, params, toResult, undefined, "extended", queryOptions?.reuse)
      const rows = (sql: string, params: ReadonlyArray<unknown>) =>
        withClient(sql, params, (r) => r.rows ?? [] as ReadonlyArray<any>)
      return {
        query,
        invalidate,
        execute: (sql, params, transformRows) =>
          transformRows ? Effect.map(rows(sql, params), transformRows) : rows(sql, params),
        executeRaw: (sql, params) => withClient(sql, params, (r) => r),
        executeValues: (sql, params) => withClient(sql, params, (r) => r.rows as Array<Array<unknown>>, "array"),
        // The one way to send a multi-statement script: effect/sql's `unprepared`
        // (and `valuesUnprepared`), answered with one row array per statement.
        executeValuesUnprepared: (sql, params) =>
          withClient(sql, params, (r) => perStatement(r, (one) => one.rows ?? []), "array", "simple"),
        executeUnprepared: (sql, params, transformRows) =>
          withClient(
            sql,
            params,
            (r) => perStatement(r, (one) => transformRows ? transformRows(one.rows ?? []) : one.rows ?? []),
            undefined,
            "simple"
          ),
        executeStream: (sql, params, transformRows) => {
          const refusal = options.pooler === "transaction" ? sessionStateRefusal(sql) : undefined
          if (refusal !== undefined) return Stream.fail(toSqlError(new ReasonFailure(refusal)))
          return Cursor.stream(
            reserved === undefined
              ? leased
              : reserved.revoked
              ? Effect.fail(revoked())
              : Effect.succeed(reserved),
            sql,
            params,
            transformRows,
            cursorCleanup
          )
        }
      }
    }

    const where = `${options.host}:${options.port}/${options.database}`
    if (options.checkOnStart !== false) yield* Effect.scoped(Effect.flatMap(leased, (lease) => runOn(lease, { sql: "SELECT 1", params: [], rowMode: undefined, protocol: "extended" }, () => undefined))).pipe(
      Effect.mapError((error) => {
        const cause = error.reason.cause
        const reason = dialect.classify(cause)
        // The pool's connect failures already say where and why (the statement path carries them as
        // the DatabaseError they make; wrapping it again printed "cannot connect ...: statement failed: ...").
        if (cause instanceof ConnectionFailure) return DatabaseError.make(reason, { cause })
        if (DatabaseError.isDatabaseError(cause) && cause.reason._tag === "ConnectionError") return cause
        return DatabaseError.make(
          new DatabaseError.ConnectionError({
            kind: reason._tag === "ConnectionError" ? reason.kind : "refused",
            message: `cannot connect to PostgreSQL at ${where}: ${reason.message}`,
            host: options.host,
            port: options.port
          }),
          { cause }
        )
      }),
      Effect.timeoutOrElse({
        duration: connectTimeout + 1000,
        orElse: () =>
          Effect.fail(DatabaseError.make(
            new DatabaseError.ConnectionError({
              kind: "unreachable",
              message: `cannot connect to PostgreSQL at ${where}: timed out after ${connectTimeout} ms`,
              host: options.host,
              port: options.port
            })
          ))
      })
    )

    const lease = (restore: Restore): Effect.Effect<Reservation, SqlError> =>
      Effect.map(checkOut(restore), (handle) => ({
        conn: makeConnection(handle, () => handle.markBroken(new Error("connection invalidated after a failed ROLLBACK"))),
        release: Effect.sync(() => handle.release())
      }))

    return {
      dialect,
      reserve: reserveFromLease(lease),
      lease,
      shared: makeConnection(undefined, () => {}),
      poolStats: Effect.sync(pool.stats),
      preparedStatements: Effect.sync(() => prepared.count(pool.clients())),
      spanAttributes: [
        ["db.system.name", "postgresql"],
        ["db.namespace", options.database],
        ["server.address", options.host],
        ["server.port", options.port]
      ],
      singleConnection: false
    } satisfies Driver
  })
