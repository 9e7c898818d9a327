/**
 * `effect-sqlservice drop-all --yes`: drops the declared tables that exist
 * (children before parents, in one transaction). Without `--yes` it refuses:
 * it deletes data.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { Command, Flag } from "effect/cli"
import { declaredLabels, existingTables } from "../existing.js"
import { usageError } from "../failure.js"
import { handler, withDatabase } from "../handler.js"
import { loadTables } from "../load.js"
import { print, printJson, progress } from "../output.js"
import { configFlag, jsonFlag, requireTables, resolveSettings, tablesFlag, urlFlag } from "../settings.js"

/** @internal */
export const dropAll = Command.make(
  "drop-all",
  {
    url: urlFlag,
    tables: tablesFlag,
    config: configFlag,
    json: jsonFlag,
    yes: Flag.Boolean("yes").pipe(
      Flag.withDescription("Confirm: the declared tables and their rows are deleted"),
      Flag.withDefault(false)
    )
  },
  handler((input) =>
    Effect.gen(function*() {
      const settings = yield* resolveSettings(input)
      const tables = yield* loadTables(yield* requireTables(settings, "drop-all"))
      const result = yield* withDatabase(settings, tables, (db) =>
        Effect.gen(function*() {
          const before = yield* existingTables(db)
          const dropped = declaredLabels(db).filter((label) => before.has(label))
          if (!input.yes && dropped.length > 0) {
            return yield* usageError(
              `drop-all would drop ${dropped.join(", ")} and every row in them; pass --yes to confirm`
            )
          }
          yield* progress(`dropping ${dropped.length} tables on ${settings.maskedUrl}`)
          yield* db.dropAll()
          return { dropped, absent: declaredLabels(db).filter((label) => !before.has(label)) }
        }))
      yield* input.json
        ? printJson(result)
        : print(
          [
            result.dropped.length === 0 ? "dropped no table" : `dropped ${result.dropped.join(", ")}`,
            ...(result.absent.length === 0 ? [] : [`not there: ${result.absent.join(", ")}`])
          ].join("\n")
        )
    })
  )
).pipe(Command.withDescription("Drop the declared tables that exist (one transaction); needs --yes"))
