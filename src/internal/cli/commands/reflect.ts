/**
 * `effect-sqlservice reflect [--json]`: reads the live schema. `--json`
 * prints the normalized `Metadata` (what `Metadata.diff` and codegen take).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Command, Flag } from "effect/cli"
import { describeMetadata } from "../describe.js"
import { handler, withDatabase } from "../handler.js"
import { print, printJson, progress } from "../output.js"
import { configFlag, jsonFlag, resolveSettings, urlFlag } from "../settings.js"

/** @internal */
export const schemaFlag = Flag.String("schema").pipe(
  Flag.withDescription("PostgreSQL schema to read (default: the connection's current schema)"),
  Flag.optional
)

/** @internal */
export const tableFilterFlag = Flag.String("table").pipe(
  Flag.withDescription("Only this table (repeat for more)"),
  Flag.atLeast(0)
)

/** @internal */
export const reflect = Command.make(
  "reflect",
  { url: urlFlag, config: configFlag, json: jsonFlag, schema: schemaFlag, table: tableFilterFlag },
  handler((input) =>
    Effect.gen(function*() {
      const settings = yield* resolveSettings(input)
      yield* progress(`reading the schema of ${settings.maskedUrl}`)
      const metadata = yield* withDatabase(settings, [], (db) =>
        db.reflect({
          ...Option.match(input.schema, { onNone: () => ({}), onSome: (schema) => ({ schema }) }),
          ...(input.table.length === 0 ? {} : { tables: input.table })
        }))
      yield* input.json ? printJson(metadata) : print(describeMetadata(metadata))
    })
  )
).pipe(Command.withDescription("Read the live schema: tables, columns, keys, indexes (--json: the Metadata)"))
