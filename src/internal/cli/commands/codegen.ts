/**
 * `effect-sqlservice codegen`: reflects the live database and prints (or
 * writes, with `--out`) a TypeScript module declaring its tables
 * (`Codegen.fromMetadata`). An existing `--out` file is only replaced with
 * `--force`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Command, Flag } from "effect/cli"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Codegen from "../../../Codegen.js"
import { usageError } from "../failure.js"
import { handler, tableLabel, withDatabase } from "../handler.js"
import { print, printJson, progress } from "../output.js"
import { configFlag, jsonFlag, resolveSettings, urlFlag } from "../settings.js"
import { schemaFlag, tableFilterFlag } from "./reflect.js"

/** @internal */
export const codegen = Command.make(
  "codegen",
  {
    url: urlFlag,
    config: configFlag,
    json: jsonFlag,
    schema: schemaFlag,
    table: tableFilterFlag,
    out: Flag.String("out").pipe(
      Flag.withDescription("Write the module to this file (default: print it on stdout)"),
      Flag.optional
    ),
    force: Flag.Boolean("force").pipe(
      Flag.withDescription("Replace the --out file when it exists"),
      Flag.withDefault(false)
    ),
    relations: Flag.Boolean("relations").pipe(
      Flag.withDescription("Declare Relations for the foreign keys (--no-relations: only the tables)"),
      Flag.withDefault(true)
    ),
    importFrom: Flag.String("import-from").pipe(
      Flag.withDescription("The module the generated code imports Column, Relation and Table from"),
      Flag.withDefault("effect-sqlservice")
    )
  },
  handler((input) =>
    Effect.gen(function*() {
      const settings = yield* resolveSettings(input)
      if (Option.isSome(input.out) && !input.force && fs.existsSync(input.out.value)) {
        return yield* usageError(`${input.out.value} exists; pass --force to replace it`)
      }
      yield* progress(`reading the schema of ${settings.maskedUrl}`)
      const { metadata, dialect } = yield* withDatabase(settings, [], (db) =>
        Effect.map(
          db.reflect({
            ...Option.match(input.schema, { onNone: () => ({}), onSome: (schema) => ({ schema }) }),
            ...(input.table.length === 0 ? {} : { tables: input.table })
          }),
          (metadata) => ({ metadata, dialect: db.dialect })
        ))
      const source = yield* Effect.fromResult(
        Codegen.fromMetadata(metadata, { dialect, relations: input.relations, importFrom: input.importFrom })
      )
      const tables = metadata.tables.map(tableLabel)
      if (Option.isNone(input.out)) {
        return yield* input.json ? printJson({ tables, source }) : print(source.replace(/\n$/, ""))
      }
      const file = input.out.value
      yield* Effect.try({
        try: () => {
          fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
          fs.writeFileSync(file, source)
        },
        catch: (error) => usageError(`${file}: it could not be written: ${error instanceof Error ? error.message : String(error)}`)
      })
      yield* input.json
        ? printJson({ file, tables })
        : print(`wrote ${file}: ${tables.length === 0 ? "no tables" : tables.join(", ")}`)
    })
  )
).pipe(Command.withDescription("Generate TypeScript Table definitions (and Relations) from the live database"))
