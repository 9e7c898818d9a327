/**
 * The single-pass bulk write (`saveAll` / `insertAll` of a plain table
 * without hooks): it accepts and refuses exactly what the general (Schema)
 * path does, returns what a read-back gives, skips `RETURNING` only where
 * the metadata proves the stored row is the input, returns a count with
 * `returning: false`, and stays all or nothing under concurrency and
 * interruption. Run on both dialects.
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import type * as SqlClient from "effect/sql/SqlClient"
import fc from "fast-check"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Hooks from "../../src/Hooks.js"
import * as Query from "../../src/Query.js"
import * as Session from "../../src/Session.js"
import * as Table from "../../src/Table.js"
import type { MakeLayer } from "../support/layers.js"

/** Every column plain: refinements (length, range, integer) are compiled checks on the fast path. */
const Bulk = Table.make("bulk_rows", {
  id: Schema.Int.pipe(Column.primaryKey),
  name: Schema.String.check(Schema.isMaxLength(8)),
  score: Schema.Number,
  small: Schema.Int.check(Schema.isBetween({ minimum: -5, maximum: 5 })),
  flag: Schema.Boolean,
  note: Schema.NullOr(Schema.String)
})

/** A column the database fills in when left out. */
const Defaulted = Table.make("bulk_defaulted", {
  id: Schema.Int.pipe(Column.primaryKey),
  name: Schema.String,
  level: Schema.Int.pipe(Column.default(7))
})

/** A transformed column: the stored form is not the input. */
const Dated = Table.make("bulk_dated", {
  id: Schema.Int.pipe(Column.primaryKey),
  at: Schema.Date
})

const Hooked = Hooks.withHooks(
  Table.make("bulk_hooked", { id: Schema.Int.pipe(Column.primaryKey), name: Schema.String }),
  { beforeSave: (row) => Effect.succeed({ ...row, name: row.name.toUpperCase() }) }
)

const tables = [Bulk, Defaulted, Dated, Hooked]

type Trace = { statements: Array<string> }

const seed = [1, 2, 3].map((id) => ({ id, name: `seed${id}`, score: id / 2, small: id, flag: id % 2 === 0, note: null }))

/** A value drawn from valid ones and from every kind of refusal the Schema or the values checks make. */
const mostly = <A, B>(valid: fc.Arbitrary<A>, invalid: fc.Arbitrary<B>) =>
  fc.oneof({ arbitrary: valid, weight: 30 }, { arbitrary: invalid, weight: 1 })
const fields = {
  id: mostly(fc.integer({ min: 1, max: 60 }), fc.constantFrom(-0, 1.5, 2 ** 31, "1", Number.NaN, 10n)),
  name: mostly(
    fc.oneof(fc.string({ maxLength: 9 }), fc.string({ maxLength: 4, unit: "binary" })),
    fc.constantFrom("\uD800", "a\uDFFFb", "\uD83D\uDE00", "", 5)
  ),
  score: mostly(fc.double(), fc.constantFrom(Number.NaN, -0, Infinity, -Infinity, 0, "x", 1n)),
  small: mostly(fc.integer({ min: -6, max: 6 }), fc.constantFrom(-0, 1.5, Number.NaN)),
  flag: mostly(fc.boolean(), fc.constantFrom(1, "true", null)),
  note: mostly(fc.oneof(fc.constant(null), fc.string({ maxLength: 6 })), fc.constantFrom("\uDC00", 3, undefined))
}

/** A row: mostly every field, sometimes one left out or a field the table lacks. */
const rowArb = fc.tuple(fc.record(fields), fc.constantFrom(...Array(20).fill("keep"), "drop", "extra"), fc.constantFrom(
  ...Object.keys(fields)
)).map(([row, shape, field]) => {
  const out: Record<string, unknown> = { ...row }
  if (shape === "drop") delete out[field]
  if (shape === "extra") out["extra"] = 1
  return out
})

const errorShape = (e: unknown) =>
  DatabaseError.isDatabaseError(e)
    ? { reason: e.reason._tag, message: e.reason._tag === "InputError" ? e.reason.message : "" }
    : { reason: "other", message: String(e) }

/** Rolls a block back once it has produced its value. */
class Undo extends Error {
  constructor(readonly value: unknown) {
    super("undo")
  }
}

/** The error shape of a failed write (its typed failure, else "other"). */
const failureShape = (written: Exit.Exit<unknown, unknown>) => {
  const e = Exit.findErrorOption(written)
  return errorShape(e._tag === "Some" ? e.value : undefined)
}

/** What one write did, seen from inside a block that is then rolled back. */
interface Trial {
  readonly written: Exit.Exit<unknown, unknown>
  readonly stored: Array<unknown>
  /** The statements sent from the block's start. */
  readonly statements: Array<string>
}

export const suite = (name: string, makeLayer: MakeLayer, options: { readonly pgPreparedStatements?: boolean } = {}) => {
  const test = <A, E>(
    title: string,
    body: (trace: Trace) => Effect.Effect<A, E, Database.Database | SqlClient.SqlClient>,
    timeout?: number
  ) =>
    it.effect(title, () => {
      const trace: Trace = { statements: [] }
      return Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        trace.statements.length = 0
        return yield* body(trace)
      }).pipe(
        Effect.provide(makeLayer({ tables, onStatement: (sql) => trace.statements.push(sql) })),
        Effect.scoped
      ) as Effect.Effect<A, unknown>
    }, timeout)

  const readBack = <T extends Table.Any>(s: Session.Session, table: T) =>
    s.all(Query.select(table).pipe(Query.orderBy((table.columns as any).id)))

  /**
   * Inserts `seedRows`, runs `write` in a nested begin (a savepoint: a refusal by PostgreSQL
   * aborts only that, and the read-back still runs), reads `Bulk` back, then rolls it all back.
   */
  const trial = (
    trace: Trace,
    seedRows: ReadonlyArray<Record<string, unknown>>,
    write: (s: Session.Session) => Effect.Effect<unknown, unknown>
  ) =>
    Effect.gen(function*() {
      const db = yield* Database.Database
      const start = trace.statements.length
      const undone = yield* db.begin(Effect.gen(function*() {
        const s = yield* Session.Session
        if (seedRows.length > 0) yield* s.insertAll(Bulk, seedRows as any)
        const written = yield* Effect.exit(db.begin(Effect.flatMap(Session.Session, write)))
        const stored = yield* readBack(s, Bulk)
        return yield* Effect.fail(new Undo({ written, stored }))
      })).pipe(Effect.flip)
      const { written, stored } = (undone as Undo).value as Pick<Trial, "written" | "stored">
      return { written, stored, statements: trace.statements.slice(start) } satisfies Trial
    })

  describe(`single-pass bulk writes (${name})`, () => {
    test("property: the fast path accepts and refuses exactly what the Schema path does, and returns what a read-back gives", (trace) =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        let fast = 0
        let accepted = 0
        let refused = 0
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 4 }), fc.constantFrom("saveAll", "insertAll"), async (rows, mode) => {
              const run = (returning: boolean | undefined) =>
                Effect.runPromise(trial(trace, seed, (inner) =>
                  inner[mode as "saveAll" | "insertAll"](Bulk, rows as any, returning === undefined ? undefined : { returning } as any) as Effect.Effect<
                    unknown,
                    unknown
                  >).pipe(Effect.provideService(Database.Database, db)))
              // `returning: true` always takes the general path: the Schema encode, then RETURNING.
              const general = await run(true)
              const byDefault = await run(undefined)
              const counted = await run(false)
              for (const other of [byDefault, counted]) {
                expect(Exit.isSuccess(other.written)).toBe(Exit.isSuccess(general.written))
                expect(other.stored).toEqual(general.stored)
              }
              if (Exit.isSuccess(general.written)) {
                accepted++
                const expected = general.written.value as Array<Record<string, unknown>>
                expect((byDefault.written as Exit.Success<unknown>).value).toEqual(expected)
                expect((counted.written as Exit.Success<unknown>).value).toBe(rows.length)
                // The stored rows are what a read-back gives.
                const stored = general.stored as Array<Record<string, unknown>>
                expect(expected).toEqual(expected.map((row) => stored.find((s) => s["id"] === row["id"])))
                if (!byDefault.statements.some((sql) => sql.includes("RETURNING"))) fast++
              } else {
                refused++
                expect(failureShape(byDefault.written)).toEqual(failureShape(general.written))
                expect(failureShape(counted.written)).toEqual(failureShape(general.written))
                // Nothing written: only the seed is there.
                expect(general.stored).toEqual(seed)
              }
            }),
            { numRuns: 120 }
          )
        )
        // The comparison is not vacuous: both outcomes occurred, and the fast path wrote without RETURNING.
        expect(accepted).toBeGreaterThan(5)
        expect(refused).toBeGreaterThan(5)
        expect(fast).toBeGreaterThan(5)
      }), 120_000)

    test("RETURNING is skipped only where the stored row is provably the input", (trace) =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const returned = (sql: ReadonlyArray<string>, table: string) =>
          sql.filter((s) => s.startsWith("INSERT") && s.includes(table)).map((s) => s.includes("RETURNING"))
        const stored = yield* db.begin(Effect.gen(function*() {
          const s = yield* Session.Session
          const plain = yield* s.saveAll(Bulk, seed)
          const defaulted = yield* s.insertAll(Defaulted, [{ id: 1, name: "a" }, { id: 2, name: "b" }])
          const given = yield* s.insertAll(Defaulted, [{ id: 3, name: "c", level: 1 }])
          const dated = yield* s.insertAll(Dated, [{ id: 1, at: new Date(1000) }])
          const hooked = yield* s.saveAll(Hooked, [{ id: 1, name: "x" }])
          const forced = yield* s.saveAll(Bulk, [{ ...seed[0]!, name: "again" }], { returning: true })
          return { plain, defaulted, given, dated, hooked, forced }
        }))
        expect(stored.plain).toEqual(seed)
        expect(stored.defaulted).toEqual([{ id: 1, name: "a", level: 7 }, { id: 2, name: "b", level: 7 }])
        expect(stored.given).toEqual([{ id: 3, name: "c", level: 1 }])
        expect(stored.dated).toEqual([{ id: 1, at: new Date(1000) }])
        expect(stored.hooked).toEqual([{ id: 1, name: "X" }])
        expect(stored.forced).toEqual([{ ...seed[0]!, name: "again" }])
        expect(returned(trace.statements, "bulk_rows")).toEqual([false, true])
        expect(returned(trace.statements, "bulk_defaulted")).toEqual([true, false])
        expect(returned(trace.statements, "bulk_dated")).toEqual([true])
        expect(returned(trace.statements, "bulk_hooked")).toEqual([true])
      }))

    test("rows that are not plain objects of the fields are refused as the Schema path refuses them, even when every field is there", (trace) =>
      Effect.gen(function*() {
        const fields = { id: 4, name: "shape", score: 1, small: 0, flag: true, note: null }
        class Full {
          id = 4
          name = "shape"
          score = 1
          small = 0
          flag = true
          note = null
        }
        class Getters {
          id = 4
          score = 1
          small = 0
          flag = true
          note = null
          get name() {
            return "shape"
          }
        }
        const { note, ...noNote } = fields
        const shapes: ReadonlyArray<readonly [string, unknown, boolean]> = [
          ["plain", { ...fields }, true],
          ["null prototype", Object.assign(Object.create(null), fields), true],
          ["class instance", new Full(), false],
          // Refused by its own fields' count (the getter is not one), where the class instance is refused by its prototype.
          ["class with a getter", new Getters(), false],
          ["a field inherited", Object.assign(Object.create({ note }), noNote), false],
          ["array", Object.assign([], fields), false],
          ["array without a prototype", Object.setPrototypeOf(Object.assign([], fields), null), false]
        ]
        for (const [shape, row, accepted] of shapes) {
          for (const mode of ["saveAll", "insertAll"] as const) {
            const outcome = (returning: boolean | undefined) =>
              trial(trace, [], (s) => s[mode](Bulk, [{ ...seed[0]!, id: 5, name: "first" }, row] as any, returning === undefined ? undefined : { returning }))
            const general = yield* outcome(true)
            const stored = [{ ...seed[0]!, id: 5, name: "first" }, fields]
            for (const returning of [undefined, false]) {
              const fast = yield* outcome(returning)
              const result = (w: Exit.Exit<unknown, unknown>) => Exit.isSuccess(w) ? { written: w.value } : failureShape(w)
              // Accepted: the stored rows (or their count); refused: the general path's own InputError, and no INSERT sent.
              expect({ shape, mode, returning, result: result(fast.written) }).toEqual({
                shape,
                mode,
                returning,
                result: accepted ? { written: returning === false ? 2 : stored } : result(general.written)
              })
              expect(result(general.written)).toEqual(
                accepted
                  ? { written: stored }
                  : { reason: "InputError", message: expect.stringMatching(/^row 1: a row of bulk_rows must be a plain object of its fields/) }
              )
              expect(fast.statements.some((sql) => sql.startsWith("INSERT"))).toBe(accepted)
              expect(fast.stored).toEqual(general.stored)
            }
          }
        }
      }))

    test("saveAll with a key given twice, in key order or not, does what the Schema path does", (trace) =>
      Effect.gen(function*() {
        const row = (id: number, name: string) => ({ id, name, score: id, small: 0, flag: true, note: null })
        // Increasing keys skip the duplicate check's Set until the first key out of order.
        const orders = [[1, 2, 3], [3, 2, 1], [1, 2, 3, 2], [1, 1], [3, 1, 3], [2, 3, 1, 5, 4], [4, 5, 6, 4, 7], [1, 2, 2, 3]]
        for (const ids of orders) {
          const rows = ids.map((id, at) => row(id, `r${at}`))
          const outcome = (returning: boolean | undefined) =>
            trial(trace, [], (s) => s.saveAll(Bulk, rows, returning === undefined ? undefined : { returning }))
          const general = yield* outcome(true)
          const byDefault = yield* outcome(undefined)
          const shape = (w: Exit.Exit<unknown, unknown>) => Exit.isSuccess(w) ? { ok: w.value } : failureShape(w)
          expect({ ids, ...shape(byDefault.written) }).toEqual({ ids, ...shape(general.written) })
          expect(byDefault.stored).toEqual(general.stored)
          // Distinct keys: one INSERT, without RETURNING (the single pass). A repeated key: refused, nothing sent.
          const inserts = byDefault.statements.filter((sql) => sql.startsWith("INSERT")).map((sql) => sql.includes("RETURNING"))
          const distinct = new Set(ids).size === ids.length
          expect({ ids, inserts }).toEqual({ ids, inserts: distinct ? [false] : [] })
          expect({ ids, reason: Exit.isSuccess(general.written) ? "written" : failureShape(general.written).reason }).toEqual({
            ids,
            reason: distinct ? "written" : "InputError"
          })
        }
      }))

    test("returning: false returns how many rows were written, typed as a number", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const counts = yield* db.begin(Effect.gen(function*() {
          const s = yield* Session.Session
          const inserted = s.insertAll(Bulk, seed, { returning: false })
          expectTypeOf(inserted).toEqualTypeOf<Effect.Effect<number, DatabaseError.DatabaseError, never>>()
          const a = yield* inserted
          const b = yield* s.saveAll(Bulk, [{ ...seed[0]!, name: "upd" }, { ...seed[0]!, id: 9 }], { returning: false })
          const c = yield* s.save(Defaulted, { id: 1, name: "one" }, { returning: false })
          const d = yield* s.saveAll(Hooked, [{ id: 1, name: "h" }], { returning: false })
          return [a, b, c, d]
        }))
        expect(counts).toEqual([3, 2, 1, 1])
        const rows = yield* db.begin(Effect.flatMap(Session.Session, (s) => readBack(s, Bulk)))
        expect(rows.map((r) => [r.id, r.name])).toEqual([[1, "upd"], [2, "seed2"], [3, "seed3"], [9, "seed1"]])
        const bad = yield* db.begin(Effect.flatMap(Session.Session, (s) => s.saveAll(Bulk, seed, { returning: "no" } as any))).pipe(
          Effect.flip
        )
        expect(errorShape(bad).reason).toBe("InputError")
      }))

    test("past one chunk: several statements, all or nothing (a database refusal in the last chunk writes none)", (trace) =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const many = Array.from({ length: 2500 }, (_, i) => ({ id: i + 1, name: `n${i}`, score: i, small: 0, flag: true, note: null }))
        yield* db.begin(Effect.flatMap(Session.Session, (s) => s.insertAll(Bulk, [{ ...many[2400]!, name: "there" }])))
        trace.statements.length = 0
        // The row with id 2401 exists: the third chunk's INSERT fails on the key.
        const failed = yield* db.begin(Effect.flatMap(Session.Session, (s) => s.insertAll(Bulk, many))).pipe(Effect.flip)
        expect(errorShape(failed).reason).toBe("ConstraintError")
        expect(trace.statements.filter((s) => s.startsWith("INSERT")).length).toBe(3)
        const after = yield* db.begin(Effect.flatMap(Session.Session, (s) => readBack(s, Bulk)))
        expect(after.map((r) => r.name)).toEqual(["there"])
        const saved = yield* db.begin(Effect.flatMap(Session.Session, (s) => s.saveAll(Bulk, many)))
        expect(saved).toEqual(many)
        expect(yield* db.begin(Effect.flatMap(Session.Session, (s) => readBack(s, Bulk)))).toEqual(many)
      }), 60_000)

    test("concurrent saveAll calls into one begin and one session, from Effect.all and forked fibers", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const batch = (k: number) =>
          Array.from({ length: 1200 }, (_, i) => ({ id: k * 10_000 + i, name: `b${k}`, score: i, small: k % 5, flag: false, note: `${i}` }))
        const results = yield* db.begin(Effect.flatMap(Session.Session, (s) =>
          Effect.all([0, 1, 2, 3, 4, 5].map((k) => s.saveAll(Bulk, batch(k))), { concurrency: 6 })))
        expect(results).toEqual([0, 1, 2, 3, 4, 5].map(batch))
        const counted = yield* Effect.scoped(Effect.gen(function*() {
          const s = yield* Database.session
          const fibers = yield* Effect.forEach([6, 7, 8], (k) => Effect.forkChild(s.saveAll(Bulk, batch(k), { returning: false })))
          const counts = yield* Fiber.joinAll(fibers)
          yield* s.commit
          return counts
        }))
        expect(counted).toEqual([1200, 1200, 1200])
        const rows = yield* db.begin(Effect.flatMap(Session.Session, (s) => readBack(s, Bulk)))
        expect(rows).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].flatMap(batch))
      }), 60_000)

    if (options.pgPreparedStatements === true) {
      test("PostgreSQL: the chunks run as named prepared statements, one per chunk size", () =>
        Effect.gen(function*() {
          const db = yield* Database.Database
          const prepared = yield* db.begin(Effect.flatMap(Session.Session, (s) =>
            Effect.andThen(
              s.insertAll(Bulk, Array.from({ length: 2500 }, (_, i) => ({ id: i + 1, name: "p", score: 0, small: 0, flag: true, note: null }))),
              s.all(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO%bulk_rows%'`)
            )))
          expect(prepared).toEqual([{ n: 2 }])
        }))
    }

    test("interrupted inside begin once saveAll's statements started: nothing is written", (trace) =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const many = Array.from({ length: 3000 }, (_, i) => ({ id: i + 1, name: "i", score: 0, small: 0, flag: true, note: null }))
        const fiber = yield* Effect.forkChild(
          db.begin(Effect.flatMap(Session.Session, (s) => Effect.andThen(s.saveAll(Bulk, many), Effect.never)))
        )
        // Interrupted as soon as the first chunk's INSERT was sent (on PostgreSQL the later chunks may still be on their way).
        while (!trace.statements.some((s) => s.startsWith("INSERT INTO") && s.includes("bulk_rows"))) {
          // A real timer: it.effect runs on the test clock, which never advances by itself.
          yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 1)))
        }
        yield* Fiber.interrupt(fiber)
        expect(Exit.hasInterrupts(yield* Fiber.await(fiber))).toBe(true)
        expect(trace.statements.some((s) => s.startsWith("INSERT INTO") && s.includes("bulk_rows"))).toBe(true)
        expect(yield* db.begin(Effect.flatMap(Session.Session, (s) => readBack(s, Bulk)))).toEqual([])
      }), 60_000)
  })
}
