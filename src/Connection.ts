/**
 * A low-level connection: runs statements, nothing more. Obtained with
 * `db.connect` and returned to the pool when its scope closes.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Statement from "effect/sql/Statement"
import type * as Stream from "effect/Stream"
import type { DatabaseError } from "./DatabaseError.js"

/**
 * A row as the driver returns it, before any Schema decoding.
 *
 * @since 0.1.0
 * @category models
 */
export type Row = { readonly [column: string]: unknown }

/**
 * What a statement may be: an `effect/sql` statement or fragment (from the
 * `SqlClient` this library provides, `sql\`...\``), or SQL text with its
 * parameters bound separately.
 *
 * @since 0.1.0
 * @category models
 */
export type Input = Statement.Fragment | string

/**
 * @since 0.1.0
 * @category models
 */
export interface Result {
  readonly rows: ReadonlyArray<Row>
  /** Rows inserted, updated or deleted (0 for queries). */
  readonly rowsAffected: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Connection {
  readonly dialect: "sqlite" | "pg"
  /** Runs a statement and returns its rows and affected-row count. */
  readonly execute: (statement: Input, params?: ReadonlyArray<unknown>) => Effect.Effect<Result, DatabaseError>
  /** Runs a statement and returns its rows. */
  readonly all: (statement: Input, params?: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<Row>, DatabaseError>
  /** Streams the rows of a query through a cursor (PostgreSQL) or an iterator (SQLite). */
  readonly stream: (statement: Input, params?: ReadonlyArray<unknown>) => Stream.Stream<Row, DatabaseError>
}
