/**
 * Eager loading's grouping: `groupByKey` slices runs of equal keys out
 * whole and falls back to a two-pass grouping when a key comes back after
 * another. Either way it must give what grouping one row at a time gives:
 * the same groups, each in the rows' order, and Map key equality
 * (SameValueZero: NaN is one key, 0 and -0 are one key).
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { groupByKey } from "../../src/internal/orm/eager.js"

const oneByOne = (keys: ReadonlyArray<unknown>, values: ReadonlyArray<number>) => {
  const groups = new Map<unknown, Array<number>>()
  keys.forEach((key, i) => {
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [values[i]!])
    else group.push(values[i]!)
  })
  return groups
}

const sameValueZero = (a: unknown, b: unknown) => a === b || (a !== a && b !== b)

const key = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom("a", "b", Number.NaN, 0, -0, 2n))

describe("groupByKey", () => {
  it("groups exactly as one row at a time would, for keys in runs and scattered", () => {
    const shapes = { runs: 0, scattered: 0 }
    fc.assert(
      fc.property(
        fc.oneof(
          // Runs: each key's rows together (what an index read gives).
          fc.array(fc.tuple(key, fc.integer({ min: 1, max: 4 })), { maxLength: 8 }).map((runs) =>
            runs.flatMap(([k, n]) => Array.from({ length: n }, () => k))
          ),
          fc.array(key, { maxLength: 30 })
        ),
        (keys) => {
          const values = keys.map((_, i) => i)
          const got = groupByKey(keys, values)
          const expected = oneByOne(keys, values)
          expect([...got.entries()].sort()).toEqual([...expected.entries()].sort())
          // Every slot of every group filled (no holes).
          for (const group of got.values()) expect(Object.keys(group).length).toBe(group.length)
          const runs = keys.filter((k, i) => i === 0 || !sameValueZero(k, keys[i - 1])).length
          if (keys.length > 1) shapes[runs === new Set(keys).size ? "runs" : "scattered"]++
        }
      ),
      { seed: 20261202, numRuns: 500 }
    )
    // Both paths were taken many times.
    expect(shapes.runs).toBeGreaterThan(50)
    expect(shapes.scattered).toBeGreaterThan(50)
  })
})
