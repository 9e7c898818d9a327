/**
 * The SQLite `SchemaDialect`.
 *
 * @internal
 */
import type { SchemaDialect } from "../schemaDialect.js"
import { columnType, createTable, dropTable, literal, normalizeColumn, parseType, qualify, quote, validateTable } from "./ddl.js"
import { existingTables, introspect } from "./introspect.js"
import { fromDriver, toDriver } from "./values.js"

/** @internal */
export const sqliteSchemaDialect: SchemaDialect = {
  name: "sqlite",
  // SQLite has no practical limit; this only guards against absurd names.
  maxIdentifierLength: 1024,
  supportsSchemas: false,
  quote,
  qualify,
  columnType,
  parseType,
  literal,
  validateTable,
  normalizeColumn,
  createTable,
  dropTable,
  existingTables,
  introspect,
  fromDriver,
  toDriver
}
