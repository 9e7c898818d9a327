/**
 * A session: one connection, used the way SQLAlchemy 2.0 sessions are —
 * the first statement begins a transaction, `commit` ends it, and closing the
 * session's scope rolls back whatever was not committed.
 *
 * Inside `db.begin(...)` the `Session` in context is the transaction's own.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Stream from "effect/Stream"
import type { Connection, Input, Row } from "./Connection.js"
import type { DatabaseError } from "./DatabaseError.js"
import type * as Hooks from "./Hooks.js"
import type * as Query from "./Query.js"
import type * as Relation from "./Relation.js"
import type * as Table from "./Table.js"

/**
 * Options of `save`, `saveAll`, `insert` and `insertAll`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SaveOptions<S extends Relation.Spec = Relation.Spec> {
  /**
   * Relations whose rows, nested in the given rows under the relation's
   * name, are saved in the same transaction: many-to-one targets first,
   * then the rows, then children with their foreign keys filled in.
   */
  readonly with?: S | undefined
  /**
   * What the write returns.
   *
   * - absent (the default): the stored rows. They are read back with
   *   `RETURNING` unless the table's metadata proves each row is stored as
   *   given: every column given a value, no hook, and every column a plain
   *   (untransformed) text, integer, double or boolean field the database
   *   neither generates nor changes. Then the rows are returned as written,
   *   without `RETURNING`.
   * - `true`: the stored rows, always read back with `RETURNING`: for a
   *   table whose rows the database changes in ways its metadata does not
   *   declare (a trigger, a column created differently from its
   *   declaration).
   * - `false`: no rows, only how many rows were written (inserted or
   *   updated), as the database reports it.
   *
   * @since 0.4.0
   */
  readonly returning?: boolean | undefined
}

/**
 * `SaveOptions` asking for a count instead of rows (`returning: false`).
 *
 * @since 0.4.0
 * @category models
 */
export interface CountOptions<S extends Relation.Spec = Relation.Spec> extends SaveOptions<S> {
  readonly returning: false
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Session extends Connection {
  /** Rows of a query, decoded and with its relations loaded; or a statement's rows (decoded when a table is given). */
  readonly all: {
    <R>(query: Query.Projection<R, any>): Effect.Effect<Array<R>, DatabaseError>
    <T extends Table.Any, W>(query: Query.Select<T, W, any, any>): Effect.Effect<Array<Table.Type<T> & W>, DatabaseError, Table.Context<T>>
    <T extends Table.Any>(
      table: T,
      statement: Input,
      params?: ReadonlyArray<unknown>
    ): Effect.Effect<Array<Table.Type<T>>, DatabaseError, Table.Context<T>>
    (statement: Input, params?: ReadonlyArray<unknown>): Effect.Effect<ReadonlyArray<Row>, DatabaseError>
  }
  /** The first row, if any (a query is limited to one row). */
  readonly first: {
    <R>(query: Query.Projection<R, any>): Effect.Effect<Option.Option<R>, DatabaseError>
    <T extends Table.Any, W>(query: Query.Select<T, W, any, any>): Effect.Effect<Option.Option<Table.Type<T> & W>, DatabaseError, Table.Context<T>>
    <T extends Table.Any>(
      table: T,
      statement: Input,
      params?: ReadonlyArray<unknown>
    ): Effect.Effect<Option.Option<Table.Type<T>>, DatabaseError, Table.Context<T>>
    (statement: Input, params?: ReadonlyArray<unknown>): Effect.Effect<Option.Option<Row>, DatabaseError>
  }
  /** Exactly one row: `NotFoundError` for none, `MultipleRowsError` for more. */
  readonly one: {
    <R>(query: Query.Projection<R, any>): Effect.Effect<R, DatabaseError>
    <T extends Table.Any, W>(query: Query.Select<T, W, any, any>): Effect.Effect<Table.Type<T> & W, DatabaseError, Table.Context<T>>
    <T extends Table.Any>(
      table: T,
      statement: Input,
      params?: ReadonlyArray<unknown>
    ): Effect.Effect<Table.Type<T>, DatabaseError, Table.Context<T>>
    (statement: Input, params?: ReadonlyArray<unknown>): Effect.Effect<Row, DatabaseError>
  }
  /** At most one row: `MultipleRowsError` for more. */
  readonly oneOrNone: {
    <R>(query: Query.Projection<R, any>): Effect.Effect<Option.Option<R>, DatabaseError>
    <T extends Table.Any, W>(query: Query.Select<T, W, any, any>): Effect.Effect<Option.Option<Table.Type<T> & W>, DatabaseError, Table.Context<T>>
    <T extends Table.Any>(
      table: T,
      statement: Input,
      params?: ReadonlyArray<unknown>
    ): Effect.Effect<Option.Option<Table.Type<T>>, DatabaseError, Table.Context<T>>
    (statement: Input, params?: ReadonlyArray<unknown>): Effect.Effect<Option.Option<Row>, DatabaseError>
  }
  /** Streams decoded rows of a query, or raw rows of a statement (cursor on PostgreSQL, iterator on SQLite). */
  readonly stream: {
    <R>(query: Query.Projection<R, any>): Stream.Stream<R, DatabaseError>
    <T extends Table.Any, W>(query: Query.Select<T, W, any, any>): Stream.Stream<Table.Type<T>, DatabaseError, Table.Context<T>>
    (statement: Input, params?: ReadonlyArray<unknown>): Stream.Stream<Row, DatabaseError>
  }
  /**
   * The first column of the first row, if any: of a one-field projection
   * (`Query.fields({ n: Query.count() })`), decoded and typed as that field;
   * of a statement, as the driver returns it.
   */
  readonly scalar: {
    <R>(query: Query.Projection<R, any>): Effect.Effect<Option.Option<R[keyof R]>, DatabaseError>
    (statement: Input, params?: ReadonlyArray<unknown>): Effect.Effect<Option.Option<unknown>, DatabaseError>
  }
  /** How many rows a query matches (respecting its limit and offset). */
  readonly count: (query: Query.Any) => Effect.Effect<number, DatabaseError>
  /**
   * The row with this primary key: a value for a one-column key, a tuple (in
   * key order) or a record for a composite one.
   */
  readonly get: <T extends Table.Any>(
    table: T,
    primaryKey: Table.PrimaryKey<NoInfer<T>>
  ) => Effect.Effect<Option.Option<Table.Type<T>>, DatabaseError, Table.Context<T>>
  /** Like `get`, failing with `NotFoundError` when there is no such row. */
  readonly getOrFail: <T extends Table.Any>(
    table: T,
    primaryKey: Table.PrimaryKey<NoInfer<T>>
  ) => Effect.Effect<Table.Type<T>, DatabaseError, Table.Context<T>>
  /**
   * Insert-or-update by primary key (a row without its generated key is
   * inserted); returns the stored row, server defaults and generated ids
   * included.
   */
  readonly save: {
    <T extends Table.Any, S extends Relation.Spec = {}>(
      table: T,
      row: Table.Insert<T> & Relation.Writable<NoInfer<S>>,
      options: CountOptions<S>
    ): Effect.Effect<number, DatabaseError | Hooks.ErrorOf<T> | Hooks.SpecErrorOf<S>, Table.Context<T>>
    <T extends Table.Any, S extends Relation.Spec = {}>(
      table: T,
      row: Table.Insert<T> & Relation.Writable<NoInfer<S>>,
      options?: SaveOptions<S>
    ): Effect.Effect<Relation.Saved<T, S>, DatabaseError | Hooks.ErrorOf<T> | Hooks.SpecErrorOf<S>, Table.Context<T>>
  }
  /**
   * `save` for many rows, in multi-row statements chunked under the
   * dialect's parameter limit, all or nothing. Returns the stored rows in
   * input order. An empty list, two rows with one primary key, or a row
   * with fields the table lacks fail with `InputError` before any SQL runs.
   */
  readonly saveAll: {
    <T extends Table.Any, S extends Relation.Spec = {}>(
      table: T,
      rows: ReadonlyArray<Table.Insert<T> & Relation.Writable<NoInfer<S>>>,
      options: CountOptions<S>
    ): Effect.Effect<number, DatabaseError | Hooks.ErrorOf<T> | Hooks.SpecErrorOf<S>, Table.Context<T>>
    <T extends Table.Any, S extends Relation.Spec = {}>(
      table: T,
      rows: ReadonlyArray<Table.Insert<T> & Relation.Writable<NoInfer<S>>>,
      options?: SaveOptions<S>
    ): Effect.Effect<Array<Relation.Saved<T, S>>, DatabaseError | Hooks.ErrorOf<T> | Hooks.SpecErrorOf<S>, Table.Context<T>>
  }
  /** Plain INSERT (a duplicate key is a `ConstraintError`); returns the stored row. */
  readonly insert: {
    <T extends Table.Any, S extends Relation.Spec = {}>(
      table: T,
      row: Table.Insert<T> & Relation.Writable<NoInfer<S>>,
      options: CountOptions<S>
    ): Effect.Effect<number, DatabaseError | Hooks.ErrorOf<T> | Hooks.SpecErrorOf<S>, Table.Context<T>>
    <T extends Table.Any, S extends Relation.Spec = {}>(
      table: T,
      row: Table.Insert<T> & Relation.Writable<NoInfer<S>>,
      options?: SaveOptions<S>
    ): Effect.Effect<Relation.Saved<T, S>, DatabaseError | Hooks.ErrorOf<T> | Hooks.SpecErrorOf<S>, Table.Context<T>>
  }
  /** Plain multi-row INSERT; returns the stored rows in input order. */
  readonly insertAll: {
    <T extends Table.Any, S extends Relation.Spec = {}>(
      table: T,
      rows: ReadonlyArray<Table.Insert<T> & Relation.Writable<NoInfer<S>>>,
      options: CountOptions<S>
    ): Effect.Effect<number, DatabaseError | Hooks.ErrorOf<T> | Hooks.SpecErrorOf<S>, Table.Context<T>>
    <T extends Table.Any, S extends Relation.Spec = {}>(
      table: T,
      rows: ReadonlyArray<Table.Insert<T> & Relation.Writable<NoInfer<S>>>,
      options?: SaveOptions<S>
    ): Effect.Effect<Array<Relation.Saved<T, S>>, DatabaseError | Hooks.ErrorOf<T> | Hooks.SpecErrorOf<S>, Table.Context<T>>
  }
  /** `UPDATE ... SET values WHERE <query's conditions>`; returns how many rows changed. */
  readonly update: <T extends Table.Any, W>(
    query: Query.Select<T, W, any, any>,
    values: Partial<Table.Type<T>>
  ) => Effect.Effect<number, DatabaseError, Table.Context<T>>
  /** Deletes the rows a query matches, or the given rows (by primary key); returns how many. */
  readonly delete: {
    <T extends Table.Any, W>(query: Query.Select<T, W, any, any>): Effect.Effect<number, DatabaseError | Hooks.ErrorOf<T>, Table.Context<T>>
    <T extends Table.Any>(
      table: T,
      rows: Table.Type<T> | ReadonlyArray<Table.Type<T>>
    ): Effect.Effect<number, DatabaseError | Hooks.ErrorOf<T>, Table.Context<T>>
  }
  /** Commits the open transaction, if any. Not allowed inside `begin`, which commits by itself. */
  readonly commit: Effect.Effect<void, DatabaseError>
  /** Rolls back the open transaction, if any. Not allowed inside `begin`, which rolls back by failing. */
  readonly rollback: Effect.Effect<void, DatabaseError>
  /** Whether a transaction is open on this session. */
  readonly inTransaction: Effect.Effect<boolean>
}

/**
 * @since 0.1.0
 * @category tags
 */
export const Session: Context.Service<Session, Session> = Context.Service<Session>("effect-sqlservice/Session")
