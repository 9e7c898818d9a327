/**
 * The bulk write's row binder is generated code where the runtime allows
 * it, and a loop otherwise: both must bind exactly the same parameters and
 * send exactly the same rows to the general path (-1), for any column set
 * (present or not in the first row, optional or not, NULL refused or not),
 * any row, and keys that need escaping in code; a value its column's `asIs`
 * accepts is bound as it is, without the converter.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import {
  type BindRow,
  type BoundColumn,
  compiledRowBinder,
  compiledRowCopier,
  loopedRowBinder,
  spreadRowCopier
} from "../../src/internal/orm/rowBinder.js"

const keys = ["id", "name", "a\"b\\c", "line\u2028sep", "${x}", "constructor", "0"]

class Unstorable extends Error {}

const column = (key: string) =>
  fc.record({
    present: fc.boolean(),
    optional: fc.boolean(),
    nullRefused: fc.boolean(),
    refuses: fc.constantFrom("nothing", "strings", "negatives"),
    asIs: fc.boolean()
  }).map(({ asIs, nullRefused, optional, present, refuses }): BoundColumn => ({
    key,
    present,
    optional,
    nullRefused,
    check: (v) => refuses === "strings" ? typeof v !== "string" : refuses === "negatives" ? !(typeof v === "number" && v < 0) : true,
    // A converter that shows it ran, and throws for one value (what an unstorable value does).
    toParameter: (v) => {
      if (v === 13) throw new Unstorable("13")
      return [key, v]
    },
    // Where given, 2 is its own parameter: bound without the converter.
    asIs: asIs ? (v) => v === 2 : undefined
  }))

const columns = fc.subarray(keys, { minLength: 1 }).chain((ks) => fc.tuple(...ks.map(column)))
const value = fc.oneof(fc.constantFrom(undefined, null, 13, "s", -1), fc.integer({ min: -3, max: 3 }))
// Rows of exactly the present columns, of any of the columns' keys, or of any key (a foreign field); mostly
// plain objects, sometimes the same fields on something the binder must refuse, or on a null prototype.
const rowOf = (cs: ReadonlyArray<BoundColumn>) => {
  const present = cs.filter((c) => c.present).map((c) => c.key)
  const own = cs.map((c) => c.key)
  const fields = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.tuple(...present.map(() => value)).map((vs) => Object.fromEntries(present.map((k, i) => [k, vs[i]])))
    },
    { weight: 2, arbitrary: fc.dictionary(fc.constantFrom(...own), value, { maxKeys: own.length }) },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: keys.length }) }
  )
  return fc.oneof(
    { weight: 8, arbitrary: fields },
    { weight: 1, arbitrary: fields.map((f) => Object.assign(Object.create(null), f)) },
    { weight: 1, arbitrary: fields.map((f) => Object.assign(Object.create({ inherited: 1 }), f)) },
    { weight: 1, arbitrary: fields.map((f) => Object.assign([], f)) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 7, "row") }
  )
}

const outcome = (bind: BindRow, r: unknown) => {
  const params: Array<unknown> = [0, 0]
  try {
    const at = bind(r, params, 2)
    return { at, params }
  } catch (e) {
    return { threw: e instanceof Unstorable ? e.message : String(e) }
  }
}

describe("row binder", () => {
  it("is generated code here", () => {
    expect(compiledRowBinder([])).toBeTypeOf("function")
  })

  it("binds and refuses exactly as the loop does", () => {
    const seen = { bound: 0, general: 0, threw: 0, asIs: 0 }
    fc.assert(
      fc.property(columns.chain((cs) => fc.tuple(fc.constant(cs), fc.array(rowOf(cs), { minLength: 1, maxLength: 5 }))), ([cs, rows]) => {
        const compiled = compiledRowBinder(cs)!
        const looped = loopedRowBinder(cs)
        for (const r of rows) {
          const got = outcome(compiled, r)
          expect(got).toEqual(outcome(looped, r))
          if ("threw" in got) seen.threw++
          else if (got.at < 0) seen.general++
          else {
            seen.bound++
            if (got.params.includes(2)) seen.asIs++
          }
        }
      }),
      { seed: 20261202, numRuns: 1000 }
    )
    // Every outcome was reached many times.
    expect(seen.bound).toBeGreaterThan(100)
    expect(seen.general).toBeGreaterThan(100)
    expect(seen.threw).toBeGreaterThan(20)
    expect(seen.asIs).toBeGreaterThan(5)
  })

  it("binds a value its column's asIs accepts as it is, and converts every other value", () => {
    const column = (key: string, asIs: BoundColumn["asIs"]): BoundColumn => ({
      key,
      present: true,
      optional: false,
      nullRefused: false,
      check: () => true,
      toParameter: (v) => [key, v],
      asIs
    })
    const columns = [column("a", (v) => v === 2), column("b", (v) => v === 2), column("c", undefined)]
    for (const bind of [compiledRowBinder(columns)!, loopedRowBinder(columns)]) {
      const params: Array<unknown> = []
      expect(bind({ a: 2, b: 1, c: 2 }, params, 0)).toBe(3)
      expect(params).toEqual([2, ["b", 1], ["c", 2]])
    }
  })
})

describe("row copier", () => {
  it("copies exactly what a spread copies, field order aside, for keys that need escaping in code", () => {
    const fields = [...keys, "10", "toString", "a b"]
    const row = Object.fromEntries(fields.map((k, i) => [k, i % 2 === 0 ? { k } : `${k}!`]))
    const copy = compiledRowCopier(fields)!(row)
    expect(copy).toEqual(spreadRowCopier(row))
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype)
    expect(copy).not.toBe(row)
    // Values are shared, not cloned (as a spread shares them).
    expect(copy["id"]).toBe(row["id"])
  })

  it("leaves __proto__ to the spread, which makes it a field, not the prototype", () => {
    expect(compiledRowCopier(["id", "__proto__"])).toBeUndefined()
  })
})
