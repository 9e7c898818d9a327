/**
 * PostgreSQL type names, literals and DDL.
 *
 * @internal
 */
import type { ColumnMetadata, ForeignKeyMetadata, NeutralType, TableMetadata } from "../../../Metadata.js"
import { generatedName, quoteWith } from "../../schema/identifier.js"
import { quoteString } from "../../schema/sqlText.js"
import { ValueError } from "../../schema/values.js"
import {
  columnList,
  createIndex,
  createTableStatement,
  foreignKeyClause,
  renderCheck,
  renderDefault,
  type Spelling,
  uniqueClause
} from "../ddlCommon.js"
import type { Problem, TableName } from "../schemaDialect.js"

/** PostgreSQL truncates longer names silently (NAMEDATALEN - 1). */
export const MAX_IDENTIFIER = 63

/** @internal */
export const quote = quoteWith("\"")

/** @internal */
export const qualify = (table: TableName): string =>
  table.schema === undefined ? quote(table.name) : `${quote(table.schema)}.${quote(table.name)}`

/** @internal */
export const columnType = (type: NeutralType, length?: number): string => {
  switch (type) {
    case "smallint":
      return "SMALLINT"
    case "integer":
      return "INTEGER"
    case "bigint":
      return "BIGINT"
    case "real":
      return "REAL"
    case "double":
      return "DOUBLE PRECISION"
    case "numeric":
      return "NUMERIC"
    case "text":
      return "TEXT"
    case "varchar":
      return length === undefined ? "VARCHAR" : `VARCHAR(${length})`
    case "char":
      return length === undefined ? "CHAR" : `CHAR(${length})`
    case "boolean":
      return "BOOLEAN"
    case "timestamp":
      return "TIMESTAMPTZ"
    case "datetime":
      return "TIMESTAMP"
    case "date":
      return "DATE"
    case "time":
      return "TIME"
    case "blob":
      return "BYTEA"
    case "uuid":
      return "UUID"
    case "json":
      return "JSONB"
    case "other":
      return "TEXT"
  }
}

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
  const name = m?.[1] ?? t
  const length = m?.[2] === undefined ? undefined : Number(m[2])
  const zone = m?.[3]
  switch (name) {
    case "smallint":
    case "int2":
    case "smallserial":
      return { type: "smallint" }
    case "integer":
    case "int":
    case "int4":
    case "serial":
      return { type: "integer" }
    case "bigint":
    case "int8":
    case "bigserial":
      return { type: "bigint" }
    case "real":
    case "float4":
      return { type: "real" }
    case "double precision":
    case "float8":
    case "float":
      return { type: "double" }
    case "numeric":
    case "decimal":
      return { type: "numeric" }
    case "text":
      return { type: "text" }
    case "varchar":
    case "character varying":
      return length === undefined ? { type: "text" } : { type: "varchar", length }
    case "char":
    case "character":
    case "bpchar":
      return length === undefined ? { type: "char", length: 1 } : { type: "char", length }
    case "boolean":
    case "bool":
      return { type: "boolean" }
    case "timestamptz":
      return { type: "timestamp" }
    case "timestamp":
      return { type: zone === "with" ? "timestamp" : "datetime" }
    case "date":
      return { type: "date" }
    case "time":
    case "timetz":
      return { type: "time" }
    case "bytea":
      return { type: "blob" }
    case "uuid":
      return { type: "uuid" }
    case "json":
    case "jsonb":
      return { type: "json" }
  }
  return { type: "other" }
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")

/** @internal */
export const literal = (value: unknown, type: NeutralType): string => {
  if (value === null || value === undefined) return "NULL"
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE"
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new ValueError(`${value} cannot be written as a SQL literal`)
    return String(value)
  }
  if (typeof value === "bigint") return value.toString()
  if (typeof value === "string") {
    // E'' strings are never produced, so backslashes are literal under standard_conforming_strings.
    return quoteString(value)
  }
  if (value instanceof Date) return quoteString(value.toISOString())
  if (value instanceof Uint8Array) return `'\\x${hex(value)}'::bytea`
  if (type === "json" || typeof value === "object") return `${quoteString(JSON.stringify(value))}::jsonb`
  throw new ValueError(`${typeof value} cannot be written as a SQL literal`)
}

/** @internal */
export const spelling: Spelling = { quote, qualify, literal }

const INTEGERS: ReadonlySet<NeutralType> = new Set(["smallint", "integer", "bigint"])

/** @internal */
export const validateTable = (table: TableMetadata): Problem | undefined => {
  if (table.schema !== undefined && table.schema.toLowerCase().startsWith("pg_")) {
    return { message: `schema ${table.schema} is reserved by PostgreSQL (names starting with pg_)` }
  }
  for (const c of table.columns) {
    if (c.autoIncrement && !INTEGERS.has(c.type)) {
      return {
        column: c.name,
        message: `column ${table.name}.${c.name}: PostgreSQL can only auto-increment smallint, integer or bigint columns (got ${c.dbType})`
      }
    }
  }
  return undefined
}

/** @internal */
export const normalizeColumn = (column: ColumnMetadata, _table: TableMetadata): ColumnMetadata => {
  if (column.type === "varchar" && column.length === undefined) return { ...column, type: "text" }
  return column
}

const columnDefinition = (column: ColumnMetadata, table: TableMetadata): string => {
  const parts = [quote(column.name), column.dbType]
  if (column.autoIncrement) parts.push("GENERATED BY DEFAULT AS IDENTITY")
  if (!column.nullable || table.primaryKey.includes(column.name)) parts.push("NOT NULL")
  if (column.default !== undefined && !column.autoIncrement) parts.push(`DEFAULT ${renderDefault(column.default)}`)
  if (column.check !== undefined && column.check.length > 0) parts.push(renderCheck(spelling, column, column.check))
  return parts.join(" ")
}

/** @internal */
export const indexName = (table: TableMetadata, columns: ReadonlyArray<string>, name: string | undefined): string =>
  name ?? generatedName(["ix", table.name, ...columns], MAX_IDENTIFIER)

/** @internal */
export const createTable = (
  table: TableMetadata,
  options: { readonly deferred: ReadonlyArray<ForeignKeyMetadata> }
): ReadonlyArray<string> => {
  const parts = table.columns.map((c) => columnDefinition(c, table))
  if (table.primaryKey.length > 0) parts.push(`PRIMARY KEY (${columnList(spelling, table.primaryKey)})`)
  for (const u of table.uniques) parts.push(uniqueClause(spelling, u))
  for (const fk of table.foreignKeys) {
    if (!options.deferred.includes(fk)) parts.push(foreignKeyClause(spelling, table, fk))
  }
  return [
    createTableStatement(spelling, table, parts),
    ...table.indexes.map((i) => createIndex(spelling, table, i, quote(indexName(table, i.columns, i.name))))
  ]
}

/** @internal */
export const dropTable = (table: TableName): string => `DROP TABLE ${qualify(table)}`

/** @internal */
export const alterForeignKeys = {
  add: (table: TableMetadata, fk: ForeignKeyMetadata): string =>
    `ALTER TABLE ${qualify(table)} ADD ${foreignKeyClause(spelling, table, fk)}`,
  drop: (table: TableMetadata, constraint: string): string =>
    `ALTER TABLE ${qualify(table)} DROP CONSTRAINT IF EXISTS ${quote(constraint)}`
}
