/**
 * The bulk binder binds a value its column's `asIsParameter` accepts without
 * `toParameter`: on both dialects, for every neutral type and any value,
 * an accepted value must be exactly what `toParameter` returns for it (and
 * `toParameter` must not refuse it). The common values are accepted, so the
 * shortcut is taken at all.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { neutralTypes } from "../../src/Metadata.js"
import { pgSchemaDialect } from "../../src/internal/dialect/pg/schemaDialect.js"
import { defaultValueOptions, type SchemaDialect } from "../../src/internal/dialect/schemaDialect.js"
import { sqliteSchemaDialect } from "../../src/internal/dialect/sqlite/schemaDialect.js"
import { toParameter } from "../../src/internal/schema/codec.js"

// A lone surrogate, U+0000, -0, the edges of 16-, 32- and 53-bit integers, and a few of every kind.
const edges = fc.constantFrom<unknown>(
  "\ud800",
  "a\udc00",
  "\u{1f600}",
  "nul\u0000",
  "",
  -0,
  0,
  0.5,
  NaN,
  Infinity,
  2 ** 15 - 1,
  2 ** 15,
  -(2 ** 15),
  -(2 ** 15) - 1,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  -(2 ** 31) - 1,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 1,
  -Number.MAX_SAFE_INTEGER - 2,
  1n,
  true,
  new Date(0),
  new Uint8Array([1]),
  null,
  undefined
)
const values = fc.oneof(
  edges,
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double(),
  fc.string({ unit: "binary", maxLength: 8 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 4 }),
  fc.anything()
)

const outcome = (sd: SchemaDialect, value: unknown, type: (typeof neutralTypes)[number]) => {
  try {
    return { parameter: toParameter(sd, defaultValueOptions, value, type) }
  } catch (e) {
    return { refused: String(e) }
  }
}

describe.each([["SQLite", sqliteSchemaDialect], ["PostgreSQL", pgSchemaDialect]] as const)("asIsParameter on %s", (_, sd) => {
  it("accepts only values toParameter returns unchanged", () => {
    let accepted = 0
    for (const type of neutralTypes) {
      const asIs = sd.asIsParameter(type)
      if (asIs === undefined) continue
      fc.assert(
        fc.property(values, (value) => {
          if (!asIs(value)) return
          accepted++
          expect(outcome(sd, value, type)).toEqual({ parameter: value })
          expect(Object.is(outcome(sd, value, type).parameter, value)).toBe(true)
        }),
        { seed: 20261202, numRuns: 2000 }
      )
    }
    expect(accepted).toBeGreaterThan(2000)
  })

  it("takes the shortcut for the common numbers and strings", () => {
    for (const type of ["smallint", "integer"] as const) {
      expect([0, 1, -7, 2 ** 15 - 1].map((v) => sd.asIsParameter(type)?.(v))).toEqual([true, true, true, true])
    }
    for (const type of ["text", "varchar", "char"] as const) {
      expect(["", "Ada", "x1@example.com", "\u{1f600}"].map((v) => sd.asIsParameter(type)?.(v))).toEqual([true, true, true, true])
    }
  })
})
