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
  IndexMetadata,
  Metadata,
  NeutralType,
  TableMetadata,
  UniqueMetadata
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
  /**
   * A check that a value of a column of `type` binds as itself (what
   * `unstorable` accepts and `toDriver` leaves unchanged), so the bulk
   * write's binder and the column encoders (lookup keys, `where` values,
   * join keys) skip the conversion; `undefined` where no value of the type
   * is checked so.
   */
  readonly asIsParameter: (type: NeutralType) => ((value: unknown) => boolean) | undefined
  /**
   * The DDL of generated migrations (`internal/migrations/plan.ts`): ALTERs on
   * PostgreSQL, ALTERs and table rebuilds on SQLite.
   *
   * @since 0.4.0
   */
  readonly migrations?: MigrationDdl
}

/**
 * How one table that exists on both sides of a migration changes, after the
 * declared renames ran: `from` is the live table with its new table and
 * column names, `to` the wanted one. Lists hold what is only on one side
 * (`added` in `to`, `dropped` in `from`); `altered` columns exist on both
 * sides and differ by meaning (type, nullability, default, check, identity,
 * enum or domain).
 *
 * @internal
 */
export interface TableChange {
  readonly from: TableMetadata
  readonly to: TableMetadata
  /**
   * The target table as its side wrote it (not normalized): what normalizing
   * merges, such as SQLite's AUTOINCREMENT and a plain INTEGER PRIMARY KEY,
   * is still told apart here.
   */
  readonly written: TableMetadata
  /** The table's name before this migration (its constraints were named after it). */
  readonly formerName: string
  /** New column name → the name it had before this migration, for renamed columns. */
  readonly formerColumnNames: ReadonlyMap<string, string>
  readonly columns: {
    readonly added: ReadonlyArray<ColumnMetadata>
    readonly dropped: ReadonlyArray<ColumnMetadata>
    readonly altered: ReadonlyArray<ColumnAlteration>
  }
  readonly primaryKeyChanged: boolean
  readonly uniques: Delta<UniqueMetadata>
  readonly indexes: Delta<IndexMetadata>
  readonly foreignKeys: Delta<ForeignKeyMetadata>
}

/** @internal */
export interface Delta<A> {
  readonly added: ReadonlyArray<A>
  readonly dropped: ReadonlyArray<A>
}

/** @internal */
export interface ColumnAlteration {
  readonly from: ColumnMetadata
  readonly to: ColumnMetadata
  /** The stored type changes (neutral type, length, array, enum or domain, or its named type is recreated). */
  readonly type: boolean
  readonly nullable: boolean
  readonly default: boolean
  readonly check: boolean
  /** Auto-increment, identity kind or serial changes. */
  readonly identity: boolean
}

/**
 * A table's statements in the phases a migration runs them in, so that
 * every statement finds what it needs: `before` (drop what goes away and
 * would be in the way: foreign keys, indexes, constraints), `alter` (the
 * table's columns and constraints), `indexes` and `foreignKeys` (added once
 * every table has its final columns).
 *
 * @internal
 */
export interface TableStatements {
  readonly before: ReadonlyArray<string>
  readonly alter: ReadonlyArray<string>
  readonly indexes: ReadonlyArray<string>
  readonly foreignKeys: ReadonlyArray<string>
}

/**
 * The DDL a migration needs beyond `createTable` / `dropTable`: renames,
 * one changed table's statements, and changed enum or domain types.
 *
 * @internal
 */
export interface MigrationDdl {
  /**
   * Whether a planned text is exactly one statement. SQLite's CREATE TRIGGER
   * holds `;`-separated statements between BEGIN and END and is still one.
   */
  readonly isSingleStatement: (sql: string) => boolean
  /**
   * Renames a table; `former` is the table before the migration. PostgreSQL
   * also renames the constraints it named after the table (`<table>_pkey`,
   * `<table>_<column>_check`), so later migrations find them by those names.
   */
  readonly renameTable: (table: TableName, to: string, former: TableMetadata | undefined) => ReadonlyArray<string>
  /** Renames a column; `former` is the column before the migration (PostgreSQL renames its `<table>_<column>_check`). */
  readonly renameColumn: (table: TableName, from: string, to: string, former: ColumnMetadata | undefined) => ReadonlyArray<string>
  /** The statements that turn `change.from` into `change.to`; a failure message when the dialect cannot. */
  readonly alterTable: (change: TableChange) => TableStatements | { readonly unsupported: string }
  /**
   * A changed enum type whose labels only grew (in place, order kept):
   * the statements that add them. Absent where there are no such types.
   */
  readonly extendEnum?: (from: NamedType & { readonly kind: "enum" }, to: NamedType & { readonly kind: "enum" }) => ReadonlyArray<string>
  /**
   * A changed named type that cannot be altered in place: it is renamed out
   * of the way (`renameAside`), the new one created, its columns converted
   * (`alterTable` sees them as type changes) and the old one dropped
   * (`dropAside`).
   */
  readonly renameAside?: (type: NamedType) => string
  readonly dropAside?: (type: NamedType) => string
}
