/**
 * Random small schema changes (columns kept, dropped, renamed, their
 * nullability flipped, columns added) between two versions of one table:
 * on both dialects `up` reaches v2 with the rows' values kept, `down`
 * reaches v1 again.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as Table from "../../src/Table.js"
import { pgAvailable, pgIsolated } from "../support/layers.js"
import { roundTrip, run } from "./support.js"

type Kind = "int" | "text"
type Change = "keep" | "drop" | "rename" | "flip"

interface Case {
  readonly columns: ReadonlyArray<{ readonly kind: Kind; readonly nullable: boolean; readonly change: Change }>
  readonly added: ReadonlyArray<{ readonly kind: Kind; readonly nullable: boolean }>
}

const arbitrary: fc.Arbitrary<Case> = fc.record({
  columns: fc.array(
    fc.record({
      kind: fc.constantFrom<Kind>("int", "text"),
      nullable: fc.boolean(),
      change: fc.constantFrom<Change>("keep", "drop", "rename", "flip")
    }),
    { minLength: 1, maxLength: 4 }
  ),
  added: fc.array(fc.record({ kind: fc.constantFrom<Kind>("int", "text"), nullable: fc.boolean() }), { maxLength: 2 })
})

const base = (kind: Kind) => (kind === "int" ? Schema.Int : Schema.String)
const fallback = (kind: Kind) => (kind === "int" ? 0 : "z")
const field = (kind: Kind, nullable: boolean) =>
  nullable ? Schema.NullOr(base(kind)) : kind === "int" ? Schema.Int.pipe(Column.default(0)) : Schema.String.pipe(Column.default("z"))

const tables = (c: Case) => {
  const v1: Record<string, Schema.Top> = { id: Schema.Int.pipe(Column.primaryKey) }
  const v2: Record<string, Schema.Top> = { id: Schema.Int.pipe(Column.primaryKey) }
  c.columns.forEach((col, i) => {
    v1[`c${i}`] = field(col.kind, col.nullable)
    if (col.change === "keep") v2[`c${i}`] = field(col.kind, col.nullable)
    if (col.change === "flip") v2[`c${i}`] = field(col.kind, !col.nullable)
    if (col.change === "rename") v2[`r${i}`] = field(col.kind, col.nullable).pipe(Column.renamedFrom(`c${i}`))
  })
  c.added.forEach((a, j) => {
    v2[`n${j}`] = field(a.kind, a.nullable)
  })
  return { v1: Table.make("prop", v1 as Schema.Struct.Fields), v2: Table.make("prop", v2 as Schema.Struct.Fields) }
}

/** Row 1 holds values, row 2 NULL where a column allows it. */
const value = (kind: Kind, row: number): string => (kind === "int" ? String(10 * row + 1) : `'v${row}'`)
const seedValue = (col: Case["columns"][number], row: number): string => (col.nullable && row === 2 ? "NULL" : value(col.kind, row))
const expected = (col: Case["columns"][number], row: number): unknown => {
  if (col.nullable && row === 2) return col.change === "flip" ? fallback(col.kind) : null
  return col.kind === "int" ? 10 * row + 1 : `v${row}`
}
const read = (v: unknown): unknown => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : typeof v === "bigint" ? Number(v) : v)

const check = (c: Case, layer: (t: ReadonlyArray<Table.Any>) => ReturnType<typeof Database.layer>) => {
  const { v1, v2 } = tables(c)
  const names = c.columns.map((_, i) => `c${i}`)
  const seed = [1, 2].map((row) =>
    `INSERT INTO prop (id, ${names.join(", ")}) VALUES (${row}, ${c.columns.map((col) => seedValue(col, row)).join(", ")})`
  )
  const kept = c.columns.flatMap((col, i) => (col.change === "drop" ? [] : [[col.change === "rename" ? `r${i}` : `c${i}`, col] as const]))
  return roundTrip({
    v1: [v1],
    v2: [v2],
    seed,
    afterUp: Effect.gen(function*() {
      const rows = yield* run(`SELECT ${["id", ...kept.map(([n]) => n)].join(", ")} FROM prop ORDER BY id`)
      expect(rows.map((r) => kept.map(([n]) => read(r[n])))).toEqual([1, 2].map((row) => kept.map(([, col]) => expected(col, row))))
    })
  }).pipe(Effect.asVoid, Effect.provide(layer([v1])))
}

const available = await pgAvailable()

const property = (label: string, runs: number, layer: (t: ReadonlyArray<Table.Any>) => ReturnType<typeof Database.layer>) =>
  it.effect(`${label}: random column changes migrate up and down`, () =>
    Effect.promise(() =>
      fc.assert(fc.asyncProperty(arbitrary, (c) => Effect.runPromise(check(c, layer))), { numRuns: runs, seed: 20261201 })
    ), { timeout: 120_000 })

describe("planner properties", () => {
  property("SQLite", 25, (tables) => Database.layer({ url: "sqlite://:memory:", tables }))
  describe.skipIf(!available)("PostgreSQL", () => {
    property("PostgreSQL", 15, (tables) => pgIsolated({ tables }))
  })
})
