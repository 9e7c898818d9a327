/**
 * Loading a migrations directory: what counts as a migration file, plain
 * JavaScript modules, and the advice for a process that cannot import
 * TypeScript (plain Node 20 without tsx).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { cannotImport, fromDirectory } from "../../src/internal/migrations/source.js"
import { failureOf, reasonOf } from "../support/failures.js"

const root = path.resolve(import.meta.dirname, "../..")

const scratch = () => {
  const dir = path.join(root, ".scratch", `migrations-source-${process.pid}-${Date.now().toString(36)}`)
  fs.mkdirSync(dir, { recursive: true })
  return dir
}

const migrationReason = (exit: Exit.Exit<unknown, unknown>) => {
  const reason = reasonOf(failureOf(exit))
  if (reason._tag !== "MigrationError") throw new Error(`expected a MigrationError, got ${reason._tag}`)
  return reason
}

describe("migrations directory", () => {
  it.effect("plain .mjs modules load; declaration files, source maps, dotfiles and notes are left alone", () =>
    Effect.gen(function*() {
      const dir = scratch()
      yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
      const src = path.relative(dir, path.join(root, "src/Migrations.ts")).replace(/\\/g, "/")
      fs.writeFileSync(
        path.join(dir, "3_plain.mjs"),
        `import * as Migrations from "${src}"\nexport const up = Migrations.statements(["SELECT 1"])\nexport const transactional = true\n`
      )
      fs.writeFileSync(path.join(dir, "3_plain.d.ts"), "export {}\n")
      fs.writeFileSync(path.join(dir, "3_plain.mjs.map"), "{}\n")
      fs.writeFileSync(path.join(dir, ".3_hidden.mjs"), "throw new Error('never imported')\n")
      fs.writeFileSync(path.join(dir, "NOTES.md"), "notes\n")
      const loaded = yield* fromDirectory(dir)
      expect(loaded.map((m) => [m.id, m.name, m.source, m.transactional])).toEqual([["3", "plain", "3_plain.mjs", true]])
      expect(loaded[0]!.checksum).toMatch(/^[0-9a-f]{64}$/)

      fs.writeFileSync(path.join(dir, "4_steps.sql"), "CREATE TABLE x (id INTEGER)\n")
      const sql = migrationReason(yield* Effect.exit(fromDirectory(dir)))
      expect(sql.kind).toBe("invalid")
      expect(sql.migrations).toEqual(["4_steps.sql"])
      fs.rmSync(path.join(dir, "4_steps.sql"))

      fs.writeFileSync(path.join(dir, "5_bad_exports.mjs"), "export const up = 1\nexport const destructive = { up: 'drop' }\n")
      const exportsReason = migrationReason(yield* Effect.exit(fromDirectory(dir)))
      expect(exportsReason.kind).toBe("invalid")
      expect(exportsReason.message).toContain("5_bad_exports.mjs")
      expect(exportsReason.message).toContain("up must be an Effect")
    }).pipe(Effect.scoped))

  it("a .ts migration that plain Node cannot import is refused with advice to use tsx or compile", () => {
    const dir = scratch()
    try {
      const file = path.join(dir, "1_x.ts")
      fs.writeFileSync(file, "export const up: number = 1\n")
      // The error plain Node 20 gives for a .ts import, from a real plain Node.
      const probe = spawnSync(process.execPath, ["--input-type=module", "-e", `import(${JSON.stringify(new URL(`file://${file}`).href)}).catch((e) => { console.log(e.code); })`], { encoding: "utf8" })
      const code = probe.stdout.trim()
      expect(code).toBe("ERR_UNKNOWN_FILE_EXTENSION")
      const error = cannotImport("1_x.ts", Object.assign(new TypeError("Unknown file extension \".ts\""), { code }))
      const reason = reasonOf(error)
      if (reason._tag !== "MigrationError") throw new Error("expected a MigrationError")
      expect(reason.kind).toBe("invalid")
      expect(reason.migrations).toEqual(["1_x.ts"])
      expect(reason.message).toContain("tsx")
      expect(reason.message).toContain("compile")
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
