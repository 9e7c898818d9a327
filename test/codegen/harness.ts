/**
 * Generated modules under test: written into a scratch directory inside the
 * repository (ignored by git), type-checked together in one `tsc` run with
 * the project's settings, and imported (the test file maps
 * "effect-sqlservice" to the sources with `vi.mock`, as Vite does not
 * resolve a package's import of itself).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import * as Relation from "../../src/Relation.js"
import * as Table from "../../src/Table.js"

const root = path.resolve(import.meta.dirname, "../..")
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")

/** A fresh scratch directory whose tsconfig extends the project's. */
export const scratchDir = (name: string): string => {
  const dir = path.join(root, ".scratch", `${name}-${process.pid}`)
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ extends: "../../tsconfig.json", include: ["*.ts"] }, null, 2))
  return dir
}

/** Type-checks every module of `dir` in one run; the compiler's report ("" when clean). */
export const typeCheck = (dir: string): string => {
  const result = spawnSync(process.execPath, [tsc, "-p", path.join(dir, "tsconfig.json"), "--noEmit", "--pretty", "false"], {
    cwd: root,
    encoding: "utf8",
    timeout: 170_000
  })
  return `${result.stdout}${result.stderr}${result.status === 0 ? "" : `\n(tsc exited with ${result.status})`}`.trim()
}

/** The `Table`s and `Relation`s a generated module exports, and the names of all its exports. */
export const importTables = (file: string) =>
  Effect.promise(() => import(file) as Promise<Record<string, unknown>>).pipe(
    Effect.map((module) => ({
      tables: Object.values(module).filter(Table.isTable),
      relations: Object.values(module).filter(Relation.isRelation),
      exports: Object.keys(module).sort()
    }))
  )
