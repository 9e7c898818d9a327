/**
 * Real databases for the schema tests: an in-memory better-sqlite3 database
 * and a pg client confined to a fresh, uniquely named PostgreSQL schema (so
 * test files can run concurrently). Both expose the `Run` function the
 * schema operations are written against.
 */
import BetterSqlite3 from "better-sqlite3"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import pg from "pg"
import * as DatabaseError from "../../src/DatabaseError.js"
import type { Dialect } from "../../src/Metadata.js"
import { type Run, type SchemaDialect, schemaDialects } from "../../src/internal/schema/ddl.js"

export const PG_URL = process.env["PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/test"

const statementError = (e: unknown, sql: string) =>
  DatabaseError.make(
    new DatabaseError.StatementError({
      message: e instanceof Error ? e.message : String(e),
      ...(typeof (e as { code?: unknown })?.code === "string" ? { code: (e as { code: string }).code } : {})
    }),
    { sql, cause: e }
  )

export interface TestDb {
  readonly dialect: Dialect
  readonly schemaDialect: SchemaDialect
  readonly run: Run
  /** Every statement run so far, for asserting what was (not) executed. */
  readonly log: Array<string>
  /** The PostgreSQL schema the connection works in (undefined on SQLite). */
  readonly schema?: string
}

const logged = (run: Run, log: Array<string>): Run => (sql, params) => {
  log.push(sql)
  return run(sql, params)
}

export const sqliteDb = (options: { readonly safeIntegers?: boolean } = {}): Effect.Effect<TestDb, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const db = new BetterSqlite3(":memory:")
      db.pragma("foreign_keys = ON")
      if (options.safeIntegers === true) db.defaultSafeIntegers(true)
      return db
    }),
    (db) => Effect.sync(() => db.close())
  ).pipe(Effect.map((db) => {
    const run: Run = (sql, params = []) =>
      Effect.try({
        try: () => {
          const stmt = db.prepare(sql)
          if (stmt.reader) return stmt.all(...params) as Array<Record<string, unknown>>
          stmt.run(...params)
          return []
        },
        catch: (e) => statementError(e, sql)
      })
    const log: Array<string> = []
    return { dialect: "sqlite", schemaDialect: schemaDialects.sqlite, run: logged(run, log), log }
  }))

let counter = 0

export const pgDb: Effect.Effect<TestDb, never, Scope.Scope> = Effect.gen(function*() {
  const schema = `t_${process.pid}_${Date.now().toString(36)}_${(counter++).toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  const client = yield* Effect.acquireRelease(
    Effect.promise(async () => {
      const c = new pg.Client({ connectionString: PG_URL })
      await c.connect()
      await c.query(`CREATE SCHEMA "${schema}"`)
      await c.query(`SET search_path TO "${schema}"`)
      return c
    }),
    (c) =>
      Effect.promise(async () => {
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
        await c.end()
      })
  )
  const run: Run = (sql, params = []) =>
    Effect.tryPromise({
      try: () => client.query(sql, params as Array<unknown>).then((r) => r.rows as Array<Record<string, unknown>>),
      catch: (e) => statementError(e, sql)
    })
  const log: Array<string> = []
  return { dialect: "pg", schemaDialect: schemaDialects.pg, run: logged(run, log), log, schema } satisfies TestDb
})

export const dialects: ReadonlyArray<{ readonly name: Dialect; readonly make: Effect.Effect<TestDb, never, Scope.Scope> }> = [
  { name: "sqlite", make: sqliteDb() },
  { name: "pg", make: pgDb }
]

/** Positional placeholders in the dialect's own spelling. */
export const placeholders = (dialect: Dialect, n: number, offset = 0): string =>
  Array.from({ length: n }, (_, i) => (dialect === "pg" ? `$${i + offset + 1}` : "?")).join(", ")
