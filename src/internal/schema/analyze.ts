/**
 * The dialect-independent reading of a `Table`: each field's database name,
 * storage kind, nullability and column annotations. Computed once per table
 * and cached, since codecs and metadata both need it.
 *
 * @internal
 */
import * as Result from "effect/Result"
import type * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import * as Column from "../../Column.js"
import * as DatabaseError from "../../DatabaseError.js"
import type { DomainTypeMetadata, IdentityKind } from "../../Metadata.js"
import type * as Table from "../../Table.js"
import type { NeutralType } from "../../Metadata.js"
import { type ColumnKind, encodedOf, findAnnotation, resolveColumnKind } from "./columnType.js"
import { snakeCase } from "./identifier.js"
import { showValue } from "../errorMessage.js"

/** How SQL NULL maps onto the field's encoded side. */
export type NullRep = "null" | "undefined" | "omit" | "none"

/** @internal */
export interface FieldInfo {
  readonly field: string
  /**
   * The key of the field on the encoded side. Effect 4 has no per-field key
   * rename (v3's `Schema.fromKey`), so it is always `field`.
   */
  readonly encodedKey: string
  /** The column name in the database. */
  readonly name: string
  /** The key may be absent from an encoded row. */
  readonly optional: boolean
  /** The field's AST (its decoded side): it decides the storage type and carries the column annotations. */
  readonly ast: AST.AST
}

/** @internal */
export const fieldInfo = (
  field: string,
  value: Schema.Constraint,
  columnNames: "snake_case" | "preserve" | undefined
): FieldInfo => {
  const ast = value.ast
  const explicit = findAnnotation<string>(ast, Column.NameId)
  return {
    field,
    encodedKey: field,
    name: explicit ?? (columnNames === "snake_case" ? snakeCase(field) : field),
    // What a row carries is the encoded side, so its key's optionality counts.
    optional: AST.isOptional(encodedOf(ast)),
    ast
  }
}

/** @internal */
export interface ColumnDef extends FieldInfo {
  readonly kind: ColumnKind
  readonly nullRep: NullRep
  readonly primaryKey: boolean
  readonly autoIncrement: boolean
  /** The database fills the value in when an insert omits it. */
  readonly defaulted: boolean
  readonly unique: boolean
  readonly index: boolean
  readonly references?: Column.References
  readonly default?: Column.DefaultValue
  readonly dbType?: string
  /** What `dbType` means (`Column.neutralType`), for dialects that read its spelling differently. */
  readonly neutralType?: { readonly type: NeutralType; readonly length?: number }
  /** Stored as a unix time in this unit (`Column.unixTime`); `kind.type` is then the number type. */
  readonly unixTime?: Column.UnixTimeUnit
  /** `Column.identity`: how PostgreSQL generates the value. */
  readonly identity?: IdentityKind | "serial"
  /** `Column.pgEnum`. */
  readonly pgEnum?: Column.PgEnum
  /** `Column.pgDomain`. */
  readonly pgDomain?: DomainTypeMetadata
  /** `Column.renamedFrom`: former column names. */
  readonly renamedFrom?: ReadonlyArray<string>
  /** The field's Schema, to encode single values (defaults, compared values) with. */
  readonly schema: Schema.Codec<any, any, never, never>
}

/** @internal */
export interface ForeignKeyDef {
  readonly fields: ReadonlyArray<string>
  readonly references: () => ReadonlyArray<Column.ColumnRef>
  readonly options: Column.ReferencesOptions
}

/** @internal */
export interface TableDef {
  readonly table: Table.Any
  readonly name: string
  readonly schema?: string
  readonly columns: ReadonlyArray<ColumnDef>
  readonly primaryKey: ReadonlyArray<ColumnDef>
  readonly uniques: ReadonlyArray<{ readonly name?: string; readonly columns: ReadonlyArray<ColumnDef> }>
  readonly indexes: ReadonlyArray<
    {
      readonly name?: string
      readonly columns: ReadonlyArray<ColumnDef>
      readonly unique: boolean
      readonly method?: string
      readonly where?: string
      readonly expressions?: ReadonlyArray<string>
    }
  >
  readonly partitionBy?: string
  readonly partitions?: ReadonlyArray<{ readonly name: string; readonly bound: string }>
  /** The table option `renamedFrom`: former table names. */
  readonly renamedFrom?: ReadonlyArray<string>
  readonly foreignKeys: ReadonlyArray<ForeignKeyDef & { readonly columns: ReadonlyArray<ColumnDef> }>
}

/** @internal */
export const schemaError = (message: string, table?: string, column?: string): DatabaseError.DatabaseError =>
  DatabaseError.make(
    new DatabaseError.SchemaError({
      message,
      ...(table === undefined ? {} : { table }),
      ...(column === undefined ? {} : { column })
    })
  )

const nullRepOf = (kind: ColumnKind, optional: boolean): NullRep =>
  kind.acceptsNull ? "null" : optional ? "omit" : kind.acceptsUndefined ? "undefined" : "none"

const analyzeColumn = (table: Table.Any, field: string): Result.Result<ColumnDef, DatabaseError.DatabaseError> => {
  const value = table.fields[field]!
  const info = fieldInfo(field, value, table.options.columnNames)
  const find = <A>(key: string) => findAnnotation<A>(info.ast, key)
  const dbType = find<string>(Column.DbTypeId)
  const neutralType = find<{ readonly type: NeutralType; readonly length?: number }>(Column.NeutralTypeId)
  const resolved = resolveColumnKind(info.ast)
  let kind: ColumnKind
  if (resolved.ok) {
    kind = resolved.kind
  } else if (dbType !== undefined) {
    // The user chose the storage; values pass through to the Schema untouched.
    // A `NullOr(...)` of such a Schema still makes a nullable column.
    const members = info.ast._tag === "Union" ? info.ast.types : []
    kind = {
      type: "other",
      rep: "unknown",
      acceptsNull: members.some((t) => t._tag === "Null"),
      acceptsUndefined: members.some((t) => t._tag === "Undefined" || t._tag === "Void")
    }
  } else {
    return Result.fail(
      schemaError(
        `table ${table.name}, field ${field}: unsupported Schema type ${resolved.problem}; use a supported type or Column.dbType`,
        table.name,
        field
      )
    )
  }
  const unixTime = find<unknown>(Column.UnixTimeId)
  if (unixTime !== undefined) {
    if (unixTime !== "seconds" && unixTime !== "milliseconds") {
      return Result.fail(schemaError(
        `table ${table.name}, field ${field}: Column.unixTime takes "seconds" or "milliseconds", got ${showValue(unixTime)}`,
        table.name,
        field
      ))
    }
    if (kind.type !== "timestamp") {
      return Result.fail(schemaError(
        `table ${table.name}, field ${field}: Column.unixTime applies to date-time fields (Schema.Date, Schema.DateTimeUtc), not ${kind.type}`,
        table.name,
        field
      ))
    }
    kind = { ...kind, type: "bigint" }
  }
  const autoIncrement = find<boolean>(Column.AutoIncrementId) === true
  const dflt = find<Column.DefaultValue>(Column.DefaultId)
  const generated = find<boolean>(Column.GeneratedId) === true
  const references = find<Column.References>(Column.ReferencesId)
  const identity = find<IdentityKind | "serial">(Column.IdentityId)
  const pgEnum = find<Column.PgEnum>(Column.PgEnumId)
  const pgDomain = find<DomainTypeMetadata>(Column.PgDomainId)
  const renamedFrom = find<ReadonlyArray<string>>(Column.RenamedFromId)
  return Result.succeed({
    ...info,
    kind,
    nullRep: nullRepOf(kind, info.optional),
    primaryKey: find<boolean>(Column.PrimaryKeyId) === true,
    autoIncrement,
    defaulted: autoIncrement || dflt !== undefined || generated,
    unique: find<boolean>(Column.UniqueId) === true,
    index: find<boolean>(Column.IndexId) === true,
    ...(references === undefined ? {} : { references }),
    ...(dflt === undefined ? {} : { default: dflt }),
    ...(dbType === undefined ? {} : { dbType }),
    ...(neutralType === undefined ? {} : { neutralType }),
    ...(unixTime === undefined ? {} : { unixTime }),
    ...(identity === undefined ? {} : { identity }),
    ...(pgEnum === undefined ? {} : { pgEnum }),
    ...(pgDomain === undefined ? {} : { pgDomain }),
    ...(renamedFrom === undefined ? {} : { renamedFrom }),
    schema: value as unknown as Schema.Codec<any, any, never, never>
  })
}

const cache = new WeakMap<Table.Any, Result.Result<TableDef, DatabaseError.DatabaseError>>()

/** @internal */
export const analyze = (table: Table.Any): Result.Result<TableDef, DatabaseError.DatabaseError> => {
  const cached = cache.get(table)
  if (cached !== undefined) return cached
  const result = analyzeUncached(table)
  cache.set(table, result)
  return result
}

const analyzeUncached = (table: Table.Any): Result.Result<TableDef, DatabaseError.DatabaseError> => {
  const columns: Array<ColumnDef> = []
  for (const field of Object.keys(table.fields)) {
    const c = analyzeColumn(table, field)
    if (Result.isFailure(c)) return Result.fail(c.failure)
    columns.push(c.success)
  }
  if (columns.length === 0) return Result.fail(schemaError(`table ${table.name}: it has no fields`, table.name))
  const seen = new Map<string, string>()
  for (const c of columns) {
    const other = seen.get(c.name)
    if (other !== undefined) {
      return Result.fail(
        schemaError(`table ${table.name}: fields ${other} and ${c.field} both map to column ${c.name}`, table.name, c.field)
      )
    }
    seen.set(c.name, c.field)
  }
  const byField = new Map(columns.map((c) => [c.field, c]))
  const pick = (fields: ReadonlyArray<string>, what: string): Result.Result<Array<ColumnDef>, DatabaseError.DatabaseError> => {
    const out: Array<ColumnDef> = []
    if (fields.length === 0) return Result.fail(schemaError(`table ${table.name}: ${what} lists no fields`, table.name))
    for (const f of fields) {
      const c = byField.get(f)
      if (c === undefined) {
        return Result.fail(schemaError(`table ${table.name}: ${what} names unknown field ${showValue(f)}`, table.name, f))
      }
      out.push(c)
    }
    return Result.succeed(out)
  }
  const options = table.options
  return Result.gen(function*() {
    const primaryKey = options.primaryKey !== undefined
      ? yield* pick(options.primaryKey, "primaryKey")
      : columns.filter((c) => c.primaryKey)
    const uniques: Array<TableDef["uniques"][number]> = columns.filter((c) => c.unique).map((c) => ({ columns: [c] }))
    for (const u of options.uniques ?? []) {
      const spec = Array.isArray(u) ? { columns: u as ReadonlyArray<string> } : u as { name?: string; columns: ReadonlyArray<string> }
      const cols = yield* pick(spec.columns, "uniques")
      uniques.push({ ...(spec.name === undefined ? {} : { name: spec.name }), columns: cols })
    }
    const indexes: Array<TableDef["indexes"][number]> = columns.filter((c) => c.index).map((c) => ({
      columns: [c],
      unique: false
    }))
    for (const i of options.indexes ?? []) {
      const cols = i.expressions !== undefined && i.columns.length === 0 ? [] : yield* pick(i.columns, "indexes")
      indexes.push({
        ...(i.name === undefined ? {} : { name: i.name }),
        columns: cols,
        unique: i.unique === true,
        ...(i.method === undefined ? {} : { method: i.method }),
        ...(i.where === undefined ? {} : { where: i.where }),
        ...(i.expressions === undefined ? {} : { expressions: i.expressions })
      })
    }
    const foreignKeys: Array<TableDef["foreignKeys"][number]> = columns.flatMap((c) =>
      c.references === undefined ? [] : [{
        fields: [c.field],
        columns: [c],
        references: () => [c.references!.target()],
        options: c.references.options
      }]
    )
    for (const fk of options.foreignKeys ?? []) {
      const cols = yield* pick(fk.columns, "foreignKeys")
      foreignKeys.push({
        fields: fk.columns,
        columns: cols,
        references: fk.references,
        options: {
          ...(fk.onDelete === undefined ? {} : { onDelete: fk.onDelete }),
          ...(fk.onUpdate === undefined ? {} : { onUpdate: fk.onUpdate }),
          ...(fk.name === undefined ? {} : { name: fk.name })
        }
      })
    }
    return {
      table,
      name: table.name,
      ...(options.schema === undefined ? {} : { schema: options.schema }),
      columns,
      primaryKey,
      uniques,
      indexes,
      foreignKeys,
      ...(options.partitionBy === undefined ? {} : { partitionBy: options.partitionBy }),
      ...(options.partitions === undefined ? {} : { partitions: options.partitions }),
      ...(options.renamedFrom === undefined ? {} : {
        renamedFrom: typeof options.renamedFrom === "string" ? [options.renamedFrom] : options.renamedFrom
      })
    }
  })
}
