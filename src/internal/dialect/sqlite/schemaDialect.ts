/**
 * The SQLite `SchemaDialect`.
 *
 * @internal
 */
import type { SchemaDialect } from "../schemaDialect.js"
import { ddl } from "./ddl.js"
import { existingTables, introspect } from "./introspect.js"
import { asIsParameter, fromDriver, toDriver, unstorable } from "./values.js"
import { migrations } from "./migrations.js"

/** @internal */
export const sqliteSchemaDialect: SchemaDialect = { ...ddl, existingTables, introspect, asIsParameter, fromDriver, toDriver, unstorable, migrations }
