import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type * as SqlClient from "effect/sql/SqlClient"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Query from "../../src/Query.js"
import * as Session from "../../src/Session.js"
import { tables, User } from "../fixtures/sqlservice.js"
import type { MakeLayer } from "../support/layers.js"

interface Trace {
  readonly statements: Array<string>
}

const isReadOnly = (e: unknown) => DatabaseError.hasReason(e, "ReadOnlyError")

const ada = { name: "Ada", email: "ada@example.com", phone: null }

/** The transaction statements a session of `dialect` sends around its reads. */
const readOnlyBegin = { sqlite: ["BEGIN DEFERRED"], pg: ["BEGIN READ ONLY"] } as const
const readOnlyEnd = { sqlite: ["ROLLBACK"], pg: ["ROLLBACK"] } as const
const writeBegin = { sqlite: "BEGIN IMMEDIATE", pg: "BEGIN" } as const

const control = (statements: ReadonlyArray<string>) =>
  statements.filter((s) => /^(BEGIN|COMMIT|ROLLBACK|PRAGMA|SAVEPOINT|RELEASE)/.test(s))

const readOnly = <A, E, R>(f: (s: Session.Session) => Effect.Effect<A, E, R>) =>
  Effect.scoped(Effect.flatMap(Database.sessionWith({ readOnly: true }), f))

const userCount = readOnly((s) => s.count(Query.select(User)))

/**
 * Read-only sessions (`db.sessionWith({ readOnly: true })`) and
 * `begin({ readOnly: true })`: what they send, that nothing writes through
 * them, and that the connection is writable again however they end.
 */
export const suite = (name: string, makeLayer: MakeLayer) => {
  const test = <A, E>(
    title: string,
    body: (trace: Trace, db: Database.Database) => Effect.Effect<A, E, Database.Database | SqlClient.SqlClient>
  ) =>
    it.effect(title, () => {
      const trace: Trace = { statements: [] }
      return Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        trace.statements.length = 0
        return yield* body(trace, db)
      }).pipe(
        Effect.provide(makeLayer({ tables, onStatement: (sql) => trace.statements.push(sql) })),
        Effect.scoped
      ) as Effect.Effect<A, unknown>
    })

  // A write in a default session after the read-only one: fails if the
  // connection was left refusing writes (SQLite's one connection).
  let writes = 0
  const writeAfter = Effect.scoped(Effect.gen(function*() {
    const s = yield* Database.session
    const n = writes++
    yield* s.save(User, { name: "After", email: `after${n}@example.com`, phone: null })
    yield* s.commit
  }))

  describe(`read-only sessions (${name})`, () => {
    test("a read-only session begins read only, without a write lock, and ends it", (trace, db) =>
      Effect.gen(function*() {
        yield* readOnly((s) => Effect.andThen(s.get(User, 1), s.all(Query.select(User))))
        expect(control(trace.statements)).toEqual([...readOnlyBegin[db.dialect], ...readOnlyEnd[db.dialect]])
        trace.statements.length = 0
        yield* writeAfter
        expect(control(trace.statements)).toEqual([writeBegin[db.dialect], "COMMIT"])
      }))

    test("ORM and raw writes through a read-only session fail with ReadOnlyError and write nothing", (_, db) =>
      Effect.gen(function*() {
        const saved = yield* Effect.scoped(Effect.flatMap(Database.session, (s) => Effect.tap(s.save(User, ada), () => s.commit)))
        const attempts: ReadonlyArray<(s: Session.Session) => Effect.Effect<unknown, DatabaseError.DatabaseError>> = [
          (s: Session.Session) => s.save(User, { name: "Bob", email: "bob@example.com", phone: null }),
          (s: Session.Session) => s.saveAll(User, [{ name: "C", email: "c@example.com", phone: null }, { name: "D", email: "d@example.com", phone: null }]),
          (s: Session.Session) => s.update(Query.select(User), { name: "Renamed" }),
          (s: Session.Session) => s.delete(Query.select(User)),
          (s: Session.Session) => s.delete(User, saved),
          (s: Session.Session) => s.execute("INSERT INTO users (name, email) VALUES ('E', 'e@example.com')"),
          (s: Session.Session) => s.execute("DELETE FROM users")
        ]
        for (const attempt of attempts) {
          // Fresh session and one that has already read: both refuse.
          const fresh = yield* Effect.flip(readOnly(attempt))
          expect(isReadOnly(fresh)).toBe(true)
          expect(fresh.message).toContain("readOnly")
          const afterRead = yield* Effect.flip(readOnly((s) => Effect.andThen(s.all(Query.select(User)), attempt(s))))
          expect(isReadOnly(afterRead)).toBe(true)
        }
        // SqlClient statements on the session's connection are refused too.
        const viaSql = yield* Effect.flip(readOnly(() => db.sql`DELETE FROM users`))
        expect(viaSql._tag).toBe("SqlError")
        expect(yield* readOnly((s) => s.all(Query.select(User)))).toEqual([saved])
        yield* writeAfter
        expect(yield* userCount).toBe(2)
      }))

    test("begin({ readOnly: true }) refuses writes and leaves the connection writable", (trace, db) =>
      Effect.gen(function*() {
        const failed = yield* Effect.flip(db.begin(Effect.flatMap(Session.Session, (s) => s.save(User, ada)), { readOnly: true }))
        expect(isReadOnly(failed)).toBe(true)
        expect(control(trace.statements)).toEqual([...readOnlyBegin[db.dialect], ...readOnlyEnd[db.dialect]])
        yield* db.begin(Effect.flatMap(Session.Session, (s) => s.save(User, ada)))
        expect(yield* userCount).toBe(1)
      }))

    test("a nested begin in a read-only session is read only too, before and after the first read", (trace, db) =>
      Effect.gen(function*() {
        yield* readOnly((s) =>
          Effect.gen(function*() {
            // No transaction yet: the begin opens the session's, read only.
            const first = yield* Effect.flip(db.begin(s.save(User, ada)))
            expect(isReadOnly(first)).toBe(true)
            expect(control(trace.statements).slice(0, readOnlyBegin[db.dialect].length)).toEqual(readOnlyBegin[db.dialect])
            yield* s.all(Query.select(User))
            // In the session's transaction: a savepoint, still read only.
            const nested = yield* Effect.flip(db.begin(s.save(User, ada)))
            expect(isReadOnly(nested)).toBe(true)
            const nestedAsWriter = yield* Effect.flip(db.begin(s.save(User, ada), { readOnly: false }))
            expect(isReadOnly(nestedAsWriter)).toBe(true)
            // The session still reads after its nested blocks failed.
            expect(yield* s.all(Query.select(User))).toEqual([])
          })
        )
        yield* writeAfter
        expect(yield* userCount).toBe(1)
      }))

    test("commit and rollback end the read-only transaction; the next statement begins another", (trace, db) =>
      Effect.gen(function*() {
        yield* readOnly((s) =>
          Effect.gen(function*() {
            yield* s.get(User, 1)
            yield* s.commit
            yield* s.get(User, 1)
            yield* s.rollback
            const failed = yield* Effect.flip(s.save(User, ada))
            expect(isReadOnly(failed)).toBe(true)
          })
        )
        const begin = readOnlyBegin[db.dialect]
        const end = readOnlyEnd[db.dialect]
        expect(control(trace.statements)).toEqual([
          ...begin,
          "COMMIT",
          ...begin,
          ...end,
          ...begin,
          ...end
        ])
        yield* writeAfter
        expect(yield* userCount).toBe(1)
      }))

    test("forked fibers of a read-only session read concurrently; a forked write fails alone", () =>
      Effect.gen(function*() {
        yield* Effect.scoped(Effect.flatMap(Database.session, (s) =>
          Effect.tap(s.saveAll(User, Array.from({ length: 5 }, (_, i) => ({ name: `u${i}`, email: `u${i}@x`, phone: null }))), () => s.commit)))
        const [found, write] = yield* readOnly((s) =>
          Effect.all([
            Effect.all(Array.from({ length: 20 }, (_, i) => Effect.map(s.get(User, (i % 5) + 1), Option.isSome)), { concurrency: 8 }),
            // A nested block: on PostgreSQL a failed statement aborts the
            // transaction it runs in, so the write gets a savepoint of its own.
            Effect.flip(Database.begin(s.save(User, ada)))
          ], { concurrency: 2 }))
        expect(found).toEqual(Array.from({ length: 20 }, () => true))
        expect(isReadOnly(write)).toBe(true)
        yield* writeAfter
        expect(yield* userCount).toBe(6)
      }))

    test("a read-only session that fails, dies or is interrupted leaves the connection writable", () =>
      Effect.gen(function*() {
        const failed = yield* Effect.flip(readOnly((s) => Effect.andThen(s.get(User, 1), Effect.fail("boom" as const))))
        expect(failed).toBe("boom")
        yield* writeAfter
        yield* Effect.exit(readOnly((s) => Effect.andThen(s.get(User, 1), Effect.die("defect"))))
        yield* writeAfter
        // Interrupted while it holds its transaction open.
        const reading = yield* Deferred.make<void>()
        const fiber = yield* Effect.forkChild(
          readOnly((s) => Effect.andThen(s.get(User, 1), Effect.andThen(Deferred.succeed(reading, undefined), Effect.never)))
        )
        yield* Deferred.await(reading)
        yield* Fiber.interrupt(fiber)
        yield* writeAfter
        // Interrupted inside a read-only begin, too.
        const inBlock = yield* Deferred.make<void>()
        const inBegin = yield* Effect.forkChild(Database.begin(
          Effect.flatMap(Session.Session, (s) => Effect.andThen(s.get(User, 1), Effect.andThen(Deferred.succeed(inBlock, undefined), Effect.never))),
          { readOnly: true }
        ))
        yield* Deferred.await(inBlock)
        yield* Fiber.interrupt(inBegin)
        yield* writeAfter
        expect(yield* userCount).toBe(4)
      }))

    test("a default session still begins a write transaction", (trace, db) =>
      Effect.gen(function*() {
        yield* Effect.scoped(Effect.flatMap(db.sessionWith(), (s) => s.get(User, 1)))
        yield* Effect.scoped(Effect.flatMap(db.sessionWith({ readOnly: false }), (s) => s.get(User, 1)))
        expect(control(trace.statements)).toEqual([writeBegin[db.dialect], "ROLLBACK", writeBegin[db.dialect], "ROLLBACK"])
      }))
  })
}
