/**
 * `Migrations.check`, for CI: the live database in context must have the
 * schema that its applied migrations produce (replayed into a scratch
 * database), and, given the declared tables, all the migrations must produce
 * those tables (a change without its `generate`). Pending migrations are not
 * drift: they are compared only with the declared tables.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import { Database } from "../../Database.js"
import type * as DatabaseError from "../../DatabaseError.js"
import type { Difference, Metadata } from "../../Metadata.js"
import type * as Table from "../../Table.js"
import { schemaDialects } from "../dialect/schemaDialects.js"
import { fromTablesWith } from "../schema/declared.js"
import { diff } from "../schema/normalize.js"
import { listing, migrationError } from "./errors.js"
import { label } from "./order.js"
import { replay, schemaOf, schemasOf } from "./replay.js"
import { status } from "./runner.js"
import { scratchDatabases } from "./scratch.js"
import { load, type Source } from "./source.js"

/** @internal */
export type CheckOptions = Source & {
  /** Also check that the migrations produce these tables. */
  readonly tables?: ReadonlyArray<Table.Any> | undefined
  /** PostgreSQL: the server to create the scratch database on (default: `DATABASE_URL`). */
  readonly scratchUrl?: string | Redacted.Redacted<string> | undefined
  /** The migrations table (default `effect_sqlservice_migrations`). */
  readonly table?: string | undefined
}

const lines = (differences: ReadonlyArray<Difference>) => differences.map((d) => d.message).join("; ")

/** @internal */
export const check = (options: CheckOptions): Effect.Effect<void, DatabaseError.DatabaseError, Database> =>
  Effect.gen(function*() {
    const live = yield* Database
    const schemaDialect = schemaDialects[live.dialect]
    const declared: Metadata | undefined = options.tables === undefined
      ? undefined
      : yield* Effect.fromResult(fromTablesWith(options.tables, schemaDialect))
    const migrations = yield* load(options)
    const table = options.table === undefined ? {} : { table: options.table }
    const entries = yield* status({ migrations, ...table })
    // The runner would refuse these too; check says so instead of calling it drift.
    for (const kind of ["missing", "modified"] as const) {
      const names = entries.filter((e) => e.state === kind).map(label)
      if (names.length > 0) {
        return yield* Effect.fail(migrationError(
          kind,
          `Migrations.check: applied migrations are ${kind === "missing" ? "missing from the source" : "changed since they were applied"}: ${listing(names)} ` +
            "(restore them as they were applied; put changes in a new migration)",
          { migrations: names }
        ))
      }
    }
    const appliedIds = new Set(entries.filter((e) => e.state === "applied").map((e) => e.id))
    const applied = migrations.filter((m) => appliedIds.has(m.id))
    const schemas = declared === undefined ? [] : schemasOf(declared)

    const found = yield* Effect.scoped(Effect.gen(function*() {
      const scratch = yield* scratchDatabases[live.dialect]({ scratchUrl: options.scratchUrl })
      yield* replay(scratch, applied, options.table)
      const replayed = yield* schemaOf(scratch, schemas, options.table)
      const liveSchema = yield* schemaOf(live, [...schemas, ...schemasOf(replayed)], options.table)
      const drift = diff(replayed, liveSchema, live.dialect)
      if (declared === undefined) return { drift, forgotten: [] }
      yield* replay(scratch, migrations, options.table)
      const forgotten = diff(declared, yield* schemaOf(scratch, schemas, options.table), live.dialect)
      return { drift, forgotten }
    }))

    if (found.drift.length === 0 && found.forgotten.length === 0) return
    const parts = [
      ...(found.drift.length === 0
        ? []
        : [`the live database differs from what its ${applied.length} applied migrations produce: ${lines(found.drift)}`]),
      ...(found.forgotten.length === 0
        ? []
        : [`the declared tables differ from what the migrations produce: ${lines(found.forgotten)}`])
    ]
    const hints = [
      ...(found.drift.length === 0 ? [] : ["put manual schema changes in a migration, or undo them"]),
      ...(found.forgotten.length === 0 ? [] : ["run Migrations.generate for the declared changes"])
    ]
    return yield* Effect.fail(migrationError("drift", `Migrations.check: ${parts.join(" | ")} (${hints.join("; ")})`))
  })
