/**
 * Point lookups (`session.get`, `session.one(Query eq(pk))`) on the layer's
 * ordinary path, without a statement listener: on SQLite that is the
 * one-step path (connection taken, BEGIN, `.get()`, release in the caller's
 * fiber step), on PostgreSQL the ordinary one. Both must keep the session's
 * semantics: implicit BEGIN, turn-taking between forked fibers, detached
 * fibers refused, streams holding the connection, interruption, listeners
 * seeing every statement, and stored rows the Schema refuses failing with
 * the same `DecodeError` as `all`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import * as Stream from "effect/Stream"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Query from "../../src/Query.js"
import * as Table from "../../src/Table.js"
import type { MakeLayer } from "../support/layers.js"

const Item = Table.make("lookup_items", {
  id: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)).pipe(Column.primaryKey),
  name: Schema.String.check(Schema.isMaxLength(8)),
  score: Schema.NullOr(Schema.Int)
})

// The same table read with a stricter Schema: the rows written through Item
// that break it are stored rows the Schema refuses.
const Strict = Table.make("lookup_items", {
  id: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)).pipe(Column.primaryKey),
  name: Schema.String.check(Schema.isMaxLength(3)),
  score: Schema.NullOr(Schema.Int)
})

const rows = Array.from({ length: 40 }, (_, i) => ({ id: i, name: i % 5 === 0 ? `long${i}` : `n${i}`, score: i % 3 === 0 ? null : i }))

const failure = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const e = Cause.findErrorOption(exit.cause)
  if (Option.isNone(e)) throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return e.value
}

export const suite = (name: string, makeLayer: MakeLayer) => {
  const test = <A, E>(title: string, body: Effect.Effect<A, E, Database.Database | SqlClient.SqlClient>) =>
    it.effect(title, () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        yield* Effect.scoped(Effect.flatMap(db.session, (s) => Effect.andThen(s.saveAll(Item, rows), s.commit)))
        return yield* body
      }).pipe(Effect.provide(makeLayer({ tables: [Item] })), Effect.scoped) as Effect.Effect<A, unknown>)

  const byId = (id: number) => rows.find((r) => r.id === id)!

  describe(`point lookups (${name})`, () => {
    test(
      "get and one(eq(pk)) read rows, none, and refuse bad keys; the first statement begins the transaction",
      Effect.scoped(Effect.gen(function*() {
        const db = yield* Database.Database
        const s = yield* db.session
        expect(yield* s.inTransaction).toBe(false)
        expect(yield* s.get(Item, 7)).toEqual(Option.some(byId(7)))
        expect(yield* s.inTransaction).toBe(true)
        expect(yield* s.get(Item, 1000)).toEqual(Option.none())
        expect(yield* s.get(Item, { id: 3 })).toEqual(Option.some(byId(3)))
        expect(yield* s.get(Item, [9])).toEqual(Option.some(byId(9)))
        for (const id of [0, 12, 39]) {
          expect(yield* s.one(Query.select(Item).pipe(Query.where(Query.eq(Item.columns.id, id))))).toEqual(byId(id))
          expect(yield* s.first(Query.select(Item).pipe(Query.where(Query.eq(Item.columns.id, id))))).toEqual(Option.some(byId(id)))
        }
        expect((yield* Effect.flip(s.one(Query.select(Item).pipe(Query.where(Query.eq(Item.columns.id, 1000)))))).reason._tag)
          .toBe("NotFoundError")
        for (const bad of [-1, 1.5, "7"]) {
          const e = yield* Effect.flip(s.get(Item, bad as never))
          expect(e.reason._tag).toBe("InputError")
          expect(e.reason.message).toContain("lookup_items")
          const q = yield* Effect.flip(s.one(Query.select(Item).pipe(Query.where(Query.eq(Item.columns.id, bad as never)))))
          expect(q.reason).toEqual(e.reason)
        }
      }))
    )

    test(
      "a stored row the Schema refuses fails get and one with the DecodeError all gives",
      Effect.scoped(Effect.gen(function*() {
        const s = yield* Effect.flatMap(Database.Database, (db) => db.session)
        expect(yield* s.get(Strict, 1)).toEqual(Option.some(byId(1)))
        const viaAll = yield* Effect.flip(s.all(Query.select(Strict).pipe(Query.where(Query.eq(Strict.columns.id, 5)))))
        expect(viaAll.reason._tag).toBe("DecodeError")
        expect(viaAll.reason.message).toContain("column name")
        expect((yield* Effect.flip(s.get(Strict, 5))).reason).toEqual(viaAll.reason)
        expect((yield* Effect.flip(s.one(Query.select(Strict).pipe(Query.where(Query.eq(Strict.columns.id, 5)))))).reason)
          .toEqual(viaAll.reason)
      }))
    )

    test(
      "forked fibers of a session take turns: concurrent gets all read their rows",
      Effect.scoped(Effect.gen(function*() {
        const s = yield* Effect.flatMap(Database.Database, (db) => db.session)
        const ids = Array.from({ length: 120 }, (_, i) => i % 45)
        for (const concurrency of [4, "unbounded"] as const) {
          const found = yield* Effect.all(
            ids.map((id) =>
              id % 2 === 0
                ? s.get(Item, id)
                : Effect.map(s.oneOrNone(Query.select(Item).pipe(Query.where(Query.eq(Item.columns.id, id)))), (o) => o)
            ),
            { concurrency }
          )
          expect(found).toEqual(ids.map((id) => id < 40 ? Option.some(byId(id)) : Option.none()))
        }
        // Interleaved with writes of other fibers in the same transaction.
        const writes = yield* Effect.all(
          Array.from({ length: 20 }, (_, i) =>
            i % 2 === 0
              ? Effect.as(s.save(Item, { id: 100 + i, name: "w", score: i }), "w")
              : Effect.map(s.get(Item, 100 + i - 1), Option.isSome)),
          { concurrency: "unbounded" }
        )
        expect(writes.filter((w) => w === "w")).toHaveLength(10)
        expect(yield* s.get(Item, 118)).toEqual(Option.some({ id: 118, name: "w", score: 18 }))
      }))
    )

    test(
      "a get while the session's stream holds the connection, a detached fiber, and an interrupted fiber",
      Effect.gen(function*() {
        const db = yield* Database.Database
        // A stream holds the connection until it ends: a get between its pulls is refused as before.
        const busy = yield* Effect.scoped(Effect.gen(function*() {
          const s = yield* db.session
          return yield* s.stream(Query.select(Item).pipe(Query.orderBy(Item.columns.id))).pipe(
            Stream.take(1),
            Stream.mapEffect(() => Effect.flip(s.get(Item, 1))),
            Stream.runCollect
          )
        }))
        expect(busy[0]!.reason._tag).toBe("StatementError")
        expect(busy[0]!.reason.message).toContain("stream")

        // A fiber forked in the session that outlives it is refused.
        const go = yield* Deferred.make<void>()
        const orphan = yield* Effect.scoped(Effect.gen(function*() {
          const s = yield* db.session
          yield* s.get(Item, 1)
          return yield* Effect.forkDetach(Effect.andThen(Deferred.await(go), s.get(Item, 2)))
        }))
        yield* Deferred.succeed(go, undefined)
        const e = failure(yield* Fiber.await(orphan))
        expect(DatabaseError.isDatabaseError(e) && e.reason).toMatchObject({ _tag: "ConnectionError", kind: "detached" })

        // Fibers interrupted while reading leave the session usable.
        yield* Effect.scoped(Effect.gen(function*() {
          const s = yield* db.session
          const readers = yield* Effect.forkChild(Effect.all(
            Array.from({ length: 200 }, (_, i) => Effect.andThen(Effect.yieldNow, s.get(Item, i % 40))),
            { concurrency: 8 }
          ))
          yield* Effect.yieldNow
          yield* Fiber.interrupt(readers)
          expect(yield* s.get(Item, 4)).toEqual(Option.some(byId(4)))
          expect(yield* s.one(Query.select(Item).pipe(Query.where(Query.eq(Item.columns.id, 6))))).toEqual(byId(6))
        }))
      })
    )

    test(
      "inside a nested begin the lookups run in the block, and a listener sees every statement",
      Effect.gen(function*() {
        const db = yield* Database.Database
        yield* Effect.scoped(Effect.gen(function*() {
          const s = yield* db.session
          const inBlock = yield* Effect.exit(db.begin(Effect.gen(function*() {
            yield* s.save(Item, { id: 500, name: "tmp", score: null })
            expect(yield* s.get(Item, 500)).toEqual(Option.some({ id: 500, name: "tmp", score: null }))
            return yield* Effect.fail("roll back")
          })))
          expect(failure(inBlock)).toBe("roll back")
          expect(yield* s.get(Item, 500)).toEqual(Option.none())
        }))
      })
    )

    it.effect("a statement listener sees the lookups' statements", () =>
      Effect.gen(function*() {
        const seen: Array<string> = []
        yield* Effect.gen(function*() {
          const db = yield* Database.Database
          yield* db.createAll()
          yield* Effect.scoped(Effect.gen(function*() {
            const s = yield* db.session
            yield* s.saveAll(Item, rows.slice(0, 3))
            seen.length = 0
            expect(yield* s.get(Item, 2)).toEqual(Option.some(byId(2)))
            expect(yield* s.one(Query.select(Item).pipe(Query.where(Query.eq(Item.columns.id, 1))))).toEqual(byId(1))
          }))
        }).pipe(Effect.provide(makeLayer({ tables: [Item], onStatement: (sql) => seen.push(sql) })), Effect.scoped)
        expect(seen.filter((sql) => sql.startsWith("SELECT"))).toHaveLength(2)
      }))
  })
}
