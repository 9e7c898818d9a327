/**
 * Schema operations through the `Database` service: createAll / dropAll /
 * reflect / metadata / tables, on whatever database the layer connects to.
 *
 * The layer must be built with `tables: suiteTables`, e.g.
 * `suite("sqlite", Database.layer({ url: "sqlite://:memory:", tables: suiteTables }))`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as SqlClient from "effect/sql/SqlClient"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Metadata from "../../src/Metadata.js"
import * as Table from "../../src/Table.js"
import { tables as fixtureTables, User, UserDevice } from "../fixtures/sqlservice.js"

/** The tables the layer under test must declare. */
export const suiteTables: ReadonlyArray<Table.Any> = fixtureTables

const names = fixtureTables.map((t) => t.name)

const liveNames = (db: Database.Database) =>
  db.reflect({ tables: [...names, "suite_extra"] }).pipe(Effect.map((m) => m.tables.map((t) => t.name).sort()))

/** Each test starts and ends without the suite's tables, whatever the previous one left. */
const clean = Effect.gen(function*() {
  const db = yield* Database.Database
  const sql = yield* SqlClient.SqlClient
  yield* db.dropAll()
  yield* sql.unsafe(`DROP TABLE IF EXISTS suite_extra`)
})

const seed = Effect.gen(function*() {
  const db = yield* Database.Database
  const sql = yield* SqlClient.SqlClient
  yield* Effect.scoped(Effect.gen(function*() {
    const session = yield* db.session
    yield* session.execute(sql`INSERT INTO users (id, name, email, phone) VALUES (${1}, ${"Ada"}, ${"ada@example.com"}, ${null})`)
    yield* session.execute(sql`INSERT INTO user_about (user_id, about) VALUES (${1}, ${"first programmer"})`)
    yield* session.execute(sql`INSERT INTO user_devices (id, user_id, name) VALUES (${1}, ${1}, ${"laptop"})`)
    yield* session.execute(sql`INSERT INTO user_device_keys (id, device_id, key) VALUES (${1}, ${1}, ${"k1"})`)
    yield* session.commit
  }))
})

export const suite = (name: string, layer: Layer.Layer<Database.Database, unknown>) => {
  describe(`tables (${name})`, () => {
    it.layer(layer)((it) => {
      const test = (title: string, body: Effect.Effect<void, unknown, Database.Database | SqlClient.SqlClient>) =>
        it.effect(title, () =>
          Effect.gen(function*() {
            yield* clean
            yield* body
            yield* clean
          }).pipe(Effect.provideServiceEffect(SqlClient.SqlClient, Effect.flatMap(Database.Database, (db) => Effect.succeed(db.sql)))))

      test("db.metadata is the declared metadata of the layer's tables", Effect.gen(function*() {
        const db = yield* Database.Database
        const declared = yield* Effect.fromResult(Metadata.fromTables(suiteTables, db.dialect))
        expect(Metadata.diff(declared, db.metadata, db.dialect)).toEqual([])
        expect(db.metadata.tables.map((t) => t.name).sort()).toEqual([...names].sort())
      }))

      test("createAll creates every table and reflect reads back the declared metadata", Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        const live = yield* db.reflect({ tables: names })
        expect(Metadata.diff(db.metadata, live, db.dialect)).toEqual([])
      }))

      test("createAll twice is a no-op that keeps the data", Effect.gen(function*() {
        const db = yield* Database.Database
        const sql = yield* SqlClient.SqlClient
        yield* db.createAll()
        yield* seed
        yield* db.createAll()
        const rows = yield* sql<{ n: number | string }>`SELECT count(*) AS n FROM users`
        expect(Number(rows[0]!.n)).toBe(1)
      }))

      test("dropAll leaves nothing, even with rows in child tables", Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        yield* seed
        yield* db.dropAll()
        expect(yield* liveNames(db)).toEqual([])
        // nothing left to drop is fine
        yield* db.dropAll()
      }))

      test("createAll / dropAll of a subset", Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll({ tables: [User, UserDevice] })
        expect(yield* liveNames(db)).toEqual(["user_devices", "users"])
        yield* db.createAll()
        yield* db.dropAll({ tables: ["user_device_keys", "user_devices"] })
        expect(yield* liveNames(db)).toEqual(["user_about", "users"])
      }))

      test("createAll inside a failed begin is rolled back", Effect.gen(function*() {
        const db = yield* Database.Database
        const failure = yield* Effect.flip(db.begin(Effect.andThen(db.createAll(), Effect.fail("boom" as const))))
        expect(failure).toBe("boom")
        expect(yield* liveNames(db)).toEqual([])
      }))

      test("rows written through a session decode with the table's Schema", Effect.gen(function*() {
        const db = yield* Database.Database
        const sql = yield* SqlClient.SqlClient
        yield* db.createAll()
        yield* seed
        const rows = yield* Effect.scoped(Effect.flatMap(db.session, (s) => s.all(sql`SELECT * FROM users`)))
        const users = yield* Effect.forEach(rows, Table.decodeRow(User, db.dialect))
        expect(users).toEqual([{ id: 1, name: "Ada", email: "ada@example.com", phone: null }])
      }))

      test("a unique violation on a declared unique column is a ConstraintError", Effect.gen(function*() {
        const db = yield* Database.Database
        const sql = yield* SqlClient.SqlClient
        yield* db.createAll()
        yield* seed
        const error = yield* Effect.flip(Effect.scoped(Effect.flatMap(db.session, (s) =>
          s.execute(sql`INSERT INTO users (id, name, email) VALUES (${2}, ${"Bob"}, ${"ada@example.com"})`))))
        expect(DatabaseError.hasReason(error, "ConstraintError")).toBe(true)
      }))

      test("db.tables is the declared tables plus what reflect found", Effect.gen(function*() {
        const db = yield* Database.Database
        const sql = yield* SqlClient.SqlClient
        yield* db.createAll()
        yield* sql.unsafe(`CREATE TABLE suite_extra (id INTEGER PRIMARY KEY, label TEXT NOT NULL)`)
        yield* db.reflect()
        const known = (yield* db.tables).map((t) => t.name)
        for (const n of [...names, "suite_extra"]) expect(known).toContain(n)
        expect(known.filter((n) => n === "users")).toHaveLength(1)
      }))

      test("bad definitions passed as options are SchemaErrors", Effect.gen(function*() {
        const db = yield* Database.Database
        const error = yield* Effect.flip(db.createAll({ tables: ["no_such_table"] }))
        expect(DatabaseError.hasReason(error, "SchemaError")).toBe(true)
        expect(error.reason.message).toContain("no_such_table")
      }))
    })
  })
}
