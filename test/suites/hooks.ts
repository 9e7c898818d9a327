import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import type * as DatabaseError from "../../src/DatabaseError.js"
import * as Hooks from "../../src/Hooks.js"
import * as Query from "../../src/Query.js"
import * as Session from "../../src/Session.js"
import * as Table from "../../src/Table.js"
import type { MakeLayer } from "../support/layers.js"

const ArticleTable = Table.make("articles", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  title: Schema.String,
  slug: Schema.NullOr(Schema.String),
  createdAt: Schema.NullOr(Schema.Date),
  updatedAt: Schema.NullOr(Schema.Date)
}, { columnNames: "snake_case" })

const Audit = Table.make("article_audit", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  entry: Schema.String
})

const tables = [ArticleTable, Audit]

class Unpublishable extends Data.TaggedError("Unpublishable")<{ readonly title: string }> {}

const created = new Date("2024-01-02T03:04:05.000Z")
const updated = new Date("2024-02-03T04:05:06.000Z")
const slugOf = (title: string) => title.toLowerCase().replace(/[^a-z0-9]+/g, "-")
const log = (entry: string) => Effect.flatMap(Session.Session, (s) => Effect.asVoid(s.insert(Audit, { entry })))

/** Timestamps and slugs filled in by hooks; every save logged after it. */
const Article = Hooks.withHooks(ArticleTable, {
  beforeSave: (row) =>
    row.title === "forbidden" ? Effect.fail(new Unpublishable({ title: row.title })) : Effect.succeed({ ...row, slug: slugOf(row.title) }),
  // Sees what beforeSave returned.
  beforeInsert: (row) => Effect.succeed({ ...row, createdAt: created, title: `${row.title} (${row.slug})` }),
  beforeUpdate: (row) => Effect.succeed({ ...row, updatedAt: updated }),
  afterSave: (row) => log(`saved ${row.id} ${row.slug}`)
})

const inSession = <A, E, R>(f: (s: Session.Session) => Effect.Effect<A, E, R>) =>
  Effect.scoped(Effect.flatMap(Database.session, (s) => Effect.tap(f(s), () => s.commit)))

const entries = inSession((s) => Effect.map(s.all(Query.select(Audit).pipe(Query.orderBy(Audit.columns.id))), (rows) => rows.map((r) => r.entry)))
const articles = inSession((s) => s.all(Query.select(ArticleTable).pipe(Query.orderBy(ArticleTable.columns.id))))

/** Hooks that change the row written (issue 17, item 8), on whatever database `makeLayer` builds. */
export const suite = (name: string, makeLayer: MakeLayer) => {
  const test = <A, E>(title: string, body: () => Effect.Effect<A, E, Database.Database>) =>
    it.effect(title, () =>
      Effect.gen(function*() {
        yield* (yield* Database.Database).createAll()
        return yield* body()
      }).pipe(Effect.provide(makeLayer({ tables })), Effect.scoped) as Effect.Effect<A, unknown>)

  describe(`row-changing hooks (${name})`, () => {
    test("beforeSave, beforeInsert and beforeUpdate return the row written; afterSave sees the stored row", () =>
      Effect.gen(function*() {
        const first = yield* inSession((s) => s.save(Article, { title: "Hello World" }))
        expect(first).toEqual({ id: first.id, title: "Hello World (hello-world)", slug: "hello-world", createdAt: created, updatedAt: null })
        const second = yield* inSession((s) => s.save(Article, { ...first, title: "Bye" }))
        expect(second).toEqual({ ...first, title: "Bye", slug: "bye", updatedAt: updated })
        expect(yield* articles).toEqual([second])
        expect(yield* entries).toEqual([`saved ${first.id} hello-world`, `saved ${first.id} bye`])
      }))

    test("saveAll applies them per row, inserts and updates alike, and insert runs them too", () =>
      Effect.gen(function*() {
        const [a] = yield* inSession((s) => s.saveAll(Article, [{ title: "A" }]))
        const saved = yield* inSession((s) => s.saveAll(Article, [{ title: "B" }, { ...a!, title: "A2" }, { title: "C" }]))
        expect(saved.map((r) => [r.title, r.slug, r.createdAt, r.updatedAt])).toEqual([
          ["B (b)", "b", created, null],
          ["A2", "a2", created, updated],
          ["C (c)", "c", created, null]
        ])
        const inserted = yield* inSession((s) => s.insert(Article, { title: "D" }))
        expect(inserted.slug).toBe("d")
        expect((yield* articles).length).toBe(4)
      }))

    test("a returned row is checked like any input: InputError, nothing written", () =>
      Effect.gen(function*() {
        const Broken = Hooks.withHooks(ArticleTable, {
          beforeInsert: (row) => Effect.succeed({ ...row, title: 42 as unknown as string }),
          afterSave: (row) => log(`saved ${row.id}`)
        })
        const Foreign = Hooks.withHooks(ArticleTable, {
          beforeSave: (row) => Effect.succeed({ ...row, author: "someone" })
        })
        const wrongType = yield* Effect.flip(inSession((s) => s.saveAll(Broken, [{ title: "ok" }, { title: "also ok" }])))
        expect(wrongType.reason._tag).toBe("InputError")
        expect(wrongType.message).toContain("title")
        const foreign = yield* Effect.flip(inSession((s) => s.save(Foreign, { title: "x" })))
        expect(foreign.reason._tag).toBe("InputError")
        expect(foreign.message).toContain("author")
        expect(yield* articles).toEqual([])
        expect(yield* entries).toEqual([])
      }))

    test("a hook's own error passes through, typed, and nothing is written", () =>
      Effect.gen(function*() {
        const write = inSession((s) => s.saveAll(Article, [{ title: "fine" }, { title: "forbidden" }]))
        expectTypeOf<Effect.Error<typeof write>>().toEqualTypeOf<DatabaseError.DatabaseError | Unpublishable>()
        const error = yield* Effect.flip(write)
        expect(error).toBeInstanceOf(Unpublishable)
        expect(yield* articles).toEqual([])
      }))

    test("concurrent saves each run their own hooks on their own rows", () =>
      Effect.gen(function*() {
        const titles = Array.from({ length: 12 }, (_, i) => `Post ${i}`)
        const saved = yield* Effect.all(titles.map((title) => inSession((s) => s.save(Article, { title }))), { concurrency: 4 })
        expect(saved.map((r) => r.slug)).toEqual(titles.map(slugOf))
        expect(saved.map((r) => r.title)).toEqual(titles.map((t) => `${t} (${slugOf(t)})`))
        const updatedRows = yield* Effect.all(saved.map((r) => inSession((s) => s.save(Article, { ...r, title: `${r.id}` }))), {
          concurrency: 4
        })
        expect(updatedRows.map((r) => [r.slug, r.updatedAt])).toEqual(saved.map((r) => [`${r.id}`, updated]))
        expect((yield* entries).sort()).toEqual([...saved, ...updatedRows].map((r) => `saved ${r.id} ${r.slug}`).sort())
      }))

    test("a save interrupted inside its hook writes nothing", () =>
      Effect.gen(function*() {
        const entered = yield* Deferred.make<void>()
        const Stuck = Hooks.withHooks(ArticleTable, {
          beforeSave: (row) => Effect.andThen(Deferred.succeed(entered, undefined), Effect.as(Effect.never, row))
        })
        const fiber = yield* Effect.forkChild(Database.begin(Effect.flatMap(Session.Session, (s) => s.saveAll(Stuck, [{ title: "x" }]))))
        yield* Deferred.await(entered)
        yield* Fiber.interrupt(fiber)
        expect(yield* articles).toEqual([])
        // The database is usable after the interruption.
        expect((yield* inSession((s) => s.save(Article, { title: "after" }))).slug).toBe("after")
      }))
  })
}
