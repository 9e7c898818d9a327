/**
 * The PostgreSQL `SchemaDialect`.
 *
 * @internal
 */
import type { SchemaDialect } from "../schemaDialect.js"
import { catalogTypeName, ddl } from "./ddl.js"
import { existingTables, introspect } from "./introspect.js"
import { namedTypes } from "./columnKinds.js"
import { migrations } from "./migrations.js"
import { asIsParameter, fromDriver, toDriver, unstorable } from "./values.js"
import { parseArrayText } from "./arrayText.js"

/** @internal */
export const pgSchemaDialect: SchemaDialect = { ...ddl, catalogTypeName, namedTypes, nativeArrays: true, existingTables, introspect, asIsParameter, fromDriver, toDriver, unstorable, migrations,
  // The driver has no parser for an enum's array type (its oid differs per database): it sends the text form.
  enumArrayFromDriver: (value) => typeof value === "string" ? parseArrayText(value) : value }
