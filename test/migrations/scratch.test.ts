import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Deferred from "effect/Deferred"
import Pg from "pg"
import * as DatabaseError from "../../src/DatabaseError.js"
import type * as Database from "../../src/Database.js"
import { scratchDatabases } from "../../src/internal/migrations/scratch.js"
import { pgAvailable, pgUrl } from "../support/layers.js"

const available = await pgAvailable()

const admin = async <A>(f: (client: Pg.Client) => Promise<A>): Promise<A> => {
  const client = new Pg.Client({ connectionString: pgUrl })
  await client.connect()
  try {
    return await f(client)
  } finally {
    await client.end()
  }
}

const databaseExists = (name: string) =>
  Effect.promise(() =>
    admin(async (c) => (await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 1)
  )

const currentDatabase = (db: Database.Database) =>
  Effect.scoped(Effect.flatMap(db.connect, (c) => c.all("SELECT current_database() AS name"))).pipe(
    Effect.map((rows) => String(rows[0]!["name"]))
  )

const noEnv = ConfigProvider.fromEnvRecord({})

describe("scratch databases", () => {
  it.effect("SQLite: an empty in-memory database that keeps what is created in it", () =>
    Effect.gen(function*() {
      const db = yield* scratchDatabases.sqlite({})
      yield* Effect.scoped(Effect.flatMap(db.connect, (c) => c.execute("CREATE TABLE t (x INTEGER)")))
      const meta = yield* db.reflect()
      expect(meta.tables.map((t) => t.name)).toEqual(["t"])
    }).pipe(Effect.scoped))

  it.effect("PostgreSQL without scratchUrl or DATABASE_URL: a ConfigError saying what to set", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.scoped(scratchDatabases.pg({})))
      expect(error.reason._tag).toBe("ConfigError")
      expect(error.reason.message).toContain("pass scratchUrl, or set DATABASE_URL")
    }).pipe(Effect.provideService(ConfigProvider.ConfigProvider, noEnv)))

  describe.skipIf(!available)("PostgreSQL", () => {
    it.effect("a temporary database on the server of scratchUrl, dropped when the scope closes", () =>
      Effect.gen(function*() {
        const name = yield* Effect.scoped(Effect.gen(function*() {
          const db = yield* scratchDatabases.pg({ scratchUrl: pgUrl })
          const name = yield* currentDatabase(db)
          expect(name).toMatch(/^esq_scratch_\d+_[0-9a-f]+$/)
          expect(yield* databaseExists(name)).toBe(true)
          // Its own tables: the server's database is not where they go.
          yield* Effect.scoped(Effect.flatMap(db.connect, (c) => c.execute("CREATE TABLE t (x INTEGER)")))
          expect((yield* db.reflect()).tables.map((t) => t.name)).toEqual(["t"])
          return name
        }))
        expect(yield* databaseExists(name)).toBe(false)
      }))

    it.effect("DATABASE_URL is the fallback server; a search_path of the URL is left out", () =>
      Effect.gen(function*() {
        const url = new URL(pgUrl)
        url.searchParams.set("options", "-c search_path=some_schema_the_scratch_database_lacks")
        const tables = yield* Effect.scoped(Effect.gen(function*() {
          const db = yield* scratchDatabases.pg({})
          yield* Effect.scoped(Effect.flatMap(db.connect, (c) => c.execute("CREATE TABLE t (x INTEGER)")))
          return (yield* db.reflect()).tables.map((t) => t.name)
        })).pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord({ DATABASE_URL: url.toString() })))
        expect(tables).toEqual(["t"])
      }))

    it.effect("dropped after a failure and after an interruption, even with a connection still open", () =>
      Effect.gen(function*() {
        let failedName = ""
        const failed = yield* Effect.exit(Effect.scoped(Effect.gen(function*() {
          const db = yield* scratchDatabases.pg({ scratchUrl: pgUrl })
          failedName = yield* currentDatabase(db)
          return yield* Effect.fail("boom")
        })))
        expect(Exit.isFailure(failed)).toBe(true)
        expect(failedName).not.toBe("")
        expect(yield* databaseExists(failedName)).toBe(false)

        const started = yield* Deferred.make<string>()
        const fiber = yield* Effect.forkChild(Effect.scoped(Effect.gen(function*() {
          const db = yield* scratchDatabases.pg({ scratchUrl: pgUrl })
          const name = yield* currentDatabase(db)
          // A session holding a connection of the scratch database when the interruption comes.
          yield* db.session
          yield* Deferred.succeed(started, name)
          return yield* Effect.never
        })))
        const name = yield* Deferred.await(started)
        expect(yield* databaseExists(name)).toBe(true)
        yield* Fiber.interrupt(fiber)
        expect(yield* databaseExists(name)).toBe(false)
      }))

    it.effect("a server that refuses CREATE DATABASE: a ConfigError saying so", () =>
      Effect.gen(function*() {
        const role = `esq_nocreatedb_${process.pid}`
        yield* Effect.acquireRelease(
          Effect.promise(() => admin((c) => c.query(`CREATE ROLE "${role}" LOGIN NOCREATEDB`))),
          () => Effect.promise(() => admin((c) => c.query(`DROP ROLE IF EXISTS "${role}"`)))
        )
        const url = new URL(pgUrl)
        url.username = role
        const error = yield* Effect.flip(Effect.scoped(scratchDatabases.pg({ scratchUrl: url.toString() })))
        expect(DatabaseError.hasReason(error, "ConfigError")).toBe(true)
        expect(error.reason.message).toContain("the server refused CREATE DATABASE: ")
        expect(error.reason.message).toContain("give the scratchUrl user CREATEDB")
      }).pipe(Effect.scoped))
  })
})
