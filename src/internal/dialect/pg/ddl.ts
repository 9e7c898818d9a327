/**
 * PostgreSQL type names, literals and DDL.
 *
 * @internal
 */
import type { ColumnMetadata, NeutralType, TableMetadata } from "../../../Metadata.js"
import { dialectDdl, foreignKeyClause, INTEGER_TYPES, typeNameReader } from "../ddlCommon.js"
import { quoteString } from "../../schema/sqlText.js"
import { ValueError } from "../../schema/values.js"
import type { Problem } from "../schemaDialect.js"
import { lexRules } from "./lexer.js"
import { arrayOf, columnTypeClause } from "./columnKinds.js"

/**
 * A plain '...' string reads a backslash as an escape when the server runs
 * with standard_conforming_strings = off, so a value ending in a backslash
 * would swallow its closing quote. A string with a backslash is written as an
 * E'...' string, which every setting reads the same way.
 */
const escapeString = (value: string): string =>
  value.includes("\\") ? `E'${value.replaceAll("\\", "\\\\").replaceAll("'", "''")}'` : quoteString(value)

/**
 * An array's text form as PostgreSQL prints it (`'{1,2}'`, `'{a,"b c"}'`),
 * so a declared default compares equal to the reflected one.
 */
const arrayLiteral = (values: ReadonlyArray<unknown>): string => {
  const element = (v: unknown): string => {
    if (v === null || v === undefined) return "NULL"
    if (Array.isArray(v)) return `{${v.map(element).join(",")}}`
    if (typeof v === "boolean") return v ? "t" : "f"
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new ValueError(`${v} cannot be written as a SQL literal`)
      return String(v)
    }
    if (typeof v !== "string") throw new ValueError(`${typeof v} cannot be an element of a PostgreSQL array literal`)
    return v === "" || /[{},"\\\s]/.test(v) || v.toUpperCase() === "NULL" ? `"${v.replaceAll("\\", "\\\\").replaceAll("\"", "\\\"")}"` : v
  }
  return escapeString(`{${values.map(element).join(",")}}`)
}

/** PostgreSQL truncates longer names silently (NAMEDATALEN - 1). */
const MAX_IDENTIFIER = 63

const typeName = typeNameReader({
  smallint: ["smallserial"],
  integer: ["int4", "serial"],
  bigint: ["bigserial"],
  real: ["real", "float4"],
  double: ["float8"],
  char: ["bpchar"],
  // `timestamp` alone is without time zone; see `parseType`.
  datetime: ["timestamp"],
  time: ["timetz"],
  blob: ["bytea"]
})

/**
 * Accepts both the names users write (`int4`, `VARCHAR(20)`) and what
 * `format_type` prints (`character varying(20)`, `timestamp with time zone`).
 *
 * @internal
 */
export const parseType = (dbType: string): { readonly type: NeutralType; readonly length?: number } => {
  const t = dbType.trim().toLowerCase().replace(/\s+/g, " ")
  if (t.endsWith("[]")) return { type: "other" }
  const m = /^([a-z0-9_ ]+?)\s*(?:\(\s*(\d+)\s*(?:,\s*\d+\s*)?\))?(?: (with|without) time zone)?$/.exec(t)
  const length = m?.[2] === undefined ? undefined : Number(m[2])
  const type = typeName(m?.[1] ?? t)
  switch (type) {
    case undefined:
      return { type: "other" }
    // VARCHAR without a length is unbounded, i.e. TEXT; a bare CHAR is CHAR(1).
    case "varchar":
      return length === undefined ? { type: "text" } : { type, length }
    case "char":
      return { type, length: length ?? 1 }
    case "datetime":
      return { type: m?.[3] === "with" ? "timestamp" : "datetime" }
    default:
      return { type }
  }
}

const CATALOG_NAMES: Readonly<Record<NeutralType, string>> = {
  smallint: "smallint",
  integer: "integer",
  bigint: "bigint",
  real: "real",
  double: "double precision",
  numeric: "numeric",
  text: "text",
  varchar: "character varying",
  char: "character",
  boolean: "boolean",
  timestamp: "timestamp with time zone",
  datetime: "timestamp without time zone",
  date: "date",
  time: "time without time zone",
  blob: "bytea",
  uuid: "uuid",
  json: "jsonb",
  other: "text"
}

/**
 * What `format_type` prints for the type `columnType` creates.
 *
 * @internal
 */
export const catalogTypeName = (type: NeutralType, length?: number): string =>
  (type === "varchar" || type === "char") && length !== undefined ? `${CATALOG_NAMES[type]}(${length})` : CATALOG_NAMES[type]

const validateTable = (table: TableMetadata): Problem | undefined => {
  if (table.schema !== undefined && table.schema.toLowerCase().startsWith("pg_")) {
    return { message: `schema ${table.schema} is reserved by PostgreSQL (names starting with pg_)` }
  }
  for (const c of table.columns) {
    if (c.autoIncrement && !INTEGER_TYPES.has(c.type)) {
      return {
        column: c.name,
        message: `column ${table.name}.${c.name}: PostgreSQL can only auto-increment smallint, integer or bigint columns (got ${c.dbType})`
      }
    }
  }
  return undefined
}

const normalizeColumn = (column: ColumnMetadata, _table: TableMetadata): ColumnMetadata => {
  let c = column
  if (c.type === "varchar" && c.length === undefined) c = { ...c, type: "text" }
  // `Column.autoIncrement` creates a BY DEFAULT identity; metadata written before identity kinds says nothing.
  if (c.autoIncrement && c.serial !== true && c.identity === undefined) c = { ...c, identity: "byDefault" }
  if (!c.autoIncrement) {
    const { identity: _identity, serial: _serial, ...rest } = c
    c = rest
  }
  if (c.serial === false || (c.serial === true && c.identity !== undefined)) {
    const { serial: _serial, ...rest } = c
    c = rest
  }
  const array = c.array ?? arrayOf(c.dbType, parseType)
  if (array !== undefined) {
    const { array: _array, ...rest } = c
    // The element's spelling matters only for types the library does not model (`INT4` is `integer`).
    c = {
      ...rest,
      array: {
        element: array.element,
        // An enum element is named by its type (however the catalog qualified or quoted it).
        elementDbType: array.enum !== undefined ? array.enum.name : array.element === "other" ? array.elementDbType.toLowerCase() : array.element,
        ...(array.dimensions !== undefined && array.dimensions > 1 ? { dimensions: array.dimensions } : {}),
        ...(array.enum === undefined ? {} : { enum: array.enum })
      }
    }
  }
  if (c.domain !== undefined) c = { ...c, domain: { ...c.domain, checks: [...c.domain.checks].sort() } }
  return c
}

/** @internal */
export const ddl = dialectDdl({
  name: "pg",
  maxIdentifierLength: MAX_IDENTIFIER,
  lexRules,
  supportsSchemas: true,
  parseType,
  validateTable,
  normalizeColumn,
  typeNames: { double: "DOUBLE PRECISION", timestamp: "TIMESTAMPTZ", datetime: "TIMESTAMP", blob: "BYTEA", json: "JSONB", other: "TEXT" },
  literal: {
    string: escapeString,
    boolean: (b) => (b ? "TRUE" : "FALSE"),
    bytes: (hex) => `${escapeString(`\\x${hex}`)}::bytea`,
    json: (text) => `${text}::jsonb`,
    array: arrayLiteral
  },
  column: (column, table) => ({
    type: columnTypeClause(column, table),
    notNull: !column.nullable || table.primaryKey.includes(column.name),
    // An identity column's default is its sequence.
    default: column.autoIncrement ? undefined : column.default,
    check: column.check
  }),
  inlinePrimaryKey: false,
  maxGeneratedName: MAX_IDENTIFIER,
  alterForeignKeys: (s) => ({
    add: (table, fk) => `ALTER TABLE ${s.qualify(table)} ADD ${foreignKeyClause(s, table, fk)}`,
    drop: (table, constraint) => `ALTER TABLE ${s.qualify(table)} DROP CONSTRAINT IF EXISTS ${s.quote(constraint)}`
  })
})
