/**
 * Applying planned statements the way the migration runner does, and one
 * round trip (create v1, seed, up, diff against v2, down, diff against v1)
 * shared by the planner's tests on both dialects.
 */
import { expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Database from "../../src/Database.js"
import * as Metadata from "../../src/Metadata.js"
import type * as Table from "../../src/Table.js"
import { schemaDialects } from "../../src/internal/dialect/schemaDialects.js"
import type { PlannedMigration } from "../../src/internal/migrations/model.js"
import { planMigration } from "../../src/internal/migrations/plan.js"
import { fromTablesWith } from "../../src/internal/schema/declared.js"

/**
 * As the runner applies a migration: on SQLite `PRAGMA foreign_keys = OFF`
 * before the transaction (a rebuild drops a parent table) and
 * `PRAGMA foreign_key_check` before COMMIT (a violation fails the
 * migration), foreign keys back on afterwards.
 */
export const apply = (statements: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const db = yield* Database.Database
    const sqlite = db.dialect === "sqlite"
    if (sqlite) yield* db.sql.unsafe("PRAGMA foreign_keys = OFF")
    yield* db.begin(Effect.gen(function*() {
      for (const s of statements) yield* db.sql.unsafe(s)
      if (sqlite) {
        const violations = yield* db.sql.unsafe("PRAGMA foreign_key_check")
        if (violations.length > 0) return yield* Effect.die(new Error(`foreign_key_check: ${JSON.stringify(violations)}`))
      }
    })).pipe(Effect.ensuring(sqlite ? Effect.orDie(db.sql.unsafe("PRAGMA foreign_keys = ON")) : Effect.void))
  })

export const run = (sql: string) =>
  Effect.gen(function*() {
    const db = yield* Database.Database
    return (yield* db.sql.unsafe(sql)) as ReadonlyArray<Record<string, unknown>>
  })

/** The plan from the live database to `tables`. */
export const planTo = (tables: ReadonlyArray<Table.Any>) =>
  Effect.gen(function*() {
    const db = yield* Database.Database
    const dialect = schemaDialects[db.dialect]
    const live = yield* db.reflect()
    const declared = yield* Effect.fromResult(fromTablesWith(tables, dialect))
    return yield* Effect.fromResult(planMigration(live, declared, dialect))
  })

export const differences = (tables: ReadonlyArray<Table.Any>) =>
  Effect.gen(function*() {
    const db = yield* Database.Database
    const live = yield* db.reflect()
    const declared = Result.getOrThrow(Metadata.fromTables(tables, db.dialect))
    return Metadata.diff(declared, live, db.dialect).map((d) => d.message)
  })

export interface RoundTrip {
  readonly v1: ReadonlyArray<Table.Any>
  readonly v2: ReadonlyArray<Table.Any>
  /** Rows written into v1 before `up`. */
  readonly seed?: ReadonlyArray<string>
  /** Checks after `up`. */
  readonly afterUp?: Effect.Effect<void, unknown, Database.Database>
  /** Checks after `down`. */
  readonly afterDown?: Effect.Effect<void, unknown, Database.Database>
}

/**
 * The database is created from `v1` (the layer's tables) and seeded; `up`
 * must reach exactly `v2` and `down` exactly `v1` again.
 */
export const roundTrip = (t: RoundTrip) =>
  Effect.gen(function*() {
    const db = yield* Database.Database
    yield* db.createAll()
    for (const s of t.seed ?? []) yield* db.sql.unsafe(s)
    const plan: PlannedMigration = yield* planTo(t.v2)
    yield* apply(plan.up)
    expect(yield* differences(t.v2)).toEqual([])
    if (t.afterUp !== undefined) yield* t.afterUp
    yield* apply(plan.down)
    expect(yield* differences(t.v1)).toEqual([])
    if (t.afterDown !== undefined) yield* t.afterDown
    // Planned again from the migrated-back database: nothing is left to do.
    const again = yield* planTo(t.v1)
    expect(again.up).toEqual([])
    return plan
  })
