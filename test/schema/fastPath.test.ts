import { describe, expect, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaParser from "effect/SchemaParser"
import * as SchemaTransformation from "effect/SchemaTransformation"
import fc from "fast-check"
import * as Column from "../../src/Column.js"
import { rowCodec } from "../../src/internal/schema/codec.js"
import { plainStructCheck } from "../../src/internal/schema/fastPath.js"
import * as Table from "../../src/Table.js"

// The fast path must accept exactly what the Schema parser accepts, or rows
// would be let through (or refused) that the Schema says otherwise.
describe("plain-struct fast path", () => {
  const Plain = Schema.Struct({
    id: Schema.Int,
    name: Schema.String.check(Schema.isMaxLength(5)),
    phone: Schema.NullOr(Schema.String),
    kind: Schema.Literals(["a", "b"]),
    score: Schema.Number.check(Schema.isGreaterThan(0)),
    flag: Schema.optionalKey(Schema.Boolean),
    // Effect 4's optional also accepts a present undefined; a required key
    // whose type accepts undefined must still be present.
    note: Schema.optional(Schema.String),
    maybe: Schema.UndefinedOr(Schema.Boolean),
    color: Schema.Enum({ Red: "a", Blue: "c" })
  })
  const check = plainStructCheck(Plain)!
  const parse = SchemaParser.decodeUnknownResult(Plain)

  const value = fc.oneof(
    fc.integer(),
    fc.double(),
    fc.string({ maxLength: 8 }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.constantFrom("a", "b", "c")
  )
  const arbitrary = fc.oneof(
    fc.record(
      { id: value, name: value, phone: value, kind: value, score: value, flag: value, note: value, maybe: value, color: value },
      { requiredKeys: [] }
    ),
    // Not records at all.
    fc.constantFrom(null, [], [1], "row", 1)
  )
  // Arbitrary records almost never fit all six fields at once: valid ones,
  // and valid ones with one field replaced, put the boundary under test too.
  const valid = fc.record({
    id: fc.integer(),
    name: fc.string({ maxLength: 5 }),
    phone: fc.option(fc.string({ maxLength: 8 }), { nil: null }),
    kind: fc.constantFrom("a", "b"),
    score: fc.double({ min: Number.MIN_VALUE, noNaN: true }),
    flag: fc.boolean(),
    note: fc.option(fc.string({ maxLength: 3 }), { nil: undefined }),
    maybe: fc.option(fc.boolean(), { nil: undefined }),
    color: fc.constantFrom("a", "c")
  }, { requiredKeys: ["id", "name", "phone", "kind", "score", "maybe", "color"] })
  const nearlyValid = fc.tuple(
    valid,
    fc.constantFrom("id", "name", "phone", "kind", "score", "flag", "note", "maybe", "color"),
    value
  ).map(
    ([record, key, replacement]) => ({ ...record, [key]: replacement })
  )
  const missingOne = fc.tuple(valid, fc.constantFrom("id", "name", "phone", "kind", "score", "flag", "note", "maybe", "color")).map(
    ([record, key]) => {
      const { [key]: _removed, ...rest } = record as Record<string, unknown>
      return rest
    }
  )
  const candidate = fc.oneof(arbitrary, valid, nearlyValid, missingOne)

  it("agrees with the Schema parser on arbitrary records", () => {
    const verdicts = { accepted: 0, rejected: 0 }
    fc.assert(
      fc.property(candidate, (u) => {
        const parsed = parse(u)
        expect(check(u)).toBe(Result.isSuccess(parsed))
        if (Result.isSuccess(parsed)) expect(parsed.success).toEqual(u)
        verdicts[Result.isSuccess(parsed) ? "accepted" : "rejected"]++
      }),
      { numRuns: 2000 }
    )
    // Both sides of the agreement were exercised, the fast path's "yes" included.
    expect(verdicts.accepted).toBeGreaterThan(0)
    expect(verdicts.rejected).toBeGreaterThan(0)
  })

  it("declines Schemas that transform, so they keep the parser", () => {
    expect(plainStructCheck(Schema.Struct({ at: Schema.DateFromString }))).toBeUndefined()
    expect(plainStructCheck(Schema.Struct({ at: Schema.Date }))).toBeUndefined()
    expect(plainStructCheck(Schema.Struct({ n: Schema.NumberFromString }))).toBeUndefined()
    expect(plainStructCheck(Schema.Struct({ tags: Schema.Array(Schema.String) }))).toBeUndefined()
    expect(plainStructCheck(class C extends Schema.Class<C>("C")({ id: Schema.Int }) {})).toBeUndefined()
    expect(plainStructCheck(Schema.Struct({ id: Schema.Int }).pipe(Schema.encodeKeys({ id: "ID" })))).toBeUndefined()
    expect(plainStructCheck(Schema.Struct({ id: Schema.Int }))).toBeTypeOf("function")
  })
})

// Writes take the fast path for plain structs and the Schema parser for the
// rest; both must refuse (and accept) exactly the same values for storage.
describe("fast path and Schema path agree on what is stored", () => {
  const fields = {
    id: Schema.Int.pipe(Column.primaryKey),
    n: Schema.Number,
    i: Schema.NullOr(Schema.Int),
    s: Schema.String,
    o: Schema.optional(Schema.String)
  }
  // The same columns, each behind an identity transformation: no fast path.
  const viaParser = <S extends Schema.Codec<any, any, never, never>>(schema: S) =>
    schema.pipe(Schema.decodeTo(Schema.toType(schema), SchemaTransformation.transform({ decode: (a) => a, encode: (a) => a })))
  const Plain = Table.make("agree", fields)
  const Parsed = Table.make("agree", {
    id: viaParser(Schema.Int).pipe(Column.primaryKey),
    n: viaParser(Schema.Number),
    i: Schema.NullOr(viaParser(Schema.Int)),
    s: viaParser(Schema.String),
    o: Schema.optional(viaParser(Schema.String))
  })
  const text = fc.oneof(
    fc.string({ unit: "binary", maxLength: 6 }),
    fc.constantFrom("", "\u0000", "a\uD800", "\uDC00b", "\uD83D\uDE00")
  )
  const number = fc.oneof(fc.double(), fc.constantFrom(NaN, -0, Infinity, -Infinity, 2 ** 31, -(2 ** 31) - 1))
  const row = fc.record({
    id: fc.oneof(fc.integer(), number),
    n: number,
    i: fc.oneof(fc.constant(null), fc.integer(), number),
    s: text,
    o: fc.oneof(text, fc.constant(undefined))
  }, { requiredKeys: ["id", "n", "s"] })

  for (const dialect of ["sqlite", "pg"] as const) {
    for (const safeIntegers of [false, true]) {
      it(`${dialect}${safeIntegers ? " with safeIntegers" : ""}`, () => {
        const fast = Result.getOrThrow(rowCodec(Plain, dialect, { safeIntegers }))
        const slow = Result.getOrThrow(rowCodec(Parsed, dialect, { safeIntegers }))
        expect(plainStructCheck(Plain.schema)).toBeTypeOf("function")
        expect(plainStructCheck(Parsed.schema)).toBeUndefined()
        const shape = (r: Result.Result<Record<string, unknown>, { readonly reason: { readonly _tag: string; readonly message: string } }> | undefined) =>
          r === undefined ? "effect path" : Result.isSuccess(r) ? { stored: r.success } : { refused: r.failure.reason._tag, message: r.failure.reason.message.replace(/:.*/, "") }
        fc.assert(
          fc.property(row, (u) => {
            expect(shape(fast.encodeInsertEither(u))).toEqual(shape(slow.encodeInsertEither(u)))
          }),
          { seed: 20250612, numRuns: 1000 }
        )
      })
    }
  }
})
