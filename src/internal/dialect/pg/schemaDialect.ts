/**
 * The PostgreSQL `SchemaDialect`.
 *
 * @internal
 */
import type { SchemaDialect } from "../schemaDialect.js"
import { ddl } from "./ddl.js"
import { existingTables, introspect } from "./introspect.js"
import { namedTypes } from "./columnKinds.js"
import { fromDriver, toDriver, unstorable } from "./values.js"

/** @internal */
export const pgSchemaDialect: SchemaDialect = { ...ddl, namedTypes, nativeArrays: true, existingTables, introspect, fromDriver, toDriver, unstorable }
