/**
 * The migration planner on real databases: for each kind of change, a
 * database created from v1 and seeded is migrated up (it then matches v2,
 * rows kept) and down (it matches v1 again), on SQLite and PostgreSQL.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as Table from "../../src/Table.js"
import { pgAvailable, pgIsolated } from "../support/layers.js"
import { planTo, roundTrip, run } from "./support.js"

type Layered = (tables: ReadonlyArray<Table.Any>) => ReturnType<typeof Database.layer>

const available = await pgAvailable()

const num = (v: unknown) => Number(v)

const body = (label: string, layerFor: Layered) => {
  describe(label, () => {
    it.effect("equal metadata plans nothing", () => {
      const User = Table.make("users", {
        id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
        email: Schema.String.pipe(Column.unique),
        status: Schema.Literals(["active", "gone"]).pipe(Column.default("active")),
        age: Schema.NullOr(Schema.Int).pipe(Column.index)
      })
      return Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        const plan = yield* planTo([User])
        expect(plan).toEqual({ up: [], down: [], destructive: { up: [], down: [] }, irreversible: [], transactional: true, summary: [] })
      }).pipe(Effect.provide(layerFor([User])))
    })

    it.effect("added table, NOT NULL column with default, widened type, renamed column", () => {
      const v1User = Table.make("users", {
        id: Schema.Int.pipe(Column.primaryKey),
        name: Schema.String,
        score: Schema.Int
      })
      const v2User = Table.make("users", {
        id: Schema.Int.pipe(Column.primaryKey),
        fullName: Schema.String.pipe(Column.name("full_name"), Column.renamedFrom("name")),
        score: Schema.Int.pipe(Column.dbType("BIGINT")),
        active: Schema.Boolean.pipe(Column.default(true))
      })
      const Post = Table.make("posts", {
        id: Schema.Int.pipe(Column.primaryKey),
        title: Schema.String
      })
      return Effect.gen(function*() {
        const plan = yield* roundTrip({
          v1: [v1User],
          v2: [v2User, Post],
          seed: ["INSERT INTO users (id, name, score) VALUES (1, 'ada', 10), (2, 'bob', 20)"],
          afterUp: Effect.gen(function*() {
            const rows = yield* run("SELECT id, full_name, score, active FROM users ORDER BY id")
            expect(rows.map((r) => [num(r["id"]), r["full_name"], num(r["score"]), Boolean(r["active"])])).toEqual([
              [1, "ada", 10, true],
              [2, "bob", 20, true]
            ])
          }),
          afterDown: Effect.gen(function*() {
            const rows = yield* run("SELECT id, name, score FROM users ORDER BY id")
            expect(rows.map((r) => [num(r["id"]), r["name"], num(r["score"])])).toEqual([[1, "ada", 10], [2, "bob", 20]])
          })
        })
        expect(plan.destructive.up).toEqual([])
        expect(plan.irreversible).toEqual([])
        expect(plan.destructive.down).toContain("drop table posts")
        expect(plan.destructive.down).toContain("drop column users.active")
        expect(plan.destructive.down.some((d) => /^narrow column users\.score from BIGINT to INTEGER$/i.test(d))).toBe(true)
      }).pipe(Effect.provide(layerFor([v1User])))
    })
  })
}

body("SQLite", (tables) => Database.layer({ url: "sqlite://:memory:", tables }))
describe.skipIf(!available)("PostgreSQL", () => {
  body("PostgreSQL", (tables) => pgIsolated({ tables }))
})
