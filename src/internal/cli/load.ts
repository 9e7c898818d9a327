/**
 * Loads the user's modules (tables, configuration, later migrations): a
 * `.ts`/`.mts`/`.cts` file through tsx's loader, registered once for the
 * process, a `.js`/`.mjs`/`.cjs` file with Node's own `import()`. Registering
 * the loader globally (rather than tsx's namespaced `tsImport`) keeps one
 * module cache, so a tables module and the command share one copy of
 * `effect` and of this library.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { register } from "tsx/esm/api"
import * as Table from "../../Table.js"
import { type CommandFailure, usageError } from "./failure.js"

const typeScript = /\.[cm]?tsx?$/i

let typeScriptRegistered = false

/**
 * Registers tsx's loader for this process (once): from then on `import()`
 * of a TypeScript file works, the migration files the runner imports
 * included.
 *
 * @internal
 */
export const registerTypeScript = (): void => {
  if (typeScriptRegistered) return
  register()
  typeScriptRegistered = true
}

const describe = (error: unknown): string => error instanceof Error ? error.message.split("\n")[0]! : String(error)

/**
 * The module at `file` (relative to the working directory), imported.
 * `what` names it in messages (`tables module`).
 *
 * @internal
 */
export const importModule = (file: string, what: string): Effect.Effect<Record<string, unknown>, CommandFailure> =>
  Effect.suspend(() => {
    const absolute = path.resolve(file)
    if (!fs.existsSync(absolute)) return Effect.fail(usageError(`${what} ${file}: no such file`))
    return Effect.tryPromise({
      try: async () => {
        if (typeScript.test(absolute)) registerTypeScript()
        return (await import(pathToFileURL(absolute).href)) as Record<string, unknown>
      },
      catch: (error) => usageError(`${what} ${file}: it could not be loaded: ${describe(error)}`)
    })
  })

/**
 * The tables a module exports: every export that is a `Table`, each once,
 * in the module namespace's order (by export name); `createAll` orders them
 * by their foreign keys anyway.
 *
 * @internal
 */
export const loadTables = (file: string): Effect.Effect<ReadonlyArray<Table.Any>, CommandFailure> =>
  Effect.flatMap(importModule(file, "tables module"), (module) => {
    const tables: Array<Table.Any> = []
    for (const value of Object.values(module)) {
      if (Table.isTable(value) && !tables.includes(value)) tables.push(value)
    }
    return tables.length === 0
      ? Effect.fail(usageError(`tables module ${file}: it exports no Table (export each table: export const users = Table.make(...))`))
      : Effect.succeed(tables)
  })
