/**
 * What `generate` and `check` share: running migrations into a scratch
 * database, and reading a database's schema (the schemas the declared
 * tables use, without the migrations table) in the form `planMigration` and
 * `Metadata.diff` compare.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { Database } from "../../Database.js"
import * as DatabaseError from "../../DatabaseError.js"
import type { Metadata } from "../../Metadata.js"
import { schemaDialects } from "../dialect/schemaDialects.js"
import * as Ddl from "../schema/ddl.js"
import type { Migration } from "./model.js"
import { up } from "./runner.js"
import { defaultTable } from "./table.js"

/**
 * Applies the migrations to `scratch` (which holds none, or an earlier part
 * of the same list). Destructive steps run: the scratch database holds no
 * data to lose. A failure says that it happened in the replay.
 *
 * @internal
 */
export const replay = (
  scratch: Database,
  migrations: ReadonlyArray<Migration>,
  table: string | undefined
): Effect.Effect<void, DatabaseError.DatabaseError> =>
  migrations.length === 0 ? Effect.void : up({
    migrations,
    allowDestructive: true,
    allowOutOfOrder: true,
    ...(table === undefined ? {} : { table })
  }).pipe(
    Effect.asVoid,
    Effect.provideService(Database, scratch),
    Effect.mapError((error) =>
      error.reason._tag === "MigrationError" && error.reason.kind === "failed"
        ? DatabaseError.make(
          new DatabaseError.MigrationError({
            ...error.reason,
            message: `replaying the migrations into a scratch database: ${error.reason.message}`
          }),
          { ...(error.sql === undefined ? {} : { sql: error.sql }), cause: error }
        )
        : error
    )
  )

/**
 * The schema of `db`: its default schema and every schema in `schemas`
 * (those of the declared tables), without the migrations table, read on one
 * connection (no change to `db.tables`, unlike `db.reflect`).
 *
 * @internal
 */
export const schemaOf = (
  db: Database,
  schemas: ReadonlyArray<string>,
  table: string | undefined
): Effect.Effect<Metadata, DatabaseError.DatabaseError> =>
  Effect.scoped(Effect.gen(function*() {
    const conn = yield* db.connect
    const run: Ddl.Run = (sql, params) => conn.all(sql, params)
    const dialect = schemaDialects[db.dialect]
    const parts: Array<Metadata> = []
    for (const schema of [undefined, ...new Set(schemas)]) {
      parts.push(yield* Ddl.reflect(run, dialect, schema === undefined ? {} : { schema }))
    }
    const migrationsTable = table ?? defaultTable
    const views = parts.flatMap((p) => p.views ?? [])
    return {
      tables: parts.flatMap((p) => p.tables).filter((t) =>
        t.name !== migrationsTable && (t.schema === undefined || `${t.schema}.${t.name}` !== migrationsTable)
      ),
      ...(views.length === 0 ? {} : { views })
    }
  }))

/** The schemas the tables of `metadata` name. */
export const schemasOf = (metadata: Metadata): ReadonlyArray<string> =>
  metadata.tables.flatMap((t) => (t.schema === undefined ? [] : [t.schema]))
