/**
 * PostgreSQL prepared statement names: unique by construction, bounded per
 * connection, owned by one Database, and switchable off.
 *
 * `pg_prepared_statements` only lists the statements of the backend that
 * reads it, so every check runs on the connection under test (a statement
 * without parameters is never prepared, so the check adds nothing).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as SqlClient from "effect/sql/SqlClient"
import type { Connection } from "../../src/Connection.js"
import * as Database from "../../src/Database.js"
import type * as DatabaseError from "../../src/DatabaseError.js"
import * as internal from "../../src/internal/database.js"
import { pgAvailable, pgIsolated, pgUrl } from "../support/layers.js"

const available = await pgAvailable()

const prepared = (conn: Connection) =>
  Effect.map(
    conn.all("SELECT name, statement FROM pg_prepared_statements ORDER BY prepare_time, name"),
    (rows) => rows as ReadonlyArray<{ readonly name: string; readonly statement: string }>
  )

const databaseOf = (layer: Layer.Layer<Database.Database | SqlClient.SqlClient, DatabaseError.DatabaseError>) =>
  Effect.map(Layer.build(layer), (context) => Context.get(context, Database.Database))

describe.skipIf(!available)("PostgreSQL statement names", () => {
  it.live("two texts whose hashed names used to collide both run, again and again, on one connection", () =>
    Effect.gen(function*() {
      const db = yield* Database.make({ url: pgUrl, poolSize: 1 })
      const conn = yield* db.connect
      for (let round = 0; round < 3; round++) {
        expect(yield* conn.all("SELECT $1::int AS v0039599", [round])).toEqual([{ v0039599: round }])
        expect(yield* conn.all("SELECT $1::int AS v0222382", [round])).toEqual([{ v0222382: round }])
      }
      const names = (yield* prepared(conn)).map((r) => r.name)
      expect(new Set(names).size).toBe(2)
    }).pipe(Effect.scoped))

  it.live("2000 distinct texts on one held connection: the server and pg keep at most preparedStatementCacheSize", () =>
    Effect.gen(function*() {
      const cacheSize = 20
      const core = yield* internal.make({ url: pgUrl, poolSize: 1, preparedStatementCacheSize: cacheSize })
      const conn = yield* core.connect
      for (let i = 0; i < 2000; i++) {
        // The parameter also makes each text one the driver names.
        expect(yield* conn.all(`SELECT $1::int AS c${i}`, [i])).toEqual([{ [`c${i}`]: i }])
        if (i % 250 === 249) {
          const onServer = yield* prepared(conn)
          expect(onServer.length).toBeLessThanOrEqual(cacheSize)
          // The most recent texts are the ones kept.
          expect(onServer.map((r) => r.statement)).toContain(`SELECT $1::int AS c${i}`)
          const inPg = yield* core.driver.preparedStatements
          expect(inPg).toBeGreaterThan(0)
          expect(inPg).toBeLessThanOrEqual(cacheSize)
        }
      }
      // A text used again after its eviction is prepared afresh and runs.
      expect(yield* conn.all("SELECT $1::int AS c0", [7])).toEqual([{ c0: 7 }])
      expect((yield* prepared(conn)).length).toBeLessThanOrEqual(cacheSize)
    }).pipe(Effect.scoped), 60_000)

  it.live("a recently used text stays prepared while others come and go", () =>
    Effect.gen(function*() {
      const core = yield* internal.make({ url: pgUrl, poolSize: 1, preparedStatementCacheSize: 5 })
      const conn = yield* core.connect
      const hot = "SELECT $1::int AS hot"
      yield* conn.all(hot, [0])
      const name = (yield* prepared(conn)).find((r) => r.statement === hot)!.name
      for (let i = 0; i < 50; i++) {
        yield* conn.all(`SELECT $1::int AS cold${i}`, [i])
        yield* conn.all(hot, [i])
      }
      expect((yield* prepared(conn)).find((r) => r.statement === hot)?.name).toBe(name)
    }).pipe(Effect.scoped))

  it.live("preparedStatements: false sends every statement unnamed", () =>
    Effect.gen(function*() {
      const core = yield* internal.make({ url: pgUrl, poolSize: 1, preparedStatements: false })
      const conn = yield* core.connect
      for (let i = 0; i < 20; i++) {
        expect(yield* conn.all("SELECT $1::int + $2::int AS sum", [i, 1])).toEqual([{ sum: i + 1 }])
        yield* core.sql`SELECT ${i}::int AS v`
      }
      expect(yield* prepared(conn)).toEqual([])
      expect(yield* core.driver.preparedStatements).toBe(0)
    }).pipe(Effect.scoped))

  it.live("two Databases in one process share neither names nor stale plans", () =>
    Effect.gen(function*() {
      const a = yield* databaseOf(pgIsolated({ poolSize: 1 }))
      const b = yield* databaseOf(pgIsolated({ poolSize: 1 }))
      const text = "SELECT * FROM shifting WHERE a = $1"
      for (const db of [a, b]) {
        yield* db.sql`CREATE TABLE shifting (a INTEGER, b INTEGER)`
        yield* db.sql`INSERT INTO shifting VALUES (1, 2)`
      }
      const connA = yield* a.connect
      expect(yield* connA.all(text, [1])).toEqual([{ a: 1, b: 2 }])
      // A's plan goes stale: its text fails once there...
      yield* connA.execute("ALTER TABLE shifting ALTER COLUMN b TYPE TEXT")
      yield* Effect.result(connA.all(text, [1]))
      expect(yield* connA.all(text, [1])).toEqual([{ a: 1, b: "2" }])
      // ...which says nothing about B, whose table did not change: B still prepares it.
      const connB = yield* b.connect
      expect(yield* connB.all(text, [1])).toEqual([{ a: 1, b: 2 }])
      const namesA = (yield* prepared(connA)).filter((r) => r.statement === text).map((r) => r.name)
      const namesB = (yield* prepared(connB)).filter((r) => r.statement === text).map((r) => r.name)
      expect(namesA.length).toBe(1)
      expect(namesB.length).toBe(1)
      expect(namesA).not.toEqual(namesB)
    }).pipe(Effect.scoped))

  it.live("a plan gone stale under DDL fails once on the connection that finds it; the others prepare afresh", () =>
    Effect.gen(function*() {
      const db = yield* databaseOf(pgIsolated({ poolSize: 2 }))
      yield* db.sql`CREATE TABLE shifting (a INTEGER, b INTEGER)`
      yield* db.sql`INSERT INTO shifting VALUES (1, 2)`
      const text = "SELECT * FROM shifting WHERE a = $1"
      const first = yield* db.connect
      const second = yield* db.connect
      expect(yield* first.all(text, [1])).toEqual([{ a: 1, b: 2 }])
      expect(yield* second.all(text, [1])).toEqual([{ a: 1, b: 2 }])
      yield* first.execute("ALTER TABLE shifting ALTER COLUMN b TYPE TEXT")
      const error = yield* Effect.flip(first.all(text, [1]))
      expect(error.reason).toMatchObject({ _tag: "StatementError", code: "0A000" })
      expect(yield* first.all(text, [1])).toEqual([{ a: 1, b: "2" }])
      // The second connection learned of it from the first: no failure there.
      expect(yield* second.all(text, [1])).toEqual([{ a: 1, b: "2" }])
      // The stale statement was closed on the server: one statement per connection for the text.
      expect((yield* prepared(first)).filter((r) => r.statement === text).length).toBe(1)
      expect((yield* prepared(second)).filter((r) => r.statement === text).length).toBe(1)
    }).pipe(Effect.scoped))
})
