import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as SqlClient from "effect/sql/SqlClient"
import Pg from "pg"
import * as Database from "../../src/Database.js"
import type * as DatabaseError from "../../src/DatabaseError.js"

/** Options a suite may add to the layer it asks for (the URL is the runner's). */
export type LayerOptions = Omit<Database.Options, "url">

/** Builds a fresh, empty database for one test (or one group of tests). */
export type MakeLayer = (
  options?: LayerOptions
) => Layer.Layer<Database.Database | SqlClient.SqlClient, DatabaseError.DatabaseError>

export const pgUrl = process.env.DATABASE_URL_PG ?? "postgres://postgres@127.0.0.1:5432/test"

/** Whether PostgreSQL answers; with CI=true a missing server fails the run instead of skipping. */
export const pgAvailable = async (): Promise<boolean> => {
  const client = new Pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query("SELECT 1")
    return true
  } catch (error) {
    if (process.env.CI === "true") {
      throw new Error(`CI=true requires PostgreSQL at ${pgUrl}, but connecting failed: ${String(error)}`)
    }
    console.warn(`PostgreSQL at ${pgUrl} is not reachable; its suite is skipped (set CI=true to make this fail)`)
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** Runs one statement on the test server on a connection of its own (creating and dropping schemas). */
export const adminStatement = async (sql: string): Promise<void> => {
  const client = new Pg.Client({ connectionString: pgUrl })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

export const sqliteMemory: MakeLayer = (options = {}) => Database.layer({ ...options, url: "sqlite://:memory:" })

let schemaCounter = 0

const withSearchPath = (url: string, schema: string) => {
  const u = new URL(url)
  u.searchParams.set("options", `-c search_path=${schema}`)
  return u.toString()
}

/**
 * A PostgreSQL database of its own for each layer: a fresh schema, put first
 * on the search path of every pooled connection and dropped afterwards, so
 * test files can run concurrently against one server. `via` rewrites the URL
 * the layer connects with (e.g. through a fault-injecting proxy); the schema
 * itself is made and dropped directly.
 */
export const pgIsolatedVia = (via: (url: string) => string): MakeLayer => (options = {}) =>
  Layer.unwrap(
    Effect.gen(function*() {
      const schema = `t_${process.pid}_${Date.now().toString(36)}_${schemaCounter++}`
      const admin = (sql: string) => Effect.promise(() => adminStatement(sql))
      yield* Effect.acquireRelease(
        admin(`CREATE SCHEMA "${schema}"`),
        () => admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).pipe(Effect.orDie)
      )
      return Database.layer({ ...options, url: via(withSearchPath(pgUrl, schema)) })
    })
  )

export const pgIsolated: MakeLayer = pgIsolatedVia((url) => url)
