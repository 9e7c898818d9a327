/**
 * One reflected column as the Schema of a field: the plainest Schema whose
 * column is the reflected one, `Schema.NullOr` for a nullable column, and the
 * `Column` annotations that say the rest (type spelling, keys, identity,
 * defaults, enum and domain types).
 *
 * @internal
 */
import type { ColumnMetadata, NeutralType } from "../../Metadata.js"
import type { SchemaDialect } from "../dialect/schemaDialect.js"
import { isTypeName } from "../schema/declared.js"
import { defaultAnnotation, type LiteralKind } from "./defaults.js"
import { str } from "./names.js"

/** A Schema as code, with the column type it creates on its own (before `Column.dbType`). */
interface Plain {
  readonly code: string
  readonly type: NeutralType
  readonly length?: number
  readonly literal: LiteralKind
}

const plain = (code: string, type: NeutralType, literal: LiteralKind, length?: number): Plain =>
  length === undefined ? { code, type, literal } : { code, type, length, literal }

const literalsCode = (labels: ReadonlyArray<string | number>): string =>
  `Schema.Literals([${labels.map((l) => (typeof l === "string" ? str(l) : String(l))).join(", ")}])`

/** The Schema of a column's values, by neutral type (a CHECK list is a literal union). */
const plainOf = (c: ColumnMetadata): Plain => {
  const check = c.type === "boolean" ? undefined : c.check
  if (check !== undefined && check.length > 0) {
    const type = check.every((v) => typeof v === "string") ? "text" : check.every((v) => Number.isInteger(v)) ? "integer" : "double"
    return plain(literalsCode(check), type, { _tag: "labels", labels: check })
  }
  switch (c.type) {
    case "smallint":
    case "integer":
      return plain("Schema.Int", "integer", { _tag: "int" })
    case "bigint":
      return plain("Schema.BigInt", "bigint", { _tag: "none" })
    case "real":
    case "double":
      return plain("Schema.Number", "double", { _tag: "number" })
    case "varchar":
    case "char":
      return c.length === undefined
        ? plain("Schema.String", "text", { _tag: "string" })
        : plain(`Schema.String.check(Schema.isMaxLength(${c.length}))`, "varchar", { _tag: "string", maxLength: c.length }, c.length)
    case "text":
      return plain("Schema.String", "text", { _tag: "string" })
    // Read and written as their text form (`12.50`, `2021-01-01`, `10:00:00`), which keeps every digit.
    case "numeric":
    case "date":
    case "time":
    case "other":
      return plain("Schema.String", "text", { _tag: "none" })
    case "uuid":
      return plain("Schema.String.check(Schema.isUUID())", "uuid", { _tag: "none" })
    case "boolean":
      return plain("Schema.Boolean", "boolean", { _tag: "boolean" })
    case "timestamp":
    case "datetime":
      return plain("Schema.Date", "timestamp", { _tag: "none" })
    case "blob":
      return plain("Schema.Uint8Array", "blob", { _tag: "none" })
    case "json":
      return plain("Schema.Unknown", "json", { _tag: "none" })
  }
}

/** Elements the driver parses the same way every time (as `Table.fromMetadata` reads them). */
const arrayElementCode = (element: NeutralType): string | undefined => {
  switch (element) {
    case "smallint":
    case "integer":
      return "Schema.Int"
    case "real":
    case "double":
      return "Schema.Number"
    case "boolean":
      return "Schema.Boolean"
    case "timestamp":
    case "datetime":
    case "date":
      return "Schema.Date"
    case "text":
    case "varchar":
    case "char":
    case "uuid":
    case "bigint":
      return "Schema.String"
    default:
      return undefined
  }
}

const nested = (element: string, dimensions: number): string =>
  dimensions <= 1 ? `Schema.Array(${element})` : `Schema.Array(${nested(element, dimensions - 1)})`

const spelling = (text: string): string => text.trim().toLowerCase().replace(/\s+/g, " ").replace(/\s*([(),])\s*/g, "$1")

/** What a field needs from its table to be written. */
export interface ColumnContext {
  readonly dialect: SchemaDialect
  /** The column is the table's whole primary key. */
  readonly primaryKey: boolean
  /** The column has a UNIQUE constraint of its own without a name. */
  readonly unique: boolean
  /** `Column.references(...)` of its single-column foreign key. */
  readonly references?: string
  /** `Column.name(...)`, when the table's naming does not give the column's name. */
  readonly name?: string
}

/** A field's Schema as code, and what could not be said exactly. */
export interface FieldCode {
  readonly schema: string
  readonly annotations: ReadonlyArray<string>
  readonly notes: ReadonlyArray<string>
}

const identityAnnotation = (c: ColumnMetadata): string | undefined => {
  if (!c.autoIncrement) return undefined
  if (c.serial === true) return `Column.identity("serial")`
  if (c.identity !== undefined) return `Column.identity(${str(c.identity)})`
  return "Column.autoIncrement"
}

const namedType = (fn: string, t: { readonly name: string; readonly schema?: string }): string =>
  `${fn}(${str(t.name)}${t.schema === undefined ? "" : `, { schema: ${str(t.schema)} }`})`

const domainCode = (c: ColumnMetadata): string => {
  const d = c.domain!
  const parts = [
    `name: ${str(d.name)}`,
    ...(d.schema === undefined ? [] : [`schema: ${str(d.schema)}`]),
    `baseType: ${str(d.baseType)}`,
    `checks: [${d.checks.map(str).join(", ")}]`,
    ...(d.notNull === undefined ? [] : [`notNull: ${d.notNull}`]),
    ...(d.default === undefined ? [] : [`default: ${str(d.default)}`])
  ]
  return `Column.pgDomain({ ${parts.join(", ")} })`
}

/** The type part: the Schema, plus `Column.dbType` / `pgEnum` / `pgDomain` where the Schema alone does not say the type. */
const typed = (c: ColumnMetadata, dialect: SchemaDialect): { schema: string; type: Array<string>; literal: LiteralKind; notes: Array<string> } => {
  const notes: Array<string> = []
  if (c.enum !== undefined) {
    return { schema: literalsCode(c.enum.labels), type: [namedType("Column.pgEnum", c.enum)], literal: { _tag: "labels", labels: c.enum.labels }, notes }
  }
  const array = c.array
  if (array?.enum !== undefined) {
    // PostgreSQL array elements may always be NULL.
    const element = `Schema.NullOr(${literalsCode(array.enum.labels)})`
    return { schema: nested(element, array.dimensions ?? 1), type: [namedType("Column.pgEnum", array.enum)], literal: { _tag: "none" }, notes }
  }
  if (array !== undefined) {
    const dimensions = array.dimensions ?? 1
    const element = dimensions > 1 ? undefined : arrayElementCode(array.element)
    // Arrays of types the driver does not parse come as their text form ('{a,"b c"}'); others as the driver parses them.
    const schema = element === undefined ? "Schema.Union([Schema.String, Schema.Array(Schema.Unknown)])" : nested(element, 1)
    // format_type prints one [] whatever the dimensions; the declared ones are kept.
    const dbType = array.dimensions === undefined ? c.dbType : `${array.elementDbType}${"[]".repeat(dimensions)}`
    if (!isTypeName(dbType)) notes.push(`the array type ${dbType} cannot be written with Column.dbType; this column cannot be created as it is`)
    return { schema, type: isTypeName(dbType) ? [`Column.dbType(${str(dbType)})`] : [], literal: { _tag: "none" }, notes }
  }
  const p = plainOf(c)
  if (c.domain !== undefined) return { schema: p.code, type: [domainCode(c)], literal: p.literal, notes }
  const catalog = (dialect.catalogTypeName ?? dialect.columnType)(p.type, p.length)
  if (c.type === p.type && c.length === p.length && spelling(c.dbType) === spelling(catalog)) {
    return { schema: p.code, type: [], literal: p.literal, notes }
  }
  if (c.type === "other") notes.push(`${c.dbType || "this type"} is not a type the library models: values are read and written as text`)
  if (!isTypeName(c.dbType)) {
    notes.push(c.dbType.trim() === ""
      ? "declared without a type; created with the type of its Schema"
      : `${c.dbType} cannot be written with Column.dbType; created with the type of its Schema`)
    return { schema: p.code, type: [], literal: p.literal, notes }
  }
  const parsed = dialect.parseType(c.dbType)
  // A spelling this dialect reads as another type than reflection reported: the meaning wins (as Table.fromMetadata does).
  const meaning = parsed.type === c.type && parsed.length === c.length
    ? []
    : [`Column.neutralType(${str(c.type)}${c.length === undefined ? "" : `, ${c.length}`})`]
  return { schema: p.code, type: [`Column.dbType(${str(c.dbType)})`, ...meaning], literal: p.literal, notes }
}

/** The Schema of the column's (non-null) values, as code: columns joined by a foreign key should have the same one. */
export const valueSchema = (c: ColumnMetadata, dialect: SchemaDialect): string => typed(c, dialect).schema

/** The field of column `c`. */
export const fieldCode = (c: ColumnMetadata, ctx: ColumnContext): FieldCode => {
  const t = typed(c, ctx.dialect)
  const identity = identityAnnotation(c)
  const annotations = [
    ...(ctx.primaryKey ? ["Column.primaryKey"] : []),
    ...(identity === undefined ? [] : [identity]),
    ...t.type,
    ...(ctx.unique ? ["Column.unique"] : []),
    ...(c.default !== undefined && !c.autoIncrement ? [defaultAnnotation(c.default, t.literal, ctx.dialect.lexRules)] : []),
    ...(ctx.references === undefined ? [] : [ctx.references]),
    ...(ctx.name === undefined ? [] : [ctx.name])
  ]
  return { schema: c.nullable ? `Schema.NullOr(${t.schema})` : t.schema, annotations, notes: t.notes }
}
