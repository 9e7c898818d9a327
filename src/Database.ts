/**
 * The `Database` service: Python sqlservice's `Database` as an Effect layer.
 * It hands out scoped connections and sessions, runs `begin` blocks that
 * commit or roll back, and also provides `effect/sql`'s `SqlClient` on the
 * same connections so plain `effect/sql` code can be mixed in.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as SqlClient from "effect/sql/SqlClient"
import type { Connection } from "./Connection.js"
import * as DatabaseError from "./DatabaseError.js"
import * as internal from "./internal/database.js"
import type * as Metadata from "./Metadata.js"
import type { Session } from "./Session.js"
import type * as Table from "./Table.js"

/**
 * @since 0.1.0
 * @category models
 */
export type Dialect = "sqlite" | "pg"

/**
 * @since 0.1.0
 * @category models
 */
export type IsolationLevel = "read uncommitted" | "read committed" | "repeatable read" | "serializable"

/**
 * @since 0.1.0
 * @category models
 */
export interface BeginOptions {
  /** PostgreSQL isolation level. SQLite transactions are always serializable. */
  readonly isolationLevel?: IsolationLevel | undefined
  /** A read-only transaction (PostgreSQL); on SQLite a deferred BEGIN that takes no write lock. */
  readonly readOnly?: boolean | undefined
  /**
   * Re-runs the whole transaction while it fails with a retryable error:
   * serialization failure (40001), deadlock (40P01), SQLite BUSY. Only the
   * outermost `begin` retries.
   */
  readonly retry?: Schedule.Schedule<unknown, unknown> | undefined
}

/**
 * Options of `db.sessionWith`.
 *
 * @since 0.4.0
 * @category models
 */
export interface SessionOptions {
  /**
   * A read-only session: its transaction, and every `begin` on it, is read
   * only, and a write through it (ORM or raw SQL) fails with a
   * `DatabaseError` of reason `ReadOnlyError`, writing nothing. On SQLite it
   * begins with a deferred `BEGIN` (no write lock, so readers in other
   * processes do not queue behind it, nor it behind a writer in WAL mode)
   * and the connection refuses every statement that would write (what
   * `PRAGMA query_only` refuses) until the transaction ends, however it
   * ends; on PostgreSQL it begins with `BEGIN READ ONLY`. It runs on the primary (use `db.replica.session` for a
   * replica).
   */
  readonly readOnly?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface PoolStats {
  readonly total: number
  readonly idle: number
  readonly waiting: number
}

/**
 * A database URL whose secrets are masked whenever it is printed: the
 * password of the user info and secret-bearing query parameters
 * (`?password=`, `sslpassword`, tokens, keys).
 *
 * @since 0.1.0
 * @category models
 */
export interface DatabaseUrl {
  readonly value: Redacted.Redacted<string>
  readonly masked: string
  readonly dialect: Dialect
  toString(): string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Database {
  readonly dialect: Dialect
  readonly url: DatabaseUrl
  /**
   * `effect/sql`'s client on this database's connections; inside `begin` it
   * runs on the transaction. Its `withTransaction` is `begin` (honouring
   * `SqlClient.BeginTransaction`, failing with `SqlError`), and its
   * `afterCommit` waits for the outermost COMMIT of `begin` blocks and of a
   * session's own transaction.
   */
  readonly sql: SqlClient.SqlClient
  /** A connection reserved for the scope, returned to the pool when it closes. */
  readonly connect: Effect.Effect<Connection, DatabaseError.DatabaseError, Scope.Scope>
  /**
   * A commit-as-you-go session on one connection; closing its scope rolls
   * back what was not committed. On SQLite its transaction begins with
   * `BEGIN IMMEDIATE` (it takes the write lock up front); a session that only
   * reads is better opened with `sessionWith({ readOnly: true })`.
   */
  readonly session: Effect.Effect<Session, DatabaseError.DatabaseError, Scope.Scope>
  /**
   * `session` with options: `sessionWith({ readOnly: true })` is a read-only
   * session (see `SessionOptions`). `sessionWith()` is `session`.
   *
   * ```ts
   * const names = Effect.scoped(Effect.gen(function*() {
   *   const session = yield* db.sessionWith({ readOnly: true })
   *   return yield* session.all(Query.select(User))
   * }))
   * ```
   *
   * @since 0.4.0
   */
  readonly sessionWith: (options?: SessionOptions) => Effect.Effect<Session, DatabaseError.DatabaseError, Scope.Scope>
  /**
   * Runs `effect` in a transaction with its `Session` in context: commits on
   * success, rolls back on failure, defect or interruption and re-raises the
   * original cause. Nested, it is a savepoint.
   */
  readonly begin: <A, E, R>(
    effect: Effect.Effect<A, E, R>,
    options?: BeginOptions
  ) => Effect.Effect<A, E | DatabaseError.DatabaseError, Exclude<R, Session>>
  /**
   * The read replicas (PostgreSQL `replicas` option): the same operations
   * on a replica that has replayed every commit this `Database` made before
   * them, taken in turn, or on the primary when none has (see `Replica`).
   * Without replicas it is the primary.
   *
   * @since 0.3.0
   */
  readonly replica: Replica
  /**
   * The row with this primary key, like `session.get`, for the many small
   * reads of concurrent fibers: lookups of one table that fibers make in the
   * same tick are sent together as one statement (`WHERE pk IN (...)`, the
   * key list bound as one parameter: `= ANY($1)` on PostgreSQL), and each
   * caller gets its own row. 3000 fibers reading a row each cost one
   * statement instead of 3000.
   *
   * Keys are checked and encoded as `session.get` checks them: a bad key
   * fails its own caller with an `InputError` before any SQL, and never the
   * batch. Equal keys share one place in the list. Each caller decodes its
   * row itself: a row that does not decode fails only the callers of that
   * key. An interrupted caller leaves the batch, the others still get their
   * rows; when every caller of a sent batch is gone its statement is
   * cancelled.
   *
   * It runs where `db.sql` runs: on the caller's connection inside
   * `db.begin`, a session or `db.connect` (batched per connection), else on
   * a pooled connection taken for the batch, outside any transaction. Rows
   * are matched to keys by the key's value as the driver sends and returns
   * it (text as written, uuids in any case), so a key the database matches
   * only through a case-insensitive collation (citext) is not found here,
   * where `session.get` finds it.
   *
   * @since 0.3.0
   */
  readonly get: <T extends Table.Any>(
    table: T,
    primaryKey: Table.PrimaryKey<NoInfer<T>>
  ) => Effect.Effect<Option.Option<Table.Type<T>>, DatabaseError.DatabaseError, Table.Context<T>>
  /** `SELECT 1`, retried once if a pooled connection turns out to be dead. */
  readonly ping: Effect.Effect<void, DatabaseError.DatabaseError>
  readonly poolStats: Effect.Effect<PoolStats>
  /** The normalized description of the declared tables. */
  readonly metadata: Metadata.Metadata
  /** The declared tables plus those the last `reflect` found that were not declared. */
  readonly tables: Effect.Effect<ReadonlyArray<Table.Any>>
  /**
   * Creates the declared tables (or a subset), parents before children, in
   * one transaction; with `checkFirst` (default) existing tables are skipped.
   */
  readonly createAll: (options?: SchemaOptions) => Effect.Effect<void, DatabaseError.DatabaseError>
  /** Drops the declared tables (or a subset), children before parents, in one transaction. */
  readonly dropAll: (options?: SchemaOptions) => Effect.Effect<void, DatabaseError.DatabaseError>
  /**
   * Reads the live schema (PostgreSQL: the `schema` option, default the
   * current schema); reflected tables join `db.tables` as usable `Table`s.
   */
  readonly reflect: (options?: ReflectOptions) => Effect.Effect<Metadata.Metadata, DatabaseError.DatabaseError>
}

/**
 * Reads on the read replicas. Each connection is checked first: the server
 * must still be a standby (`pg_is_in_recovery()`), and it must have replayed
 * the primary's WAL up to a position taken after the last statement this
 * `Database` completed on the primary, so a fiber reads its own writes, and
 * so do the fibers it forks, and every other fiber of the `Database`. A
 * replica that has not caught up within `replicaLagTimeout`, is unreachable
 * or was promoted is passed over (an unreachable or promoted one for a
 * second), and with none left the read runs on the primary. Transactions are
 * read only: a write fails with `ReadOnlyError` (25006). `serializable` is
 * refused with an `InputError` before any SQL (standbys do not run it).
 *
 * @since 0.3.0
 * @category models
 */
export interface Replica {
  /** `effect/sql`'s client on the replicas; inside a `begin` it runs on the transaction's connection. */
  readonly sql: SqlClient.SqlClient
  /** A replica connection reserved for the scope. */
  readonly connect: Effect.Effect<Connection, DatabaseError.DatabaseError, Scope.Scope>
  /** A session on a replica connection (its transactions are on the standby, so read only). */
  readonly session: Effect.Effect<Session, DatabaseError.DatabaseError, Scope.Scope>
  /** A read-only transaction on a replica; nested in a block, a savepoint of that block wherever it runs. */
  readonly begin: <A, E, R>(
    effect: Effect.Effect<A, E, R>,
    options?: Omit<BeginOptions, "readOnly">
  ) => Effect.Effect<A, E | DatabaseError.DatabaseError, Exclude<R, Session>>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface SchemaOptions {
  /** Skip tables that already exist (createAll) or are already gone (dropAll). Default `true`. */
  readonly checkFirst?: boolean
  /** Only these tables (values or names); foreign keys still resolve against all declared ones. */
  readonly tables?: ReadonlyArray<Table.Any | string>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ReflectOptions {
  /** PostgreSQL schema to read (default: the connection's current schema). */
  readonly schema?: string
  /** Only these tables. */
  readonly tables?: ReadonlyArray<string>
}

/**
 * @since 0.1.0
 * @category tags
 */
export const Database: Context.Service<Database, Database> = Context.Service<Database>("effect-sqlservice/Database")

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** `sqlite://:memory:`, `sqlite:///relative.db`, `sqlite:////abs/path.db`, `postgres://user:pass@host:5432/db`. */
  readonly url: string | Redacted.Redacted<string>
  /** The tables of this database: what `createAll`, `dropAll` and `metadata` work from. */
  readonly tables?: ReadonlyArray<Table.Any> | undefined
  /** Most connections the pool opens (PostgreSQL, default 10). */
  readonly poolSize?: number | undefined
  /** Connections the pool keeps open when idle (PostgreSQL, default 0). */
  readonly poolMin?: number | undefined
  /** How long an idle pooled connection lives (PostgreSQL, default 30 s). */
  readonly poolIdleTimeout?: Duration.Input | undefined
  /**
   * How long to wait for a connection (default 10 s): for a new one to open
   * (PostgreSQL), and for one to become free when every connection of the
   * pool, or SQLite's single connection, is held elsewhere. Waiting for a
   * busy one fails with a `ConnectionError` of kind `pool_timeout`; a server
   * that does not accept the connection in time, with kind `unreachable`.
   */
  readonly connectTimeout?: Duration.Input | undefined
  /**
   * How long cleanup waits for the server before it stops waiting (PostgreSQL,
   * default 5 s). Closing the layer cancels running statements and gives
   * connections still checked out this long to come back, then destroys
   * them: it returns within `closeTimeout` plus about a second, whatever the
   * server or a leaked session does. The same bound applies to closing an
   * interrupted stream's cursor and to cancelling an interrupted statement.
   *
   * @since 0.2.0
   */
  readonly closeTimeout?: Duration.Input | undefined
  /**
   * Prepare statements that take parameters, so each is parsed and planned
   * once per connection (PostgreSQL, default true). `false` sends every
   * statement unnamed: what a transaction-mode pooler (PgBouncer) needs,
   * since consecutive statements may reach different server connections.
   *
   * @since 0.2.0
   */
  readonly preparedStatements?: boolean | undefined
  /**
   * The most statements one connection keeps prepared (PostgreSQL, default
   * 100); past it, the least recently used one is closed on the server.
   * Bounds the memory each server backend spends on a workload with many
   * distinct statement texts.
   *
   * @since 0.2.0
   */
  readonly preparedStatementCacheSize?: number | undefined
  /**
   * `"transaction"` when the URL points at a transaction-mode pooler
   * (PgBouncer's `pool_mode = transaction`, the poolers of managed services),
   * which gives each transaction, or each statement outside one, whichever
   * server connection is free (PostgreSQL only; a `ConfigError` on SQLite).
   * Every statement is sent unnamed (so `preparedStatements: true` is a
   * `ConfigError` with it); `statementTimeout` is set with `SET LOCAL` in
   * each transaction, and a statement outside a transaction runs in a short
   * transaction of its own with it; an interrupted statement is cancelled
   * with the protocol's cancel request, which the pooler forwards. What would
   * stay on a server connection after the transaction is refused with an
   * `InputError` before it is sent: a session `SET` or `RESET` (use
   * `SET LOCAL` inside `begin`), `LISTEN`, SQL `PREPARE`, session advisory
   * locks (`pg_advisory_lock`; use `pg_advisory_xact_lock`).
   *
   * @since 0.3.0
   */
  readonly pooler?: "transaction" | undefined
  /**
   * Read replicas (PostgreSQL streaming standbys), one URL each; a pool of
   * `poolSize` connections per replica. `begin` with `readOnly: true` (unless
   * `serializable`), and everything on `db.replica`, runs on a replica that
   * has replayed this `Database`'s commits, else on the primary (see
   * `Replica`); everything else runs on the primary. A `ConfigError` on
   * SQLite.
   *
   * @since 0.3.0
   */
  readonly replicas?: ReadonlyArray<string | Redacted.Redacted<string>> | undefined
  /**
   * How long a read waits for a replica to replay this `Database`'s last
   * commit before it runs on the primary instead (default 250 ms).
   *
   * @since 0.3.0
   */
  readonly replicaLagTimeout?: Duration.Input | undefined
  /** Server-side statement timeout (PostgreSQL). */
  readonly statementTimeout?: Duration.Input | undefined
  /** Shown in `pg_stat_activity` (PostgreSQL, default "effect-sqlservice"). */
  readonly applicationName?: string | undefined
  /** Log every statement and its parameters through Effect's logger (level Info). */
  readonly echo?: boolean | undefined
  /** Called with every statement before it runs (counting, tracing, tests). */
  readonly onStatement?: ((sql: string, params: ReadonlyArray<unknown>) => void) | undefined
  /** How long SQLite waits for another process's lock before BUSY (default 5 s). */
  readonly busyTimeout?: Duration.Input | undefined
  /** Write-ahead logging for SQLite file databases (default true). */
  readonly wal?: boolean | undefined
  /**
   * SQLite: read integers as `bigint` (better-sqlite3's `safeIntegers`), so
   * `Schema.BigInt` / `Schema.BigIntFromSelf` columns hold the whole 64-bit
   * range. Without it a bigint beyond ±(2^53 - 1) is refused before any SQL
   * (it would read back rounded). Table columns of `Schema.Number` / `Schema.Int`
   * still decode to numbers (a stored value a number cannot hold exactly is a
   * `DecodeError`), but raw statements (`session.all`, `db.sql`) return every
   * integer as a bigint. `effect/sql`'s `SqlClient.SafeIntegers` turns the same
   * on for the `SqlClient` statements of one fiber. PostgreSQL always reads
   * `BIGINT` exactly and ignores this option.
   *
   * @since 0.2.0
   */
  readonly safeIntegers?: boolean | undefined
}

const toPublic = (core: internal.Core): Database => ({
  dialect: core.dialect,
  url: core.url,
  sql: core.sql,
  connect: core.connect,
  session: core.session,
  sessionWith: core.sessionWith,
  begin: core.begin,
  replica: core.replica,
  get: core.get,
  ping: core.ping,
  poolStats: core.poolStats,
  metadata: core.metadata,
  tables: core.tables,
  createAll: core.createAll,
  dropAll: core.dropAll,
  reflect: core.reflect
})

/**
 * Builds a `Database` whose connections live as long as the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Database, DatabaseError.DatabaseError, Scope.Scope> =>
  Effect.map(internal.make(options), toPublic)

/**
 * A layer providing `Database` and `effect/sql`'s `SqlClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Database | SqlClient.SqlClient, DatabaseError.DatabaseError> =>
  Layer.effectContext(
    Effect.map(make(options), (db) => Context.make(Database, db).pipe(Context.add(SqlClient.SqlClient, db.sql)))
  )

/**
 * The configuration read by `layerConfig()` without arguments: `DATABASE_URL`
 * plus optional `DATABASE_POOL_SIZE`, `DATABASE_POOL_MIN`,
 * `DATABASE_CONNECT_TIMEOUT`, `DATABASE_STATEMENT_TIMEOUT`,
 * `DATABASE_APPLICATION_NAME`, `DATABASE_ECHO`, `DATABASE_BUSY_TIMEOUT`,
 * `DATABASE_POOLER` (`transaction`) and `DATABASE_REPLICAS` (comma-separated URLs, since 0.3.0);
 * and, since 0.3.0, `DATABASE_POOL_IDLE_TIMEOUT`, `DATABASE_CLOSE_TIMEOUT`,
 * `DATABASE_PREPARED_STATEMENTS`, `DATABASE_PREPARED_STATEMENT_CACHE_SIZE`,
 * `DATABASE_REPLICA_LAG_TIMEOUT`, `DATABASE_WAL` and `DATABASE_SAFE_INTEGERS`.
 * Every option that is a plain value can come from the environment; `tables`
 * and `onStatement` are code.
 *
 * @since 0.1.0
 * @category config
 */
export const defaultConfig: Config.Config<Options> = Config.all({
  url: Config.Redacted("DATABASE_URL"),
  poolSize: Config.option(Config.Int("DATABASE_POOL_SIZE")),
  poolMin: Config.option(Config.Int("DATABASE_POOL_MIN")),
  connectTimeout: Config.option(Config.Duration("DATABASE_CONNECT_TIMEOUT")),
  statementTimeout: Config.option(Config.Duration("DATABASE_STATEMENT_TIMEOUT")),
  applicationName: Config.option(Config.String("DATABASE_APPLICATION_NAME")),
  echo: Config.option(Config.Boolean("DATABASE_ECHO")),
  busyTimeout: Config.option(Config.Duration("DATABASE_BUSY_TIMEOUT")),
  pooler: Config.option(Config.Literal("transaction", "DATABASE_POOLER")),
  replicas: Config.option(Config.Array(Schema.String, "DATABASE_REPLICAS")),
  poolIdleTimeout: Config.option(Config.Duration("DATABASE_POOL_IDLE_TIMEOUT")),
  closeTimeout: Config.option(Config.Duration("DATABASE_CLOSE_TIMEOUT")),
  preparedStatements: Config.option(Config.Boolean("DATABASE_PREPARED_STATEMENTS")),
  preparedStatementCacheSize: Config.option(Config.Int("DATABASE_PREPARED_STATEMENT_CACHE_SIZE")),
  replicaLagTimeout: Config.option(Config.Duration("DATABASE_REPLICA_LAG_TIMEOUT")),
  wal: Config.option(Config.Boolean("DATABASE_WAL")),
  safeIntegers: Config.option(Config.Boolean("DATABASE_SAFE_INTEGERS"))
}).pipe(
  Config.map((c) => {
    const options: { -readonly [K in keyof Options]: Options[K] } = { url: c.url }
    if (c.poolSize._tag === "Some") options.poolSize = c.poolSize.value
    if (c.poolMin._tag === "Some") options.poolMin = c.poolMin.value
    if (c.connectTimeout._tag === "Some") options.connectTimeout = c.connectTimeout.value
    if (c.statementTimeout._tag === "Some") options.statementTimeout = c.statementTimeout.value
    if (c.applicationName._tag === "Some") options.applicationName = c.applicationName.value
    if (c.echo._tag === "Some") options.echo = c.echo.value
    if (c.busyTimeout._tag === "Some") options.busyTimeout = c.busyTimeout.value
    if (c.pooler._tag === "Some") options.pooler = c.pooler.value
    if (c.replicas._tag === "Some") options.replicas = c.replicas.value
    if (c.poolIdleTimeout._tag === "Some") options.poolIdleTimeout = c.poolIdleTimeout.value
    if (c.closeTimeout._tag === "Some") options.closeTimeout = c.closeTimeout.value
    if (c.preparedStatements._tag === "Some") options.preparedStatements = c.preparedStatements.value
    if (c.preparedStatementCacheSize._tag === "Some") options.preparedStatementCacheSize = c.preparedStatementCacheSize.value
    if (c.replicaLagTimeout._tag === "Some") options.replicaLagTimeout = c.replicaLagTimeout.value
    if (c.wal._tag === "Some") options.wal = c.wal.value
    if (c.safeIntegers._tag === "Some") options.safeIntegers = c.safeIntegers.value
    return options
  })
)

/**
 * A layer whose options come from Effect `Config` (environment variables by
 * default). A missing or malformed setting is a `DatabaseError` with reason
 * `ConfigError` naming it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config<Options> | Config.Wrap<Options> = defaultConfig
): Layer.Layer<Database | SqlClient.SqlClient, DatabaseError.DatabaseError> =>
  Layer.unwrap(
    Effect.map(
      Effect.mapError(
        Config.isConfig(config) ? config : Config.unwrap(config),
        (e) => DatabaseError.make(new DatabaseError.ConfigError({ message: `database configuration: ${e}` }), { cause: e })
      ),
      layer
    )
  )

/**
 * An in-memory SQLite database for tests, with the given tables created:
 * one connection, so every session of the layer sees the same data, gone
 * when the layer's scope closes.
 *
 * ```ts
 * it.layer(Database.layerTest({ tables: [User, UserDevice] }))((it) => ...)
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (
  options: Omit<Options, "url"> = {}
): Layer.Layer<Database | SqlClient.SqlClient, DatabaseError.DatabaseError> =>
  Layer.effectContext(
    Effect.gen(function*() {
      const db = yield* make({ ...options, url: "sqlite://:memory:" })
      yield* db.createAll()
      return Context.make(Database, db).pipe(Context.add(SqlClient.SqlClient, db.sql))
    })
  )

/**
 * `begin` on the `Database` in context.
 *
 * @since 0.1.0
 * @category combinators
 */
export const begin = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options?: BeginOptions
): Effect.Effect<A, E | DatabaseError.DatabaseError, Exclude<R, Session> | Database> =>
  Effect.flatMap(Database, (db) => db.begin(effect, options))

/**
 * A scoped session from the `Database` in context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const session: Effect.Effect<Session, DatabaseError.DatabaseError, Database | Scope.Scope> = Effect.flatMap(
  Database,
  (db) => db.session
)

/**
 * A scoped session with options (e.g. `{ readOnly: true }`) from the
 * `Database` in context.
 *
 * @since 0.4.0
 * @category accessors
 */
export const sessionWith = (
  options?: SessionOptions
): Effect.Effect<Session, DatabaseError.DatabaseError, Database | Scope.Scope> =>
  Effect.flatMap(Database, (db) => db.sessionWith(options))

/**
 * A scoped connection from the `Database` in context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const connect: Effect.Effect<Connection, DatabaseError.DatabaseError, Database | Scope.Scope> = Effect.flatMap(
  Database,
  (db) => db.connect
)
