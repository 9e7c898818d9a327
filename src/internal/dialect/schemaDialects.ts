/**
 * The registry of schema dialects, by name.
 *
 * @internal
 */
import type { Dialect } from "../../Metadata.js"
import { pgSchemaDialect } from "./pg/schemaDialect.js"
import type { SchemaDialect } from "./schemaDialect.js"
import { sqliteSchemaDialect } from "./sqlite/schemaDialect.js"

/** @internal */
export const schemaDialects: { readonly [K in Dialect]: SchemaDialect } = {
  sqlite: sqliteSchemaDialect,
  pg: pgSchemaDialect
}
