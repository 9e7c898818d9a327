import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as SqlConnection from "effect/sql/SqlConnection"
import type { SqlError, SqlErrorReason } from "effect/sql/SqlError"
import type * as Statement from "effect/sql/Statement"
import type * as DatabaseError from "../../DatabaseError.js"
import type { QueryDialect } from "./queryDialect.js"
import type { ValueOptions } from "./schemaDialect.js"

/** @internal */
export type DialectName = "sqlite" | "pg"

/** @internal */
export type IsolationLevel = "read uncommitted" | "read committed" | "repeatable read" | "serializable"

/** @internal */
export interface BeginOptions {
  readonly isolationLevel?: IsolationLevel | undefined
  readonly readOnly?: boolean | undefined
}

/**
 * A column compared with a list of values: how it is written in SQL and its
 * declared type (for casts).
 *
 * @internal
 */
export interface ListColumn {
  readonly quoted: string
  readonly dbType: string
}

/**
 * Writes `columns IN (list)` (`NOT IN` when `negated`) for a non-empty list.
 * `values` holds, per column, the driver value of every row of the list;
 * `bind` binds one parameter and returns its placeholder. The whole list is
 * bound as a fixed number of parameters, so a list of any length is one
 * statement under the parameter limit, with the same text whatever its length.
 * Throws `ValueError` for a value the chosen encoding cannot carry.
 *
 * @internal
 */
export type InList = (
  columns: ReadonlyArray<ListColumn>,
  values: ReadonlyArray<ReadonlyArray<unknown>>,
  bind: (value: unknown) => string,
  negated: boolean
) => string

/** @internal */
export interface SqlErrorReasonProps {
  readonly cause: unknown
  readonly message?: string | undefined
  readonly operation?: string | undefined
}

/** @internal */
export interface QueryResult {
  readonly rows: ReadonlyArray<Record<string, unknown>>
  readonly rowsAffected: number
}

/**
 * How one statement is to be run.
 *
 * @internal
 */
export interface QueryOptions {
  /**
   * The text will run again and again (a bulk write's chunk): prepare it
   * under a name even when it is longer, or has more parameters, than a
   * statement the driver names by itself. Drivers that prepare everything,
   * and pooler mode (where nothing is named), ignore it.
   */
  readonly reuse?: boolean | undefined
}

/**
 * A connection of ours: `effect/sql`'s `Connection` (so `SqlClient`
 * statements can run on it) plus a direct `query` that also reports the
 * affected row count.
 *
 * @internal
 */
export interface DriverConnection extends SqlConnection.Connection {
  readonly query: (sql: string, params: ReadonlyArray<unknown>, options?: QueryOptions) => Effect.Effect<QueryResult, SqlError>
  /** Marks the connection unusable (a failed ROLLBACK): it is discarded, not returned to the pool. */
  readonly invalidate: () => void
  /**
   * Where BEGIN cannot say read only (SQLite): `true` makes the connection
   * refuse every statement that would write, as the database refuses them
   * in a read-only transaction, until it is called with `false`. The setting
   * outlives the transaction, so whoever turns it on turns it off;
   * `invalidate` turns it off too. Absent where BEGIN READ ONLY exists.
   */
  readonly refuseWrites?: ((refuse: boolean) => void) | undefined
}

/**
 * Streaming replication as the library uses it for read replicas: the
 * primary's current log position, and one round trip on a replica that says
 * whether it is a standby and has replayed a position (`$1`, or null for
 * "any").
 *
 * @internal
 */
export interface ReplicationCapability {
  /** One row with column `lsn`: the primary's current position as text. */
  readonly primaryPosition: string
  /** One row with boolean columns `standby` and `caught_up`. */
  readonly replicaCheck: string
}

/**
 * Transaction-mode connection poolers the dialect can sit behind.
 *
 * @internal
 */
export interface PoolerCapability {
  readonly modes: ReadonlyArray<"transaction">
}

/**
 * What differs between databases, in one place (Kysely's idea): the SQL
 * compiler, transaction statements, capability flags and how driver errors
 * map onto `DatabaseError` reasons.
 *
 * @internal
 */
export interface Dialect {
  readonly name: DialectName
  /** The database's name as people write it, for messages. */
  readonly label: string
  /** The URL scheme that selects this dialect, for messages. */
  readonly urlScheme: string
  /** Read replicas over streaming replication; absent where there are none. */
  readonly replication?: ReplicationCapability | undefined
  /** Pooler modes; absent where no connection pooler sits in front. */
  readonly pooler?: PoolerCapability | undefined
  readonly compiler: Statement.Compiler
  readonly capabilities: {
    readonly returning: boolean
    readonly savepointRelease: boolean
    readonly transactionalDdl: boolean
    /** The most bound parameters one statement may carry. */
    readonly maxParameters: number
  }
  readonly begin: (options: BeginOptions) => string
  /**
   * LIMIT and OFFSET counts (non-negative safe integers, checked) are written
   * into the statement as digits instead of bound: SQLite runs a primary-key
   * lookup with a bound LIMIT about three times slower than the lookup
   * itself. The text then varies with the count (a prepared statement per
   * count used).
   */
  readonly inlinePaging: boolean
  /** What follows LIMIT to mean "no limit" (SQLite takes OFFSET only after a LIMIT). */
  readonly unboundedLimit: string
  /** The bound-parameter marker for the 1-based `index`th parameter. */
  readonly placeholder: (index: number) => string
  /** `IN` / `NOT IN` against a list of any length (see `InList`). */
  readonly inList: InList
  readonly quoteIdentifier: (name: string) => string
  /** Turns whatever the driver threw into a reason a person can act on. */
  readonly classify: (cause: unknown) => DatabaseError.Reason
  /**
   * The `effect/sql` reason for what the driver threw (`driverError`), as the
   * upstream clients classify it; `props.cause` is what the reason carries
   * (the driver error itself, or the `DatabaseError` made of it).
   */
  readonly sqlErrorReason: (driverError: unknown, props: SqlErrorReasonProps) => SqlErrorReason
  /**
   * Whether a COMMIT that failed with this lost-connection error may still
   * have been committed: the connection went after the COMMIT could have
   * reached the server, and no reply says what happened to it.
   */
  readonly commitOutcomeUnknown: (cause: unknown) => boolean
  /** Driver settings that decide which values read back exactly, so which writes are refused. */
  readonly valueOptions: ValueOptions
  /** Select-statement pieces that differ: row locks, ILIKE, exact aggregates. */
  readonly query: QueryDialect
}

/** The `restore` of `Effect.uninterruptibleMask`. @internal */
export type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * A connection reserved by `Driver.lease`, and how to give it back.
 *
 * @internal
 */
export interface Reservation {
  readonly conn: DriverConnection
  readonly release: Effect.Effect<void>
}

/**
 * A running database: connections handed out by a pool (PostgreSQL) or one
 * shared connection behind a lock (SQLite).
 *
 * @internal
 */
export interface Driver {
  readonly dialect: Dialect
  /** Reserves one connection for the caller's scope (transactions, sessions). */
  readonly reserve: Effect.Effect<DriverConnection, SqlError, Scope.Scope>
  /**
   * Reserves one connection that the caller gives back by running `release`
   * (once): `reserve` without a scope finalizer of its own, for holders that
   * end the connection's use and give it back in one finalizer. Run with
   * interruption masked: waiting for the connection is interruptible through
   * `restore`, and once it is taken nothing can interrupt before the caller
   * continues.
   */
  readonly lease: (restore: Restore) => Effect.Effect<Reservation, SqlError>
  /**
   * A connection whose every statement takes a pooled connection for itself
   * and gives it back when it ends (SQLite: takes the one connection's lock).
   * One object for the driver's life: nothing to acquire, nothing to release.
   */
  readonly shared: DriverConnection
  /** Statistics used by tests and diagnostics. */
  readonly poolStats: Effect.Effect<{ readonly total: number; readonly idle: number; readonly waiting: number }>
  /** How many statements the driver keeps prepared on its open connections (tests, diagnostics). */
  readonly preparedStatements: Effect.Effect<number>
  readonly spanAttributes: ReadonlyArray<readonly [string, unknown]>
  /**
   * One connection for the whole database (SQLite): a fiber that already holds
   * it cannot reserve a second one without waiting for itself.
   */
  readonly singleConnection: boolean
}
