/**
 * What a database must provide for schema work: type names, literals, DDL
 * compilation, introspection and driver value conversion. Everything that
 * differs between SQLite and PostgreSQL lives behind this interface, so a new
 * dialect is one new folder.
 *
 * @internal
 */
import type * as Effect from "effect/Effect"
import type { DatabaseError } from "../../DatabaseError.js"
import type {
  ColumnMetadata,
  Dialect,
  DomainTypeMetadata,
  EnumTypeMetadata,
  ForeignKeyMetadata,
  Metadata,
  NeutralType,
  TableMetadata
} from "../../Metadata.js"
import type { LexRules } from "../schema/sqlText.js"

/**
 * Runs one statement with bound parameters and returns its rows.
 *
 * @internal
 */
export type Run = (
  sql: string,
  params?: ReadonlyArray<unknown>
) => Effect.Effect<ReadonlyArray<Record<string, unknown>>, DatabaseError>

/** @internal */
export interface TableName {
  readonly name: string
  readonly schema?: string
}

/** @internal */
export interface ReflectOptions {
  readonly schema?: string
  readonly tables?: ReadonlyArray<string>
}

/** @internal */
export interface Problem {
  readonly message: string
  readonly column?: string
}

/**
 * Driver settings that change which values read back exactly.
 *
 * @internal
 */
export interface ValueOptions {
  /** SQLite: integers are read as bigint (better-sqlite3 `safeIntegers`), so 64-bit values come back exact. */
  readonly safeIntegers: boolean
}

/** @internal */
export const defaultValueOptions: ValueOptions = { safeIntegers: false }

/**
 * An enum or domain type a column needs, with its schema resolved (absent:
 * the current schema).
 *
 * @internal
 */
export type NamedType =
  | ({ readonly kind: "enum" } & EnumTypeMetadata)
  | ({ readonly kind: "domain" } & DomainTypeMetadata)

/**
 * User-defined types that `createAll` creates before the tables and
 * `dropAll` drops after them (PostgreSQL enums and domains).
 *
 * @internal
 */
export interface NamedTypes {
  readonly typeOf: (column: ColumnMetadata, table: TableMetadata) => NamedType | undefined
  readonly create: (type: NamedType) => string
  readonly drop: (type: NamedType) => string
  /** The types among `types` that exist. */
  readonly existing: (run: Run, types: ReadonlyArray<NamedType>) => Effect.Effect<ReadonlyArray<NamedType>, DatabaseError>
  /** What an INSERT says to write a value into a `GENERATED ALWAYS` identity column. */
  readonly overriding: string
  /** The types among `types` that exist and that no column or domain uses. */
  readonly unused: (run: Run, types: ReadonlyArray<NamedType>) => Effect.Effect<ReadonlyArray<NamedType>, DatabaseError>
}

/** @internal */
export interface SchemaDialect {
  /**
   * Enum and domain types (`Column.pgEnum`, `Column.pgDomain`) and identity
   * kinds (`Column.identity`); absent where they are not applicable (SQLite:
   * an enum is TEXT with a CHECK, a domain its base type, every identity an
   * AUTOINCREMENT key).
   */
  readonly namedTypes?: NamedTypes
  /**
   * Whether declared arrays of strings, integers, numbers or booleans are
   * stored as native arrays (PostgreSQL `TEXT[]`, ...); otherwise as JSON.
   */
  readonly nativeArrays?: boolean
  readonly name: Dialect
  /** Longest identifier in bytes; longer names are rejected, not truncated. */
  readonly maxIdentifierLength: number
  /** Whether tables may carry a `schema` (namespace). */
  readonly supportsSchemas: boolean
  /** How the database reads SQL text: what is a string, an identifier, a comment. */
  readonly lexRules: LexRules
  readonly quote: (identifier: string) => string
  readonly qualify: (table: TableName) => string
  /** The dialect's spelling of a neutral type. */
  readonly columnType: (type: NeutralType, length?: number) => string
  /**
   * How reflection spells the type `columnType(type, length)` creates, when
   * the catalog prints it otherwise (PostgreSQL's `format_type`:
   * `character varying(20)` for `VARCHAR(20)`); absent where reflection
   * returns the declared spelling (SQLite). Code generation leaves out
   * `Column.dbType` for a reflected spelling that is this one.
   */
  readonly catalogTypeName?: (type: NeutralType, length?: number) => string
  /** Reads a dialect type name (declared by `Column.dbType` or reflected) back. */
  readonly parseType: (dbType: string) => { readonly type: NeutralType; readonly length?: number }
  /** A canonical value as a SQL literal for DEFAULT clauses (which cannot take parameters). */
  readonly literal: (value: unknown, type: NeutralType) => string
  /** Dialect rules on a declared table (e.g. where auto increment is possible). */
  readonly validateTable: (table: TableMetadata) => Problem | undefined
  /** Dialect part of `Metadata.normalize`. */
  readonly normalizeColumn: (column: ColumnMetadata, table: TableMetadata) => ColumnMetadata
  /** CREATE TABLE plus its CREATE INDEX statements; `deferred` foreign keys are left out. */
  readonly createTable: (
    table: TableMetadata,
    options: { readonly deferred: ReadonlyArray<ForeignKeyMetadata> }
  ) => ReadonlyArray<string>
  /**
   * Present when foreign keys can be added to / dropped from existing tables,
   * which is how foreign key cycles are created and dropped.
   */
  readonly alterForeignKeys?: {
    readonly add: (table: TableMetadata, fk: ForeignKeyMetadata) => string
    readonly drop: (table: TableMetadata, constraint: string) => string
  }
  readonly dropTable: (table: TableName) => string
  /** The tables that exist among `tables`. */
  readonly existingTables: (run: Run, tables: ReadonlyArray<TableName>) => Effect.Effect<ReadonlyArray<TableName>, DatabaseError>
  readonly introspect: (run: Run, options: ReflectOptions) => Effect.Effect<Metadata, DatabaseError>
  /** Driver value → canonical value (see `internal/schema/values.ts`); throws `ValueError`. */
  readonly fromDriver: (value: unknown, type: NeutralType) => unknown
  /**
   * An array of an enum type as the driver returns it → an array of labels
   * (and nulls); absent where the dialect has no such arrays.
   */
  readonly enumArrayFromDriver?: (value: unknown) => unknown
  /** Canonical value → bound parameter. */
  readonly toDriver: (value: unknown, type: NeutralType) => unknown
  /**
   * Why a canonical value of a column of `type` would not read back
   * unchanged (see `fidelity.ts`), or undefined when it would. Checked for
   * every bound column value before any SQL runs.
   */
  readonly unstorable: (value: unknown, type: NeutralType, options: ValueOptions) => string | undefined
}
