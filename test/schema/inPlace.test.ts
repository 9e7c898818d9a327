/**
 * Eager loading's fast paths against the Schema path they skip: rows
 * selected under their field names are validated in place
 * (`RowCodec.decodeFieldsEither`) and join keys that a plain value Schema
 * accepts skip the Schema encode (`ColumnInfo.encode`). Each must accept,
 * refuse and produce exactly what a twin table whose every column goes
 * through the Schema parser (an identity transformation) does.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"
import fc from "fast-check"
import * as Column from "../../src/Column.js"
import { tableInfo } from "../../src/internal/orm/tableInfo.js"
import { rowCodec } from "../../src/internal/schema/codec.js"
import { plainStructFields } from "../../src/internal/schema/fastPath.js"
import { inPlaceRowCheck } from "../../src/internal/schema/inPlace.js"
import * as Table from "../../src/Table.js"

// The same column behind an identity transformation: the Schema parser, never a fast path.
const viaParser = <S extends Schema.Codec<any, any, never, never>>(schema: S) =>
  schema.pipe(Schema.decodeTo(Schema.toType(schema), SchemaTransformation.transform({ decode: (a) => a, encode: (a) => a })))

const Plain = Table.make("in_place", {
  id: Schema.Int.pipe(Column.primaryKey),
  ownerId: Schema.Int.check(Schema.isGreaterThan(0)),
  name: Schema.String.check(Schema.isMaxLength(4)),
  score: Schema.NullOr(Schema.Number),
  kind: Schema.Literals(["a", "b"]),
  flag: Schema.Boolean,
  note: Schema.optional(Schema.String)
}, { columnNames: "snake_case" })
const Parsed = Table.make("in_place", {
  id: viaParser(Schema.Int).pipe(Column.primaryKey),
  ownerId: viaParser(Schema.Int.check(Schema.isGreaterThan(0))),
  name: viaParser(Schema.String.check(Schema.isMaxLength(4))),
  score: Schema.NullOr(viaParser(Schema.Number)),
  kind: viaParser(Schema.Literals(["a", "b"])),
  flag: viaParser(Schema.Boolean),
  note: Schema.optional(viaParser(Schema.String))
}, { columnNames: "snake_case" })

// What drivers return: numbers (SQLite booleans as 0/1), text, bigints, NULLs, and the odd wrong type.
const driverValue = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.double(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.string({ maxLength: 6 }),
  fc.constantFrom("a", "b", "12", "", "true", 0, 1, true, false, null, undefined, new Date(0), new Uint8Array([1]))
)
const fields = ["id", "ownerId", "name", "score", "kind", "flag", "note"] as const
const anyRow = fc.record(Object.fromEntries(fields.map((f) => [f, driverValue])), { requiredKeys: [...fields] })
const validRow = (dialect: "sqlite" | "pg") =>
  fc.record({
    id: fc.integer(),
    ownerId: fc.integer({ min: 1 }),
    name: fc.string({ maxLength: 4 }),
    score: fc.option(fc.double({ noNaN: true }), { nil: null }),
    kind: fc.constantFrom("a", "b"),
    flag: dialect === "pg" ? fc.boolean() : fc.constantFrom(0, 1),
    note: fc.option(fc.string({ maxLength: 3 }), { nil: null })
  })
const nearlyValid = (dialect: "sqlite" | "pg") =>
  fc.tuple(validRow(dialect), fc.constantFrom(...fields), driverValue).map(([row, key, value]) => ({ ...row, [key]: value }))

type Either = Result.Result<unknown, { readonly reason: { readonly _tag: string; readonly message: string } }> | undefined
const shape = (r: Either) =>
  r === undefined ? "effect path" : Result.isSuccess(r) ? { decoded: r.success } : { refused: r.failure.reason._tag, message: r.failure.reason.message }

describe("rows selected under field names", () => {
  for (const dialect of ["sqlite", "pg"] as const) {
    for (const safeIntegers of [false, true]) {
      it(`decode exactly as the Schema path (${dialect}${safeIntegers ? ", safeIntegers" : ""}), in place when plain`, () => {
        const fast = Result.getOrThrow(rowCodec(Plain, dialect, { safeIntegers }))
        const slow = Result.getOrThrow(rowCodec(Parsed, dialect, { safeIntegers }))
        const verdicts = { inPlace: 0, copied: 0, refused: 0 }
        fc.assert(
          fc.property(fc.oneof(anyRow, validRow(dialect), nearlyValid(dialect)), (row) => {
            const copy = { ...row }
            const got = fast.decodeFieldsEither(row)
            expect(shape(got)).toEqual(shape(slow.decodeFieldsEither(copy)))
            // The copy path (rows keyed by column name) agrees too.
            const byName = Object.fromEntries(Object.entries(copy).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]))
            expect(shape(got)).toEqual(shape(fast.decodeEither(byName)))
            if (got !== undefined && Result.isSuccess(got)) verdicts[got.success === row ? "inPlace" : "copied"]++
            else verdicts.refused++
          }),
          { seed: 20261201, numRuns: 1500 }
        )
        expect(verdicts.refused).toBeGreaterThan(0)
        // Both ways of succeeding were exercised: kept rows, and copies (SQLite's 0/1 booleans, an omitted NULL note).
        expect(verdicts.inPlace).toBeGreaterThan(0)
        expect(verdicts.copied).toBeGreaterThan(0)
      })
    }
  }

  it("keeps the driver's row object where every value is already its own", () => {
    const codec = Result.getOrThrow(rowCodec(Plain, "pg"))
    const row = { id: 1, ownerId: 2, name: "ab", score: null, kind: "a", flag: true, note: "x" }
    const decoded = codec.decodeFieldsEither(row)
    expect(decoded !== undefined && Result.isSuccess(decoded) && decoded.success === row).toBe(true)
    // A value the field refuses (a name too long) takes the Schema path and is a DecodeError.
    const refused = codec.decodeFieldsEither({ ...row, name: "abcde" })
    expect(shape(refused)).toMatchObject({ refused: "DecodeError" })
  })
})

describe("the in-place check without code generation", () => {
  for (const dialect of ["sqlite", "pg"] as const) {
    it(`the loop that stands in gives the generated check's verdict on every row (${dialect})`, () => {
      const info = Result.getOrThrow(tableInfo(Plain, dialect))
      const fields = plainStructFields(Plain.schema)
      const code = inPlaceRowCheck(info.columns, fields, "field")!
      const loop = inPlaceRowCheck(info.columns, fields, "field", "loop")!
      // The generated function, not the loop, is what reads use here.
      expect(code.name).toBe("inPlace")
      const verdicts = { kept: 0, not: 0 }
      fc.assert(
        // Rows with true booleans (PostgreSQL's) too, so that some are kept on either dialect's columns.
        fc.property(fc.oneof(anyRow, validRow("pg"), nearlyValid("pg"), nearlyValid(dialect), fc.constantFrom(null, 1, "x", [], new Date(0))), (row) => {
          const verdict = code(row)
          expect(loop(row)).toBe(verdict)
          verdicts[verdict ? "kept" : "not"]++
        }),
        { seed: 20261202, numRuns: 1500 }
      )
      expect(verdicts.kept).toBeGreaterThan(100)
      expect(verdicts.not).toBeGreaterThan(100)
    })
  }
})

describe("join keys encoded for a plain column", () => {
  const key = fc.oneof(driverValue, fc.integer(), fc.integer({ min: 1 }), fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 53, -0, NaN))
  for (const dialect of ["sqlite", "pg"] as const) {
    it(`encode exactly as the Schema encode (${dialect})`, () => {
      const fast = Result.getOrThrow(tableInfo(Plain, dialect))
      const slow = Result.getOrThrow(tableInfo(Parsed, dialect))
      fc.assert(
        fc.property(key, fc.constantFrom(...fields), (value, field) => {
          const a = fast.byField.get(field)!.encode(value)
          const b = slow.byField.get(field)!.encode(value)
          const s = (r: typeof a) => Result.isSuccess(r) ? { bound: r.success } : { refused: r.failure.reason._tag, message: r.failure.reason.message }
          expect(s(a)).toEqual(s(b))
        }),
        { seed: 20261202, numRuns: 3000 }
      )
    })
  }
})
