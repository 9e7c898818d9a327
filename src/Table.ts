/**
 * Tables described by Effect Schemas.
 *
 * ```ts
 * const User = Table.make("users", {
 *   id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
 *   email: Schema.String.pipe(Column.unique)
 * })
 * ```
 *
 * A `Table` is a plain value; problems in its definition surface as
 * `SchemaError`s from `Table.validate`, `Metadata.fromTables` and `createAll`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { identity } from "effect/Function"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as Model from "effect/schema/Model"
import type * as Types from "effect/Types"
import * as Column from "./Column.js"
import type { DatabaseError } from "./DatabaseError.js"
import type * as Relation from "./Relation.js"
import type { ColumnMetadata, Dialect, ReferentialAction, TableMetadata } from "./Metadata.js"
import { analyze, fieldInfo } from "./internal/schema/analyze.js"
import { rowCodec } from "./internal/schema/codec.js"
import { findAnnotation } from "./internal/schema/columnType.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("effect-sqlservice/Table")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * @since 0.1.0
 * @category models
 */
export interface IndexOptions<F extends string> {
  /** The indexed fields; empty when `expressions` gives the keys. */
  readonly columns: ReadonlyArray<F>
  readonly unique?: boolean
  readonly name?: string
  /**
   * The access method (PostgreSQL `gist`, `gin`, `brin`, `hash`); the
   * default is the B-tree. SQLite has only B-trees.
   *
   * @since 0.3.0
   */
  readonly method?: string
  /**
   * A partial index's predicate as SQL text (database column names).
   *
   * @since 0.3.0
   */
  readonly where?: string
  /**
   * Index keys as SQL text (`lower(email)`), instead of `columns`.
   *
   * @since 0.3.0
   */
  readonly expressions?: ReadonlyArray<string>
}

/**
 * A (possibly composite) foreign key declared on the table.
 *
 * @since 0.1.0
 * @category models
 */
export interface ForeignKeyOptions<F extends string> {
  readonly columns: ReadonlyArray<F>
  readonly references: () => ReadonlyArray<Column.ColumnRef>
  readonly onDelete?: ReferentialAction
  readonly onUpdate?: ReferentialAction
  readonly name?: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface TableOptions<F extends string = string> {
  /** How field names become column names; `"preserve"` by default. */
  readonly columnNames?: "snake_case" | "preserve"
  /** A table-level primary key, instead of `Column.primaryKey` on fields. */
  readonly primaryKey?: ReadonlyArray<F>
  readonly indexes?: ReadonlyArray<IndexOptions<F>>
  readonly uniques?: ReadonlyArray<ReadonlyArray<F> | { readonly name?: string; readonly columns: ReadonlyArray<F> }>
  readonly foreignKeys?: ReadonlyArray<ForeignKeyOptions<F>>
  /** A PostgreSQL schema (namespace). */
  readonly schema?: string
  /**
   * PostgreSQL: the table is partitioned by this key (`RANGE (created_at)`,
   * `LIST (region)`, `HASH (id)`).
   *
   * @since 0.3.0
   */
  readonly partitionBy?: string
  /**
   * PostgreSQL: partitions created with the table, each with its bound as
   * SQL text (`FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')`, `DEFAULT`).
   *
   * @since 0.3.0
   */
  readonly partitions?: ReadonlyArray<{ readonly name: string; readonly bound: string }>
  /**
   * The table's former name(s): a generated migration renames the table
   * instead of dropping it and creating an empty one. Renames are declared,
   * never guessed.
   *
   * @since 0.4.0
   */
  readonly renamedFrom?: string | ReadonlyArray<string>
}

/**
 * The fields of `Fields` that the database can fill in.
 *
 * @since 0.1.0
 * @category type-level
 */
export type DefaultedKeys<Fields> = {
  [K in keyof Fields]: Column.DefaultedTypeId extends keyof Fields[K] ? K : never
}[keyof Fields]

/**
 * @since 0.1.0
 * @category type ids
 */
export const InsertOptionalTypeId: unique symbol = Symbol.for("effect-sqlservice/Table/InsertOptional")

/**
 * @since 0.1.0
 * @category models
 */
export interface Table<
  Name extends string,
  Fields extends Schema.Struct.Fields,
  Row extends Schema.Top = Schema.Struct<Fields>,
  Optional extends keyof Fields = DefaultedKeys<Fields>
> {
  readonly [TypeId]: TypeId
  readonly name: Name
  readonly fields: Fields
  /** Decodes one row (keyed by field names) into the row type. */
  readonly schema: Row
  readonly columns: {
    readonly [K in keyof Fields & string]: Column.ColumnRef<Name, K, K extends keyof Schema.Struct.Type<Fields> ? Schema.Struct.Type<Fields>[K] : never>
  }
  /** Primary key field names, in key order. */
  readonly primaryKey: ReadonlyArray<keyof Fields & string>
  readonly options: TableOptions<keyof Fields & string>
  /** Type-level only: the fields `Insert` makes optional. */
  readonly [InsertOptionalTypeId]?: Types.Covariant<Optional>
}

/**
 * Any table, whatever its fields.
 *
 * @since 0.1.0
 * @category models
 */
export interface Any {
  readonly [TypeId]: TypeId
  readonly name: string
  readonly fields: Schema.Struct.Fields
  readonly schema: Schema.Top
  readonly columns: { readonly [field: string]: Column.ColumnRef<string, string, any> }
  readonly primaryKey: ReadonlyArray<string>
  readonly options: TableOptions<any>
}

/**
 * The decoded row type.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Type<T extends Any> = Schema.Schema.Type<T["schema"]>

/**
 * The encoded row type (field names, encoded values).
 *
 * @since 0.1.0
 * @category type-level
 */
export type Encoded<T extends Any> = Schema.Codec.Encoded<T["schema"]>

/**
 * The services the row Schema needs to decode (normally `never`). A table
 * typed only as `Table.Any` (reflected tables, `db.tables`) has schemas
 * built by this library, which need none.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Context<T extends Any> = unknown extends Schema.Codec.DecodingServices<T["schema"]> ? never
  : Schema.Codec.DecodingServices<T["schema"]>

/**
 * A row to insert: auto-increment fields, fields with a default and
 * `Model.GeneratedByDb` fields are optional.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Insert<T extends Any> = T extends Table<any, infer Fields, any, infer Optional> ? Types.Simplify<
    & Omit<Schema.Struct.Type<Fields>, Optional | NullableKeys<Schema.Struct.Type<Fields>>>
    & Partial<
      Pick<Schema.Struct.Type<Fields>, Extract<Optional | NullableKeys<Schema.Struct.Type<Fields>>, keyof Schema.Struct.Type<Fields>>>
    >
  >
  : never

/**
 * The fields of a row type that may be `null`: optional on insert, where
 * leaving one out stores NULL.
 *
 * @since 0.3.0
 * @category type-level
 */
export type NullableKeys<Row> = { [K in keyof Row]-?: null extends Row[K] ? K : never }[keyof Row]

/**
 * @since 0.3.0
 * @category type ids
 */
export const PrimaryKeyTypeId: unique symbol = Symbol.for("effect-sqlservice/Table/PrimaryKey")

/**
 * Type-level only: a table whose `primaryKey` option names these fields, in
 * key order.
 *
 * @since 0.3.0
 * @category models
 */
export interface KeyedBy<Key extends ReadonlyArray<string>> {
  readonly [PrimaryKeyTypeId]?: Types.Covariant<Key>
}

type DeclaredKey<T> = T extends { readonly [PrimaryKeyTypeId]?: Types.Covariant<infer K> } ? K : never

type AnnotatedKeys<Fields> = {
  [K in keyof Fields]: Column.PrimaryKeyTypeId extends keyof Fields[K] ? K : never
}[keyof Fields]

type IsUnion<U, All = U> = U extends unknown ? ([All] extends [U] ? false : true) : never

type KeyRecord<Row, K extends keyof Row> = { readonly [F in K]: Row[F] }

type KeyOf<Row, Declared, Annotated extends keyof Row> = [Declared] extends [never]
  ? [Annotated] extends [never] ? never
  : true extends IsUnion<Annotated>
    // Marked fields give the key's order only at run time (field order): any order type-checks.
    ? ReadonlyArray<Row[Annotated]> | KeyRecord<Row, Annotated>
  : Row[Annotated] | readonly [Row[Annotated]] | KeyRecord<Row, Annotated>
  : Declared extends readonly [infer K extends keyof Row] ? Row[K] | readonly [Row[K]] | KeyRecord<Row, K>
  : Declared extends ReadonlyArray<keyof Row>
    ? { readonly [I in keyof Declared]: Row[Declared[I] & keyof Row] } | KeyRecord<Row, Declared[number]>
  : never

/**
 * What `session.get` takes as the primary key of `T`: the value for a
 * one-column key (or a one-value tuple, or a record), a tuple in key order
 * or a record for a composite key. `unknown` for a table whose fields are
 * not known statically (`Table.Any`, reflected tables).
 *
 * @since 0.3.0
 * @category type-level
 */
export type PrimaryKey<T extends Any> = T extends Table<any, infer Fields, any, any>
  ? string extends keyof Fields ? unknown
  : KeyOf<Schema.Struct.Type<Fields>, DeclaredKey<T>, AnnotatedKeys<Fields> & keyof Schema.Struct.Type<Fields>>
  : unknown

/**
 * @since 0.1.0
 * @category guards
 */
export const isTable = (u: unknown): u is Any => typeof u === "object" && u !== null && TypeId in u

const columnRef = (table: string, schema: string | undefined, field: string, name: string): Column.ColumnRef => ({
  [Column.ColumnRefTypeId]: { _A: identity },
  table,
  ...(schema === undefined ? {} : { schema }),
  field,
  name
})

const build = (name: string, fields: Schema.Struct.Fields, schema: Schema.Top, options: TableOptions<any>) => {
  const columns: Record<string, Column.ColumnRef> = {}
  const annotatedKey: Array<string> = []
  for (const field of Object.keys(fields)) {
    const info = fieldInfo(field, fields[field]!, options.columnNames)
    columns[field] = columnRef(name, options.schema, field, info.name)
    if (findAnnotation(info.ast, Column.PrimaryKeyId) === true) annotatedKey.push(field)
  }
  return {
    [TypeId]: TypeId,
    name,
    fields,
    schema,
    columns,
    primaryKey: options.primaryKey ?? annotatedKey,
    options
  }
}

/**
 * Declares a table. `name` is the database table name; field names become
 * column names (see `columnNames`, `Column.name`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <
  const Name extends string,
  Fields extends Schema.Struct.Fields,
  const Key extends ReadonlyArray<keyof Fields & string> = never
>(
  name: Name,
  fields: Fields,
  options: TableOptions<NoInfer<keyof Fields & string>> & { readonly primaryKey?: Key } = {}
): Table<Name, Fields> & KeyedBy<Key> => build(name, fields, Schema.Struct(fields), options) as any

type ModelInsertFields<M> = M extends { readonly insert: { readonly fields: infer F } } ? F : {}

/**
 * A table from a `Model.Class` (`effect/schema/Model`): its `select` variant
 * is the row, rows decode to instances of the class, and fields absent from
 * the `insert` variant (`Model.GeneratedByDb`) are optional on insert — a
 * generated single integer primary key becomes auto-increment.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromModel = <const Name extends string, M extends Model.Any>(
  name: Name,
  model: M,
  options: TableOptions<NoInfer<keyof M["fields"] & string>> = {}
): Table<Name, M["fields"], M, Exclude<keyof M["fields"], keyof ModelInsertFields<M>>> => {
  const selectFields = model.fields
  const insertFields = (model.insert as unknown as { readonly fields?: Schema.Struct.Fields }).fields ?? {}
  const generated = Object.keys(selectFields).filter((k) => !(k in insertFields))
  const probe = build(name, selectFields, model, options)
  const fields: Record<string, Schema.Top> = { ...selectFields as Record<string, Schema.Top> }
  for (const k of generated) {
    let f = Column.annotateField(fields[k]!, Column.GeneratedId, true)
    if (probe.primaryKey.length === 1 && probe.primaryKey[0] === k) {
      const info = analyze(make(name, { [k]: f }, { primaryKey: [k] }))
      if (Result.isSuccess(info) && ["integer", "bigint", "smallint"].includes(info.success.columns[0]!.kind.type)) {
        f = Column.annotateField(f, Column.AutoIncrementId, true)
      }
    }
    fields[k] = f
  }
  return build(name, fields, model, options) as any
}

const schemaFor = (column: ColumnMetadata): Schema.Top => {
  if (column.check !== undefined && column.check.length > 0) return Schema.Literals(column.check)
  switch (column.type) {
    case "smallint":
    case "integer":
      return Schema.Int
    case "bigint":
      return Schema.BigInt
    case "real":
    case "double":
      return Schema.Number
    case "varchar":
    case "char":
      return column.length === undefined ? Schema.String : Schema.String.check(Schema.isMaxLength(column.length))
    case "numeric":
    case "text":
    case "uuid":
    case "date":
    case "time":
      return Schema.String
    case "boolean":
      return Schema.Boolean
    case "timestamp":
    case "datetime":
      return Schema.Date
    case "blob":
      return Schema.Uint8Array
    case "json":
      return Schema.Unknown
    case "other":
      if (column.array !== undefined) {
        const element = (column.array.dimensions ?? 1) > 1 ? undefined : arrayElementSchema(column.array.element)
        // Arrays of types the driver does not parse come as their text form ('{a,"b c"}'); others as the driver parses them.
        return element === undefined ? Schema.Union([Schema.String, Schema.Array(Schema.Unknown)]) : Schema.Array(element)
      }
      // Types the library does not model (tsvector, ...) are read and written in their text form.
      return Schema.String
  }
}

const nestedArray = (element: Schema.Top, dimensions: number): Schema.Top =>
  dimensions <= 1 ? Schema.Array(element) : Schema.Array(nestedArray(element, dimensions - 1))

/** The elements the driver parses the same way every time; undefined for the others. */
const arrayElementSchema = (element: ColumnMetadata["type"]): Schema.Top | undefined => {
  switch (element) {
    case "smallint":
    case "integer":
      return Schema.Int
    case "real":
    case "double":
      return Schema.Number
    case "boolean":
      return Schema.Boolean
    case "timestamp":
    case "datetime":
    case "date":
      return Schema.Date
    case "text":
    case "varchar":
    case "char":
    case "uuid":
    case "bigint":
      return Schema.String
    default:
      return undefined
  }
}

/**
 * A usable table from a reflected description: columns keep their database
 * names as field names and their reflected type (as `Column.dbType`), values
 * decode to the closest Schema (`Int`, `BigInt`, `String`, `Date`,
 * `Uint8Array`, literal unions for CHECK lists, `Unknown` for JSON and
 * unmodelled types), and keys, indexes and foreign keys
 * are carried over so `createAll` recreates an equivalent table.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromMetadata = (table: TableMetadata): Table<string, Record<string, Schema.Top>> => {
  const fields: Record<string, Schema.Top> = {}
  const fkByColumn = new Map(
    table.foreignKeys.filter((fk) => fk.columns.length === 1).map((fk) => [fk.columns[0]!, fk])
  )
  for (const c of table.columns) {
    const elementEnum = c.array?.enum
    let s: Schema.Top = c.enum !== undefined
      ? Schema.Literals(c.enum.labels)
      : elementEnum !== undefined
      // PostgreSQL array elements may always be NULL.
      ? nestedArray(Schema.NullOr(Schema.Literals(elementEnum.labels)), c.array?.dimensions ?? 1)
      : schemaFor(c)
    // The reflected spelling keeps what the neutral Schema cannot say (DATE, CHAR(n), NUMERIC, ...).
    if (c.enum !== undefined) s = s.pipe(Column.pgEnum(c.enum.name, c.enum.schema === undefined ? {} : { schema: c.enum.schema }))
    else if (elementEnum !== undefined) s = s.pipe(Column.pgEnum(elementEnum.name, elementEnum.schema === undefined ? {} : { schema: elementEnum.schema }))
    else if (c.domain !== undefined) s = s.pipe(Column.pgDomain(c.domain))
    // format_type prints one [] whatever the dimensions; the declared ones are kept.
    else if (c.array?.dimensions !== undefined) s = s.pipe(Column.dbType(`${c.array.elementDbType}${"[]".repeat(c.array.dimensions)}`))
    else if (c.dbType.trim() !== "") s = s.pipe(Column.dbType(c.dbType), Column.neutralType(c.type, c.length))
    if (c.nullable) s = Schema.NullOr(s)
    if (c.autoIncrement) s = Column.autoIncrement(s)
    if (c.autoIncrement && (c.identity !== undefined || c.serial === true)) s = s.pipe(Column.identity(c.serial === true ? "serial" : c.identity!))
    if (c.default !== undefined && !c.autoIncrement) s = s.pipe(Column.default(Column.sqlDefault(c.default)))
    const fk = fkByColumn.get(c.name)
    if (fk !== undefined) {
      const ref = columnRef(fk.references.table, fk.references.schema ?? table.schema, fk.references.columns[0]!, fk.references.columns[0]!)
      s = s.pipe(Column.references(() => ref, {
        onDelete: fk.onDelete,
        onUpdate: fk.onUpdate,
        ...(fk.name === undefined ? {} : { name: fk.name })
      }))
    }
    fields[c.name] = s.pipe(Column.name(c.name))
  }
  const options: TableOptions<string> = {
    columnNames: "preserve",
    ...(table.primaryKey.length > 0 ? { primaryKey: table.primaryKey } : {}),
    uniques: table.uniques.map((u) => ({ ...(u.name === undefined ? {} : { name: u.name }), columns: u.columns })),
    indexes: table.indexes.map((i) => ({
      ...(i.name === undefined ? {} : { name: i.name }),
      columns: i.columns,
      unique: i.unique,
      ...(i.method === undefined ? {} : { method: i.method }),
      ...(i.where === undefined ? {} : { where: i.where }),
      ...(i.expressions === undefined ? {} : { expressions: i.expressions })
    })),
    ...(table.partitionBy === undefined ? {} : { partitionBy: table.partitionBy }),
    ...(table.partitions === undefined ? {} : { partitions: table.partitions }),
    foreignKeys: table.foreignKeys.filter((fk) => fk.columns.length > 1).map((fk) => ({
      columns: fk.columns,
      references: () =>
        fk.references.columns.map((col) => columnRef(fk.references.table, fk.references.schema ?? table.schema, col, col)),
      onDelete: fk.onDelete,
      onUpdate: fk.onUpdate,
      ...(fk.name === undefined ? {} : { name: fk.name })
    })),
    ...(table.schema === undefined ? {} : { schema: table.schema })
  }
  return make(table.name, fields, options)
}

/**
 * Checks the definition (supported types, field names in options, ...)
 * without a dialect; `Metadata.fromTables` adds the dialect's checks.
 *
 * @since 0.1.0
 * @category validation
 */
export const validate = (table: Any): Effect.Effect<void, DatabaseError> => Effect.asVoid(Effect.fromResult(analyze(table)))

/**
 * A decoder from raw driver rows (keyed by column names) to the row type:
 * driver values are first adapted to the Schema's encoded form (SQLite 0/1 →
 * boolean, JSON text → value, int8 strings → bigint, ...), then decoded.
 * Compiled once per table and dialect.
 *
 * @since 0.1.0
 * @category codecs
 */
export const decodeRow = <T extends Any>(
  table: T,
  dialect: Dialect
): (row: unknown) => Effect.Effect<Type<T>, DatabaseError, Context<T>> => {
  const codec = rowCodec(table, dialect)
  return Result.isFailure(codec) ? () => Effect.fail(codec.failure) : codec.success.decode
}

/**
 * An encoder from a row value to driver parameters keyed by column names.
 * Fields that encode to `undefined` (absent optional fields) are left out.
 *
 * @since 0.1.0
 * @category codecs
 */
export const encodeRow = <T extends Any>(
  table: T,
  dialect: Dialect
): (row: Type<T>) => Effect.Effect<Record<string, unknown>, DatabaseError, Context<T>> => {
  const codec = rowCodec(table, dialect)
  return Result.isFailure(codec) ? () => Effect.fail(codec.failure) : codec.success.encode
}

/**
 * Like `encodeRow`, for inserts: fields the database can fill in may be
 * omitted (see `Insert`).
 *
 * @since 0.1.0
 * @category codecs
 */
export const encodeInsert = <T extends Any>(
  table: T,
  dialect: Dialect
): (row: Insert<T>) => Effect.Effect<Record<string, unknown>, DatabaseError, Context<T>> => {
  const codec = rowCodec(table, dialect)
  return Result.isFailure(codec) ? () => Effect.fail(codec.failure) : codec.success.encodeInsert
}

/**
 * The primary key of a row, as a tuple in key order (sqlservice's
 * `model.pk()`); pass it to `session.get`.
 *
 * @since 0.1.0
 * @category helpers
 */
export const pk = <T extends Any>(table: T, row: Type<T>): ReadonlyArray<unknown> =>
  table.primaryKey.map((field) => (row as Record<string, unknown>)[field])

/**
 * Options of `toDict`: which relations to keep. With `table`, the row's
 * own columns are told apart from the relations loaded with it.
 *
 * @since 0.3.0
 * @category models
 */
export interface ToDictOptions {
  /** The row's table: only its columns are kept, plus the relations of `with`. */
  readonly table: Any
  /**
   * The relations to keep (by the property name they were loaded under);
   * each related row keeps its table's columns and the relations nested in
   * the relation with `Relation.with`. Absent: columns only.
   */
  readonly with?: Relation.Spec | undefined
  /** How many levels of `with` to follow: 0 keeps columns only. Absent: all of them. */
  readonly depth?: number | undefined
}

/**
 * A row as a plain object (sqlservice's `model.to_dict()`): its columns and
 * the relations that were loaded with it, `Option`s turned into the value or
 * `null`, recursively. Relations that were not loaded are simply absent.
 *
 * With options, the row's table says what its columns are: relations are
 * left out (sqlservice's `exclude_relationships=True`) unless named in
 * `with`, and `depth` limits how deep those are followed.
 *
 * ```ts
 * Table.toDict(post, { table: Post })                                 // columns only
 * Table.toDict(post, { table: Post, with: { tags: postTags } })       // columns and tags
 * Table.toDict(post, { table: Post, with: spec, depth: 1 })           // one level of spec
 * ```
 *
 * @since 0.1.0
 * @category helpers
 */
export const toDict = (row: object, options?: ToDictOptions): Record<string, unknown> =>
  options === undefined ? plainDict(row) : limitedDict(row, options.table, options.with ?? {}, options.depth ?? Infinity)

const limitedDict = (row: object, table: Any, spec: Relation.Spec, depth: number): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  const values = row as Record<string, unknown>
  for (const field of Object.keys(table.fields)) if (field in values) out[field] = plainValue(values[field])
  if (depth <= 0) return out
  for (const [name, relation] of Object.entries(spec)) {
    if (!(name in values)) continue
    const related = (value: unknown) => limitedDict(value as object, relation.target, relation.nested, depth - 1)
    const value = values[name]
    out[name] = Option.isOption(value)
      ? Option.isSome(value) ? related(value.value) : null
      : Array.isArray(value)
      ? value.map(related)
      : value === null || value === undefined
      ? null
      : related(value)
  }
  return out
}

const plainValue = (value: unknown): unknown => {
  if (Option.isOption(value)) return Option.isSome(value) ? plainValue(value.value) : null
  if (Array.isArray(value)) return value.map(plainValue)
  if (value instanceof Date || value instanceof Uint8Array || typeof value !== "object" || value === null) return value
  return plainDict(value)
}

const plainDict = (row: object): Record<string, unknown> => {
  const plain = (value: unknown): unknown => {
    if (Option.isOption(value)) return Option.isSome(value) ? plain(value.value) : null
    if (Array.isArray(value)) return value.map(plain)
    if (value instanceof Date || value instanceof Uint8Array || typeof value !== "object" || value === null) return value
    return plainDict(value)
  }
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(row)) out[key] = plain(value)
  return out
}
