/**
 * One normalized, JSON-serializable description of tables, shared by the
 * declared side (`Table` values) and the live side (`reflect`). Because both
 * sides use the same shape, "does the database match my code?" is a plain
 * `Metadata.diff`.
 *
 * @since 0.1.0
 */
import type * as Result from "effect/Result"
import type { DatabaseError } from "./DatabaseError.js"
import { fromTables as fromTablesImpl } from "./internal/schema/declared.js"
import { diff as diffImpl, normalize as normalizeImpl } from "./internal/schema/normalize.js"
import type * as Table from "./Table.js"

/**
 * The databases this library speaks.
 *
 * @since 0.1.0
 * @category models
 */
export type Dialect = "sqlite" | "pg"

/**
 * A dialect-neutral column type. `varchar` and `char` carry their length in
 * `ColumnMetadata.length`; `timestamp` is an instant (PostgreSQL
 * `TIMESTAMPTZ`), `datetime` a wall-clock time without zone; `other` is
 * anything the library does not model, kept verbatim in `dbType`.
 *
 * @since 0.1.0
 * @category models
 */
export type NeutralType =
  | "smallint"
  | "integer"
  | "bigint"
  | "real"
  | "double"
  | "numeric"
  | "text"
  | "varchar"
  | "char"
  | "boolean"
  | "timestamp"
  | "datetime"
  | "date"
  | "time"
  | "blob"
  | "uuid"
  | "json"
  | "other"

/**
 * @since 0.1.0
 * @category models
 */
export const neutralTypes: ReadonlyArray<NeutralType> = [
  "smallint",
  "integer",
  "bigint",
  "real",
  "double",
  "numeric",
  "text",
  "varchar",
  "char",
  "boolean",
  "timestamp",
  "datetime",
  "date",
  "time",
  "blob",
  "uuid",
  "json",
  "other"
]

/**
 * @since 0.1.0
 * @category models
 */
export type ReferentialAction = "cascade" | "restrict" | "set null" | "set default" | "no action"

/**
 * @since 0.1.0
 * @category models
 */
export interface ColumnMetadata {
  /** The column name in the database. */
  readonly name: string
  readonly type: NeutralType
  /** For `varchar` / `char`. */
  readonly length?: number
  /** The type as the dialect spells it (`VARCHAR(100)`, `TIMESTAMPTZ`). */
  readonly dbType: string
  readonly nullable: boolean
  /** The default as SQL expression text (`'draft'`, `0`, `CURRENT_TIMESTAMP`). */
  readonly default?: string
  readonly autoIncrement: boolean
  /** The allowed values of a `CHECK (col IN (...))` constraint (literal unions). */
  readonly check?: ReadonlyArray<string | number>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface UniqueMetadata {
  readonly name?: string
  readonly columns: ReadonlyArray<string>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface IndexMetadata {
  readonly name?: string
  readonly columns: ReadonlyArray<string>
  readonly unique: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ForeignKeyMetadata {
  readonly name?: string
  readonly columns: ReadonlyArray<string>
  readonly references: {
    readonly table: string
    /** Only set when the referenced table lives in another schema. */
    readonly schema?: string
    readonly columns: ReadonlyArray<string>
  }
  readonly onDelete: ReferentialAction
  readonly onUpdate: ReferentialAction
}

/**
 * @since 0.1.0
 * @category models
 */
export interface TableMetadata {
  readonly name: string
  /** A PostgreSQL schema; absent for the default one. */
  readonly schema?: string
  readonly columns: ReadonlyArray<ColumnMetadata>
  /** Database column names, in key order. */
  readonly primaryKey: ReadonlyArray<string>
  readonly uniques: ReadonlyArray<UniqueMetadata>
  readonly indexes: ReadonlyArray<IndexMetadata>
  readonly foreignKeys: ReadonlyArray<ForeignKeyMetadata>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Metadata {
  readonly tables: ReadonlyArray<TableMetadata>
}

/**
 * One way in which two `Metadata` values differ. `path` is
 * `table[.column][.property]` or `table.<constraint kind>`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Difference {
  readonly path: string
  readonly kind: "missing" | "unexpected" | "changed"
  readonly expected?: unknown
  readonly actual?: unknown
  readonly message: string
}

/**
 * The declared metadata of `tables` as `dialect` would create them. Fails
 * with a `SchemaError` for definitions that cannot be turned into SQL
 * (unsupported Schema types, bad identifiers, foreign keys to tables that are
 * not in `tables`, ...).
 *
 * The result is a `Result`, available synchronously; in an `Effect`, use
 * `yield* Effect.fromResult(Metadata.fromTables(...))`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromTables = (
  tables: ReadonlyArray<Table.Any>,
  dialect: Dialect
): Result.Result<Metadata, DatabaseError> => fromTablesImpl(tables, dialect)

/**
 * Brings metadata into a canonical form for `dialect`, so that declared and
 * reflected descriptions of the same database compare equal: types the
 * dialect stores identically are merged, defaults are canonicalized (casts,
 * parentheses, quoting), PRIMARY KEY columns are non-null, and every list
 * whose order does not matter is sorted.
 *
 * @since 0.1.0
 * @category normalization
 */
export const normalize = (metadata: Metadata, dialect: Dialect): Metadata => normalizeImpl(metadata, dialect)

/**
 * The differences between `expected` (usually declared) and `actual`
 * (usually reflected), after normalizing both for `dialect`. Names of
 * constraints and indexes are compared only when both sides have one, since
 * SQLite does not keep the names of UNIQUE and FOREIGN KEY constraints.
 *
 * @since 0.1.0
 * @category comparison
 */
export const diff = (expected: Metadata, actual: Metadata, dialect: Dialect): ReadonlyArray<Difference> =>
  diffImpl(expected, actual, dialect)

/**
 * @since 0.1.0
 * @category comparison
 */
export const equals = (expected: Metadata, actual: Metadata, dialect: Dialect): boolean =>
  diffImpl(expected, actual, dialect).length === 0

/**
 * The table called `name` (in `schema`, when given).
 *
 * @since 0.1.0
 * @category accessors
 */
export const findTable = (metadata: Metadata, name: string, schema?: string): TableMetadata | undefined =>
  metadata.tables.find((t) => t.name === name && t.schema === schema)
