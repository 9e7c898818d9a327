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
import type { ColumnMetadata, NeutralType, TableMetadata } from "../../../Metadata.js"
import { formatDateTimeText } from "../dateText.js"
import { dialectDdl, INTEGER_TYPES, typeNameReader, withLength } from "../ddlCommon.js"
import { quoteString } from "../../schema/sqlText.js"
import type { Problem } from "../schemaDialect.js"
import { lexRules } from "./lexer.js"

const typeName = typeNameReader({
  integer: ["mediumint", "int4"],
  smallint: ["tinyint"],
  bigint: ["unsigned big int"],
  // SQLite stores every float as 8 bytes.
  double: ["real", "double", "float4", "float8"],
  text: ["clob"],
  varchar: ["varying character", "nvarchar"],
  char: ["nchar", "native character", "bpchar"],
  // PostgreSQL's spellings, as its catalog prints them, read by meaning:
  // without an explicit zone TIMESTAMP is a wall-clock time there.
  timestamp: ["timestamp", "timestamp with time zone"],
  datetime: ["datetime", "timestamp without time zone"],
  time: ["time without time zone", "time with time zone", "timetz"],
  // A column declared without a type has BLOB affinity.
  blob: ["blob", "", "bytea"]
})

/** @internal */
export const parseType = (dbType: string): { readonly type: NeutralType; readonly length?: number } => {
  const t = dbType.trim().toUpperCase().replace(/\s+/g, " ")
  // Words may follow the size too: PostgreSQL prints `timestamp(3) without time zone`.
  const m = /^([A-Z ]+?)\s*(?:\(\s*(\d+)\s*(?:,\s*\d+\s*)?\))?( [A-Z ]+)?$/.exec(t)
  const type = typeName(m === null ? t : m[1]! + (m[3] ?? ""))
  if (type !== undefined) return withLength(type, m?.[2] === undefined ? undefined : Number(m[2]))
  // SQLite's affinity rules (https://www.sqlite.org/datatype3.html#determination_of_column_affinity)
  if (t.includes("INT")) return { type: "integer" }
  if (t.includes("CHAR") || t.includes("CLOB") || t.includes("TEXT")) return { type: "text" }
  if (t.includes("BLOB")) return { type: "blob" }
  if (t.includes("REAL") || t.includes("FLOA") || t.includes("DOUB")) return { type: "double" }
  return { type: "numeric" }
}

const validateTable = (table: TableMetadata): Problem | undefined => {
  if (table.schema !== undefined) {
    return { message: `table ${table.name}: SQLite has no schemas (schema ${JSON.stringify(table.schema)} given)` }
  }
  if (table.name.toLowerCase().startsWith("sqlite_")) {
    return { message: `table name ${table.name} is reserved by SQLite (names starting with sqlite_)` }
  }
  if (table.partitionBy !== undefined || (table.partitions ?? []).length > 0) {
    return { message: `table ${table.name}: SQLite has no partitioned tables (leave out partitionBy and partitions)` }
  }
  for (const i of table.indexes) {
    if (i.method !== undefined && i.method.toLowerCase() !== "btree") {
      return {
        message: `table ${table.name}, index ${i.name ?? i.columns.join(", ")}: SQLite has only B-tree indexes (method ${i.method} given)`
      }
    }
  }
  for (const c of table.columns) {
    if (!c.autoIncrement) continue
    if (table.primaryKey.length !== 1 || table.primaryKey[0] !== c.name || !INTEGER_TYPES.has(c.type)) {
      return {
        column: c.name,
        message: `column ${table.name}.${c.name}: SQLite can only auto-increment a single-column integer PRIMARY KEY`
      }
    }
  }
  return undefined
}

const isSinglePrimaryKey = (column: ColumnMetadata, table: TableMetadata): boolean =>
  table.primaryKey.length === 1 && table.primaryKey[0] === column.name

/**
 * A single-column integer primary key is SQLite's rowid: it is always
 * generated when omitted, whatever was declared, and is spelled INTEGER.
 */
const isRowidAlias = (column: ColumnMetadata, table: TableMetadata): boolean =>
  isSinglePrimaryKey(column, table) && INTEGER_TYPES.has(column.type) &&
  (column.autoIncrement || column.dbType.trim().toUpperCase() === "INTEGER")

const normalizeColumn = (column: ColumnMetadata, table: TableMetadata): ColumnMetadata => {
  // Identity kinds, serial, enum and domain types and arrays are PostgreSQL's: not applicable here.
  const { identity: _identity, serial: _serial, enum: _enum, domain: _domain, array: _array, ...plain } = column
  let c: ColumnMetadata = plain
  if (isRowidAlias(c, table)) c = { ...c, type: "integer", autoIncrement: true, nullable: false }
  if (c.type === "real") c = { ...c, type: "double" }
  if (c.type === "boolean" && c.check !== undefined && c.check.every((v) => v === 0 || v === 1)) {
    const { check: _check, ...rest } = c
    c = rest
  }
  return c
}

/** @internal */
export const ddl = dialectDdl({
  name: "sqlite",
  // SQLite has no practical limit; this only guards against absurd names.
  maxIdentifierLength: 1024,
  lexRules,
  supportsSchemas: false,
  parseType,
  validateTable,
  normalizeColumn,
  typeNames: { double: "REAL", timestamp: "TIMESTAMP", datetime: "DATETIME", blob: "BLOB", json: "JSON", other: "BLOB" },
  literal: {
    string: quoteString,
    boolean: (b) => (b ? "1" : "0"),
    bytes: (hex) => `X'${hex}'`,
    json: (text) => text,
    // The text the values take (see values.ts), so a default compares with them.
    dateTime: formatDateTimeText
  },
  column: (column, table) => {
    const key = isSinglePrimaryKey(column, table)
    // AUTOINCREMENT is only accepted on a column spelled exactly INTEGER.
    const autoIncrement = key && column.autoIncrement
    return {
      type: autoIncrement ? "INTEGER" : column.dbType,
      notNull: !column.nullable || key,
      primaryKey: key ? (autoIncrement ? "PRIMARY KEY AUTOINCREMENT" : "PRIMARY KEY") : undefined,
      default: column.default,
      // SQLite has no boolean storage; the CHECK keeps the column to 0/1.
      check: column.type === "boolean" ? [0, 1] : column.check
    }
  },
  inlinePrimaryKey: true,
  maxGeneratedName: 255
  // No alterForeignKeys: SQLite cannot add a foreign key to an existing table.
})
