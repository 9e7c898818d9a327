/**
 * `Query.inArray` / `notIn` and eager loading with lists longer than any
 * dialect's parameter limit (PostgreSQL 65 535, SQLite 32 766): one
 * statement each, values still encoded with the column's Schema and bound,
 * SQL's NULL semantics and the empty-list shortcuts unchanged.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as Query from "../../src/Query.js"
import * as Relation from "../../src/Relation.js"
import * as Session from "../../src/Session.js"
import * as Table from "../../src/Table.js"
import type { MakeLayer } from "../support/layers.js"

const ROWS = 100_000

const Item = Table.make("items", {
  id: Schema.Int.pipe(Column.primaryKey),
  code: Schema.String,
  // NULL for every tenth item, else id % 7.
  grp: Schema.NullOr(Schema.Int)
})

const Part = Table.make("parts", {
  id: Schema.Int.pipe(Column.primaryKey),
  itemId: Schema.Int.pipe(Column.references(() => Item.columns.id)),
  name: Schema.String
}, { columnNames: "snake_case" })

const itemParts = Relation.many(Item, Part)

/** A composite key: shelves are numbered per tenant. */
const Shelf = Table.make("shelves", {
  tenant: Schema.String,
  code: Schema.Int,
  label: Schema.String
}, { primaryKey: ["tenant", "code"] })

const Book = Table.make("books", {
  id: Schema.Int.pipe(Column.primaryKey),
  tenant: Schema.String,
  shelf: Schema.Int,
  title: Schema.String
})

const shelfBooks = Relation.many(Shelf, Book, { source: ["tenant", "code"], target: ["tenant", "shelf"] })

const SHELVES = 40_000

/** A column of each kind of value, for lists whose values are not just integers. */
const Kinds = Table.make("kinds", {
  id: Schema.Int.pipe(Column.primaryKey),
  flag: Schema.Boolean,
  at: Schema.Date,
  big: Schema.BigInt,
  ratio: Schema.Number,
  bytes: Schema.Uint8Array,
  label: Schema.String,
  when: Schema.DateFromString,
  doc: Schema.Struct({ n: Schema.Number, tags: Schema.Array(Schema.String) })
})

const grpOf = (n: number) => (n % 10 === 0 ? null : n % 7)

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

// Generated server-side: the test is about reading, not inserting.
const seed = Effect.flatMap(Session.Session, (s) =>
  Effect.andThen(
    s.execute(
      `WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < ${ROWS})
       INSERT INTO items (id, code, grp) SELECT v, 'c' || v, CASE WHEN v % 10 = 0 THEN NULL ELSE v % 7 END FROM n`
    ),
    // One part for every 100th item.
    s.execute(
      `WITH RECURSIVE n(v) AS (SELECT 100 UNION ALL SELECT v + 100 FROM n WHERE v < ${ROWS})
       INSERT INTO parts (id, item_id, name) SELECT v, v, 'p' || v FROM n`
    )
  ).pipe(
    Effect.andThen(s.execute(
      `WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < ${SHELVES})
       INSERT INTO shelves (tenant, code, label) SELECT 't' || (v % 2), v, 's' || v FROM n`
    )),
    // A book on every 1000th shelf, and one under the other tenant's number, which must not match.
    Effect.andThen(s.execute(
      `WITH RECURSIVE n(v) AS (SELECT 1000 UNION ALL SELECT v + 1000 FROM n WHERE v < ${SHELVES})
       INSERT INTO books (id, tenant, shelf, title) SELECT v, 't' || (v % 2), v, 'b' || v FROM n
       UNION ALL SELECT v + 1, 't' || ((v + 1) % 2), v, 'stray' || v FROM n`
    ))
  ))

const kindRows = [
  { id: 1, flag: true, at: new Date("2024-01-02T03:04:05.678Z"), big: 9007199254740991n, ratio: 0.1, bytes: new Uint8Array([0, 255]), label: "a'\"\\b", when: new Date("2001-01-01T00:00:00.000Z"), doc: { n: 1, tags: ["x"] } },
  { id: 2, flag: false, at: new Date("1999-12-31T23:59:59.999Z"), big: -5n, ratio: -1e-300, bytes: new Uint8Array([]), label: "😀 ünï", when: new Date("2002-02-02T00:00:00.000Z"), doc: { n: 2, tags: [] } },
  { id: 3, flag: true, at: new Date("2030-06-15T12:00:00.000Z"), big: 0n, ratio: 1.7976931348623157e308, bytes: new Uint8Array([1, 2, 3]), label: "{\"x\":\"00ff\"}", when: new Date("2003-03-03T00:00:00.000Z"), doc: { n: 3, tags: ["y", "z"] } }
]

export const suite = (name: string, makeLayer: MakeLayer) => {
  describe(`IN lists past the parameter limit (${name})`, () => {
    const statements: Array<string> = []
    const queries = () => statements.filter((s) => /^\s*SELECT/i.test(s))

    const seeded = Layer.tap(makeLayer({ tables: [Item, Part, Kinds, Shelf, Book], onStatement: (sql) => void statements.push(sql) }), (ctx) => {
      const db = Context.get(ctx, Database.Database)
      return Effect.all([
        db.createAll(),
        db.begin(seed),
        db.begin(Effect.flatMap(Session.Session, (s) => s.saveAll(Kinds, kindRows)))
      ], { discard: true })
    })

    it.layer(seeded, { timeout: 60_000 })((it) => {
      const run = <A, E>(f: (s: Session.Session) => Effect.Effect<A, E>) =>
        Effect.gen(function*() {
          const db = yield* Database.Database
          statements.length = 0
          return yield* db.begin(Effect.flatMap(Session.Session, f))
        })

      it.effect(`inArray with ${ROWS} values returns every row in one statement`, () =>
        Effect.gen(function*() {
          const rows = yield* run((s) => s.all(Query.select(Item).pipe(Query.where(Query.inArray(Item.columns.id, range(1, ROWS))))))
          expect(rows).toHaveLength(ROWS)
          expect(new Set(rows.map((r) => r.id)).size).toBe(ROWS)
          expect(rows.find((r) => r.id === 70_000)).toEqual({ id: 70_000, code: "c70000", grp: null })
          expect(queries()).toHaveLength(1)
          // The values are bound, not written into the text.
          expect(queries()[0]!.length).toBeLessThan(1000)
        }))

      it.effect(`inArray on a text column with ${ROWS} values`, () =>
        Effect.gen(function*() {
          const codes = range(1, ROWS).map((n) => `c${n * 2}`)
          const n = yield* run((s) => s.count(Query.select(Item).pipe(Query.where(Query.inArray(Item.columns.code, codes)))))
          expect(n).toBe(ROWS / 2)
          expect(queries()).toHaveLength(1)
        }))

      it.effect(`notIn with ${ROWS - 10} values leaves the other ten, in one statement`, () =>
        Effect.gen(function*() {
          const rows = yield* run((s) =>
            s.all(Query.select(Item).pipe(Query.where(Query.notIn(Item.columns.id, range(1, ROWS - 10))), Query.orderBy(Item.columns.id)))
          )
          expect(rows.map((r) => r.id)).toEqual(range(ROWS - 9, ROWS))
          expect(queries()).toHaveLength(1)
        }))

      it.effect("NULLs keep SQL's semantics; empty lists match nothing (inArray) or everything (notIn)", () =>
        Effect.gen(function*() {
          const count = (condition: Query.Condition) => run((s) => s.count(Query.select(Item).pipe(Query.where(condition))))
          const all = range(1, ROWS)
          const expected = (keep: (grp: number | null) => boolean) => all.filter((n) => keep(grpOf(n))).length
          // NOT IN never holds for a NULL column, and never at all once the list holds NULL.
          expect(yield* count(Query.notIn(Item.columns.grp, [1, 2]))).toBe(expected((g) => g !== null && g !== 1 && g !== 2))
          expect(yield* count(Query.notIn(Item.columns.grp, [1, null]))).toBe(0)
          expect(yield* count(Query.inArray(Item.columns.grp, [1, null]))).toBe(expected((g) => g === 1))
          expect(yield* count(Query.inArray(Item.columns.grp, [null]))).toBe(0)
          expect(yield* count(Query.inArray(Item.columns.id, []))).toBe(0)
          expect(yield* count(Query.notIn(Item.columns.id, []))).toBe(ROWS)
          expect(yield* count(Query.not(Query.inArray(Item.columns.id, range(1, ROWS - 1))))).toBe(1)
        }))

      it.effect("values of every kind are encoded with the column's Schema and matched exactly", () =>
        Effect.gen(function*() {
          const key = (v: unknown) => v instanceof Uint8Array ? `bytes ${v.join()}` : v instanceof Date ? v.toISOString() : JSON.stringify(v, (_, x) => typeof x === "bigint" ? `${x}n` : x)
          for (const field of ["flag", "at", "big", "ratio", "bytes", "label", "when", "doc"] as const) {
            const values = [kindRows[0]![field], kindRows[2]![field]] as Array<any>
            const rows = yield* run((s) =>
              s.all(Query.select(Kinds).pipe(Query.where(Query.inArray(Kinds.columns[field], values)), Query.orderBy(Kinds.columns.id)))
            )
            const expected = kindRows.filter((r) => values.some((v) => key(v) === key(r[field]))).map((r) => r.id)
            expect(expected, field).toEqual([1, 3])
            expect(rows.map((r) => r.id), field).toEqual(expected)
            const others = yield* run((s) => s.all(Query.select(Kinds).pipe(Query.where(Query.notIn(Kinds.columns[field], values)))))
            expect(others.map((r) => r.id), field).toEqual(kindRows.map((r) => r.id).filter((id) => !expected.includes(id)))
          }
        }))

      it.effect("eager loading more parents than the parameter limit takes one statement per level", () =>
        Effect.gen(function*() {
          const rows = yield* run((s) =>
            s.all(Query.select(Item).pipe(Query.where(Query.lte(Item.columns.id, 70_000)), Query.with({ parts: itemParts })))
          )
          expect(rows).toHaveLength(70_000)
          expect(rows.filter((r) => r.parts.length > 0).map((r) => r.id)).toEqual(range(1, 700).map((n) => n * 100))
          expect(rows.find((r) => r.id === 500)!.parts).toEqual([{ id: 500, itemId: 500, name: "p500" }])
          expect(queries()).toHaveLength(2)
        }))

      it.effect("eager loading over a composite key past the parameter limit takes one statement per level", () =>
        Effect.gen(function*() {
          const rows = yield* run((s) => s.all(Query.select(Shelf).pipe(Query.with({ books: shelfBooks }))))
          expect(rows).toHaveLength(SHELVES)
          const withBooks = rows.filter((r) => r.books.length > 0)
          expect(withBooks.map((r) => r.code).sort((a, b) => a - b)).toEqual(range(1, SHELVES / 1000).map((n) => n * 1000))
          expect(withBooks.every((r) => r.books.length === 1 && r.books[0]!.tenant === r.tenant && r.books[0]!.title === `b${r.code}`)).toBe(true)
          expect(queries()).toHaveLength(2)
        }))
    })
  })
}
