import { makeCompiler } from "@effect/sql-pg/PgClient"
import { SqlError } from "@effect/sql/SqlError"
import * as Statement from "@effect/sql/Statement"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import Pg from "pg"
import Cursor from "pg-cursor"
import * as DatabaseError from "../../../DatabaseError.js"
import type { Dialect, Driver, DriverConnection, QueryResult } from "../Dialect.js"
import { classify } from "./errors.js"
import { inList } from "./inList.js"

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
  compiler: makeCompiler(),
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
  unboundedLimit: "ALL",
  inList,
  placeholder: (index) => `$${index}`,
  quoteIdentifier: escapeIdentifier,
  classify
}

const STREAM_CHUNK = 512

// Named statements are parsed and planned once per connection, which is most
// of what a point query costs over loopback. Only statements with parameters
// and a bounded size are named, so IN lists of every length or huge bulk
// inserts do not pile up prepared statements on the server.
const MAX_NAMED_PARAMS = 100
const MAX_NAMED_TEXT = 4096

const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

// `null`: this text is run unnamed from now on (its plan went stale).
const names = new Map<string, string | null>()

const statementName = (sql: string, params: ReadonlyArray<unknown>): string | undefined => {
  if (params.length === 0 || params.length > MAX_NAMED_PARAMS || sql.length > MAX_NAMED_TEXT) return undefined
  let name = names.get(sql)
  if (name === null) return undefined
  if (name === undefined) {
    name = `esq_${fnv1a(sql).toString(36)}_${sql.length.toString(36)}`
    if (names.size >= 10_000) names.clear()
    names.set(sql, name)
  }
  return name
}

const toSqlError = (cause: unknown) =>
  new SqlError({ cause, message: cause instanceof Error ? cause.message : String(cause) })

/**
 * A `pg.Pool`; every reserved client gets an error listener so that a
 * connection dropped by the server becomes a failed statement, not an
 * uncaught 'error' event that takes the process down.
 *
 * @internal
 */
export const make = (options: PgOptions): Effect.Effect<Driver, DatabaseError.DatabaseError, Scope.Scope> =>
  Effect.gen(function*() {
    const pool = yield* Effect.acquireRelease(
      Effect.sync(() =>
        new Pg.Pool({
          connectionString: options.connectionString,
          max: options.maxConnections ?? 10,
          min: options.minConnections ?? 0,
          idleTimeoutMillis: options.idleTimeout ?? 30_000,
          connectionTimeoutMillis: options.connectTimeout ?? 10_000,
          application_name: options.applicationName ?? "effect-sqlservice",
          ...(options.statementTimeout === undefined ? {} : { statement_timeout: options.statementTimeout })
        })
      ),
      (pool) => Effect.promise(() => pool.end()).pipe(Effect.timeoutOption(5000))
    )
    // Idle clients whose server went away emit 'error' on the pool; the pool
    // drops them, and the next checkout gets a fresh connection.
    pool.on("error", () => {})

    const where = `${options.host}:${options.port}/${options.database}`
    yield* Effect.tryPromise({
      try: () => pool.query("SELECT 1"),
      catch: (cause) => {
        const reason = classify(cause)
        const detail = cause instanceof Error && cause.message.length > 0
          ? cause.message
          : (cause as any)?.code ?? String(cause)
        return DatabaseError.make(
          new DatabaseError.ConnectionError({
            kind: reason._tag === "ConnectionError" ? reason.kind : "refused",
            message: reason._tag === "ConnectionError"
              ? `cannot connect to PostgreSQL at ${where}: ${detail}`
              : `cannot connect to PostgreSQL at ${where}: ${reason.message}`,
            host: options.host,
            port: options.port
          }),
          { cause }
        )
      }
    }).pipe(
      Effect.timeoutFail({
        duration: (options.connectTimeout ?? 10_000) + 1000,
        onTimeout: () =>
          DatabaseError.make(
            new DatabaseError.ConnectionError({
              kind: "unreachable",
              message: `cannot connect to PostgreSQL at ${where}: timed out after ${options.connectTimeout ?? 10_000} ms`,
              host: options.host,
              port: options.port
            })
          )
      })
    )

    // Interrupting a fiber must stop its statement on the server too, and only
    // that one: pg_cancel_backend targets the backend serving this client. It
    // runs on a connection of its own, since the pool may be exhausted by the
    // very statements being cancelled.
    const cancel = (client: Pg.PoolClient): Effect.Effect<void> => {
      const pid = (client as unknown as { processID?: number }).processID
      if (pid === undefined) return Effect.void
      return Effect.promise(async () => {
        const canceller = new Pg.Client({
          connectionString: options.connectionString,
          connectionTimeoutMillis: options.connectTimeout ?? 10_000
        })
        canceller.on("error", () => {})
        try {
          await canceller.connect()
          await canceller.query("SELECT pg_cancel_backend($1)", [pid])
        } catch {
          // Best effort: the statement may have finished meanwhile.
        } finally {
          await canceller.end().catch(() => undefined)
        }
      }).pipe(Effect.timeoutOption(5000), Effect.asVoid)
    }

    // What a failed statement says about its connection and its name: a lost
    // connection must not go back to the pool; "cached plan must not change
    // result type" (DDL changed what a named statement returns) fails this
    // once, and the text runs unnamed (parsed afresh) from then on.
    const onQueryError = (err: Error, config: Pg.QueryConfig, markBroken: (cause: Error) => void) => {
      if (classify(err)._tag === "ConnectionError") markBroken(err)
      if ((err as { code?: string }).code === "0A000" && config.name !== undefined) names.set(config.text, null)
    }

    const runOn = <A>(
      client: Pg.PoolClient,
      config: Pg.QueryConfig,
      map: (result: Pg.QueryResult) => A,
      markBroken: (cause: Error) => void
    ): Effect.Effect<A, SqlError> =>
      Effect.async<A, SqlError>((resume) => {
        let done = false
        client.query(config, (err: Error | undefined, result: Pg.QueryResult) => {
          done = true
          if (err) {
            onQueryError(err, config, markBroken)
            resume(Effect.fail(toSqlError(err)))
          } else {
            resume(Effect.succeed(map(result)))
          }
        })
        return Effect.suspend(() => done ? Effect.void : cancel(client))
      })

    const checkout: Effect.Effect<Pg.PoolClient, SqlError> = Effect.async<Pg.PoolClient, SqlError>((resume) => {
      let cancelled = false
      pool.connect((err, client, release) => {
        if (err || client === undefined) {
          return resume(Effect.fail(toSqlError(err ?? new Error("pool returned no client"))))
        }
        if (cancelled) return release()
        resume(Effect.succeed(client))
      })
      return Effect.sync(() => {
        cancelled = true
      })
    })

    // One statement on a pooled client, checkout to release in a single
    // callback chain: under load (thousands of concurrent statements) the
    // per-statement scope and fiber steps cost more than the query itself.
    const runPooled = <A>(config: Pg.QueryConfig, map: (result: Pg.QueryResult) => A): Effect.Effect<A, SqlError> =>
      Effect.async<A, SqlError>((resume) => {
        let client: Pg.PoolClient | undefined
        let finished = false
        let interrupted = false
        pool.connect((err, c) => {
          if (err || c === undefined) {
            if (!interrupted) resume(Effect.fail(toSqlError(err ?? new Error("pool returned no client"))))
            return
          }
          if (interrupted) return c.release()
          client = c
          let broken: Error | undefined
          const onError = (e: Error) => {
            broken ??= e
          }
          c.on("error", onError)
          c.query(config, (queryError: Error | null | undefined, result: Pg.QueryResult) => {
            finished = true
            c.off("error", onError)
            // pg reports success with a null error.
            if (queryError) onQueryError(queryError, config, onError)
            // release(error) destroys the client instead of pooling it.
            c.release(broken)
            if (interrupted) return
            resume(queryError ? Effect.fail(toSqlError(queryError)) : Effect.succeed(map(result)))
          })
        })
        return Effect.suspend(() => {
          interrupted = true
          return client !== undefined && !finished ? cancel(client) : Effect.void
        })
      })

    const toResult = (result: Pg.QueryResult): QueryResult => ({
      rows: result.rows ?? [],
      rowsAffected: result.rowCount ?? 0
    })

    // A checked-out client that remembers whether its server connection was
    // lost, so that releasing it destroys it instead of pooling it.
    interface Held {
      readonly client: Pg.PoolClient
      readonly markBroken: (cause: Error) => void
    }
    const hold = (client: Pg.PoolClient) => {
      let broken: Error | undefined
      const markBroken = (cause: Error) => {
        broken ??= cause
      }
      client.on("error", markBroken)
      const release = () => {
        client.off("error", markBroken)
        client.release(broken)
      }
      return { held: { client, markBroken } satisfies Held, release }
    }
    const holdPerStatement = Effect.acquireRelease(
      Effect.map(checkout, hold),
      ({ release }) => Effect.sync(release)
    )

    // A reserved client, or (reserved undefined) one checked out per statement.
    const makeConnection = (reserved: Held | undefined, invalidate: () => void): DriverConnection => {
      const withClient = <A>(
        sql: string,
        params: ReadonlyArray<unknown>,
        map: (result: Pg.QueryResult) => A,
        rowMode?: "array",
        protocol: "extended" | "simple" = "extended"
      ): Effect.Effect<A, SqlError> => {
        const name = statementName(sql, params)
        const config = {
          text: sql,
          values: params as Array<unknown>,
          // pg sends a text without parameters as a simple query, which the
          // server runs however many statements it holds; the extended
          // protocol takes exactly one, as SQLite's prepare does.
          ...(protocol === "extended" ? { queryMode: "extended" } : {}),
          ...(name === undefined ? {} : { name }),
          ...(rowMode === undefined ? {} : { rowMode })
        } as Pg.QueryConfig
        if (reserved !== undefined) return runOn(reserved.client, config, map, reserved.markBroken)
        return runPooled(config, map)
      }
      const query = (sql: string, params: ReadonlyArray<unknown>) => withClient(sql, params, toResult)
      const rows = (sql: string, params: ReadonlyArray<unknown>, protocol?: "simple") =>
        withClient(sql, params, (r) => r.rows ?? [] as ReadonlyArray<any>, undefined, protocol)
      return {
        query,
        invalidate,
        execute: (sql, params, transformRows) =>
          transformRows ? Effect.map(rows(sql, params), transformRows) : rows(sql, params),
        executeRaw: (sql, params) => withClient(sql, params, (r) => r),
        executeValues: (sql, params) => withClient(sql, params, (r) => r.rows as Array<Array<unknown>>, "array"),
        // The one way to send a multi-statement script: @effect/sql's `unprepared`.
        executeUnprepared: (sql, params, transformRows) =>
          transformRows ? Effect.map(rows(sql, params, "simple"), transformRows) : rows(sql, params, "simple"),
        executeStream: (sql, params, transformRows) =>
          Effect.gen(function*() {
            const c = reserved?.client ?? (yield* holdPerStatement).held.client
            const cursor = yield* Effect.acquireRelease(
              Effect.sync(() => c.query(new Cursor(sql, params as Array<unknown>))),
              (cursor) => Effect.promise(() => cursor.close().catch(() => undefined))
            )
            const pull = Effect.async<Chunk.Chunk<any>, Option.Option<SqlError>>((resume) => {
              cursor.read(STREAM_CHUNK, (err, rows) => {
                if (err) resume(Effect.fail(Option.some(toSqlError(err))))
                else if (rows.length === 0) resume(Effect.fail(Option.none()))
                else resume(Effect.succeed(Chunk.unsafeFromArray(transformRows ? transformRows(rows) : rows)))
              })
            })
            return Stream.repeatEffectChunkOption(pull)
          }).pipe(Stream.unwrapScoped)
      }
    }

    const reserve: Effect.Effect<DriverConnection, SqlError, Scope.Scope> = Effect.uninterruptibleMask((restore) =>
      Effect.gen(function*() {
        const { held, release } = hold(yield* restore(checkout))
        yield* Effect.addFinalizer(() => Effect.sync(release))
        return makeConnection(held, () => held.markBroken(new Error("connection invalidated after a failed ROLLBACK")))
      })
    )

    return {
      dialect,
      reserve,
      shared: Effect.succeed(makeConnection(undefined, () => {})),
      poolStats: Effect.sync(() => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount })),
      spanAttributes: [
        ["db.system.name", "postgresql"],
        ["db.namespace", options.database],
        ["server.address", options.host],
        ["server.port", options.port]
      ],
      singleConnection: false
    } satisfies Driver
  })
