import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Reactivity from "effect/reactivity/Reactivity"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Ref from "effect/Ref"
import * as Scope from "effect/Scope"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import type { Connection } from "../Connection.js"
import type { BeginOptions, Database, Options, Replica, SessionOptions } from "../Database.js"
import * as DatabaseError from "../DatabaseError.js"
import * as Metadata from "../Metadata.js"
import * as Table from "../Table.js"
import type { DialectName, Driver, DriverConnection, Reservation, Restore } from "./dialect/Dialect.js"
import { dialects } from "./dialect/dialects.js"
import * as PgDriver from "./dialect/pg/driver.js"
import { sqlErrorFromDatabaseError } from "./dialect/sqlError.js"
import * as SqliteDriver from "./dialect/sqlite/driver.js"
import { afterCommit } from "./afterCommit.js"
import { instrument } from "./instrument.js"
import { detachedError, type Frame, makeRoot, withConnection } from "./held.js"
import { makeSession } from "./session.js"
import * as Ddl from "./schema/ddl.js"
import { lockedConnection } from "./lockedConnection.js"
import { fromSqlError, run, runInput } from "./statements.js"
import { begin, beginWith, endScope, sessionContext, type TransactionContext } from "./transaction.js"
import * as Replicas from "./replicas.js"
import * as SqlClientPath from "./sqlClient.js"
import * as BatchedGet from "./orm/batchedGet.js"
import * as Url from "./url.js"

/** @internal */
export interface Core extends Database {
  readonly driver: Driver
  readonly current: Context.Reference<Frame | undefined>
}

const configError = (message: string) => DatabaseError.make(new DatabaseError.ConfigError({ message }))

const millis = (name: string, input: Duration.Input | undefined, positive = false) =>
  Effect.suspend(() => {
    if (input === undefined) return Effect.succeed(undefined)
    const d = Duration.fromInput(input)
    if (Option.isNone(d) || !Duration.isFinite(d.value)) {
      return Effect.fail(configError(`option ${name} must be a finite duration, got ${String(input)}`))
    }
    const ms = Duration.toMillis(d.value)
    // pg reads a timeout of 0 as "wait forever".
    if (positive && ms <= 0) return Effect.fail(configError(`option ${name} must be longer than 0, got ${String(input)}`))
    return Effect.succeed(ms)
  })

const positiveInt = (name: string, value: number | undefined, min = 1) =>
  value === undefined || (Number.isInteger(value) && value >= min)
    ? Effect.succeed(value)
    : Effect.fail(configError(`option ${name} must be an integer >= ${min}, got ${value}`))

// Pooler mode is a PostgreSQL setting, and it sends every statement unnamed.
const poolerOptions = (options: Options, name: DialectName) => {
  if (options.pooler === undefined) return Effect.void
  if (options.pooler !== "transaction") {
    return Effect.fail(configError(`option pooler: must be "transaction", got ${JSON.stringify(options.pooler)}`))
  }
  const dialect = dialects[name]
  if (dialect.pooler?.modes.includes(options.pooler) !== true) {
    return Effect.fail(configError(
      `option pooler: not available on ${dialect.label}, a connection pooler sits in front of a PostgreSQL server (remove the option for ${dialect.urlScheme} URLs)`
    ))
  }
  if (options.preparedStatements === true) {
    return Effect.fail(configError(
      "option preparedStatements: true conflicts with pooler \"transaction\", behind a transaction-mode pooler a named statement may reach a server connection that never prepared it (leave preparedStatements unset)"
    ))
  }
  return Effect.void
}

const makeDriver = (options: Options, parsed: Url.ParsedUrl, checkOnStart = true) =>
  Effect.gen(function*() {
    const busyTimeout = yield* millis("busyTimeout", options.busyTimeout)
    const connectTimeout = yield* millis("connectTimeout", options.connectTimeout, true)
    const idleTimeout = yield* millis("poolIdleTimeout", options.poolIdleTimeout)
    const statementTimeout = yield* millis("statementTimeout", options.statementTimeout, true)
    const closeTimeout = yield* millis("closeTimeout", options.closeTimeout, true)
    const poolSize = yield* positiveInt("poolSize", options.poolSize)
    const poolMin = yield* positiveInt("poolMin", options.poolMin, 0)
    const preparedStatementCacheSize = yield* positiveInt("preparedStatementCacheSize", options.preparedStatementCacheSize)
    if (poolSize !== undefined && poolMin !== undefined && poolMin > poolSize) {
      return yield* Effect.fail(configError(`option poolMin (${poolMin}) is larger than poolSize (${poolSize})`))
    }
    yield* poolerOptions(options, parsed.dialect)
    if (parsed.dialect === "sqlite") {
      return yield* SqliteDriver.make({
        filename: parsed.filename,
        busyTimeout,
        wal: options.wal,
        connectTimeout,
        safeIntegers: options.safeIntegers
      })
    }
    return yield* PgDriver.make({
      connectionString: parsed.connectionString,
      host: parsed.host,
      port: parsed.port,
      database: parsed.database,
      maxConnections: poolSize,
      minConnections: poolMin,
      idleTimeout,
      connectTimeout,
      statementTimeout,
      closeTimeout,
      preparedStatements: options.preparedStatements,
      preparedStatementCacheSize,
      pooler: options.pooler,
      checkOnStart,
      applicationName: options.applicationName ?? parsed.params.get("application_name")
    })
  })

/**
 * A driver per read replica (PostgreSQL), with the primary's pool settings.
 * A replica that is down when the layer starts does not fail it: reads skip
 * it until it answers as a standby.
 */
const makeReplicaDrivers = (options: Options, name: DialectName) =>
  Effect.gen(function*() {
    const urls = options.replicas ?? []
    if (urls.length === 0) return []
    const dialect = dialects[name]
    if (dialect.replication === undefined) {
      return yield* Effect.fail(configError(
        `option replicas: not available on ${dialect.label}, read replicas are PostgreSQL standbys (remove the option for ${dialect.urlScheme} URLs)`
      ))
    }
    const drivers: Array<{ readonly driver: Driver; readonly where: string }> = []
    for (const [i, url] of urls.entries()) {
      const raw = Redacted.isRedacted(url) ? Redacted.value(url) : url
      if (typeof raw !== "string" || raw.trim() === "") {
        return yield* Effect.fail(configError(`option replicas[${i}]: empty (expected a postgres://user@host:5432/db URL)`))
      }
      const parsed = yield* Effect.fromResult(Url.parse(raw))
      if (parsed.dialect !== name) {
        return yield* Effect.fail(configError(`option replicas[${i}]: a ${parsed.dialect} URL, where a read replica is a PostgreSQL standby (use postgres://user@host:5432/db)`))
      }
      const driver = yield* makeDriver(options, parsed, false)
      const where = "host" in parsed ? `${parsed.host}:${parsed.port}/${parsed.database}` : parsed.filename
      drivers.push({ driver, where })
    }
    return drivers
  })

const serializableOnReplica = () =>
  DatabaseError.make(
    new DatabaseError.InputError({
      message:
        "serializable transaction refused on a read replica: PostgreSQL standbys do not run serializable transactions (use db.begin with isolationLevel: \"serializable\", which runs on the primary, or repeatable read on the replica)"
    })
  )

const alreadyHeld = (dialect: string) =>
  DatabaseError.make(
    new DatabaseError.ConnectionError({
      kind: "pool_timeout",
      message:
        `this ${dialect} database has a single connection and this fiber already holds it (an enclosing session, begin or connect); use the Session in context or a nested db.begin instead of opening another`
    })
  )

// Each Database has its own current-frame reference: references with the
// same key are the same service.
let databaseIds = 0

/** @internal */
export const make = (options: Options): Effect.Effect<Core, DatabaseError.DatabaseError, Scope.Scope> =>
  Effect.gen(function*() {
    const raw = Redacted.isRedacted(options.url) ? Redacted.value(options.url) : options.url
    if (typeof raw !== "string" || raw.trim() === "") {
      return yield* Effect.fail(configError("database URL is empty; expected sqlite://:memory:, sqlite:///file.db or postgres://user@host:5432/db"))
    }
    const parsed = yield* Effect.fromResult(Url.parse(raw))
    // Bad table definitions fail the layer, before any connection is opened.
    const declaredTables = options.tables ?? []
    const metadata = yield* Effect.fromResult(Metadata.fromTables(declaredTables, parsed.dialect))
    // Replicas first: their URLs are checked before anything connects, and they connect lazily.
    const replicaDrivers = yield* makeReplicaDrivers(options, parsed.dialect)
    const driver = yield* makeDriver(options, parsed)
    const lagTimeout = (yield* millis("replicaLagTimeout", options.replicaLagTimeout)) ?? 250
    // With replicas, every statement completed on the primary is a possible
    // write that reads must wait for (see Replicas.make).
    let completedOnPrimary: () => void = () => {}
    const counted = (conn: DriverConnection) =>
      replicaDrivers.length === 0 ? conn : Replicas.counting(conn, () => completedOnPrimary())
    const dialect = driver.dialect
    const listener = { echo: options.echo === true, onStatement: options.onStatement }
    const current = Context.Reference<Frame | undefined>(`effect-sqlservice/current/${databaseIds++}`, {
      defaultValue: () => undefined
    })

    const toDatabaseError = (e: SqlError) => fromSqlError(dialect, "")(e)

    const reserveRaw: Effect.Effect<DriverConnection, DatabaseError.DatabaseError, Scope.Scope> = Effect.map(
      Effect.mapError(driver.reserve, toDatabaseError),
      (conn) => instrument(counted(conn), listener)
    )
    // A fiber that holds SQLite's one connection would wait for itself forever.
    const reserve = driver.singleConnection
      ? Effect.flatMap(
        Effect.service(current),
        (frame) => frame === undefined || !frame.open ? reserveRaw : Effect.fail(alreadyHeld(driver.dialect.name))
      )
      : reserveRaw

    // The same connections as `reserve`, given back by their holder (sessions,
    // `connect`, top-level `begin`) in its own finalizer, without a scope.
    const lease = (restore: Restore): Effect.Effect<Reservation, DatabaseError.DatabaseError> =>
      Effect.withFiber((fiber) => {
        if (driver.singleConnection) {
          const frame = fiber.getRef(current)
          if (frame !== undefined && frame.open) return Effect.fail(alreadyHeld(driver.dialect.name))
        }
        return Effect.map(Effect.mapError(driver.lease(restore), toDatabaseError), (leased) => ({
          conn: instrument(counted(leased.conn), listener),
          release: leased.release
        }))
      })

    const ctx: TransactionContext = { dialect, current, reserve, lease }

    const replication = dialect.replication
    const replicaSet = replicaDrivers.length === 0 || replication === undefined ? undefined : Replicas.make({
      dialect,
      replicaCheck: replication.replicaCheck,
      replicas: replicaDrivers.map(({ driver: replica, where }) => ({
        where,
        reserve: Effect.map(Effect.mapError(replica.reserve, toDatabaseError), (conn) => instrument(conn, listener))
      })),
      primary: reserve,
      primaryPosition: Effect.map(run(dialect, driver.shared, replication.primaryPosition, []), (r) => String(r.rows[0]!.lsn)),
      lagTimeout,
      retryAfter: 1000,
      connectBound: 1000
    })
    if (replicaSet !== undefined) completedOnPrimary = replicaSet.noteCompleted
    // Reads routed to a replica: a caught-up replica's connection, else the primary's.
    const replicaReserve = replicaSet?.reserve ?? reserve
    const replicaCtx: TransactionContext = { dialect, current, reserve: replicaReserve }
    const routedBegin = <A, E, R>(effect: Effect.Effect<A, E, R>, options?: BeginOptions) =>
      replicaSet !== undefined && options?.readOnly === true && options.isolationLevel !== "serializable"
        ? begin(replicaCtx, effect, options)
        : begin(ctx, effect, options)

    const sessions = sessionContext(ctx)

    // Makes `root` the fiber's current frame until the caller's scope closes,
    // so `begin` and `SqlClient` statements in that scope run on it; then
    // ends the hold and, with `release`, gives the connection back. One
    // finalizer, where `Effect.addFinalizer`, `Effect.updateServiceScoped` and
    // the driver's own made three: a scope with one finalizer closes in a
    // step, and those steps were most of what opening a session cost.
    // Call uninterruptibly: the frame is set and its finalizer added together.
    const enter = (fiber: Fiber.Fiber<unknown, unknown>, root: Frame, release: Effect.Effect<void> | undefined) => {
      const previous = fiber.getRef(current)
      fiber.setContext(Context.add(fiber.context, current, root))
      const scope = Context.getUnsafe(fiber.context, Scope.Scope)
      return Effect.as(
        Scope.addFinalizer(scope, Effect.suspend(() => {
          // Only while the frame is still this hold's: a scope closed from
          // another fiber, or a frame set since, is left alone.
          if (fiber.getRef(current) === root) fiber.setContext(Context.add(fiber.context, current, previous))
          return endScope(dialect, root, release)
        })),
        root
      )
    }

    // Holds a connection of the primary for the caller's scope: a lease,
    // given back by the hold's own finalizer.
    const hold = (autoBegin: boolean, readOnly = false): Effect.Effect<Frame, DatabaseError.DatabaseError, Scope.Scope> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(lease(restore), (leased) =>
          Effect.withFiber((fiber) => enter(fiber, makeRoot(leased.conn, autoBegin, false, readOnly), leased.release)))
      )

    // Holds a connection reserved for the caller's scope by `from` (a replica's).
    const holdFrom = (from: typeof reserve, autoBegin: boolean): Effect.Effect<Frame, DatabaseError.DatabaseError, Scope.Scope> =>
      Effect.flatMap(from, (conn) =>
        Effect.uninterruptible(Effect.withFiber((fiber) => enter(fiber, makeRoot(conn, autoBegin), undefined))))

    const connectOn = (held: Effect.Effect<Frame, DatabaseError.DatabaseError, Scope.Scope>): Effect.Effect<Connection, DatabaseError.DatabaseError, Scope.Scope> =>
      Effect.map(
        held,
        (root) => {
          const session = makeSession(sessions, root)
          return { dialect: dialect.name, execute: session.execute, all: session.all, stream: session.stream }
        }
      )
    const connect = connectOn(hold(false))

    const session = Effect.map(hold(true), (root) => makeSession(sessions, root))
    const readOnlySession = Effect.map(hold(true, true), (root) => makeSession(sessions, root))
    const sessionWith = (options: SessionOptions = {}) => options.readOnly === true ? readOnlySession : session

    const toSqlError = (e: DatabaseError.DatabaseError): SqlError => sqlErrorFromDatabaseError(dialect, e)
    // `SqlClient` statements inside a block take turns on its connection like
    // ours, and fail once the block has ended.
    const frameConnections = new WeakMap<Frame, DriverConnection>()
    const frameConnection = (frame: Frame): DriverConnection => {
      let conn = frameConnections.get(frame)
      if (conn === undefined) {
        conn = lockedConnection(frame, toSqlError, dialect)
        frameConnections.set(frame, conn)
      }
      return conn
    }
    const shared = instrument(counted(driver.shared), listener)
    // The connection a `SqlClient` statement of this fiber runs on: its
    // block's, or (outside any block) whatever `outside` lends it.
    const borrowOnFrom = (
      outside: <A, E, R>(use: (conn: DriverConnection) => Effect.Effect<A, E, R>) => Effect.Effect<A, E | SqlError, R>
    ): SqlClientPath.BorrowOn =>
    (fiber, use) => {
      const frame = fiber.getRef(current)
      if (frame === undefined) return outside(use)
      return frame.open ? use(frameConnection(frame)) : Effect.fail(toSqlError(detachedError()))
    }
    const borrowOn = borrowOnFrom((use) => use(shared))
    const made = yield* SqlClientPath.make({
      // For streams and `reserve`-like uses: the same connections, taken for a scope.
      acquirer: Effect.withFiber((fiber) => borrowOn(fiber, Effect.succeed)),
      borrowOn,
      compiler: dialect.compiler,
      spanAttributes: driver.spanAttributes,
      driver: `effect-sqlservice/${dialect.name}`
    }).pipe(Effect.provideServiceEffect(Reactivity.Reactivity, Reactivity.make))
    const client: SqlClient.SqlClient = Object.assign(made, {
      // Our begin, so that `sql.withTransaction` gets unique, released
      // savepoints, frames and afterCommit too; its own failures (no
      // connection, BEGIN, COMMIT...) surface as SqlError as the SqlClient
      // interface promises, the body's pass through.
      withTransaction: <R, E, A>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError, R> =>
        Effect.withFiber((fiber) =>
          beginWith(ctx, self, { beginStatement: fiber.getRef(SqlClient.BeginTransaction) }, undefined, toSqlError)
        ) as Effect.Effect<A, E | SqlError, R>,
      afterCommit: <R>(effect: Effect.Effect<void, never, R>) => afterCommit(current, effect),
      reserve: Effect.mapError(reserve, toSqlError)
    })

    // `db.replica.sql`: statements outside a block run on a replica (one
    // reserved per statement, after its read-your-writes check); inside one,
    // on the block's connection like the primary's client.
    const replicaBorrowOn = borrowOnFrom((use) =>
      Effect.scoped(Effect.flatMap(Effect.mapError(replicaReserve, toSqlError), use))
    )
    const replicaMade = yield* SqlClientPath.make({
      acquirer: Effect.flatMap(
        Effect.service(current),
        (frame) =>
          frame === undefined
            ? Effect.mapError(replicaReserve, toSqlError)
            : frame.open
            ? Effect.succeed(frameConnection(frame))
            : Effect.fail(toSqlError(detachedError()))
      ),
      borrowOn: replicaBorrowOn,
      compiler: dialect.compiler,
      spanAttributes: driver.spanAttributes,
      driver: `effect-sqlservice/${dialect.name}`
    }).pipe(Effect.provideServiceEffect(Reactivity.Reactivity, Reactivity.make))
    const replicaClient: SqlClient.SqlClient = Object.assign(replicaMade, {
      withTransaction: <R, E, A>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError, R> =>
        Effect.withFiber((fiber) =>
          beginWith(replicaCtx, self, { readOnly: true, beginStatement: fiber.getRef(SqlClient.BeginTransaction) }, undefined, toSqlError)
        ) as Effect.Effect<A, E | SqlError, R>,
      afterCommit: <R>(effect: Effect.Effect<void, never, R>) => afterCommit(current, effect),
      reserve: Effect.mapError(replicaReserve, toSqlError)
    })
    const replica: Replica = {
      sql: replicaClient,
      connect: connectOn(holdFrom(replicaReserve, false)),
      session: Effect.map(holdFrom(replicaReserve, true), (root) => makeSession(sessions, root)),
      begin: (effect, options = {}) =>
        options.isolationLevel === "serializable"
          ? Effect.fail(serializableOnReplica())
          : begin(replicaCtx, effect, { ...options, readOnly: true })
    }

    // DDL and introspection run on the connection of the enclosing begin (a
    // begin is always around them), so they commit or roll back with it.
    const runOnCurrent: Ddl.Run = (sql, params) =>
      Effect.flatMap(Effect.service(current), (frame) =>
        frame === undefined
          ? Effect.die(new Error("effect-sqlservice: schema statement outside a transaction"))
          : withConnection(frame, (conn) => Effect.map(run(dialect, conn, sql, params ?? []), (r) => r.rows)))
    const schemaDialect = Ddl.schemaDialects[dialect.name]
    const reflected = yield* Ref.make<Metadata.Metadata>({ tables: [] })
    const tables = Effect.map(Ref.get(reflected), (live) => {
      const declaredNames = new Set(metadata.tables.map((t) => `${t.schema ?? ""}.${t.name}`))
      return [
        ...declaredTables,
        ...live.tables.filter((t) => !declaredNames.has(`${t.schema ?? ""}.${t.name}`)).map(Table.fromMetadata)
      ]
    })

    const batchedGet = BatchedGet.make({
      dialect,
      frameOf: (fiber) => fiber.getRef(current),
      connection: (frame) =>
        frame === undefined
          ? Result.succeed(shared)
          : frame.open
          ? Result.succeed(frameConnection(frame))
          : Result.fail(detachedError())
    })

    const ping = runInput(dialect, shared, "SELECT 1", []).pipe(
      // A pooled connection whose server side went away fails once, and is
      // dropped from the pool by that failure; the retry gets a fresh one.
      Effect.retry({ times: 1, while: (e) => DatabaseError.hasReason(e, "ConnectionError") }),
      Effect.asVoid
    )

    return {
      dialect: dialect.name,
      url: new Url.DatabaseUrl(raw, dialect.name),
      sql: client,
      connect,
      session,
      sessionWith,
      begin: routedBegin,
      replica,
      get: batchedGet,
      ping,
      poolStats: driver.poolStats,
      metadata,
      tables,
      createAll: (options) => begin(ctx, Ddl.createAll(runOnCurrent, schemaDialect, declaredTables, options)),
      dropAll: (options) => begin(ctx, Ddl.dropAll(runOnCurrent, schemaDialect, declaredTables, options)),
      reflect: (options) =>
        begin(ctx, Ddl.reflect(runOnCurrent, schemaDialect, options), { readOnly: true }).pipe(
          Effect.tap((live) => Ref.set(reflected, live))
        ),
      driver,
      current
    } satisfies Core
  })
