/**
 * The one error family of the library: a `DatabaseError` whose `reason` says
 * what went wrong, so callers can `Effect.catchTag("DatabaseError", ...)` once
 * and branch on `error.reason._tag`.
 *
 * A reason's `message` reads `<what failed>: <why>`, with ` (<hint>)` at the
 * end when there is something to do about it, e.g. `connection lost:
 * terminating connection due to administrator command` or `table users,
 * column email: cannot encode value: Expected string, actual 42`. A value
 * quoted in a message is cut at 200 characters.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * What kind of connection failure a `ConnectionError` is, so callers can
 * branch without reading the message:
 *
 * - `unreachable`: the server could not be reached (refused, DNS, timed out connecting);
 * - `refused`: the server answered but would not serve us (bad credentials, unknown database, shutting down);
 * - `lost`: an established connection dropped while in use;
 * - `pool_timeout`: every connection stayed busy for longer than `connectTimeout`
 *   (a full pool, or SQLite's single connection held elsewhere);
 * - `closed`: the `Database` (its layer's scope) has been closed;
 * - `detached`: a fiber used the connection of a `begin`, session or `connect`
 *   scope that has already ended.
 *
 * @since 0.2.0
 * @category reasons
 */
export const ConnectionKind = Schema.Literals(["unreachable", "refused", "lost", "pool_timeout", "closed", "detached"])

/**
 * @since 0.2.0
 * @category reasons
 */
export type ConnectionKind = typeof ConnectionKind.Type

/**
 * The server could not be reached, a connection dropped, or a connection
 * could not be acquired in time; `kind` says which.
 *
 * @since 0.1.0
 * @category reasons
 */
export class ConnectionError extends Schema.TaggedClass<ConnectionError>()("ConnectionError", {
  message: Schema.String,
  kind: ConnectionKind,
  host: Schema.optionalKey(Schema.String),
  port: Schema.optionalKey(Schema.Number)
}) {}

/**
 * @since 0.1.0
 * @category reasons
 */
export const ConstraintKind = Schema.Literals(["unique", "foreign_key", "not_null", "check", "other"])

/**
 * @since 0.1.0
 * @category reasons
 */
export type ConstraintKind = typeof ConstraintKind.Type

/**
 * A statement broke an integrity constraint. `table`, `column` and
 * `constraint` are filled in when the driver reports them.
 *
 * @since 0.1.0
 * @category reasons
 */
export class ConstraintError extends Schema.TaggedClass<ConstraintError>()("ConstraintError", {
  message: Schema.String,
  kind: ConstraintKind,
  table: Schema.optionalKey(Schema.String),
  column: Schema.optionalKey(Schema.String),
  constraint: Schema.optionalKey(Schema.String)
}) {}

/**
 * A row read from the database did not match its table's Schema. (A value
 * given to be written or compared that does not fit its column is an
 * `InputError`.)
 *
 * @since 0.1.0
 * @category reasons
 */
export class DecodeError extends Schema.TaggedClass<DecodeError>()("DecodeError", {
  message: Schema.String,
  table: Schema.optionalKey(Schema.String)
}) {}

/**
 * A query that must return a row returned none.
 *
 * @since 0.1.0
 * @category reasons
 */
export class NotFoundError extends Schema.TaggedClass<NotFoundError>()("NotFoundError", {
  message: Schema.String,
  table: Schema.optionalKey(Schema.String)
}) {}

/**
 * A query that must return at most one row returned more.
 *
 * @since 0.1.0
 * @category reasons
 */
export class MultipleRowsError extends Schema.TaggedClass<MultipleRowsError>()("MultipleRowsError", {
  message: Schema.String,
  count: Schema.Number
}) {}

/**
 * BEGIN, COMMIT, ROLLBACK or a SAVEPOINT statement failed, or the transaction
 * was aborted by the server (serialization failure, deadlock, busy database).
 *
 * `outcome: "unknown"` marks a COMMIT whose reply never arrived (the
 * connection was lost after the COMMIT was sent): the server may or may not
 * have committed. Such an error is never retried by `begin`'s `retry`; the
 * caller must check what was stored before doing the work again.
 *
 * @since 0.1.0
 * @category reasons
 */
export class TransactionError extends Schema.TaggedClass<TransactionError>()("TransactionError", {
  message: Schema.String,
  phase: Schema.Literals(["begin", "commit", "rollback", "savepoint", "release", "serialization"]),
  retryable: Schema.Boolean,
  outcome: Schema.optionalKey(Schema.Literal("unknown"))
}) {}

/**
 * The database, or the transaction, accepts no writes: a read-only SQLite
 * file or connection (`SQLITE_READONLY*`), a `readOnly` transaction or a hot
 * standby on PostgreSQL (25006).
 *
 * @since 0.2.0
 * @category reasons
 */
export class ReadOnlyError extends Schema.TaggedClass<ReadOnlyError>()("ReadOnlyError", {
  message: Schema.String,
  code: Schema.optionalKey(Schema.String)
}) {}

/**
 * The database ran out of storage (`SQLITE_FULL`, PostgreSQL 53100 disk full).
 *
 * @since 0.2.0
 * @category reasons
 */
export class StorageFullError extends Schema.TaggedClass<StorageFullError>()("StorageFullError", {
  message: Schema.String,
  code: Schema.optionalKey(Schema.String)
}) {}

/**
 * The server refuses new connections because it has as many as it allows
 * (PostgreSQL 53300): lower `poolSize`, or raise the server's `max_connections`.
 *
 * @since 0.2.0
 * @category reasons
 */
export class TooManyConnectionsError extends Schema.TaggedClass<TooManyConnectionsError>()("TooManyConnectionsError", {
  message: Schema.String,
  code: Schema.optionalKey(Schema.String)
}) {}

/**
 * A table or column definition cannot be turned into SQL: an unsupported
 * Schema type, an identifier that cannot be quoted safely, a cycle that the
 * dialect cannot express.
 *
 * @since 0.1.0
 * @category reasons
 */
export class SchemaError extends Schema.TaggedClass<SchemaError>()("SchemaError", {
  message: Schema.String,
  table: Schema.optionalKey(Schema.String),
  column: Schema.optionalKey(Schema.String)
}) {}

/**
 * The configuration is unusable: a malformed URL, an unknown dialect, an
 * out-of-range option.
 *
 * @since 0.1.0
 * @category reasons
 */
export class ConfigError extends Schema.TaggedClass<ConfigError>()("ConfigError", {
  message: Schema.String
}) {}

/**
 * A statement failed for a reason not classified above (syntax error, missing
 * table, permission denied...). The driver's code is kept when it has one.
 *
 * @since 0.1.0
 * @category reasons
 */
export class StatementError extends Schema.TaggedClass<StatementError>()("StatementError", {
  message: Schema.String,
  code: Schema.optionalKey(Schema.String)
}) {}

/**
 * The arguments of a call are unusable before any SQL runs: an empty
 * `saveAll`, two rows with one primary key in one call, a row of another
 * table, a primary key of the wrong shape, or a value (to write, or to
 * compare with in a query) that its column's Schema cannot encode; `column`
 * names that column.
 *
 * Also a value the database itself refused as invalid input, with its
 * `code`: PostgreSQL's SQLSTATE class 22 (22P02 a malformed number or an
 * unknown enum label, 22003 out of range, 22007 / 22008 a bad date or time,
 * 22001 too long for the column, ...), and SQLite's type errors
 * (`SQLITE_CONSTRAINT_DATATYPE` in a STRICT table, `SQLITE_MISMATCH`,
 * `SQLITE_TOOBIG`). The statement wrote nothing.
 *
 * @since 0.1.0
 * @category reasons
 */
export class InputError extends Schema.TaggedClass<InputError>()("InputError", {
  message: Schema.String,
  table: Schema.optionalKey(Schema.String),
  /** @since 0.2.0 */
  column: Schema.optionalKey(Schema.String),
  /**
   * The database's error code, when the database refused the value.
   *
   * @since 0.3.0
   */
  code: Schema.optionalKey(Schema.String)
}) {}

/**
 * A table hook (`beforeInsert`, `afterUpdate`, ...) failed, which rolls back
 * the write it belongs to.
 *
 * @since 0.1.0
 * @category reasons
 */
export class HookError extends Schema.TaggedClass<HookError>()("HookError", {
  message: Schema.String,
  table: Schema.String,
  hook: Schema.String
}) {}

/**
 * What a `MigrationError` is about, so callers can branch without reading
 * the message:
 *
 * - `modified`: an applied migration's file (or given checksum) changed
 *   since it was applied; restore it and put the change in a new migration;
 * - `missing`: a migration recorded as applied is no longer in the source;
 *   restore its file (or point the runner at the right directory);
 * - `outOfOrder`: a pending migration sorts before the latest applied one
 *   (a merged branch); rename it to sort last, or pass `allowOutOfOrder`;
 * - `destructive`: the direction to run has steps that lose data (listed in
 *   the message) and `allowDestructive` was not given;
 * - `irreversible`: `down` of a migration that has no `down`;
 * - `failed`: a migration's statement failed (`statement` says which, the
 *   driver's error is the `cause`), or SQLite found foreign key violations
 *   before COMMIT; its transaction was rolled back;
 * - `invalid`: the migrations themselves are unusable: a malformed file
 *   name, a module without an `up` Effect, duplicate ids, an unknown target
 *   id, a non-transactional migration on SQLite, an unusable table name;
 * - `drift`: the live schema differs from what the migrations produce.
 *
 * @since 0.4.0
 * @category reasons
 */
export const MigrationKind = Schema.Literals([
  "modified",
  "missing",
  "outOfOrder",
  "destructive",
  "irreversible",
  "failed",
  "invalid",
  "drift"
])

/**
 * @since 0.4.0
 * @category reasons
 */
export type MigrationKind = typeof MigrationKind.Type

/**
 * Migrations were refused before anything ran, or one failed and was rolled
 * back; `kind` says which (see `MigrationKind`), `migrations` names the
 * migrations (ids with their names, or file names) concerned and
 * `statement` the statement that failed.
 *
 * @since 0.4.0
 * @category reasons
 */
export class MigrationError extends Schema.TaggedClass<MigrationError>()("MigrationError", {
  message: Schema.String,
  kind: MigrationKind,
  migrations: Schema.optionalKey(Schema.Array(Schema.String)),
  statement: Schema.optionalKey(Schema.String)
}) {}

/**
 * @since 0.1.0
 * @category models
 */
export const Reason = Schema.Union([
  ConnectionError,
  ConstraintError,
  DecodeError,
  NotFoundError,
  MultipleRowsError,
  TransactionError,
  SchemaError,
  ConfigError,
  StatementError,
  InputError,
  HookError,
  ReadOnlyError,
  StorageFullError,
  TooManyConnectionsError,
  MigrationError
])

/**
 * @since 0.1.0
 * @category models
 */
export type Reason = typeof Reason.Type

/**
 * @since 0.1.0
 * @category models
 */
export type ReasonTag = Reason["_tag"]

/**
 * @since 0.1.0
 * @category errors
 */
export class DatabaseError extends Schema.TaggedError<DatabaseError>()("DatabaseError", {
  reason: Reason,
  sql: Schema.optionalKey(Schema.String),
  cause: Schema.optionalKey(Schema.Defect())
}) {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `${this.reason._tag}: ${this.reason.message}`
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  reason: Reason,
  options?: { readonly sql?: string | undefined; readonly cause?: unknown }
): DatabaseError =>
  new DatabaseError({
    reason,
    ...(options?.sql === undefined ? {} : { sql: options.sql }),
    ...(options?.cause === undefined ? {} : { cause: options.cause })
  })

/**
 * @since 0.1.0
 * @category refinements
 */
export const isDatabaseError = (u: unknown): u is DatabaseError => Predicate.isTagged(u, "DatabaseError")

/**
 * True when `u` is a `DatabaseError` whose reason has the given tag.
 *
 * @since 0.1.0
 * @category refinements
 */
export const hasReason = <T extends ReasonTag>(
  u: unknown,
  tag: T
): u is DatabaseError & { readonly reason: Extract<Reason, { readonly _tag: T }> } =>
  isDatabaseError(u) && u.reason._tag === tag

/**
 * Recover from one reason of `DatabaseError`, leaving the others in the error
 * channel.
 *
 * @since 0.1.0
 * @category combinators
 */
export const catchReason: {
  <T extends ReasonTag, A2, E2, R2>(
    tag: T,
    f: (reason: Extract<Reason, { readonly _tag: T }>, error: DatabaseError) => Effect.Effect<A2, E2, R2>
  ): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A | A2, E | E2, R | R2>
  <A, E, R, T extends ReasonTag, A2, E2, R2>(
    self: Effect.Effect<A, E, R>,
    tag: T,
    f: (reason: Extract<Reason, { readonly _tag: T }>, error: DatabaseError) => Effect.Effect<A2, E2, R2>
  ): Effect.Effect<A | A2, E | E2, R | R2>
} = ((...args: Array<any>) => {
  if (args.length === 2) {
    return (self: Effect.Effect<any, any, any>) => catchReasonImpl(self, args[0], args[1])
  }
  return catchReasonImpl(args[0], args[1], args[2])
}) as any

const catchReasonImpl = (
  self: Effect.Effect<any, any, any>,
  tag: ReasonTag,
  f: (reason: any, error: DatabaseError) => Effect.Effect<any, any, any>
) =>
  Effect.catchIf(
    self,
    (e): e is DatabaseError => hasReason(e, tag),
    (e) => f(e.reason, e)
  )
