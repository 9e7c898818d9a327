/**
 * Drill 5, ORM and identifier paths: the injection corpus through `save`,
 * `get`, `where`, `filterBy`, `inArray`, `update` and `delete`; hostile table
 * and column names through `Table.make` and `reflect`. Values come back
 * exactly and travel only as bound parameters; names are refused with a
 * `SchemaError` before any statement runs, or (reflect) looked up as bound
 * parameters; no table ever changes.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Column from "../../../src/Column.js"
import * as Database from "../../../src/Database.js"
import * as Query from "../../../src/Query.js"
import * as Session from "../../../src/Session.js"
import * as Table from "../../../src/Table.js"
import type { MakeLayer } from "../../support/layers.js"
import { injections, unicode } from "./hostile.js"

const Victims = Table.make("victims", { id: Schema.Int.pipe(Column.primaryKey), name: Schema.String })
const Hostile = Table.make("hostile_orm", { id: Schema.Int.pipe(Column.primaryKey), v: Schema.String })

const hostileNames = [
  "a\"b; DROP TABLE victims; --",
  "victims; DROP TABLE victims",
  "x\" (id int); DROP TABLE victims; --",
  "",
  "a\u0000b",
  "robert'); DROP TABLE victims;--",
  "names with spaces",
  "é",
  "x".repeat(1100)
]

export const suite = (name: string, makeLayer: MakeLayer) => {
  describe(`hostile input through the ORM and identifiers (${name})`, () => {
    it.live("the corpus through save, get, where, filterBy, inArray, update and delete", () => {
      const seen: Array<{ readonly sql: string; readonly params: ReadonlyArray<unknown> }> = []
      return Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        yield* db.begin(Effect.flatMap(Session.Session, (s) => s.save(Victims, { id: 1, name: "canary" })))
        const corpus = [...injections, ...unicode]
        yield* db.begin(Effect.gen(function*() {
          const s = yield* Session.Session
          let id = 1
          for (const value of corpus) {
            seen.length = 0
            const saved = yield* s.save(Hostile, { id, v: value })
            expect(saved.v, JSON.stringify(value)).toBe(value)
            expect(Option.map(yield* s.get(Hostile, id), (r) => r.v)).toEqual(Option.some(value))
            const byEq = yield* s.all(Query.select(Hostile).pipe(Query.where(Query.eq(Hostile.columns.v, value))))
            expect(byEq.map((r) => r.id)).toEqual([id])
            expect(yield* s.count(Query.select(Hostile).pipe(Query.filterBy({ v: value })))).toBe(1)
            expect(yield* s.count(Query.select(Hostile).pipe(Query.where(Query.inArray(Hostile.columns.v, [value, "\u0007never"]))))).toBe(1)
            const renamed = `${value}|renamed`
            expect(yield* s.update(Query.select(Hostile).pipe(Query.filterBy({ v: value })), { v: renamed })).toBe(1)
            expect(yield* s.delete(Query.select(Hostile).pipe(Query.filterBy({ v: renamed })))).toBe(1)
            // The value never appears in SQL text, only among the parameters.
            for (const statement of seen) expect(statement.sql.includes(value) && value.length > 2).toBe(false)
            expect(seen.some((st) => st.params.includes(value))).toBe(true)
            id++
          }
        }))
        const victims = yield* db.begin(Effect.flatMap(Session.Session, (s) => s.all(Query.select(Victims))))
        expect(victims).toEqual([{ id: 1, name: "canary" }])
      }).pipe(
        Effect.provide(makeLayer({ tables: [Victims, Hostile], onStatement: (sql, params) => seen.push({ sql, params }) })),
        Effect.scoped
      )
    }, 60_000)

    it.live("hostile table and column names are SchemaErrors before any statement; reflect treats names as data", () => {
      const seen: Array<string> = []
      return Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        for (const bad of hostileNames) {
          const asTable = Table.make(bad, { id: Schema.Int.pipe(Column.primaryKey) })
          const asColumn = Table.make("fine_table", { id: Schema.Int.pipe(Column.primaryKey), [bad]: Schema.String })
          const renamed = Table.make("fine_table", { id: Schema.Int.pipe(Column.primaryKey, Column.name(bad)) })
          for (const table of [asTable, asColumn, renamed]) {
            seen.length = 0
            const error = yield* Effect.flip(Effect.scoped(Database.make({ url: "sqlite://:memory:", tables: [table] })))
            expect(error.reason._tag, JSON.stringify(bad)).toBe("SchemaError")
            const queried = yield* Effect.flip(db.begin(Effect.flatMap(Session.Session, (s) => s.all(Query.select(table)))))
            expect(queried.reason._tag, JSON.stringify(bad)).toBe("SchemaError")
            expect(seen.filter((sql) => !/^(BEGIN|COMMIT|ROLLBACK)/.test(sql))).toEqual([])
          }
          // reflect looks the name up as a bound parameter: nothing found, nothing changed.
          const live = yield* db.reflect({ tables: [bad, "victims"] })
          expect(live.tables.map((t) => t.name)).toEqual(["victims"])
        }
        const after = yield* db.reflect()
        expect(after.tables.map((t) => t.name).sort()).toEqual(["hostile_orm", "victims"])
      }).pipe(
        Effect.provide(makeLayer({ tables: [Victims, Hostile], onStatement: (sql) => seen.push(sql) })),
        Effect.scoped
      )
    })
  })
}
