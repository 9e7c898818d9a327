/**
 * The point-lookup fast paths against the Schema path, on both dialects:
 * rows validated in place (`decodeSelected`), keys and compared values
 * bound without the Schema (`ColumnInfo.encode`'s plain check, with Effect's
 * built-in checks compiled to direct predicates), and SQL kept per query
 * shape (`compileSelectCached`). Each must accept and refuse exactly what
 * the Schema path does, with the same values and the same errors.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"
import fc from "fast-check"
import * as Column from "../../src/Column.js"
import * as Query from "../../src/Query.js"
import * as Table from "../../src/Table.js"
import type { Dialect } from "../../src/internal/dialect/Dialect.js"
import { dialect as pgDialect } from "../../src/internal/dialect/pg/driver.js"
import { dialect as sqliteDialect } from "../../src/internal/dialect/sqlite/driver.js"
import { compileSelect, compileSelectCached } from "../../src/internal/orm/compile.js"
import { tableInfo } from "../../src/internal/orm/tableInfo.js"
import { rowCodec } from "../../src/internal/schema/codec.js"
import { plainStructCheck } from "../../src/internal/schema/fastPath.js"

// The same column behind an identity transformation: the Schema parser runs, no fast path.
const viaParser = <S extends Schema.Codec<any, any, never, never>>(schema: S) =>
  schema.pipe(Schema.decodeTo(Schema.toType(schema), SchemaTransformation.transform({ decode: (a) => a, encode: (a) => a })))

interface Kind {
  readonly name: string
  readonly schema: Schema.Codec<any, any, never, never>
  /** Column values: valid ones, near misses and other types. */
  readonly values: fc.Arbitrary<unknown>
}

const anyValue = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }),
  fc.constantFrom(NaN, -0, Infinity, 2 ** 53, 1.5, "", "a", "b", "12", 0, -1)
)
const ints = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.integer(), fc.constantFrom(2 ** 53, -(2 ** 53), 1.5, NaN))
const strings = fc.string({ maxLength: 7 })

const kinds: ReadonlyArray<Kind> = [
  { name: "Int", schema: Schema.Int, values: ints },
  { name: "non-negative Int", schema: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)), values: ints },
  { name: "branded Int", schema: Schema.Int.check(Schema.isGreaterThan(-3)).pipe(Schema.brand("Id")), values: ints },
  { name: "Number < 2", schema: Schema.Number.check(Schema.isLessThan(2)), values: fc.oneof(ints, fc.double()) },
  { name: "Number <= 2, finite", schema: Schema.Number.check(Schema.isLessThanOrEqualTo(2), Schema.isFinite()), values: fc.oneof(ints, fc.double()) },
  { name: "String", schema: Schema.String, values: strings },
  { name: "String minLength 2", schema: Schema.String.check(Schema.isMinLength(2)), values: strings },
  { name: "String maxLength 3", schema: Schema.String.check(Schema.isMaxLength(3)), values: strings },
  { name: "String length 1..4", schema: Schema.String.check(Schema.isBetweenLength(1, 4)), values: strings },
  { name: "String trimmed", schema: Schema.String.check(Schema.isTrimmed()), values: fc.constantFrom(" a", "a", "a ", "") },
  { name: "Literals", schema: Schema.Literals(["a", "b"]), values: fc.constantFrom("a", "b", "c", "") },
  { name: "Boolean", schema: Schema.Boolean, values: fc.constantFrom(true, false, 0, 1) },
  { name: "NullOr Int", schema: Schema.NullOr(Schema.Int), values: fc.oneof(ints, fc.constant(null)) },
  { name: "NullOr String maxLength 2", schema: Schema.NullOr(Schema.String.check(Schema.isMaxLength(2))), values: fc.oneof(strings, fc.constant(null)) },
  // Transformations: never in place, never bound without the Schema.
  { name: "NumberFromString", schema: Schema.NumberFromString, values: fc.oneof(fc.double(), strings, fc.constantFrom("12", "1.5")) },
  { name: "Date", schema: Schema.Date, values: fc.oneof(fc.date(), strings, ints) },
  { name: "DateFromString", schema: Schema.DateFromString, values: fc.oneof(strings, fc.constantFrom("2024-01-02T03:04:05.000Z")) }
]

const tableOf = (name: string, chosen: ReadonlyArray<Kind>, wrap: boolean) => {
  const fields: Record<string, Schema.Top> = { id: (wrap ? viaParser(Schema.Int) : Schema.Int).pipe(Column.primaryKey) }
  chosen.forEach((k, i) => {
    fields[`c${i}`] = wrap ? viaParser(k.schema) : k.schema
  })
  return Table.make(name, fields as any)
}

type Outcome = { readonly ok: unknown } | { readonly refused: string; readonly message: string } | "effect path"
const outcome = (r: Result.Result<any, { readonly reason: { readonly _tag: string; readonly message: string } }> | undefined, full = true): Outcome =>
  r === undefined
    ? "effect path"
    : Result.isSuccess(r)
    ? { ok: r.success }
    : { refused: r.failure.reason._tag, message: full ? r.failure.reason.message : r.failure.reason.message.replace(/:.*/s, "") }

const dialects: ReadonlyArray<readonly [string, Dialect]> = [["sqlite", sqliteDialect], ["pg", pgDialect]]

const tables = fc.array(fc.constantFrom(...kinds), { minLength: 1, maxLength: 4 })

describe("rows validated in place", () => {
  for (const [name, dialect] of dialects) {
    it(`${name}: decodeSelected accepts and refuses what the Schema path does, with the same values and errors`, () => {
      const seen = { inPlace: 0, accepted: 0, refused: 0 }
      let n = 0
      fc.assert(
        fc.property(
          tables.chain((chosen) =>
            fc.tuple(
              fc.constant(chosen),
              fc.array(
                fc.tuple(ints, ...chosen.map((k) => fc.oneof({ weight: 4, arbitrary: k.values }, { weight: 1, arbitrary: anyValue }))),
                { minLength: 1, maxLength: 5 }
              )
            )
          ),
          ([chosen, rows]) => {
            const table = `t${n++}`
            const fast = Result.getOrThrow(rowCodec(tableOf(table, chosen, false), dialect.name, dialect.valueOptions))
            const slow = Result.getOrThrow(rowCodec(tableOf(table, chosen, true), dialect.name, dialect.valueOptions))
            for (const values of rows) {
              // A driver row of the select list: every column, by name, in order.
              const row: Record<string, unknown> = { id: values[0] }
              chosen.forEach((_, i) => {
                row[`c${i}`] = values[i + 1]
              })
              const copy = { ...row }
              const selected = fast.decodeSelected(row)
              // The same outcome as before (the ordinary decoder, messages included) ...
              expect(outcome(selected)).toEqual(outcome(fast.decodeEither(copy)))
              // ... and as the Schema parser without any fast path.
              expect(outcome(selected, false)).toEqual(outcome(slow.decodeEither(copy), false))
              if (selected !== undefined && Result.isSuccess(selected)) {
                seen.accepted++
                if (selected.success === row) seen.inPlace++
              } else seen.refused++
            }
          }
        ),
        { seed: 19, numRuns: 1500 }
      )
      expect(seen.inPlace).toBeGreaterThan(0)
      expect(seen.accepted).toBeGreaterThan(seen.inPlace)
      expect(seen.refused).toBeGreaterThan(0)
    })
  }

  it("reads in place only plain Schemas whose columns are named like their fields", () => {
    const plain = Result.getOrThrow(rowCodec(tableOf("p1", [kinds[0]!], false), "sqlite"))
    const row = { id: 1, c0: 2 }
    expect(Result.getOrThrow(plain.decodeSelected(row)!)).toBe(row)
    const renamed = Table.make("p2", { id: Schema.Int.pipe(Column.primaryKey), c0: Schema.Int.pipe(Column.name("other")) })
    const r = { id: 1, other: 2 }
    expect(Result.getOrThrow(Result.getOrThrow(rowCodec(renamed, "sqlite")).decodeSelected(r)!)).not.toBe(r)
    const dated = Table.make("p3", { id: Schema.Int.pipe(Column.primaryKey), at: Schema.Date })
    expect(plainStructCheck(dated.schema)).toBeUndefined()
  })
})

describe("keys and compared values bound without the Schema", () => {
  for (const [name, dialect] of dialects) {
    it(`${name}: a column's encode agrees with the Schema encoder`, () => {
      let n = 0
      const seen = { ok: 0, refused: 0 }
      fc.assert(
        fc.property(
          fc.constantFrom(...kinds).chain((k) => fc.tuple(fc.constant(k), fc.array(fc.oneof(k.values, anyValue), { minLength: 1, maxLength: 8 }))),
          ([kind, values]) => {
            const table = `k${n++}`
            const fast = Result.getOrThrow(tableInfo(tableOf(table, [kind], false), dialect.name, dialect.valueOptions)).byField.get("c0")!
            const slow = Result.getOrThrow(tableInfo(tableOf(table, [kind], true), dialect.name, dialect.valueOptions)).byField.get("c0")!
            for (const v of values) {
              const f = outcome(fast.encode(v), false)
              expect(f).toEqual(outcome(slow.encode(v), false))
              seen[typeof f === "object" && "ok" in f ? "ok" : "refused"]++
            }
          }
        ),
        { seed: 20, numRuns: 500 }
      )
      expect(seen.ok).toBeGreaterThan(0)
      expect(seen.refused).toBeGreaterThan(0)
    })
  }
})

describe("SQL kept per query shape", () => {
  const T = Table.make("shapes", {
    id: Schema.Int.pipe(Column.primaryKey),
    name: Schema.String.check(Schema.isMaxLength(4)),
    n: Schema.NullOr(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
    at: Schema.NullOr(Schema.DateFromString)
  })
  const Other = Table.make("others", { id: Schema.Int.pipe(Column.primaryKey) })
  const column = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(T.columns.id, T.columns.name, T.columns.n, T.columns.at) },
    { weight: 1, arbitrary: fc.constant(Other.columns.id) }
  )
  // Mostly values some column takes, so that most queries compile and their shapes are reused.
  const value = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) },
    { weight: 2, arbitrary: fc.constantFrom("abc", "2024-01-02T03:04:05.000Z", null) },
    { weight: 1, arbitrary: anyValue },
    { weight: 1, arbitrary: fc.constantFrom("abcde", undefined, -1) }
  )
  const op = fc.constantFrom(Query.eq, Query.ne, Query.lt, Query.gte)
  const leaf: fc.Arbitrary<Query.Condition> = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(op, column, value).map(([f, c, v]) => f(c as any, v)) },
    { weight: 1, arbitrary: column.map((c) => Query.isNull(c as any)) },
    { weight: 1, arbitrary: fc.tuple(column, fc.string({ maxLength: 3 })).map(([c, p]) => Query.like(c as any, p)) },
    { weight: 1, arbitrary: fc.tuple(column, fc.array(value, { maxLength: 2 })).map(([c, vs]) => Query.inArray(c as any, vs)) }
  )
  const condition = fc.letrec<{ c: Query.Condition }>((tie) => ({
    c: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      fc.array(tie("c"), { maxLength: 3 }).map((cs) => Query.and(...cs)),
      fc.array(tie("c"), { maxLength: 3 }).map((cs) => Query.or(...cs)),
      tie("c").map((c) => Query.not(c))
    )
  })).c
  const count = fc.oneof(fc.constant(undefined), fc.constantFrom(0, 1, 2, 10, -1, 1.5, 2 ** 60))
  const query = fc.record({
    where: fc.option(condition, { nil: undefined }),
    order: fc.array(fc.tuple(column, fc.boolean()), { maxLength: 2 }),
    limit: count,
    offset: count
  }).map(({ limit, offset, order, where }) => {
    let q: Query.Any = Query.select(T)
    if (where !== undefined) q = Query.where(where)(q as any)
    for (const [c, desc] of order) q = Query.orderBy(c as any, desc ? "desc" : "asc")(q as any)
    return { ...q, limit, offset } as Query.Any
  })

  for (const [name, dialect] of dialects) {
    it(`${name}: the same SQL, parameters and errors as compiling each query`, () => {
      const info = Result.getOrThrow(tableInfo(T, dialect.name, dialect.valueOptions))
      const seen = { ok: 0, refused: 0 }
      fc.assert(
        fc.property(fc.array(query, { minLength: 1, maxLength: 6 }), (queries) => {
          // Twice over: the first of a shape compiles and keeps its text, the next reuse it.
          for (const q of [...queries, ...queries]) {
            const expected = outcome(compileSelect(info, dialect, q))
            expect(outcome(compileSelectCached(info, dialect, q))).toEqual(expected)
            seen[typeof expected === "object" && "ok" in expected ? "ok" : "refused"]++
          }
        }),
        { seed: 21, numRuns: 400 }
      )
      expect(seen.ok).toBeGreaterThan(500)
      expect(seen.refused).toBeGreaterThan(0)
    })
  }
})
