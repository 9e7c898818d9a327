/**
 * `Migrations.generate`: the migration that takes the schema the existing
 * migrations produce to the declared tables. The existing migrations are
 * replayed into a scratch database (never the application's), which is
 * reflected and compared with the declared tables by `planMigration`. The
 * planned statements are tried on the scratch database before anything is
 * written: `up` must produce the declared tables and `down` the schema
 * before it.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Database } from "../../Database.js"
import * as DatabaseError from "../../DatabaseError.js"
import type { Dialect, Metadata } from "../../Metadata.js"
import { diff } from "../schema/normalize.js"
import { schemaDialects } from "../dialect/schemaDialects.js"
import { errorMessage, showValue } from "../errorMessage.js"
import { fromTablesWith } from "../schema/declared.js"
import { listing, migrationError } from "./errors.js"
import type { Migration, PlannedMigration } from "./model.js"
import { defaultImportFrom, moduleText, nextId, slugOf } from "./moduleText.js"
import { planMigration } from "./plan.js"
import { replay, schemaOf, schemasOf } from "./replay.js"
import type { Generated, GenerateOptions } from "../../Migrations.js"
import { down, up } from "./runner.js"
import { scratchDatabases } from "./scratch.js"
import { load } from "./source.js"
import { statements } from "./statements.js"

// The option and result shapes are the public module's (documented there).
export type { Generated, GenerateOptions }

const configError = (message: string, cause?: unknown) =>
  DatabaseError.make(new DatabaseError.ConfigError({ message }), { cause })

const inputError = (message: string) => DatabaseError.make(new DatabaseError.InputError({ message }))

/**
 * The existing migrations; none when the directory does not exist yet (any
 * other problem with it is the loader's to report).
 */
const existingMigrations = (directory: string) =>
  Effect.flatMap(
    Effect.promise(() =>
      fs.stat(directory).then(() => true, (error: NodeJS.ErrnoException) => error.code !== "ENOENT")
    ),
    (exists) => (exists ? load({ directory }) : Effect.succeed([] as ReadonlyArray<Migration>))
  )

/**
 * A planner bug, not the caller's: the planned statements do not produce
 * what they were planned to. Nothing has been written.
 */
const unfaithful = (what: string, differences: ReadonlyArray<{ readonly message: string }>) =>
  Effect.die(
    new Error(
      `Migrations.generate: the planned ${what}: ${differences.map((d) => d.message).join("; ")} ` +
        "(a bug of effect-sqlservice's planner; nothing was written; please report it with the tables and migrations)"
    )
  )

/**
 * A planned statement that fails on the scratch database is generate's
 * failure: the runner's message would name a migration file that was never
 * written and ask to fix it and run again.
 */
const plannedFailed = (direction: "up" | "down") => (error: DatabaseError.DatabaseError): DatabaseError.DatabaseError => {
  if (error.reason._tag !== "MigrationError" || error.reason.kind !== "failed") return error
  const driver = DatabaseError.isDatabaseError(error.cause) ? error.cause : error
  const statement = error.reason.statement
  return migrationError(
    "failed",
    `Migrations.generate: the planned migration's ${direction} failed on the scratch database` +
      `${statement === undefined ? "" : ` at ${statement}`}: ${driver.reason._tag}: ${driver.reason.message} ` +
      "(nothing was written; the existing migrations made something it does not expect, e.g. a view on a dropped column " +
      "or a constraint under another name: change that in a migration of its own first, or write this migration by hand)",
    { ...(statement === undefined ? {} : { statement }), cause: error }
  )
}

/** Runs the planned migration up and down on the scratch database, which is at `before`. */
const verify = (
  scratch: Database,
  existing: ReadonlyArray<Migration>,
  candidate: Migration,
  before: Metadata,
  declared: Metadata,
  options: GenerateOptions
) =>
  Effect.gen(function*() {
    const dialect = options.dialect
    const schemas = [...schemasOf(declared), ...schemasOf(before)]
    const all = [...existing, candidate]
    const table = options.table === undefined ? {} : { table: options.table }
    yield* up({ migrations: all, allowDestructive: true, allowOutOfOrder: true, ...table }).pipe(
      Effect.provideService(Database, scratch),
      Effect.mapError(plannedFailed("up"))
    )
    const afterUp = diff(declared, yield* schemaOf(scratch, schemas, options.table), dialect)
    if (afterUp.length > 0) return yield* unfaithful("up does not produce the declared tables", afterUp)
    yield* down({ migrations: all, steps: 1, allowDestructive: true, ...table }).pipe(
      Effect.provideService(Database, scratch),
      Effect.mapError(plannedFailed("down"))
    )
    const afterDown = diff(before, yield* schemaOf(scratch, schemas, options.table), dialect)
    if (afterDown.length > 0) return yield* unfaithful("down does not bring back the schema before up", afterDown)
  })

/** @internal */
export const generate = (
  options: GenerateOptions
): Effect.Effect<Option.Option<Generated>, DatabaseError.DatabaseError> =>
  Effect.gen(function*() {
    const schemaDialect = schemaDialects[options.dialect as Dialect] as (typeof schemaDialects)[Dialect] | undefined
    if (schemaDialect === undefined) {
      return yield* Effect.fail(configError(errorMessage(
        `Migrations.generate`,
        `unknown dialect ${showValue(options.dialect)}`,
        `one of ${Object.keys(schemaDialects).map((d) => JSON.stringify(d)).join(", ")}; one migrations directory per dialect`
      )))
    }
    if (typeof options.directory !== "string" || options.directory === "") {
      return yield* Effect.fail(inputError("Migrations.generate: option directory must be a non-empty path (e.g. migrations/pg)"))
    }
    if (options.now !== undefined && !(options.now instanceof Date && !Number.isNaN(options.now.getTime()))) {
      return yield* Effect.fail(inputError(`Migrations.generate: option now is not a valid Date: ${showValue(options.now)}`))
    }
    // Everything the caller gave is checked before any database work.
    const slug = yield* Effect.fromResult(slugOf(options.name))
    const declared = yield* Effect.fromResult(fromTablesWith(options.tables, schemaDialect))
    const existing = yield* existingMigrations(options.directory)

    const planned = yield* Effect.scoped(Effect.gen(function*() {
      const scratch = yield* scratchDatabases[options.dialect]({ scratchUrl: options.scratchUrl })
      yield* replay(scratch, existing, options.table)
      const schemas = schemasOf(declared)
      const before = yield* schemaOf(scratch, schemas, options.table)
      const planned = yield* Effect.fromResult(planMigration(before, declared, schemaDialect))
      if (planned.up.length === 0) return Option.none<PlannedMigration>()
      const destructive = planned.destructive.up
      if (destructive.length > 0 && options.allowDestructive !== true) {
        return yield* Effect.fail(migrationError(
          "destructive",
          `Migrations.generate: the changes lose data: ${listing(destructive)} ` +
            "(nothing was written; if that is intended, back up what they drop and generate again with allowDestructive: true)"
        ))
      }
      yield* verify(scratch, existing, {
        id: nextId(new Date(0), existing.map((m) => m.id)),
        name: slug,
        up: statements(planned.up),
        down: statements(planned.down),
        transactional: planned.transactional,
        destructive: planned.destructive,
        irreversible: planned.irreversible
      }, before, declared, options)
      return Option.some(planned)
    }))
    if (Option.isNone(planned)) return Option.none()

    const now = options.now ?? new Date(yield* Clock.currentTimeMillis)
    const id = nextId(now, existing.map((m) => m.id))
    const file = path.join(options.directory, `${id}_${slug}.ts`)
    const text = moduleText({
      id,
      name: slug,
      planned: planned.value,
      generatedAt: now,
      importFrom: options.importFrom ?? defaultImportFrom
    })
    yield* Effect.tryPromise({
      try: async () => {
        await fs.mkdir(options.directory, { recursive: true })
        // `wx`: a file of that name is never overwritten.
        await fs.writeFile(file, text, { flag: "wx" })
      },
      catch: (error) =>
        configError(
          errorMessage(
            `Migrations.generate: cannot write ${file}`,
            error instanceof Error ? error.message : String(error),
            "check that the migrations directory is writable"
          ),
          error
        )
    })
    return Option.some({ path: file, id, name: slug, planned: planned.value })
  })
