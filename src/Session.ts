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
import type { Connection, Input, Row } from "./Connection.js"
import type { DatabaseError } from "./DatabaseError.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Session extends Connection {
  /** The first row, if any. */
  readonly first: (statement: Input, params?: ReadonlyArray<unknown>) => Effect.Effect<Option.Option<Row>, DatabaseError>
  /** Exactly one row: `NotFoundError` for none, `MultipleRowsError` for more. */
  readonly one: (statement: Input, params?: ReadonlyArray<unknown>) => Effect.Effect<Row, DatabaseError>
  /** At most one row: `MultipleRowsError` for more. */
  readonly oneOrNone: (
    statement: Input,
    params?: ReadonlyArray<unknown>
  ) => Effect.Effect<Option.Option<Row>, DatabaseError>
  /** The first column of the first row, if any. */
  readonly scalar: (statement: Input, params?: ReadonlyArray<unknown>) => Effect.Effect<Option.Option<unknown>, DatabaseError>
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
export const Session: Context.Tag<Session, Session> = Context.GenericTag<Session>("effect-sqlservice/Session")
