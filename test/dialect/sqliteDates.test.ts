/**
 * SQLite date-time text: every shape SQLite users store reads as its
 * instant (a text without a zone is UTC, as SQLite's clock writes it); what
 * the library writes and binds is SQLite's own shape; a Date that shape
 * cannot hold is refused before any SQL.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as Query from "../../src/Query.js"
import * as Table from "../../src/Table.js"

const Stamp = Table.make("stamps", {
  id: Schema.Int.pipe(Column.primaryKey),
  at: Schema.Date.pipe(Column.dbType("DATETIME"))
})

const memory = (statements: Array<string> = []) =>
  Effect.tap(
    Database.make({ url: "sqlite://:memory:", tables: [Stamp], onStatement: (sql) => statements.push(sql) }),
    (db) => db.createAll()
  )

const shapes: ReadonlyArray<readonly [string, string]> = [
  ["2021-01-01 00:00:00", "2021-01-01T00:00:00.000Z"],
  ["2021-01-01T00:00:00", "2021-01-01T00:00:00.000Z"],
  ["2021-01-01T00:00:00Z", "2021-01-01T00:00:00.000Z"],
  ["2021-01-01T00:00:00.000Z", "2021-01-01T00:00:00.000Z"],
  ["2021-01-01 00:00:00.5", "2021-01-01T00:00:00.500Z"],
  ["2021-01-01 00:00:00.123456", "2021-01-01T00:00:00.123Z"],
  ["2021-01-01 02:00:00+02:00", "2021-01-01T00:00:00.000Z"],
  ["2020-12-31T18:30:00-0530", "2021-01-01T00:00:00.000Z"],
  ["2021-01-01 05:00+05", "2021-01-01T00:00:00.000Z"],
  ["2021-01-01 00:00", "2021-01-01T00:00:00.000Z"],
  ["2021-01-01", "2021-01-01T00:00:00.000Z"]
]

describe("SQLite date-time text", () => {
  it.effect("every stored text shape reads as its instant", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* memory()
      const s = yield* db.session
      for (const [i, [text]] of shapes.entries()) yield* s.execute(db.sql`INSERT INTO stamps (id, at) VALUES (${i}, ${text})`)
      const rows = yield* s.all(Query.select(Stamp).pipe(Query.orderBy(Stamp.columns.id)))
      expect(rows.map((r) => [shapes[r.id]![0], r.at.toISOString()])).toEqual(shapes)
    })))

  it.effect("text of no date-time shape (or an impossible date) is a DecodeError naming the column", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* memory()
      const s = yield* db.session
      for (const [id, text] of [[1, "yesterday"], [2, "2021-02-30 00:00:00"]] as const) {
        yield* s.execute(db.sql`DELETE FROM stamps`)
        yield* s.execute(db.sql`INSERT INTO stamps (id, at) VALUES (${id}, ${text})`)
        const error = yield* Effect.flip(s.all(Query.select(Stamp)))
        expect(error.reason._tag).toBe("DecodeError")
        expect(error.message).toContain(`table stamps, column at: cannot read ${JSON.stringify(text)} as a date and time`)
      }
    })))

  it.effect("the library writes SQLite's shape, and a raw Date parameter binds in it too", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* memory()
      const s = yield* db.session
      yield* s.save(Stamp, { id: 1, at: new Date("2021-01-01T00:00:00Z") })
      yield* s.save(Stamp, { id: 2, at: new Date("2021-01-01T00:00:00.007Z") })
      const stored = yield* s.all(db.sql`SELECT at, typeof(at) AS kind FROM stamps ORDER BY id`)
      expect(stored).toEqual([
        { at: "2021-01-01 00:00:00", kind: "text" },
        { at: "2021-01-01 00:00:00.007", kind: "text" }
      ])
      const [bound] = yield* db.sql<{ readonly v: unknown; readonly same: number }>`SELECT ${new Date("2021-01-01T00:00:00Z")} AS v, ${
        new Date("2021-01-01T00:00:00Z")
      } = datetime('2021-01-01') AS same`
      expect(bound).toEqual({ v: "2021-01-01 00:00:00", same: 1 })
    })))

  it.effect("a Date outside the years 0000 to 9999 is refused before any SQL", () =>
    Effect.scoped(Effect.gen(function*() {
      const statements: Array<string> = []
      const db = yield* memory(statements)
      statements.length = 0
      const s = yield* db.session
      const error = yield* Effect.flip(s.save(Stamp, { id: 1, at: new Date("+010000-01-01T00:00:00Z") }))
      expect(error.reason).toMatchObject({ _tag: "InputError", table: "stamps", column: "at" })
      expect(error.message).toContain("outside the years 0000 to 9999")
      const found = yield* Effect.flip(s.all(Query.select(Stamp).pipe(Query.where(Query.lt(Stamp.columns.at, new Date(-62198755200001))))))
      expect(found.reason._tag).toBe("InputError")
      expect(statements).toEqual([])
    })))
})
