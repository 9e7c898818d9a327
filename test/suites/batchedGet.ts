/**
 * `db.get`: concurrent point lookups batched into one statement per table
 * and connection. Each caller gets its own row (or none), a bad key fails
 * only its caller exactly as `session.get` fails, and an interrupted caller
 * leaves the batch without taking the others' rows with it.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import type * as DatabaseError from "../../src/DatabaseError.js"
import * as Table from "../../src/Table.js"
import type { MakeLayer } from "../support/layers.js"

const Item = Table.make("bg_items", {
  id: Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0)), Column.primaryKey),
  name: Schema.String.pipe(Schema.check(Schema.isMaxLength(20)))
})

const Pair = Table.make("bg_pairs", {
  a: Schema.Int.pipe(Column.primaryKey),
  b: Schema.String.pipe(Schema.check(Schema.isMaxLength(8)), Column.primaryKey),
  note: Schema.String
})

const ROWS = 40

const failureOf = <A>(exit: Exit.Exit<A, DatabaseError.DatabaseError>) =>
  Exit.isFailure(exit) ? exit.cause.reasons.map((r) => (r._tag === "Fail" ? `${r.error.reason._tag}: ${r.error.message}` : r._tag)) : undefined

export const suite = (name: string, makeLayer: MakeLayer) => {
  const statements: Array<{ sql: string; params: ReadonlyArray<unknown> }> = []
  const lookups = () => statements.filter((s) => s.sql.includes("bg_items") && s.sql.startsWith("SELECT"))
  const test = (title: string, body: Effect.Effect<void, unknown, Database.Database>) =>
    it.live(title, () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        yield* db.begin(Effect.gen(function*() {
          for (let i = 1; i <= ROWS; i++) yield* db.sql`INSERT INTO bg_items (id, name) VALUES (${i}, ${`item ${i}`})`
          yield* db.sql`INSERT INTO bg_pairs (a, b, note) VALUES (1, 'x', 'one x'), (1, 'y', 'one y'), (2, 'x', 'two x')`
        }))
        statements.length = 0
        yield* body
      }).pipe(
        Effect.provide(makeLayer({ tables: [Item, Pair], onStatement: (sql, params) => void statements.push({ sql, params }) })),
        Effect.scoped
      ) as Effect.Effect<void, unknown>)

  describe(`db.get, batched (${name})`, () => {
    test(
      "fibers of one Effect.all (unbounded) each get their own row, from one statement",
      Effect.gen(function*() {
        const db = yield* Database.Database
        const keys = Array.from({ length: ROWS }, (_, i) => ROWS - i)
        const rows = yield* Effect.all(keys.map((k) => db.get(Item, k)), { concurrency: "unbounded" })
        expect(rows.map((r) => Option.getOrThrow(r))).toEqual(keys.map((k) => ({ id: k, name: `item ${k}` })))
        expect(lookups()).toHaveLength(1)
      })
    )

    test(
      "forked fibers joined later, and Effect.all with bounded concurrency, get the same rows as session.get",
      Effect.gen(function*() {
        const db = yield* Database.Database
        const fibers = yield* Effect.forEach([3, 1, 2, 99], (k) => Effect.forkChild(db.get(Item, k)))
        const forked = yield* Effect.forEach(fibers, Fiber.join)
        const bounded = yield* Effect.all([5, 6, 7, 8, 9, 100].map((k) => db.get(Item, k)), { concurrency: 3 })
        const expected = yield* Effect.scoped(Effect.flatMap(db.session, (s) =>
          Effect.forEach([3, 1, 2, 99, 5, 6, 7, 8, 9, 100], (k) => s.get(Item, k))))
        expect([...forked, ...bounded]).toEqual(expected)
        expect(forked[3]).toEqual(Option.none())
      })
    )

    test(
      "duplicate keys share one place in the list and each caller gets the row; missing keys get none",
      Effect.gen(function*() {
        const db = yield* Database.Database
        const rows = yield* Effect.all([4, 4, 500, 4, 501, 5].map((k) => db.get(Item, k)), { concurrency: "unbounded" })
        expect(rows.map(Option.getOrUndefined)).toEqual([
          { id: 4, name: "item 4" },
          { id: 4, name: "item 4" },
          undefined,
          { id: 4, name: "item 4" },
          undefined,
          { id: 5, name: "item 5" }
        ])
        expect(lookups()).toHaveLength(1)
        expect(JSON.stringify(lookups()[0]!.params)).not.toMatch(/4.*4/)
      })
    )

    test(
      "composite keys as tuples and records, batched",
      Effect.gen(function*() {
        const db = yield* Database.Database
        const rows = yield* Effect.all([
          db.get(Pair, [1, "y"]),
          db.get(Pair, { a: 2, b: "x" }),
          db.get(Pair, [2, "y"]),
          db.get(Pair, [1, "x"])
        ], { concurrency: "unbounded" })
        expect(rows.map((r) => Option.getOrUndefined(r)?.note)).toEqual(["one y", "two x", undefined, "one x"])
        expect(statements.filter((s) => s.sql.includes("bg_pairs"))).toHaveLength(1)
      })
    )

    test(
      "an interrupted caller leaves the batch: the others still get their rows",
      Effect.gen(function*() {
        const db = yield* Database.Database
        const fibers = yield* Effect.forEach([1, 2, 3, 4], (k) => Effect.forkChild(db.get(Item, k)))
        yield* Fiber.interrupt(fibers[1]!)
        const rest = yield* Effect.forEach([fibers[0]!, fibers[2]!, fibers[3]!], Fiber.join)
        expect(rest.map((r) => Option.getOrThrow(r).id)).toEqual([1, 3, 4])
        const interrupted = yield* Fiber.await(fibers[1]!)
        expect(Exit.hasInterrupts(interrupted)).toBe(true)
        // Interrupted after the batch was sent: the others are not cancelled with it.
        const more = yield* Effect.forEach([5, 6, 7], (k) => Effect.forkChild(db.get(Item, k)))
        yield* Effect.yieldNow
        yield* Fiber.interrupt(more[0]!)
        expect((yield* Effect.forEach(more.slice(1), Fiber.join)).map((r) => Option.getOrThrow(r).id)).toEqual([6, 7])
      })
    )

    test(
      "a bad key fails its own caller, exactly as session.get fails, and not the batch",
      Effect.gen(function*() {
        const db = yield* Database.Database
        const bad: ReadonlyArray<unknown> = ["1", 1.5, -3, null, [1, 2], { id: undefined }, { nope: 1 }, 2 ** 60]
        const results = yield* Effect.all([...bad.map((k) => Effect.exit(db.get(Item, k as never))), Effect.exit(db.get(Item, 7))], {
          concurrency: "unbounded"
        })
        const viaSession = yield* Effect.scoped(Effect.flatMap(db.session, (s) =>
          Effect.forEach(bad, (k) => Effect.exit(s.get(Item, k as never)))))
        expect(results.slice(0, bad.length).map(failureOf)).toEqual(viaSession.map(failureOf))
        // Every bad key but null (session.get finds no row for it either) fails with an InputError.
        for (const i of [0, 1, 2, 4, 5, 6, 7]) expect(failureOf(results[i]!)?.[0]).toMatch(/^InputError/)
        expect(Exit.isSuccess(results[bad.length]!)).toBe(true)
        const badPair = yield* Effect.exit(db.get(Pair, [1, "far too long a text"]))
        const badPairSession = yield* Effect.scoped(Effect.flatMap(db.session, (s) => Effect.exit(s.get(Pair, [1, "far too long a text"]))))
        expect(failureOf(badPair)).toEqual(failureOf(badPairSession))
      })
    )

    test(
      "accepts and rejects exactly the keys session.get does, with the same rows and errors (property)",
      Effect.gen(function*() {
        const db = yield* Database.Database
        const key = fc.oneof(
          fc.integer({ min: -5, max: ROWS + 5 }),
          fc.double(),
          fc.string({ maxLength: 3 }),
          fc.constantFrom(null, undefined, true),
          fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
          fc.record({ id: fc.oneof(fc.integer({ min: -2, max: 50 }), fc.string({ maxLength: 2 })) })
        )
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(fc.array(key, { minLength: 1, maxLength: 8 }), async (keys) => {
              const [batched, single] = await Effect.runPromise(Effect.all([
                Effect.all(keys.map((k) => Effect.exit(db.get(Item, k as never))), { concurrency: "unbounded" }),
                Effect.scoped(Effect.flatMap(db.session, (s) => Effect.forEach(keys, (k) => Effect.exit(s.get(Item, k as never)))))
              ]))
              expect(batched.map((e) => Exit.isSuccess(e) ? e.value : failureOf(e))).toEqual(
                single.map((e) => Exit.isSuccess(e) ? e.value : failureOf(e))
              )
            }),
            { numRuns: 40 }
          )
        )
      })
    )

    test(
      "inside db.begin it runs on the transaction's connection and sees its uncommitted rows",
      Effect.gen(function*() {
        const db = yield* Database.Database
        let seen: ReadonlyArray<Option.Option<unknown>> = []
        const exit = yield* Effect.exit(db.begin(Effect.gen(function*() {
          yield* db.sql`INSERT INTO bg_items (id, name) VALUES (${900}, ${"fresh"})`
          seen = yield* Effect.all([db.get(Item, 900), db.get(Item, 1)], { concurrency: "unbounded" })
          return yield* Effect.fail("roll back")
        })))
        expect(Exit.isFailure(exit)).toBe(true)
        expect(seen.map((r) => Option.isSome(r))).toEqual([true, true])
        // Rolled back: outside, the row is gone.
        expect(yield* db.get(Item, 900)).toEqual(Option.none())
      })
    )
  })
}
