import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as Query from "../../src/Query.js"
import * as Relation from "../../src/Relation.js"
import * as Session from "../../src/Session.js"
import * as Table from "../../src/Table.js"
import type { MakeLayer } from "../support/layers.js"

const Author = Table.make("ts_authors", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  name: Schema.String,
  nickname: Schema.NullOr(Schema.String),
  born: Schema.NullOr(Schema.Date)
})

const Book = Table.make("ts_books", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  authorId: Schema.Int.pipe(Column.references(() => Author.columns.id)),
  title: Schema.String,
  pages: Schema.NullOr(Schema.Int)
}, { columnNames: "snake_case" })

const Shelf = Table.make("ts_shelves", {
  room: Schema.String,
  position: Schema.Int,
  label: Schema.NullOr(Schema.String)
}, { primaryKey: ["room", "position"] })

const authorBooks = Relation.many(Author, Book)
const bookAuthor = Relation.belongsTo(Book, Author)

const tables = [Author, Book, Shelf]

const inSession = <A, E, R>(f: (s: Session.Session) => Effect.Effect<A, E, R>) =>
  Effect.scoped(Effect.flatMap(Database.session, (s) => Effect.tap(f(s), () => s.commit)))

/**
 * What the session's types promise (issue 17, item 7) holds at run time, on
 * whatever database `makeLayer` builds; the types are in test/types/typeHoles.ts.
 */
export const suite = (name: string, makeLayer: MakeLayer) => {
  const test = <A, E>(title: string, body: () => Effect.Effect<A, E, Database.Database>) =>
    it.effect(title, () =>
      Effect.gen(function*() {
        yield* (yield* Database.Database).createAll()
        return yield* body()
      }).pipe(Effect.provide(makeLayer({ tables })), Effect.scoped) as Effect.Effect<A, unknown>)

  describe(`typed session (${name})`, () => {
    test("a nullable column left out of a row is stored as NULL: insert, save, saveAll and insertAll", () =>
      Effect.gen(function*() {
        const a = yield* inSession((s) => s.insert(Author, { name: "A" }))
        const b = yield* inSession((s) => s.save(Author, { name: "B", nickname: "bee" }))
        const [c, d] = yield* inSession((s) => s.saveAll(Author, [{ name: "C" }, { name: "D", born: new Date("2000-01-01T00:00:00.000Z") }]))
        const [e] = yield* inSession((s) => s.insertAll(Author, [{ name: "E" }, { name: "F", nickname: null }]))
        expect([a, b, c, d, e].map((r) => [r!.name, r!.nickname, r!.born])).toEqual([
          ["A", null, null],
          ["B", "bee", null],
          ["C", null, null],
          ["D", null, new Date("2000-01-01T00:00:00.000Z")],
          ["E", null, null]
        ])
        const read = yield* inSession((s) => s.all(Query.select(Author).pipe(Query.where(Query.isNull(Author.columns.nickname)))))
        expect(read.map((r) => r.name).sort()).toEqual(["A", "C", "D", "E", "F"])
        // An update by save leaves a nullable column that is left out as it is.
        const renamed = yield* inSession((s) => s.save(Author, { id: b.id, name: "B2" }))
        expect(renamed).toEqual({ ...b, name: "B2" })
        // A required column is still required.
        const missing = yield* Effect.flip(inSession((s) => s.insert(Author, { nickname: "x" } as never)))
        expect(missing.reason._tag).toBe("InputError")
      }))

    test("get takes a key value, a one-value tuple or a record; a composite key a tuple or a record", () =>
      Effect.gen(function*() {
        const a = yield* inSession((s) => s.insert(Author, { name: "A" }))
        const shelf = yield* inSession((s) => s.insert(Shelf, { room: "attic", position: 2 }))
        expect(shelf.label).toBeNull()
        yield* inSession((s) =>
          Effect.gen(function*() {
            expect(yield* s.get(Author, a.id)).toEqual(Option.some(a))
            expect(yield* s.get(Author, [a.id])).toEqual(Option.some(a))
            expect(yield* s.get(Author, { id: a.id })).toEqual(Option.some(a))
            expect(yield* s.get(Shelf, ["attic", 2])).toEqual(Option.some(shelf))
            expect(yield* s.get(Shelf, { position: 2, room: "attic" })).toEqual(Option.some(shelf))
            expect(yield* s.get(Shelf, Table.pk(Shelf, shelf) as readonly [string, number])).toEqual(Option.some(shelf))
            expect(yield* s.getOrFail(Shelf, ["attic", 3]).pipe(Effect.flip, Effect.map((e) => e.reason._tag))).toBe("NotFoundError")
          })
        )
      }))

    test("scalar of a one-field projection is the decoded value", () =>
      Effect.gen(function*() {
        const a = yield* inSession((s) => s.insert(Author, { name: "A" }))
        yield* inSession((s) => s.insertAll(Book, [{ authorId: a.id, title: "x", pages: 10 }, { authorId: a.id, title: "y" }]))
        yield* inSession((s) =>
          Effect.gen(function*() {
            expect(yield* s.scalar(Query.select(Book).pipe(Query.fields({ n: Query.count() })))).toEqual(Option.some(2))
            expect(yield* s.scalar(Query.select(Book).pipe(Query.fields({ most: Query.max(Book.columns.pages) })))).toEqual(Option.some(10))
            const firstTitle = Query.select(Book).pipe(Query.fields({ title: Book.columns.title }), Query.orderBy(Book.columns.title, "desc"))
            expect(yield* s.scalar(firstTitle)).toEqual(Option.some("y"))
            expect(yield* s.scalar(firstTitle.pipe(Query.where(Query.eq(Book.columns.title, "none"))))).toEqual(Option.none())
            expect(yield* s.scalar("SELECT 41 + 1")).toEqual(Option.some(expect.anything()))
          })
        )
      }))

    test("save with relations returns every relation in `with`: given ones as saved, others as stored", () =>
      Effect.gen(function*() {
        const a = yield* inSession((s) => s.save(Author, { name: "A", books: [{ title: "one" }] }, { with: { books: authorBooks } }))
        expect(a.books.map((b) => b.title)).toEqual(["one"])
        // Saved again without its books: they come back as stored.
        const again = yield* inSession((s) => s.save(Author, { id: a.id, name: "A2", nickname: a.nickname, born: a.born }, { with: { books: authorBooks } }))
        expect(again.books).toEqual(a.books)
        const [withBooks, without] = yield* inSession((s) =>
          s.saveAll(Author, [{ name: "B", books: [{ title: "two" }, { title: "three" }] }, { name: "C" }], { with: { books: authorBooks } })
        )
        expect(withBooks!.books.map((b) => b.title)).toEqual(["two", "three"])
        expect(without!.books).toEqual([])
        // A book saved without its author object gets the stored author.
        const book = yield* inSession((s) => s.save(Book, { authorId: a.id, title: "four" }, { with: { author: bookAuthor } }))
        expect(book.author).toEqual(Option.some({ id: a.id, name: "A2", nickname: null, born: null }))
      }))
  })
}
