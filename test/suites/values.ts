/**
 * Values are stored faithfully or refused: every value either reads back
 * exactly as it was given, or is refused with an `InputError` before any
 * statement runs (so a commit-as-you-go session that commits after the
 * refusal stores nothing). Run on both dialects; what each dialect can store
 * is stated as data (`storable`) next to the cases.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Query from "../../src/Query.js"
import * as Relation from "../../src/Relation.js"
import type * as Session from "../../src/Session.js"
import * as Table from "../../src/Table.js"
import type { MakeLayer } from "../support/layers.js"

export const Edge = Table.make("edge_values", {
  id: Schema.Int.pipe(Column.primaryKey),
  num: Schema.NullOr(Schema.Number),
  int: Schema.NullOr(Schema.Int),
  big: Schema.NullOr(Schema.BigInt),
  text: Schema.NullOr(Schema.String),
  json: Schema.NullOr(Schema.Unknown),
  doc: Schema.NullOr(Schema.Struct({ x: Schema.Number, s: Schema.String })),
  uuid: Schema.NullOr(Schema.String.check(Schema.isUUID()))
})

export const EdgeKey = Table.make("edge_keys", {
  key: Schema.String.pipe(Column.primaryKey),
  note: Schema.String
})

export const EdgeNote = Table.make("edge_notes", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  key: Schema.String.pipe(Column.references(() => EdgeKey.columns.key)),
  text: Schema.String
})

const notes = Relation.many(EdgeKey, EdgeNote)

type Column = "num" | "int" | "big" | "text" | "json" | "doc" | "uuid"
type Row = { -readonly [K in Column]: unknown }

/** What the database under test is. */
interface Target {
  readonly dialect: Database.Dialect
  /** 64-bit integers read back exactly (PostgreSQL; SQLite with safeIntegers). */
  readonly exactBigInts: boolean
}

const TEN_MB = "é".repeat(5 * 1024 * 1024) // 10 MiB of UTF-8
const deep = (levels: number): unknown => {
  let v: unknown = []
  for (let i = 1; i < levels; i++) v = [v]
  return v
}
const DEEPEST_JSON = deep(1000)
const TOO_DEEP_JSON = deep(1001)
const CYCLIC: Record<string, unknown> = { a: 1 }
CYCLIC["self"] = CYCLIC

const hasLoneSurrogate = (s: string) => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s)

/** The specification: whether `target` stores `value` in `column` exactly. */
const storable = (target: Target, column: Column, value: unknown): boolean => {
  if (value === null) return true
  const pg = target.dialect === "pg"
  const text = (s: string) => !hasLoneSurrogate(s) && !(pg && s.includes("\u0000"))
  const json = (v: unknown, depth: number): boolean => {
    if (depth > 1000) return false
    if (typeof v === "number") return Number.isFinite(v) && !Object.is(v, -0)
    if (typeof v === "string") return pg ? text(v) : true
    if (v === null || typeof v === "boolean") return true
    if (Array.isArray(v)) {
      // A for loop, not every(): every() skips the holes a sparse array has.
      for (let i = 0; i < v.length; i++) if (!(i in v) || v[i] === undefined || !json(v[i], depth + 1)) return false
      return true
    }
    if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.entries(v).every(([k, x]) => json(k, depth) && (x === undefined || json(x, depth + 1)))
    }
    return false
  }
  switch (column) {
    case "num":
      return pg || !(Number.isNaN(value) || Object.is(value, -0))
    case "int": {
      const n = value as number
      return !Object.is(n, -0) && (!pg || (n >= -(2 ** 31) && n < 2 ** 31))
    }
    case "big": {
      const n = value as bigint
      const int64 = n >= -(2n ** 63n) && n < 2n ** 63n
      return int64 && (target.exactBigInts || (n > -(2n ** 53n) && n < 2n ** 53n))
    }
    case "text":
      return text(value as string)
    case "json":
      return json(value, 1)
    case "doc": {
      const { s, x } = value as { x: number; s: string }
      return json(x, 2) && json(s, 2)
    }
    case "uuid":
      return !pg || value === (value as string).toLowerCase()
  }
}

const edges: { readonly [K in Column]: ReadonlyArray<unknown> } = {
  num: [NaN, Infinity, -Infinity, -0, 0, Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, 0.1 + 0.2],
  int: [0, -0, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER],
  big: [
    0n,
    2n ** 53n - 1n,
    2n ** 53n,
    2n ** 53n + 1n,
    -(2n ** 53n) - 1n,
    2n ** 63n - 1n,
    -(2n ** 63n),
    2n ** 63n,
    -(2n ** 63n) - 1n
  ],
  text: ["", "a\u0000b", "\u0000", "\uD800", "x\uDFFFy", "\uDBFF\uDFFF", "\uD83D\uDE00", "\uFFFD", TEN_MB, TEN_MB + "\uD800"],
  json: [
    { a: NaN },
    [Infinity],
    -Infinity,
    -0,
    { z: -0 },
    { "\u0000": 1 },
    { k: "\uDC00" },
    "\uD800\uDC00",
    // eslint-disable-next-line no-sparse-arrays
    [1, , 2],
    [1, undefined],
    { a: undefined, b: 1 },
    new Date(0),
    new Map([["a", 1]]),
    TEN_MB,
    DEEPEST_JSON,
    TOO_DEEP_JSON,
    CYCLIC,
    { nested: { list: [1, "two", null, true, { three: 3.5 }] } },
    1e21,
    Number.MAX_VALUE,
    Number.MIN_VALUE
  ],
  doc: [{ x: NaN, s: "" }, { x: -0, s: "" }, { x: 1, s: "\u0000" }, { x: Infinity, s: "a" }, { x: 1.5, s: "\uD800" }],
  uuid: ["123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000"]
}

/** Ordinary values, including the edges fast-check's own generators produce (fc.double gives NaN, ±Infinity and -0). */
const ordinary: { readonly [K in Column]: fc.Arbitrary<unknown> } = {
  num: fc.double(),
  int: fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  big: fc.oneof(
    { weight: 3, arbitrary: fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }) },
    { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }) }
  ),
  text: fc.oneof(
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
    { weight: 3, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) }
  ),
  json: fc.jsonValue({ maxDepth: 3 }),
  doc: fc.record({ x: fc.double(), s: fc.string({ unit: "binary", maxLength: 6 }) }),
  uuid: fc.oneof({ weight: 3, arbitrary: fc.uuid() }, { weight: 1, arbitrary: fc.uuid().map((u) => u.toUpperCase()) })
}

const columnValue = (column: Column) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 4, arbitrary: ordinary[column] },
    { weight: 1, arbitrary: fc.constantFrom(...edges[column]) }
  )

const rowArbitrary: fc.Arbitrary<Row> = fc.record({
  num: columnValue("num"),
  int: columnValue("int"),
  big: columnValue("big"),
  text: columnValue("text"),
  json: columnValue("json"),
  doc: columnValue("doc"),
  uuid: columnValue("uuid")
})

const columns: ReadonlyArray<Column> = ["num", "int", "big", "text", "json", "doc", "uuid"]

/** JSON leaves `undefined` properties out: what a stored object reads back as. */
const withoutUndefined = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(withoutUndefined)
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, withoutUndefined(x)]))
  }
  return v
}

/** Equality that tells -0 from 0 (`Object.is` on every leaf) and keeps NaN equal to itself. */
const same = (a: unknown, b: unknown): boolean => {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return Object.is(a, b)
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same((a as any)[k], (b as any)[k]))
}

const short = (v: unknown): string => {
  if (typeof v === "string" && v.length > 80) return `${JSON.stringify(v.slice(0, 80))}… (${v.length} chars)`
  const s = typeof v === "bigint" ? `${v}n` : typeof v === "number" ? (Object.is(v, -0) ? "-0" : String(v)) : (() => {
    try {
      return JSON.stringify(v) ?? String(v)
    } catch {
      return String(v)
    }
  })()
  return s.length > 80 ? `${s.slice(0, 80)}… (${s.length} chars)` : s
}

interface Trace {
  readonly statements: Array<string>
}

const inSession = <A, E, R>(db: Database.Database, f: (s: Session.Session) => Effect.Effect<A, E, R>) =>
  Effect.scoped(Effect.flatMap(db.session, (s) => Effect.tap(f(s), () => s.commit)))

const isInputError = (e: unknown): e is DatabaseError.DatabaseError =>
  DatabaseError.isDatabaseError(e) && e.reason._tag === "InputError"

export const suite = (name: string, makeLayer: MakeLayer, options: { readonly safeIntegers?: boolean } = {}) => {
  const test = <A, E>(
    title: string,
    body: (db: Database.Database, trace: Trace, target: Target) => Effect.Effect<A, E, Database.Database>,
    timeout?: number
  ) =>
    it.effect(title, () => {
      const trace: Trace = { statements: [] }
      return Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        trace.statements.length = 0
        const target: Target = { dialect: db.dialect, exactBigInts: db.dialect === "pg" || options.safeIntegers === true }
        return yield* body(db, trace, target)
      }).pipe(
        Effect.provide(makeLayer({
          tables: [Edge, EdgeKey, EdgeNote],
          onStatement: (sql) => trace.statements.push(sql),
          ...(options.safeIntegers === undefined ? {} : { safeIntegers: options.safeIntegers })
        })),
        Effect.scoped
      ) as Effect.Effect<A, unknown>
    }, timeout)

  const emptyRow: Row = { num: null, int: null, big: null, text: null, json: null, doc: null, uuid: null }

  /**
   * Saves `row` as `id` in a commit-as-you-go session that commits whatever
   * happens, and says what became of it.
   */
  const saveAndCommit = (db: Database.Database, trace: Trace, id: number, row: Row) =>
    Effect.gen(function*() {
      const saved = yield* Effect.scoped(Effect.gen(function*() {
        const s = yield* db.session
        const before = trace.statements.length
        const result = yield* Effect.result(s.save(Edge, { id, ...row } as any))
        const during = trace.statements.slice(before)
        yield* s.commit
        return { result, during }
      }))
      const stored = yield* inSession(db, (s) => s.get(Edge, id))
      return { ...saved, stored }
    })

  describe(`values stored faithfully or refused (${name})`, () => {
    test("property: every value reads back exactly, or is refused before any SQL and nothing is stored", (db, trace, target) =>
      Effect.promise(async () => {
        let id = 0
        const seen = { stored: 0, refused: 0 }
        await fc.assert(
          fc.asyncProperty(rowArbitrary, (row) =>
            Effect.runPromise(Effect.gen(function*() {
              id += 1
              const { during, result, stored } = yield* saveAndCommit(db, trace, id, row)
              const refusedColumns = columns.filter((c) => !storable(target, c, row[c]))
              const expected = refusedColumns.length === 0 ? "stored" : "refused"
              const describeRow = columns.filter((c) => row[c] !== null).map((c) => `${c}=${short(row[c])}`).join(", ")
              seen[Result.isFailure(result) ? "refused" : "stored"] += 1
              if (Result.isFailure(result)) {
                expect(
                  { outcome: "refused", reason: result.failure.reason._tag, message: result.failure.message },
                  `${describeRow}`
                ).toMatchObject({ outcome: expected, reason: "InputError" })
                expect(during, "a refused value ran statements").toEqual([])
                expect(Option.isNone(stored), "a refused row was stored").toBe(true)
                // The message names the table and one of the refused columns.
                expect(result.failure.message).toMatch(new RegExp(`table edge_values, column (${refusedColumns.join("|")})`))
              } else {
                expect({ outcome: "stored" }, `${describeRow}`).toEqual({ outcome: expected })
                const back = Option.getOrThrow(stored)
                for (const c of columns) {
                  const want = c === "json" || c === "doc" ? withoutUndefined(row[c]) : row[c]
                  expect(same(back[c], want), `${c}: stored ${short(row[c])}, read back ${short(back[c])}`).toBe(true)
                }
              }
            }).pipe(Effect.orDie))
          ),
          { seed: 20250612, numRuns: 50 }
        )
        // Both outcomes were exercised, so neither branch above is vacuous.
        expect(seen.stored).toBeGreaterThan(8)
        expect(seen.refused).toBeGreaterThan(8)
      }), 120_000)

    test("each edge value alone: stored exactly or refused, as the dialect's capabilities say", (db, trace, target) =>
      Effect.gen(function*() {
        let id = 1_000_000
        const outcomes: Array<string> = []
        const expected: Array<string> = []
        for (const column of columns) {
          for (const value of edges[column]) {
            id += 1
            const row = { ...emptyRow, [column]: value }
            const { during, result, stored } = yield* saveAndCommit(db, trace, id, row)
            const back = Option.getOrUndefined(stored)
            const exact = back !== undefined && same(back[column], column === "json" ? withoutUndefined(value) : value)
            const outcome = Result.isFailure(result)
              ? (isInputError(result.failure) && during.length === 0 && back === undefined ? "refused" : `failed: ${result.failure.message}`)
              : exact
              ? "stored"
              : `changed to ${short(back?.[column])}`
            outcomes.push(`${column}=${short(value)}: ${outcome}`)
            expected.push(`${column}=${short(value)}: ${storable(target, column, value) ? "stored" : "refused"}`)
          }
        }
        expect(outcomes).toEqual(expected)
      }), 120_000)

    test("a value that would not come back (NaN inside JSON) is refused: no statement, and commit stores nothing", (db, trace) =>
      Effect.gen(function*() {
        const { during, result, stored } = yield* saveAndCommit(db, trace, 1, { ...emptyRow, json: { ratio: NaN } })
        const error = Result.getFailure(result).pipe(Option.getOrThrow)
        expect(error.reason._tag).toBe("InputError")
        expect(error.message).toContain("table edge_values, column json: JSON at $.ratio: NaN")
        expect(during).toEqual([])
        expect(Option.isNone(stored)).toBe(true)
        // The table stays readable.
        expect(yield* inSession(db, (s) => s.all(Query.select(Edge)))).toEqual([])
      }))

    test("a refused JSON value is named by its path", (db) =>
      Effect.gen(function*() {
        const refuse = (json: unknown) =>
          Effect.map(Effect.flip(inSession(db, (s) => s.save(Edge, { id: 1, ...emptyRow, json } as any))), (e) => e.reason.message)
        expect(yield* refuse({ a: [1, { "b c": NaN }] })).toBe(
          "table edge_values, column json: JSON at $.a[1][\"b c\"]: NaN has no JSON representation (JSON.stringify writes null)"
        )
        expect(yield* refuse(CYCLIC)).toBe("table edge_values, column json: JSON at $.self: a circular reference has no JSON representation")
        expect(yield* refuse({ at: new Date(0) })).toBe(
          "table edge_values, column json: JSON at $.at: a Date is not plain JSON (it would not read back as one); encode it with a Schema or convert it first"
        )
        expect(yield* refuse(TOO_DEEP_JSON)).toBe(
          `table edge_values, column json: JSON at $${"[0]".repeat(33)}…${"[0]".repeat(20)}: nested deeper than 1000 levels`
        )
      }))

    test("every write path and every query parameter refuses a value no dialect stores, before any SQL", (db, trace) =>
      Effect.gen(function*() {
        yield* inSession(db, (s) =>
          Effect.andThen(
            s.save(Edge, { id: 1, ...emptyRow, text: "fine" } as any),
            s.save(EdgeKey, { key: "k", note: "fine" })
          ))
        const lone = "a\uD800"
        const good = { id: 2, ...emptyRow, text: "ok" }
        const bad = { id: 3, ...emptyRow, text: lone }
        const byText = Query.select(Edge).pipe(Query.where(Query.eq(Edge.columns.text, lone)))
        const attempts: ReadonlyArray<readonly [string, (s: Session.Session) => Effect.Effect<unknown, DatabaseError.DatabaseError>]> = [
          ["save", (s) => s.save(Edge, bad as any)],
          ["save (JSON)", (s) => s.save(Edge, { ...good, json: [1, Infinity] } as any)],
          ["saveAll", (s) => s.saveAll(Edge, [good, bad] as any)],
          ["insert", (s) => s.insert(Edge, bad as any)],
          ["insertAll", (s) => s.insertAll(Edge, [good, bad] as any)],
          ["update values", (s) => s.update(Query.select(Edge).pipe(Query.filterBy({ id: 1 })), { text: lone })],
          ["update where", (s) => s.update(byText, { text: "x" })],
          ["where", (s) => s.all(byText)],
          ["filterBy", (s) => s.all(Query.select(Edge).pipe(Query.filterBy({ text: lone })))],
          ["inArray", (s) => s.all(Query.select(Edge).pipe(Query.where(Query.inArray(Edge.columns.text, ["ok", lone]))))],
          ["notIn", (s) => s.count(Query.select(Edge).pipe(Query.where(Query.notIn(Edge.columns.text, [lone]))))],
          ["count", (s) => s.count(byText)],
          ["delete where", (s) => s.delete(byText)],
          ["get", (s) => s.get(EdgeKey, lone)],
          ["where on JSON", (s) => s.all(Query.select(Edge).pipe(Query.where(Query.eq(Edge.columns.json, { a: NaN }))))]
        ]
        const outcomes: Array<string> = []
        for (const [what, attempt] of attempts) {
          const outcome = yield* Effect.scoped(Effect.gen(function*() {
            const s = yield* db.session
            const before = trace.statements.length
            const result = yield* Effect.result(attempt(s))
            const ran = trace.statements.length - before
            yield* s.commit
            return Result.isFailure(result)
              ? `${result.failure.reason._tag}${result.failure.message.includes("table edge_") ? " naming the table" : ""}, ${ran} statements`
              : `succeeded, ${ran} statements`
          }))
          outcomes.push(`${what}: ${outcome}`)
        }
        expect(outcomes).toEqual(attempts.map(([what]) => `${what}: InputError naming the table, 0 statements`))
        // Nothing was written or changed.
        const rows = yield* inSession(db, (s) => s.all(Query.select(Edge)))
        expect(rows.map((r) => [r.id, r.text, r.json])).toEqual([[1, "fine", null]])
      }))

    test("a save with relations checks the nested rows' values before saving the parent", (db, trace) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(inSession(db, (s) =>
          s.save(EdgeKey, { key: "parent", note: "ok", notes: [{ text: "fine" }, { text: "b\uDBFF" }] }, { with: { notes } })
        ))
        expect(error.reason._tag).toBe("InputError")
        expect(error.message).toContain("table edge_notes, column text: the string has a lone UTF-16 surrogate at index 1")
        expect(trace.statements).toEqual([])
        expect(yield* inSession(db, (s) => s.count(Query.select(EdgeKey)))).toBe(0)
      }))

    test("NaN compares as the dialect stores it: found on PostgreSQL, refused on SQLite", (db, _trace, target) =>
      Effect.gen(function*() {
        const found = yield* Effect.result(inSession(db, (s) =>
          Effect.andThen(
            s.save(Edge, { id: 1, ...emptyRow, num: target.dialect === "pg" ? NaN : 1 } as any),
            s.all(Query.select(Edge).pipe(Query.where(Query.eq(Edge.columns.num, NaN))))
          )))
        const outcome = Result.isFailure(found) ? found.failure.reason._tag : found.success.map((r) => r.id)
        expect(outcome).toEqual({ pg: [1], sqlite: "InputError" }[target.dialect])
      }))
  })
}
