/**
 * The migrations table: one row per applied migration (id, name, checksum,
 * applied_at, duration_ms), created when missing.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { Connection } from "../../Connection.js"
import type { Database } from "../../Database.js"
import type * as DatabaseError from "../../DatabaseError.js"
import { dialects } from "../dialect/dialects.js"
import type { MigrationDialect } from "../dialect/migrationDialect.js"
import { migrationDialects } from "../dialect/migrationDialects.js"
import { schemaDialects } from "../dialect/schemaDialects.js"
import { validateIdentifier } from "../schema/identifier.js"
import { migrationError } from "./errors.js"

/** @internal */
export const defaultTable = "effect_sqlservice_migrations"

/** A row of the migrations table. */
export interface AppliedRow {
  readonly id: string
  readonly name: string
  readonly checksum: string | undefined
  readonly appliedAt: Date
  readonly durationMs: number
}

/** The migrations table of one database, with the statements that read and write it. */
export interface MigrationsTable {
  readonly name: string
  readonly dialect: MigrationDialect
  readonly create: string
  /** The lock statement of the dialect, keyed by this table (undefined where BEGIN is the lock). */
  readonly lock: { readonly sql: string; readonly params: ReadonlyArray<unknown> } | undefined
  readonly exists: (conn: Connection) => Effect.Effect<boolean, DatabaseError.DatabaseError>
  readonly readAll: (conn: Connection) => Effect.Effect<ReadonlyArray<AppliedRow>, DatabaseError.DatabaseError>
  readonly isApplied: (conn: Connection, id: string) => Effect.Effect<boolean, DatabaseError.DatabaseError>
  readonly record: (
    conn: Connection,
    row: { readonly id: string; readonly name: string; readonly checksum: string | undefined; readonly durationMs: number }
  ) => Effect.Effect<void, DatabaseError.DatabaseError>
  readonly remove: (conn: Connection, id: string) => Effect.Effect<void, DatabaseError.DatabaseError>
}

const toDate = (value: unknown): Date => value instanceof Date ? value : new Date(String(value))

/** The table named `name` (default `effect_sqlservice_migrations`) on `db`'s dialect; a bad name is refused. */
export const migrationsTable = (
  db: Database,
  name: string | undefined = defaultTable
): Effect.Effect<MigrationsTable, DatabaseError.DatabaseError> =>
  Effect.suspend(() => {
    const schema = schemaDialects[db.dialect]
    const problem = validateIdentifier(name, schema.maxIdentifierLength)
    if (problem !== undefined) {
      return Effect.fail(migrationError("invalid", `option table: ${problem}`))
    }
    const dialect = migrationDialects[db.dialect]
    const p = dialects[db.dialect].placeholder
    const t = schema.quote(name)
    const { text, timestamp, integer } = dialect.columnTypes
    const table: MigrationsTable = {
      name,
      dialect,
      create:
        `CREATE TABLE IF NOT EXISTS ${t} (id ${text} PRIMARY KEY, name ${text} NOT NULL, checksum ${text}, applied_at ${timestamp} NOT NULL, duration_ms ${integer} NOT NULL)`,
      lock: dialect.lock?.(name),
      exists: (conn) =>
        Effect.map(schema.existingTables((sql, params) => conn.all(sql, params), [{ name }]), (found) => found.length > 0),
      readAll: (conn) =>
        Effect.map(
          conn.all(`SELECT id, name, checksum, applied_at, duration_ms FROM ${t}`),
          (rows) =>
            rows.map((row) => ({
              id: String(row.id),
              name: String(row.name),
              checksum: row.checksum === null || row.checksum === undefined ? undefined : String(row.checksum),
              appliedAt: toDate(row.applied_at),
              durationMs: Number(row.duration_ms)
            }))
        ),
      isApplied: (conn, id) =>
        Effect.map(conn.all(`SELECT 1 AS applied FROM ${t} WHERE id = ${p(1)}`, [id]), (rows) => rows.length > 0),
      record: (conn, row) =>
        Effect.asVoid(conn.execute(
          `INSERT INTO ${t} (id, name, checksum, applied_at, duration_ms) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)})`,
          [row.id, row.name, row.checksum ?? null, new Date().toISOString(), Math.round(row.durationMs)]
        )),
      remove: (conn, id) => Effect.asVoid(conn.execute(`DELETE FROM ${t} WHERE id = ${p(1)}`, [id]))
    }
    return Effect.succeed(table)
  })
