/**
 * Column annotations: `Schema.Int.pipe(Column.primaryKey, Column.autoIncrement)`.
 *
 * They are stored as Schema annotations under namespaced string keys
 * (`Column.PrimaryKeyId`, ...), so they survive further piping, checks added
 * later, `Schema.NullOr`, brands, `Schema.optional` / `Schema.optionalKey` and
 * transformations, and they leave the Schema's `Type` / `Encoded` untouched.
 * `autoIncrement` and `default` additionally mark the field type so that
 * `Table.Insert` makes the field optional.
 *
 * Effect 4 stores an annotation on the last check of a schema that has checks
 * (`Schema.Int` has one), on the node otherwise, so
 * `Schema.resolveAnnotations` does not see every one of them; the library
 * reads them back by walking the field's schema.
 *
 * @since 0.1.0
 */
import type * as Schema from "effect/Schema"
import type * as Types from "effect/Types"
import type { DomainTypeMetadata, IdentityKind, NeutralType, ReferentialAction } from "./Metadata.js"

/**
 * @since 0.1.0
 * @category annotations
 */
export const PrimaryKeyId = "effect-sqlservice/Column/primaryKey" as const
/**
 * @since 0.1.0
 * @category annotations
 */
export const AutoIncrementId = "effect-sqlservice/Column/autoIncrement" as const
/**
 * @since 0.1.0
 * @category annotations
 */
export const UniqueId = "effect-sqlservice/Column/unique" as const
/**
 * @since 0.1.0
 * @category annotations
 */
export const IndexId = "effect-sqlservice/Column/index" as const
/**
 * @since 0.1.0
 * @category annotations
 */
export const ReferencesId = "effect-sqlservice/Column/references" as const
/**
 * @since 0.1.0
 * @category annotations
 */
export const DefaultId = "effect-sqlservice/Column/default" as const
/**
 * @since 0.1.0
 * @category annotations
 */
export const DbTypeId = "effect-sqlservice/Column/dbType" as const
/**
 * @since 0.1.0
 * @category annotations
 */
export const NameId = "effect-sqlservice/Column/name" as const
/**
 * @since 0.3.0
 * @category annotations
 */
export const NeutralTypeId = "effect-sqlservice/Column/neutralType" as const

/**
 * @since 0.3.0
 * @category annotations
 */
export const UnixTimeId = "effect-sqlservice/Column/unixTime" as const

/**
 * @since 0.3.0
 * @category annotations
 */
export const IdentityId = "effect-sqlservice/Column/identity" as const

/**
 * @since 0.3.0
 * @category annotations
 */
export const PgEnumId = "effect-sqlservice/Column/pgEnum" as const

/**
 * @since 0.3.0
 * @category annotations
 */
export const PgDomainId = "effect-sqlservice/Column/pgDomain" as const

/**
 * @since 0.4.0
 * @category annotations
 */
export const RenamedFromId = "effect-sqlservice/Column/renamedFrom" as const

/**
 * Set by `Table.fromModel` on `Model.GeneratedByDb` fields: the database supplies
 * the value, so inserts may omit it.
 *
 * @since 0.1.0
 * @category annotations
 */
export const GeneratedId = "effect-sqlservice/Column/generated" as const

/**
 * Type-level mark of a `primaryKey` field (for the key type of `session.get`).
 *
 * @since 0.3.0
 * @category type ids
 */
export const PrimaryKeyTypeId: unique symbol = Symbol.for("effect-sqlservice/Column/PrimaryKey")

/**
 * @since 0.3.0
 * @category type ids
 */
export type PrimaryKeyTypeId = typeof PrimaryKeyTypeId

/**
 * A field marked `primaryKey` (type-level only).
 *
 * @since 0.3.0
 * @category models
 */
export interface PrimaryKeyField {
  readonly [PrimaryKeyTypeId]?: true
}

/**
 * @since 0.1.0
 * @category type ids
 */
export const DefaultedTypeId: unique symbol = Symbol.for("effect-sqlservice/Column/Defaulted")

/**
 * @since 0.1.0
 * @category type ids
 */
export type DefaultedTypeId = typeof DefaultedTypeId

/**
 * Type-level mark of a field the database can fill in (auto increment or a
 * default), used by `Table.Insert`. It exists only in types.
 *
 * @since 0.1.0
 * @category models
 */
export interface Defaulted {
  readonly [DefaultedTypeId]?: true
}

/**
 * @since 0.1.0
 * @category type ids
 */
export const ColumnRefTypeId: unique symbol = Symbol.for("effect-sqlservice/ColumnRef")

/**
 * @since 0.1.0
 * @category type ids
 */
export type ColumnRefTypeId = typeof ColumnRefTypeId

/**
 * A reference to one column of one table: `User.columns.email`. `name` is
 * the database column name (after `snake_case` / `Column.name`), `field` the
 * property name in the Schema. `A` is the column's row type, for query
 * builders.
 *
 * @since 0.1.0
 * @category models
 */
export interface ColumnRef<TableName extends string = string, Field extends string = string, A = unknown> {
  readonly [ColumnRefTypeId]: { readonly _A: Types.Covariant<A> }
  readonly table: TableName
  readonly schema?: string
  readonly field: Field
  readonly name: string
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isColumnRef = (u: unknown): u is ColumnRef =>
  typeof u === "object" && u !== null && ColumnRefTypeId in u

/**
 * @since 0.1.0
 * @category type ids
 */
export const SqlExpressionTypeId: unique symbol = Symbol.for("effect-sqlservice/SqlExpression")

/**
 * A raw SQL expression used as a column default.
 *
 * @since 0.1.0
 * @category models
 */
export interface SqlExpression {
  readonly [SqlExpressionTypeId]: typeof SqlExpressionTypeId
  readonly sql: string
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isSqlExpression = (u: unknown): u is SqlExpression =>
  typeof u === "object" && u !== null && SqlExpressionTypeId in u

/**
 * A raw SQL default, e.g. `Column.sqlDefault("CURRENT_TIMESTAMP")`. The text
 * is inserted into DDL as written (it cannot be a bound parameter), so it must
 * come from code, never from user input; statement separators and comments
 * are rejected when the table is validated.
 *
 * @since 0.1.0
 * @category constructors
 */
export const sqlDefault = (sql: string): SqlExpression => ({ [SqlExpressionTypeId]: SqlExpressionTypeId, sql })

/**
 * @since 0.1.0
 * @category models
 */
export interface ReferencesOptions {
  readonly onDelete?: ReferentialAction
  readonly onUpdate?: ReferentialAction
  /** The constraint name; a stable one is generated otherwise. */
  readonly name?: string
}

/**
 * The value stored under `ReferencesId`.
 *
 * @since 0.1.0
 * @category models
 */
export interface References {
  readonly target: () => ColumnRef
  readonly options: ReferencesOptions
}

/**
 * The value stored under `DefaultId`: a value of the field's `Type` (encoded
 * with the field's Schema and rendered as a literal) or a raw `SqlExpression`.
 *
 * @since 0.1.0
 * @category models
 */
export interface DefaultValue {
  readonly value: unknown
}

/**
 * Anything `Column` annotations apply to: any Schema, including
 * `Schema.optional(...)` / `Schema.optionalKey(...)` fields.
 *
 * @since 0.1.0
 * @category models
 */
export type Annotable = Schema.Top

/**
 * Sets one column annotation on a field. `annotate` keeps the schema's kind
 * (an `optionalKey` field stays optional) and merges with annotations
 * already present.
 *
 * @since 0.1.0
 * @category annotations
 */
export const annotateField = <S extends Annotable>(self: S, key: string, value: unknown): S =>
  self.annotate({ [key]: value }) as S

const annotate = annotateField

/**
 * Marks a field as (part of) the primary key. Marking several fields makes a
 * composite key, in field order (or use the table's `primaryKey` option).
 *
 * @since 0.1.0
 * @category annotations
 */
export const primaryKey = <S extends Annotable>(self: S): S & PrimaryKeyField => annotate(self, PrimaryKeyId, true)

/**
 * The database generates the value: SQLite `INTEGER PRIMARY KEY
 * AUTOINCREMENT`, PostgreSQL `GENERATED BY DEFAULT AS IDENTITY`.
 *
 * @since 0.1.0
 * @category annotations
 */
export const autoIncrement = <S extends Annotable>(self: S): S & Defaulted =>
  annotate(self, AutoIncrementId, true)

/**
 * A single-column UNIQUE constraint. For multi-column ones use the table's
 * `uniques` option.
 *
 * @since 0.1.0
 * @category annotations
 */
export const unique = <S extends Annotable>(self: S): S => annotate(self, UniqueId, true)

/**
 * A single-column index named `ix_<table>_<column>`.
 *
 * @since 0.1.0
 * @category annotations
 */
export const index = <S extends Annotable>(self: S): S => annotate(self, IndexId, true)

/**
 * A FOREIGN KEY to another table's column. The target is a thunk so tables
 * can reference tables declared later (or themselves).
 *
 * @since 0.1.0
 * @category annotations
 */
export const references = (
  target: () => ColumnRef,
  options: ReferencesOptions = {}
) =>
<S extends Annotable>(self: S): S => annotate(self, ReferencesId, { target, options } satisfies References)

const defaultImpl = (value: unknown) => <S extends Annotable>(self: S): S & Defaulted =>
  annotate(self, DefaultId, { value } satisfies DefaultValue)

export {
  /**
   * A column default: a value of the field's type (`Column.default(0)`,
   * `Column.default(false)`), encoded with the field's Schema and rendered as
   * a SQL literal, or a raw expression (`Column.default(Column.sqlDefault("CURRENT_TIMESTAMP"))`).
   *
   * @since 0.1.0
   * @category annotations
   */
  defaultImpl as default
}

/**
 * Alias of `Column.default` for code styles that avoid the keyword.
 *
 * @since 0.1.0
 * @category annotations
 */
export const defaultValue = defaultImpl

/**
 * Overrides the column type with a dialect type name (`"TEXT"`,
 * `"NUMERIC(10, 2)"`, `"DOUBLE PRECISION"`). Values are still decoded with the
 * field's Schema.
 *
 * @since 0.1.0
 * @category annotations
 */
export const dbType = (type: string) => <S extends Annotable>(self: S): S => annotate(self, DbTypeId, type)

/**
 * What a `Column.dbType` means, as a neutral type: a dialect that reads the
 * `dbType` spelling as something else (`NVARCHAR(50)` on PostgreSQL,
 * `timestamp without time zone` on SQLite) creates and reads the column as
 * this type in its own spelling instead. `Table.fromMetadata` sets it, so a
 * schema reflected from one dialect can be created in the other.
 *
 * @since 0.3.0
 * @category annotations
 */
export const neutralType = (type: NeutralType, length?: number) => <S extends Annotable>(self: S): S =>
  annotate(self, NeutralTypeId, length === undefined ? { type } : { type, length })

/**
 * The column name in the database, overriding the table's `columnNames`
 * convention.
 *
 * @since 0.1.0
 * @category annotations
 */
export const name = (dbName: string) => <S extends Annotable>(self: S): S => annotate(self, NameId, dbName)

/**
 * The unit of a unix-time column: seconds or milliseconds since
 * 1970-01-01T00:00:00Z.
 *
 * @since 0.3.0
 * @category models
 */
export type UnixTimeUnit = "seconds" | "milliseconds"

/**
 * Stores a `Schema.Date` or `Schema.DateTimeUtc` field as a number of
 * seconds or milliseconds since the unix epoch instead of a date-time
 * column: `BIGINT` when created (or the column's own type with
 * `Column.dbType`, e.g. `"REAL"` for fractional seconds). Values read, write
 * and compare (`Query.eq`, `filterBy`, `get`) as numbers in the column; a
 * Date with milliseconds for an integer column of whole seconds is refused
 * with an `InputError`, as it would not read back unchanged.
 *
 * @since 0.3.0
 * @category annotations
 */
export const unixTime = (unit: UnixTimeUnit) => <S extends Annotable>(self: S): S => annotate(self, UnixTimeId, unit)

/**
 * How the database generates an auto-increment column's value. On
 * PostgreSQL: `"always"` is `GENERATED ALWAYS AS IDENTITY` (writes may not
 * choose the value; the ORM leaves it out of INSERT and UPDATE, and an
 * INSERT or save that carries a key value says `OVERRIDING SYSTEM VALUE`),
 * `"byDefault"` is `GENERATED BY DEFAULT AS IDENTITY` (what
 * `Column.autoIncrement` creates), `"serial"` is a `serial` / `bigserial`
 * column with a sequence default. Implies `Column.autoIncrement`.
 *
 * SQLite has no identity kinds: every kind creates `INTEGER PRIMARY KEY
 * AUTOINCREMENT`, which accepts explicit values like `"byDefault"`, and the
 * kind is not part of its metadata.
 *
 * @since 0.3.0
 * @category annotations
 */
export const identity = (kind: IdentityKind | "serial") => <S extends Annotable>(self: S): S & Defaulted =>
  annotate(annotate(self, AutoIncrementId, true), IdentityId, kind)

/**
 * The value stored under `PgEnumId`.
 *
 * @since 0.3.0
 * @category models
 */
export interface PgEnum {
  readonly name: string
  readonly schema?: string
}

/**
 * Stores a literal union (`Schema.Literals(["sad", "ok", "happy"])`) in a
 * PostgreSQL enum type of this name, whose labels are the literals in their
 * order; `createAll` creates the type before the tables and `dropAll` drops
 * it when no column uses it any more. Without it a literal union is a text
 * column with a CHECK constraint, which is also what this becomes on SQLite
 * (SQLite has no enum types). On an array of a literal union
 * (`Schema.Array(Schema.Literals([...]))`) the column is an array of the
 * enum type (`mood[]`) on PostgreSQL and JSON on SQLite.
 *
 * @since 0.3.0
 * @category annotations
 */
export const pgEnum = (name: string, options: { readonly schema?: string } = {}) => <S extends Annotable>(self: S): S =>
  annotate(self, PgEnumId, { name, ...(options.schema === undefined ? {} : { schema: options.schema }) } satisfies PgEnum)

/**
 * Stores the column in a PostgreSQL domain (a base type with CHECK
 * constraints), created by `createAll` before the tables; values are read
 * and written as the field's Schema says (the base type). Reflected domain
 * columns carry it. On SQLite the column has the field's own type and the
 * domain's checks do not apply (not applicable).
 *
 * @since 0.3.0
 * @category annotations
 */
export const pgDomain = (domain: DomainTypeMetadata) => <S extends Annotable>(self: S): S =>
  annotate(self, PgDomainId, domain)

/**
 * Declares that the column was called `name` (or one of `more`, older names)
 * before: a migration generated from the tables renames it instead of
 * dropping the old column and adding an empty new one. Renames are never
 * guessed from similar columns; without this a changed name is a drop and
 * an add. Harmless once every database is migrated (remove it at leisure).
 *
 * @since 0.4.0
 * @category annotations
 */
export const renamedFrom = (name: string, ...more: ReadonlyArray<string>) => <S extends Annotable>(self: S): S =>
  annotate(self, RenamedFromId, [name, ...more])
