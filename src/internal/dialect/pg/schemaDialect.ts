/**
 * The PostgreSQL `SchemaDialect`.
 *
 * @internal
 */
import type { SchemaDialect } from "../schemaDialect.js"
import {
  alterForeignKeys,
  columnType,
  createTable,
  dropTable,
  literal,
  MAX_IDENTIFIER,
  normalizeColumn,
  parseType,
  qualify,
  quote,
  validateTable
} from "./ddl.js"
import { existingTables, introspect } from "./introspect.js"
import { fromDriver, toDriver } from "./values.js"

/** @internal */
export const pgSchemaDialect: SchemaDialect = {
  name: "pg",
  maxIdentifierLength: MAX_IDENTIFIER,
  supportsSchemas: true,
  quote,
  qualify,
  columnType,
  parseType,
  literal,
  validateTable,
  normalizeColumn,
  createTable,
  alterForeignKeys,
  dropTable,
  existingTables,
  introspect,
  fromDriver,
  toDriver
}
