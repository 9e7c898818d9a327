/**
 * `effect-sqlservice create-all`: creates the declared tables that do not
 * exist yet (parents before children, in one transaction).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { Command } from "effect/cli"
import { declaredLabels, existingTables } from "../existing.js"
import { handler, withDatabase } from "../handler.js"
import { loadTables } from "../load.js"
import { print, printJson, progress } from "../output.js"
import { configFlag, jsonFlag, requireTables, resolveSettings, tablesFlag, urlFlag } from "../settings.js"

/** @internal */
export const createAll = Command.make(
  "create-all",
  { url: urlFlag, tables: tablesFlag, config: configFlag, json: jsonFlag },
  handler((input) =>
    Effect.gen(function*() {
      const settings = yield* resolveSettings(input)
      const tables = yield* loadTables(yield* requireTables(settings, "create-all"))
      const result = yield* withDatabase(settings, tables, (db) =>
        Effect.gen(function*() {
          const before = yield* existingTables(db)
          const created = declaredLabels(db).filter((label) => !before.has(label))
          yield* progress(`creating ${created.length} of ${tables.length} tables on ${settings.maskedUrl}`)
          yield* db.createAll()
          return { created, existing: declaredLabels(db).filter((label) => before.has(label)) }
        }))
      yield* input.json
        ? printJson(result)
        : print(
          [
            result.created.length === 0 ? "created no table" : `created ${result.created.join(", ")}`,
            ...(result.existing.length === 0 ? [] : [`already there: ${result.existing.join(", ")}`])
          ].join("\n")
        )
    })
  )
).pipe(Command.withDescription("Create the declared tables that do not exist yet (one transaction)"))
