import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import { plainStructCheck } from "../../src/internal/schema/fastPath.js"

// The fast path must accept exactly what the Schema parser accepts, or rows
// would be let through (or refused) that the Schema says otherwise.
describe("plain-struct fast path", () => {
  const Plain = Schema.Struct({
    id: Schema.Int,
    name: Schema.String.pipe(Schema.maxLength(5)),
    phone: Schema.NullOr(Schema.String),
    kind: Schema.Literal("a", "b"),
    score: Schema.Number.pipe(Schema.positive()),
    flag: Schema.optional(Schema.Boolean)
  })
  const check = plainStructCheck(Plain)!
  const parse = ParseResult.decodeUnknownEither(Plain)

  const value = fc.oneof(
    fc.integer(),
    fc.double(),
    fc.string({ maxLength: 8 }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.constantFrom("a", "b", "c")
  )
  const arbitrary = fc.record(
    { id: value, name: value, phone: value, kind: value, score: value, flag: value },
    { requiredKeys: [] }
  )
  // Arbitrary records almost never fit all six fields at once: valid ones,
  // and valid ones with one field replaced, put the boundary under test too.
  const valid = fc.record({
    id: fc.integer(),
    name: fc.string({ maxLength: 5 }),
    phone: fc.option(fc.string({ maxLength: 8 }), { nil: null }),
    kind: fc.constantFrom("a", "b"),
    score: fc.double({ min: Number.MIN_VALUE, noNaN: true }),
    flag: fc.boolean()
  }, { requiredKeys: ["id", "name", "phone", "kind", "score"] })
  const nearlyValid = fc.tuple(valid, fc.constantFrom("id", "name", "phone", "kind", "score", "flag"), value).map(
    ([record, key, replacement]) => ({ ...record, [key]: replacement })
  )
  const candidate = fc.oneof(arbitrary, valid, nearlyValid)

  it("agrees with the Schema parser on arbitrary records", () => {
    const verdicts = { accepted: 0, rejected: 0 }
    fc.assert(
      fc.property(candidate, (u) => {
        const parsed = parse(u)
        expect(check(u)).toBe(Either.isRight(parsed))
        if (Either.isRight(parsed)) expect(parsed.right).toEqual(u)
        verdicts[Either.isRight(parsed) ? "accepted" : "rejected"]++
      }),
      { numRuns: 2000 }
    )
    // Both sides of the agreement were exercised, the fast path's "yes" included.
    expect(verdicts.accepted).toBeGreaterThan(0)
    expect(verdicts.rejected).toBeGreaterThan(0)
  })

  it("declines Schemas that transform, so they keep the parser", () => {
    expect(plainStructCheck(Schema.Struct({ at: Schema.Date }))).toBeUndefined()
    expect(plainStructCheck(Schema.Struct({ n: Schema.NumberFromString }))).toBeUndefined()
    expect(plainStructCheck(Schema.Struct({ tags: Schema.Array(Schema.String) }))).toBeUndefined()
    expect(plainStructCheck(Schema.Struct({ id: Schema.Int }))).toBeTypeOf("function")
  })
})
