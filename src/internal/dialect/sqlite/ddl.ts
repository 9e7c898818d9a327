/**
 * SQLite type names, literals and DDL.
 *
 * SQLite keeps a column's declared type name verbatim and only derives a
 * storage "affinity" from it, so neutral types are spelled with names that
 * have the right affinity *and* read back unambiguously: BOOLEAN (0/1 with a
 * CHECK), TIMESTAMP (ISO-8601 text), JSON (text), UUID (text).
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
    case "double":
      return "REAL"
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
      return "TIMESTAMP"
    case "datetime":
      return "DATETIME"
    case "date":
      return "DATE"
    case "time":
      return "TIME"
    case "blob":
      return "BLOB"
    case "uuid":
      return "UUID"
    case "json":
      return "JSON"
    case "other":
      return "BLOB"
  }
}

/** @internal */
export const parseType = (dbType: string): { readonly type: NeutralType; readonly length?: number } => {
  const t = dbType.trim().toUpperCase().replace(/\s+/g, " ")
  const m = /^([A-Z ]+?)\s*(?:\(\s*(\d+)\s*(?:,\s*\d+\s*)?\))?$/.exec(t)
  const name = m?.[1] ?? t
  const length = m?.[2] === undefined ? undefined : Number(m[2])
  switch (name) {
    case "INTEGER":
    case "INT":
    case "MEDIUMINT":
      return { type: "integer" }
    case "SMALLINT":
    case "TINYINT":
    case "INT2":
      return { type: "smallint" }
    case "BIGINT":
    case "INT8":
    case "UNSIGNED BIG INT":
      return { type: "bigint" }
    case "REAL":
    case "DOUBLE":
    case "DOUBLE PRECISION":
    case "FLOAT":
      return { type: "double" }
    case "NUMERIC":
    case "DECIMAL":
      return { type: "numeric" }
    case "TEXT":
    case "CLOB":
      return { type: "text" }
    case "VARCHAR":
    case "CHARACTER VARYING":
    case "VARYING CHARACTER":
    case "NVARCHAR":
      return length === undefined ? { type: "varchar" } : { type: "varchar", length }
    case "CHAR":
    case "CHARACTER":
    case "NCHAR":
    case "NATIVE CHARACTER":
      return length === undefined ? { type: "char" } : { type: "char", length }
    case "BOOLEAN":
    case "BOOL":
      return { type: "boolean" }
    case "TIMESTAMP":
    case "TIMESTAMPTZ":
      return { type: "timestamp" }
    case "DATETIME":
      return { type: "datetime" }
    case "DATE":
      return { type: "date" }
    case "TIME":
      return { type: "time" }
    case "BLOB":
    case "":
      return { type: "blob" }
    case "UUID":
      return { type: "uuid" }
    case "JSON":
    case "JSONB":
      return { type: "json" }
  }
  // SQLite's affinity rules (https://www.sqlite.org/datatype3.html#determination_of_column_affinity)
  if (t.includes("INT")) return { type: "integer" }
  if (t.includes("CHAR") || t.includes("CLOB") || t.includes("TEXT")) return { type: "text" }
  if (t.includes("BLOB")) return { type: "blob" }
  if (t.includes("REAL") || t.includes("FLOA") || t.includes("DOUB")) return { type: "double" }
  return { type: "numeric" }
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")

/** @internal */
export const literal = (value: unknown, type: NeutralType): string => {
  if (value === null || value === undefined) return "NULL"
  if (typeof value === "boolean") return value ? "1" : "0"
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new ValueError(`${value} cannot be written as a SQL literal`)
    return String(value)
  }
  if (typeof value === "bigint") return value.toString()
  if (typeof value === "string") return quoteString(value)
  if (value instanceof Date) return quoteString(value.toISOString())
  if (value instanceof Uint8Array) return `X'${hex(value)}'`
  if (type === "json" || typeof value === "object") return quoteString(JSON.stringify(value))
  throw new ValueError(`${typeof value} cannot be written as a SQL literal`)
}

/** @internal */
export const spelling: Spelling = { quote, qualify, literal }

const INTEGERS: ReadonlySet<NeutralType> = new Set(["smallint", "integer", "bigint"])

/** @internal */
export const validateTable = (table: TableMetadata): Problem | undefined => {
  if (table.schema !== undefined) {
    return { message: `table ${table.name}: SQLite has no schemas (schema ${JSON.stringify(table.schema)} given)` }
  }
  if (table.name.toLowerCase().startsWith("sqlite_")) {
    return { message: `table name ${table.name} is reserved by SQLite (names starting with sqlite_)` }
  }
  for (const c of table.columns) {
    if (!c.autoIncrement) continue
    if (table.primaryKey.length !== 1 || table.primaryKey[0] !== c.name || !INTEGERS.has(c.type)) {
      return {
        column: c.name,
        message: `column ${table.name}.${c.name}: SQLite can only auto-increment a single-column integer PRIMARY KEY`
      }
    }
  }
  return undefined
}

/**
 * A single-column integer primary key is SQLite's rowid: it is always
 * generated when omitted, whatever was declared, and is spelled INTEGER.
 *
 * @internal
 */
export const isRowidAlias = (column: ColumnMetadata, table: TableMetadata): boolean =>
  table.primaryKey.length === 1 && table.primaryKey[0] === column.name && INTEGERS.has(column.type) &&
  (column.autoIncrement || column.dbType.trim().toUpperCase() === "INTEGER")

/** @internal */
export const normalizeColumn = (column: ColumnMetadata, table: TableMetadata): ColumnMetadata => {
  let c = column
  if (isRowidAlias(c, table)) c = { ...c, type: "integer", autoIncrement: true, nullable: false }
  if (c.type === "real") c = { ...c, type: "double" }
  if (c.type === "boolean" && c.check !== undefined && c.check.every((v) => v === 0 || v === 1)) {
    const { check: _check, ...rest } = c
    c = rest
  }
  return c
}

const columnDefinition = (column: ColumnMetadata, table: TableMetadata): string => {
  const rowid = table.primaryKey.length === 1 && table.primaryKey[0] === column.name
  const autoIncrement = rowid && column.autoIncrement
  const parts = [quote(column.name), autoIncrement ? "INTEGER" : column.dbType]
  if (!column.nullable || rowid) parts.push("NOT NULL")
  if (rowid) parts.push(autoIncrement ? "PRIMARY KEY AUTOINCREMENT" : "PRIMARY KEY")
  if (column.default !== undefined) parts.push(`DEFAULT ${renderDefault(column.default)}`)
  if (column.type === "boolean") parts.push(renderCheck(spelling, column, [0, 1]))
  else if (column.check !== undefined && column.check.length > 0) parts.push(renderCheck(spelling, column, column.check))
  return parts.join(" ")
}

/** @internal */
export const indexName = (table: TableMetadata, columns: ReadonlyArray<string>, name: string | undefined): string =>
  name ?? generatedName(["ix", table.name, ...columns], 255)

/** @internal */
export const createTable = (
  table: TableMetadata,
  options: { readonly deferred: ReadonlyArray<ForeignKeyMetadata> }
): ReadonlyArray<string> => {
  const parts = table.columns.map((c) => columnDefinition(c, table))
  if (table.primaryKey.length > 1) parts.push(`PRIMARY KEY (${columnList(spelling, table.primaryKey)})`)
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

