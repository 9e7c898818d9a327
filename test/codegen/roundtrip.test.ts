/**
 * Codegen round trip, on both dialects: a schema made with raw DDL →
 * reflect → Codegen → the module type-checks with the project's TypeScript
 * settings → imported, its tables' `createAll` into an empty database →
 * reflect gives the same metadata (by meaning: `Metadata.diff`; views and
 * triggers, which createAll does not make, excepted) and the same type
 * spellings. On the hand-written fixtures of test/fixtures/existingDatabases.ts
 * and on random schemas (fast-check), all modules of a run compiled by one tsc.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import fc from "fast-check"
import { vi } from "vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Codegen from "../../src/Codegen.js"
import * as Database from "../../src/Database.js"
import type { Dialect } from "../../src/Metadata.js"
import * as Metadata from "../../src/Metadata.js"
import * as Query from "../../src/Query.js"
import * as existingDatabases from "../fixtures/existingDatabases.js"
import { inFreshDatabase } from "../suites/existingDatabases.js"
import { type MakeLayer, pgAvailable, pgIsolated, sqliteMemory } from "../support/layers.js"
import { importTables, scratchDir, typeCheck } from "./harness.js"
import { featureRows, features } from "./features.js"
import { ddl, schemas } from "./randomSchema.js"

vi.mock("effect-sqlservice", () => import("../../src/index.js"))

const runs = Number(process.env.CODEGEN_RUNS ?? 15)
const seed = Number(process.env.CODEGEN_SEED ?? Date.now() % 2 ** 31)

/** What createAll leaves out by design: views and triggers. */
const notCreated = (d: Metadata.Difference) => d.path === "views" || d.path.endsWith(".triggers")

const spelling = (t: string) => t.trim().toLowerCase().replace(/\s+/g, " ").replace(/\s*([(),])\s*/g, "$1")

/** Every column's type as the catalog spells it, by table and column. */
const spellings = (m: Metadata.Metadata) =>
  Object.fromEntries(m.tables.flatMap((t) => t.columns.map((c) => [`${t.name}.${c.name}`, spelling(c.dbType)])))

interface Case {
  readonly label: string
  readonly ddl: ReadonlyArray<string>
  /** Rows written into the copy, read back through the generated tables and relations. */
  readonly rows: ReadonlyArray<string>
  readonly source: Metadata.Metadata
  readonly file: string
}

const suite = (name: string, dialect: Dialect, makeLayer: MakeLayer, fixture: existingDatabases.ExistingDatabase) => {
  describe(`Codegen round trip (${name})`, () => {
    const cases: Array<Case> = []
    let compiled = ""

    const generateCase = (label: string, statements: ReadonlyArray<string>, rows: ReadonlyArray<string>, dir: string) =>
      Effect.gen(function*() {
        const { code, source } = yield* inFreshDatabase(makeLayer, statements, (db) =>
          Effect.all({ source: db.reflect(), code: Codegen.fromDatabase().pipe(Effect.provideService(Database.Database, db)) }))
        // fromDatabase is reflect then fromMetadata.
        expect(code).toBe(Result.getOrThrow(Codegen.fromMetadata(source, { dialect })))
        const file = path.join(dir, `${label}.ts`)
        fs.writeFileSync(file, code)
        cases.push({ label, ddl: statements, rows, source, file })
      })

    beforeAll(async () => {
      const dir = scratchDir(`codegen-${dialect}`)
      const samples = fc.sample(schemas, { seed, numRuns: runs })
      await Effect.runPromise(Effect.gen(function*() {
        yield* generateCase("fixture", fixture.ddl, fixture.rows, dir)
        yield* generateCase("features", features[dialect], featureRows[dialect], dir)
        for (const [i, tables] of samples.entries()) yield* generateCase(`random_${i}`, ddl(tables, dialect), [], dir)
      }))
      compiled = typeCheck(dir)
    }, 170_000)
    afterAll(() => {
      if (cases.length > 0) fs.rmSync(path.dirname(cases[0]!.file), { recursive: true, force: true })
    })

    const roundTrip = (c: Case) =>
      Effect.gen(function*() {
        const { exports, relations, tables } = yield* importTables(c.file)
        const context = `${c.label} (seed ${seed})\n${c.ddl.join(";\n")}\n\n${fs.readFileSync(c.file, "utf8")}`
        const { copy, loaded } = yield* inFreshDatabase(makeLayer, [], (db) =>
          Effect.gen(function*() {
            yield* db.createAll()
            const copy = yield* db.reflect()
            for (const row of c.rows) yield* db.sql.unsafe(row)
            // Every row decodes with the generated Schemas, and every relation finds its join.
            const loaded = yield* Effect.scoped(Effect.gen(function*() {
              const session = yield* db.session
              let n = 0
              for (const table of tables) n += (yield* session.all(Query.select(table))).length
              for (const relation of relations) {
                const rows = yield* session.all(Query.select(relation.source).pipe(Query.with({ related: relation })))
                n += rows.length
              }
              return n
            }))
            return { copy, loaded }
          }), { tables })
        expect(loaded > 0, context).toBe(c.rows.length > 0)
        expect(Metadata.diff(c.source, copy, dialect).filter((d) => !notCreated(d)), context).toEqual([])
        expect(spellings(copy), context).toEqual(spellings(c.source))
        // Both sides of every foreign key between generated tables are a Relation.
        const links = c.source.tables.reduce((n, t) => n + t.foreignKeys.length, 0)
        expect(relations.length, context).toBe(2 * links)
        expect(exports.length, context).toBe(tables.length + relations.length)
      })

    it("every generated module type-checks with the project's settings (one tsc run)", () => {
      expect(cases.length).toBe(runs + 2)
      expect(compiled).toBe("")
    })

    it.effect("the hand-written fixture: generated tables createAll to the same schema, views and triggers excepted", () =>
      Effect.gen(function*() {
        const c = cases.find((c) => c.label === "fixture")!
        expect((c.source.views ?? []).length + c.source.tables.flatMap((t) => t.triggers ?? []).length).toBeGreaterThan(0)
        yield* roundTrip(c)
      }))

    it.effect("cycles, several and composite foreign keys, awkward names, expression defaults (PostgreSQL: domains, arrays, enum arrays, unmodelled types)", () =>
      roundTrip(cases.find((c) => c.label === "features")!))

    it.effect(`random schemas (${runs} runs, seed ${seed}): generated tables createAll to the same schema`, () =>
      Effect.gen(function*() {
        for (const c of cases.filter((c) => c.label.startsWith("random"))) yield* roundTrip(c)
      }), 170_000)
  })
}

suite("sqlite", "sqlite", sqliteMemory, existingDatabases.sqlite)

const postgres = await pgAvailable()
describe.skipIf(!postgres)("PostgreSQL", () => {
  suite("postgres", "pg", pgIsolated, existingDatabases.pg)
})
