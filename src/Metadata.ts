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
  /**
   * The index access method (PostgreSQL `gist`, `gin`, `brin`, `hash`, ...);
   * absent for the dialect's default B-tree.
   *
   * @since 0.3.0
   */
  readonly method?: string
  /**
   * The predicate of a partial index as SQL text (`id > 3`), without `WHERE`.
   *
   * @since 0.3.0
   */
  readonly where?: string
  /**
   * The keys of an expression index as SQL text, one per key (`lower(name)`,
   * `id`); when present it replaces `columns` in the index definition and
   * `columns` is empty.
   *
   * @since 0.3.0
   */
  readonly expressions?: ReadonlyArray<string>
}

/**
 * One partition of a partitioned table (PostgreSQL).
 *
 * @since 0.3.0
 * @category models
 */
export interface PartitionMetadata {
  /** The partition's table name (in the parent's schema). */
  readonly name: string
  /** Its bound as PostgreSQL prints it: `FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')`, `DEFAULT`. */
  readonly bound: string
}

/**
 * A trigger on a table. Recorded and compared, not created by `createAll`
 * (its function, on PostgreSQL, is not part of the metadata).
 *
 * @since 0.3.0
 * @category models
 */
export interface TriggerMetadata {
  readonly name: string
  readonly timing: "before" | "after" | "instead of"
  /** `insert`, `update`, `delete`, `truncate`, sorted. */
  readonly events: ReadonlyArray<string>
  readonly forEach: "row" | "statement"
  /**
   * What the trigger runs: PostgreSQL `function_name(arguments)` (without the
   * schema), SQLite the statements between `BEGIN` and `END`.
   */
  readonly action: string
  /** The `WHEN` condition, if any. */
  readonly when?: string
  /** The whole definition as the database prints it (for people; not compared, since it may name schemas). */
  readonly definition: string
}

/**
 * A view. Recorded and compared, not created by `createAll`.
 *
 * @since 0.3.0
 * @category models
 */
export interface ViewMetadata {
  readonly name: string
  /** A PostgreSQL schema; absent for the default one. */
  readonly schema?: string
  /** The query, as the database prints it (PostgreSQL `pg_get_viewdef`, SQLite the text after `AS`). */
  readonly definition: string
  /** A PostgreSQL materialized view. */
  readonly materialized?: boolean
  /** Its (`INSTEAD OF`) triggers (absent: none). */
  readonly triggers?: ReadonlyArray<TriggerMetadata>
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
  /**
   * The partition key of a partitioned table as PostgreSQL prints it
   * (`RANGE (created_at)`, `LIST (region)`, `HASH (id)`).
   *
   * @since 0.3.0
   */
  readonly partitionBy?: string
  /**
   * The partitions of a partitioned table; they are not listed as tables of
   * their own.
   *
   * @since 0.3.0
   */
  readonly partitions?: ReadonlyArray<PartitionMetadata>
  /**
   * The table's triggers (absent: none).
   *
   * @since 0.3.0
   */
  readonly triggers?: ReadonlyArray<TriggerMetadata>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Metadata {
  readonly tables: ReadonlyArray<TableMetadata>
  /**
   * The views `reflect` found (absent: none). Reflecting a list of tables
   * leaves views out.
   *
   * @since 0.3.0
   */
  readonly views?: ReadonlyArray<ViewMetadata>
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
 * parentheses, quoting), PRIMARY KEY columns are non-null, every list
 * whose order does not matter is sorted, the default index method (B-tree)
 * is left out, and SQL text (index predicates and keys, partition keys and
 * bounds, view queries, trigger bodies) is put in one spacing and case.
 *
 * @since 0.1.0
 * @category normalization
 */
export const normalize = (metadata: Metadata, dialect: Dialect): Metadata => normalizeImpl(metadata, dialect)

/**
 * The dialects of the two sides of `diff` when they differ, e.g. a schema
 * reflected from SQLite and its copy reflected from PostgreSQL.
 *
 * @since 0.3.0
 * @category comparison
 */
export interface AcrossDialects {
  readonly expected: Dialect
  readonly actual: Dialect
}

/**
 * The differences between `expected` (usually declared) and `actual`
 * (usually reflected), after normalizing both for `dialect`. Names of
 * constraints and indexes are compared only when both sides have one, since
 * SQLite does not keep the names of UNIQUE and FOREIGN KEY constraints.
 *
 * Columns compare by meaning (neutral type, length, nullability, default),
 * never by spelling (`dbType`). Index methods, partial-index predicates,
 * expression keys, partitioning, triggers and views are compared too, so a
 * copy that lost one of them is reported.
 *
 * With `{ expected, actual }` dialects each side is normalized for its own
 * dialect and compared by what both can say: `real` and `double` are one
 * type, auto-incremented integer keys are `integer`, parentheses in SQL text
 * are ignored, and views and triggers compare by name, timing and events
 * only (their SQL is dialect-specific).
 *
 * @since 0.1.0
 * @category comparison
 */
export const diff = (
  expected: Metadata,
  actual: Metadata,
  dialect: Dialect | AcrossDialects
): ReadonlyArray<Difference> => diffImpl(expected, actual, dialect)

/**
 * @since 0.1.0
 * @category comparison
 */
export const equals = (expected: Metadata, actual: Metadata, dialect: Dialect | AcrossDialects): boolean =>
  diffImpl(expected, actual, dialect).length === 0

/**
 * The table called `name` (in `schema`, when given).
 *
 * @since 0.1.0
 * @category accessors
 */
export const findTable = (metadata: Metadata, name: string, schema?: string): TableMetadata | undefined =>
  metadata.tables.find((t) => t.name === name && t.schema === schema)
