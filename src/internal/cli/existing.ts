/**
 * Which of the declared tables the database has, so `create-all` and
 * `drop-all` can say what they did and what they left alone.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Database from "../../Database.js"
import type * as DatabaseError from "../../DatabaseError.js"
import type { TableMetadata } from "../../Metadata.js"
import { tableLabel } from "./handler.js"

/**
 * The labels (`users`, `app.users`) of the declared tables that exist, one
 * reflection per schema the tables name (PostgreSQL; the connection's
 * current schema for tables without one).
 *
 * @internal
 */
export const existingTables = (db: Database.Database): Effect.Effect<ReadonlySet<string>, DatabaseError.DatabaseError> => {
  const bySchema = new Map<string | undefined, Array<TableMetadata>>()
  for (const table of db.metadata.tables) bySchema.set(table.schema, [...(bySchema.get(table.schema) ?? []), table])
  return Effect.map(
    Effect.forEach([...bySchema], ([schema, tables]) =>
      db.reflect({ ...(schema === undefined ? {} : { schema }), tables: tables.map((t) => t.name) }).pipe(
        Effect.map((live) => live.tables.map((t) => tableLabel({ name: t.name, schema })))
      )),
    (labels) => new Set(labels.flat())
  )
}

/** The declared tables' labels in declaration order. @internal */
export const declaredLabels = (db: Database.Database): ReadonlyArray<string> => db.metadata.tables.map(tableLabel)
