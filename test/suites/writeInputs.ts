/**
 * Writes on any database: a hook that fails with the user's own error fails
 * the write with that very error (typed in the error channel) and rolls it
 * back; arguments of the wrong shape are an `InputError` before any
 * statement runs, and nothing is written.
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { Model } from "effect/schema"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Hooks from "../../src/Hooks.js"
import * as Query from "../../src/Query.js"
import * as Relation from "../../src/Relation.js"
import * as Session from "../../src/Session.js"
import * as Table from "../../src/Table.js"
import type { MakeLayer } from "../support/layers.js"

class Banned extends Data.TaggedError("Banned")<{ readonly email: string }> {}
class Frozen extends Data.TaggedError("Frozen")<{ readonly id: number }> {}

const Account = Table.make("accounts", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  email: Schema.String
})

/** Every column may be left out, so a row without fields would insert. */
const Note = Table.make("notes", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  body: Schema.NullOr(Schema.String).pipe(Column.default(null))
})

const NoteTag = Table.make("note_tags", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  noteId: Schema.Int.pipe(Column.references(() => Note.columns.id)),
  tag: Schema.NullOr(Schema.String).pipe(Column.default(null))
})
const noteTags = Relation.many(Note, NoteTag)

const Audit = Table.make("audit", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  entry: Schema.String
})

class Group extends Model.Class<Group>("Group")({
  id: Model.GeneratedByDb(Schema.Int.pipe(Column.primaryKey)),
  name: Schema.String
}) {}
const GroupTable = Table.fromModel("groups", Group)

const audit = (entry: string) => Effect.flatMap(Session.Session, (s) => Effect.asVoid(s.insert(Audit, { entry })))

/** The instances the hooks failed with, to check the caller gets the same object. */
const raised: Array<unknown> = []
const raise = <E>(error: E) => Effect.suspend(() => {
  raised.push(error)
  return Effect.fail(error)
})

const GuardedAccount = Hooks.withHooks(Account, {
  beforeInsert: (row) => row.email.endsWith("@spam.example") ? raise(new Banned({ email: row.email })) : audit(`insert ${row.email}`),
  afterUpdate: (row) => row.email === "frozen@example.com" ? raise(new Frozen({ id: row.id })) : audit(`update ${row.id}`),
  beforeDelete: (row) => raise(new Frozen({ id: row.id }))
})
// A second withHooks keeps the first one's error type.
const LoggedAccount = Hooks.withHooks(GuardedAccount, { afterInsert: (row) => audit(`inserted ${row.id}`) })

const tables = [Account, Note, NoteTag, Audit, GroupTable]

const count = (table: Table.Any) =>
  Database.begin(Effect.flatMap(Session.Session, (s) => s.count(Query.select(table))))

export const suite = (name: string, makeLayer: MakeLayer) => {
  const test = (title: string, body: (statements: Array<string>) => Effect.Effect<void, unknown, Database.Database>) =>
    it.effect(title, () => {
      const statements: Array<string> = []
      return Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        statements.length = 0
        raised.length = 0
        yield* body(statements)
      }).pipe(Effect.provide(makeLayer({ tables, onStatement: (sql) => statements.push(sql) })), Effect.scoped)
    })

  describe(`write inputs (${name})`, () => {
    describe("hooks failing with the user's own errors", () => {
      test("reach the caller as the same instance, typed, and the write is rolled back", () =>
        Effect.gen(function*() {
          const write = Database.begin(Effect.flatMap(Session.Session, (s) =>
            s.saveAll(LoggedAccount, [{ email: "ok@example.com" }, { email: "bot@spam.example" }])))
          expectTypeOf<Effect.Error<typeof write>>().toEqualTypeOf<DatabaseError.DatabaseError | Banned | Frozen>()
          const error = yield* Effect.flip(write)
          expect(error).toBeInstanceOf(Banned)
          expect(error).toBe(raised[0])
          const recovered = yield* Effect.catchTag(write, "Banned", (e) => Effect.succeed(`banned ${e.email}`))
          expect(recovered).toBe("banned bot@spam.example")
          expect(yield* count(Account)).toBe(0)
          // The first row's beforeInsert audit entry was rolled back with it.
          expect(yield* count(Audit)).toBe(0)
        }))

      test("after the statement ran, in a commit-as-you-go session, the write is still undone", () =>
        Effect.gen(function*() {
          const db = yield* Database.Database
          const error = yield* Effect.scoped(Effect.gen(function*() {
            const session = yield* db.session
            const stored = yield* session.save(GuardedAccount, { email: "a@example.com" })
            yield* session.commit
            const failed = yield* Effect.flip(session.save(GuardedAccount, { id: stored.id, email: "frozen@example.com" }))
            yield* session.commit
            return failed
          }))
          expect(error).toBeInstanceOf(Frozen)
          expect(error).toBe(raised[0])
          const rows = yield* Database.begin(Effect.flatMap(Session.Session, (s) => s.all(Query.select(Account))))
          expect(rows.map((r) => r.email)).toEqual(["a@example.com"])
        }))

      test("a delete hook's error keeps the row", () =>
        Effect.gen(function*() {
          const stored = yield* Database.begin(Effect.flatMap(Session.Session, (s) => s.save(Account, { email: "keep@example.com" })))
          const byRow = yield* Effect.flip(Database.begin(Effect.flatMap(Session.Session, (s) => s.delete(GuardedAccount, stored))))
          const byQuery = yield* Effect.flip(Database.begin(Effect.flatMap(Session.Session, (s) => s.delete(Query.select(GuardedAccount)))))
          expect([byRow, byQuery]).toEqual([new Frozen({ id: stored.id }), new Frozen({ id: stored.id })])
          expect(byRow).toBe(raised[0])
          expect(yield* count(Account)).toBe(1)
        }))

      test("concurrent writes: the failing ones roll back alone", () =>
        Effect.gen(function*() {
          const emails = Array.from({ length: 8 }, (_, i) => i % 2 === 0 ? `u${i}@example.com` : `u${i}@spam.example`)
          const results = yield* Effect.all(
            emails.map((email) =>
              Effect.result(Database.begin(Effect.flatMap(Session.Session, (s) => s.save(GuardedAccount, { email }))))
            ),
            { concurrency: 4 }
          )
          expect(results.map((r) => Result.isFailure(r) ? r.failure._tag : "saved")).toEqual(
            emails.map((email) => email.endsWith("@spam.example") ? "Banned" : "saved")
          )
          const rows = yield* Database.begin(Effect.flatMap(Session.Session, (s) => s.all(Query.select(Account).pipe(Query.orderBy(Account.columns.email)))))
          expect(rows.map((r) => r.email)).toEqual(emails.filter((e) => e.endsWith("@example.com")).sort())
        }))

      it("the hooked table's type records each hook's own errors", () => {
        expectTypeOf<Hooks.ErrorOf<typeof GuardedAccount>>().toEqualTypeOf<Banned | Frozen>()
        expectTypeOf<Hooks.ErrorOf<typeof LoggedAccount>>().toEqualTypeOf<Banned | Frozen>()
        expectTypeOf<Hooks.ErrorOf<typeof Account>>().toEqualTypeOf<never>()
        const tagged = Relation.many(Note, Hooks.withHooks(NoteTag, { beforeInsert: () => Effect.fail(new Frozen({ id: 0 })) }))
        expectTypeOf<Hooks.SpecErrorOf<{ tags: typeof tagged }>>().toEqualTypeOf<Frozen>()
        // @ts-expect-error a misspelled hook name is refused
        Hooks.withHooks(Account, { beforeInsrt: () => Effect.void })
      })

      test("Hooks.fail is still a HookError naming the table and hook", () =>
        Effect.gen(function*() {
          const Strict = Hooks.withHooks(Account, { beforeInsert: () => Hooks.fail("no new accounts") })
          const error = yield* Effect.flip(Database.begin(Effect.flatMap(Session.Session, (s) => s.save(Strict, { email: "x@example.com" }))))
          expect(error.reason).toMatchObject({ _tag: "HookError", table: "accounts", hook: "beforeInsert", message: "no new accounts" })
        }))
    })

    describe("arguments of the wrong shape", () => {
      /** The InputError `effect` fails with, having run no statement at all (not even BEGIN). */
      const inputError = (
        effect: Effect.Effect<unknown, DatabaseError.DatabaseError, Database.Database>,
        label: string,
        statements: Array<string>
      ) =>
        Effect.gen(function*() {
          const before = statements.length
          const error = yield* Effect.flip(effect)
          expect(DatabaseError.hasReason(error, "InputError"), `${label}: ${String(error)}`).toBe(true)
          expect(statements.slice(before), label).toEqual([])
          return error.message
        })

      const inSession = <A, E>(f: (s: Session.Session) => Effect.Effect<A, E>) =>
        Effect.flatMap(Database.Database, (db) => Effect.scoped(Effect.flatMap(db.session, f)))

      test("saveAll and insertAll of something that is not an array of rows", (statements) =>
        Effect.gen(function*() {
          for (const rows of [null, undefined, {}, "x", 42, new Set([{ body: "a" }]), { 0: { body: "a" }, length: 1 }]) {
            const message = yield* inputError(inSession((s) => s.saveAll(Note, rows as any)), `saveAll(${String(rows)})`, statements)
            expect(message).toMatch(/expected an array of rows of notes, got /)
            yield* inputError(inSession((s) => s.insertAll(Note, rows as any)), `insertAll(${String(rows)})`, statements)
          }
          const message = yield* inputError(inSession((s) => s.saveAll(Note, [{ body: "a" }, new Map()] as any)), "saveAll([row, Map])", statements)
          expect(message).toBe("InputError: row 1: a row of notes must be a plain object of its fields, got a Map")
          expect(yield* count(Note)).toBe(0)
        }))

      test("save and insert of something that is not a row", (statements) =>
        Effect.gen(function*() {
          class Plain {
            body = "from a class"
          }
          const cases: ReadonlyArray<readonly [unknown, string]> = [
            [new Set(), "a Set"],
            [new Map([["body", "x"]]), "a Map"],
            [new Date(), "a Date"],
            [[{ body: "x" }], "an array"],
            [null, "null"],
            [new Plain(), "a Plain"],
            ["body", "a string (\"body\")"],
            [7, "the number 7"]
          ]
          for (const [row, described] of cases) {
            const message = yield* inputError(inSession((s) => s.save(Note, row as any)), `save(${described})`, statements)
            expect(message).toBe(`InputError: a row of notes must be a plain object of its fields, got ${described}`)
            yield* inputError(inSession((s) => s.insert(Note, row as any)), `insert(${described})`, statements)
          }
          expect(yield* count(Note)).toBe(0)
        }))

      test("related rows, options, delete rows and update values of the wrong shape", (statements) =>
        Effect.gen(function*() {
          const withTags = { with: { tags: noteTags } }
          for (const tags of [new Set([{ tag: "a" }]), { tag: "a" }, [new Map()], ["a"]]) {
            yield* inputError(inSession((s) => s.save(Note, { body: "n", tags } as any, withTags)), `tags: ${String(tags)}`, statements)
          }
          yield* inputError(inSession((s) => s.save(Note, { body: "n" }, null as any)), "options null", statements)
          yield* inputError(inSession((s) => s.save(Note, { body: "n" }, { with: { tags: "noteTags" } } as any)), "with: string", statements)
          for (const rows of [null, new Set(), 5]) {
            yield* inputError(inSession((s) => s.delete(Note, rows as any)), `delete(${String(rows)})`, statements)
          }
          for (const values of [null, new Map([["body", "x"]]), "x"]) {
            yield* inputError(inSession((s) => s.update(Query.select(Note), values as any)), `update(${String(values)})`, statements)
          }
          expect(yield* count(Note)).toBe(0)
          expect(yield* count(NoteTag)).toBe(0)
        }))

      test("rows of a Model.Class table may be saved back as the instances they decode to", () =>
        Effect.gen(function*() {
          const stored = yield* Database.begin(Effect.flatMap(Session.Session, (s) => s.save(GroupTable, { name: "a" })))
          expect(stored).toBeInstanceOf(Group)
          const again = yield* Database.begin(Effect.flatMap(Session.Session, (s) => s.save(GroupTable, new Group({ id: stored.id, name: "b" }))))
          expect(again).toEqual(new Group({ id: stored.id, name: "b" }))
          expect(yield* count(GroupTable)).toBe(1)
        }))
    })
  })
}
