/**
 * PostgreSQL's own column kinds declared in code, on any database: identity
 * ALWAYS / BY DEFAULT and serial keys, enum columns (`Column.pgEnum`) and
 * arrays. On PostgreSQL they are identity columns, a `serial`, an enum type
 * and native arrays; on SQLite (not applicable there) every identity is an
 * `INTEGER PRIMARY KEY AUTOINCREMENT`, an enum is TEXT with a CHECK and an
 * array is JSON. Either way rows are written, read back and saved again,
 * and the declared metadata matches the reflected one.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Metadata from "../../src/Metadata.js"
import * as Query from "../../src/Query.js"
import * as Session from "../../src/Session.js"
import * as Table from "../../src/Table.js"
import type { MakeLayer } from "../support/layers.js"

const moods = ["sad", "ok", "happy"] as const

const Ticket = Table.make("pgt_tickets", {
  id: Schema.Int.pipe(Column.primaryKey, Column.identity("always")),
  title: Schema.String,
  mood: Schema.Literals(moods).pipe(Column.pgEnum("pgt_mood"), Column.default("ok")),
  tags: Schema.Array(Schema.String).pipe(Column.default([])),
  scores: Schema.NullOr(Schema.Array(Schema.Int))
})

const Label = Table.make("pgt_labels", {
  id: Schema.Int.pipe(Column.primaryKey, Column.identity("serial")),
  name: Schema.String
})

const Counter = Table.make("pgt_counters", {
  id: Schema.Int.pipe(Column.primaryKey, Column.identity("byDefault")),
  n: Schema.Int
})

const Mark = Table.make("pgt_marks", {
  id: Schema.Int.pipe(Column.primaryKey, Column.identity("always")),
  note: Schema.optionalKey(Schema.String)
})

const tables = [Ticket, Label, Counter, Mark]

const column = (metadata: Metadata.Metadata, table: string, name: string) =>
  Metadata.findTable(metadata, table)?.columns.find((c) => c.name === name)

const inSession = <A, E>(body: (s: Session.Session) => Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const db = yield* Database.Database
    return yield* db.begin(Effect.gen(function*() {
      const s = yield* Session.Session
      return yield* body(s)
    }))
  })

export const suite = (name: string, makeLayer: MakeLayer) => {
  describe(`declared PostgreSQL column kinds (${name})`, () => {
    it.effect("an identity ALWAYS key with enum and array columns: generated on insert, saved back, a duplicate is a ConstraintError", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        const first = yield* inSession((s) =>
          Effect.gen(function*() {
            const a = yield* s.insert(Ticket, { title: "a", scores: [1, 2] })
            const b = yield* s.insert(Ticket, { title: "b", mood: "happy", tags: ["x", "y z"], scores: null })
            return [a, b] as const
          })
        )
        expect(first.map((t) => t.id)).toEqual([1, 2])
        expect(first[0]).toEqual({ id: 1, title: "a", mood: "ok", tags: [], scores: [1, 2] })
        expect(first[1]).toEqual({ id: 2, title: "b", mood: "happy", tags: ["x", "y z"], scores: null })
        const saved = yield* inSession((s) =>
          Effect.gen(function*() {
            const one = yield* s.save(Ticket, { ...first[0], title: "a2", mood: "sad" })
            const many = yield* s.saveAll(Ticket, [{ ...first[1], tags: [] }, { title: "c", scores: [3] }])
            return { one, many }
          })
        )
        expect(saved.one).toEqual({ id: 1, title: "a2", mood: "sad", tags: [], scores: [1, 2] })
        expect(saved.many).toEqual([
          { id: 2, title: "b", mood: "happy", tags: [], scores: null },
          { id: 3, title: "c", mood: "ok", tags: [], scores: [3] }
        ])
        const duplicate = yield* inSession((s) => s.insert(Ticket, { ...saved.one })).pipe(Effect.flip)
        expect(DatabaseError.hasReason(duplicate, "ConstraintError")).toBe(true)
      }).pipe(Effect.provide(makeLayer({ tables }))))

    it.effect("BY DEFAULT and serial keys generate, save back and refuse duplicates", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        const labels = yield* inSession((s) =>
          Effect.gen(function*() {
            const inserted = yield* s.insertAll(Label, [{ name: "p" }, { name: "q" }])
            const resaved = yield* s.save(Label, { ...inserted[0]!, name: "p2" })
            return { inserted, resaved, count: yield* s.count(Query.select(Label)) }
          })
        )
        expect(labels.inserted.map((l) => l.id)).toEqual([1, 2])
        expect(labels.resaved).toEqual({ id: 1, name: "p2" })
        expect(labels.count).toBe(2)
        const counters = yield* inSession((s) =>
          Effect.gen(function*() {
            const explicit = yield* s.insert(Counter, { id: 10, n: 1 })
            const resaved = yield* s.save(Counter, { ...explicit, n: 2 })
            return { explicit, resaved }
          })
        )
        expect(counters.resaved).toEqual({ id: 10, n: 2 })
        for (const attempt of [inSession((s) => Effect.asVoid(s.insert(Label, { id: 1, name: "again" }))), inSession((s) => Effect.asVoid(s.insert(Counter, { id: 10, n: 3 })))]) {
          const error = yield* Effect.flip(attempt)
          expect(DatabaseError.hasReason(error, "ConstraintError")).toBe(true)
        }
      }).pipe(Effect.provide(makeLayer({ tables }))))

    it.effect("saving a row that carries nothing but its ALWAYS identity key returns the stored row", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        const stored = yield* inSession((s) =>
          Effect.gen(function*() {
            const inserted = yield* s.insert(Mark, { note: "kept" })
            return yield* s.save(Mark, { id: inserted.id })
          })
        )
        expect(stored).toEqual({ id: 1, note: "kept" })
      }).pipe(Effect.provide(makeLayer({ tables }))))

    it.effect("concurrent saves of ALWAYS identity rows each keep their own key", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        const inserted = yield* Effect.all(
          Array.from({ length: 8 }, (_, i) => inSession((s) => s.insert(Ticket, { title: `t${i}`, scores: [i] }))),
          { concurrency: 4 }
        )
        expect(new Set(inserted.map((t) => t.id)).size).toBe(8)
        const saved = yield* Effect.all(
          inserted.map((t) => inSession((s) => s.save(Ticket, { ...t, title: `${t.title}!` }))),
          { concurrency: 4 }
        )
        expect(saved.map((t) => [t.id, t.title])).toEqual(inserted.map((t) => [t.id, `${t.title}!`]))
        expect(yield* inSession((s) => s.count(Query.select(Ticket)))).toBe(8)
      }).pipe(Effect.provide(makeLayer({ tables }))))

    it.effect("the declared metadata is what reflection finds; the kinds are PostgreSQL's or not applicable", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        const live = yield* db.reflect({ tables: tables.map((t) => t.name) })
        expect(Metadata.diff(db.metadata, live, db.dialect)).toEqual([])
        const pg = db.dialect === "pg"
        const id = column(live, "pgt_tickets", "id")!
        const mood = column(live, "pgt_tickets", "mood")!
        const tags = column(live, "pgt_tickets", "tags")!
        expect([id.autoIncrement, id.identity, column(live, "pgt_labels", "id")!.serial, column(live, "pgt_counters", "id")!.identity])
          .toEqual(pg ? [true, "always", true, "byDefault"] : [true, undefined, undefined, undefined])
        expect([mood.type, mood.enum, mood.check]).toEqual(
          pg ? ["text", { name: "pgt_mood", labels: ["sad", "ok", "happy"] }, undefined] : ["text", undefined, ["sad", "ok", "happy"]]
        )
        expect([tags.type, tags.array]).toEqual(pg ? ["other", { element: "text", elementDbType: "text" }] : ["json", undefined])
      }).pipe(Effect.provide(makeLayer({ tables }))))

    it.effect("diff reports a changed enum label set", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        const live = yield* db.reflect({ tables: ["pgt_tickets"] })
        const TicketV2 = Table.make("pgt_tickets", { ...Ticket.fields, mood: Schema.Literals([...moods, "angry"]).pipe(Column.pgEnum("pgt_mood"), Column.default("ok")) })
        const declared = yield* Effect.fromResult(Metadata.fromTables([TicketV2], db.dialect))
        const paths = Metadata.diff(declared, live, db.dialect).map((d) => d.path)
        expect(paths).toEqual([db.dialect === "pg" ? "pgt_tickets.mood.enum" : "pgt_tickets.mood.check"])
      }).pipe(Effect.provide(makeLayer({ tables }))))

    it.effect("a value outside the enum is refused before any SQL; dropAll removes the enum type with its last table", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        const error = yield* inSession((s) => s.insert(Ticket, { title: "x", mood: "angry" as never, scores: null })).pipe(Effect.flip)
        expect(DatabaseError.hasReason(error, "InputError")).toBe(true)
        yield* db.dropAll()
        // Without checkFirst every CREATE runs: an enum type left behind would fail it.
        yield* db.createAll({ checkFirst: false })
        const row = yield* inSession((s) => s.insert(Ticket, { title: "y", scores: null }))
        expect(row.mood).toBe("ok")
      }).pipe(Effect.provide(makeLayer({ tables }))))

    it("Column.pgEnum on anything but string literals is a SchemaError on every dialect", () => {
      const Bad = Table.make("pgt_bad", { id: Schema.Int.pipe(Column.primaryKey), n: Schema.Int.pipe(Column.pgEnum("n")) })
      for (const dialect of ["sqlite", "pg"] as const) {
        const result = Metadata.fromTables([Bad], dialect)
        expect(Result.isFailure(result) && DatabaseError.hasReason(result.failure, "SchemaError")).toBe(true)
      }
    })
  })
}
