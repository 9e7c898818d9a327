import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import * as ConfigProvider from "effect/ConfigProvider"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { vi } from "vitest"
import { Column, Database, Migrations, Table } from "../../src/index.js"
import { pgAvailable, pgUrl } from "../support/layers.js"

// Generated files import "effect-sqlservice": these sources, as in the test.
vi.mock("effect-sqlservice", async () => await import("../../src/index.js"))

const scratchRoot = path.join(import.meta.dirname, "../..", ".scratch", `migrations-generate-${process.pid}`)
fs.rmSync(scratchRoot, { recursive: true, force: true })
afterAll(() => fs.rmSync(scratchRoot, { recursive: true, force: true }))

const available = await pgAvailable()

let counter = 0
const freshDirectory = () => path.join(scratchRoot, `d${counter++}`)

const Note = Table.make("notes", { id: Schema.Int.pipe(Column.primaryKey), body: Schema.String })

describe("Migrations.generate", () => {
  it.effect("a default holding quotes, backticks, ${ and backslashes reads back from the file as the same statements", () =>
    Effect.gen(function*() {
      const nasty = "it's `${process.exit(1)}` \\ \"q\"\nand \\` $ {"
      const Tricky = Table.make("tricky", {
        id: Schema.Int.pipe(Column.primaryKey),
        body: Schema.String.pipe(Column.default(nasty))
      })
      const directory = freshDirectory()
      const generated = Option.getOrThrow(
        yield* Migrations.generate({ directory, tables: [Tricky], dialect: "sqlite", name: "tricky", now: new Date("2026-12-01T05:00:00Z") })
      )
      const module = yield* Effect.promise(() => import(pathToFileURL(generated.path).href))
      expect(Migrations.statementsOf(module.up)).toEqual(generated.planned.up)
      expect(Migrations.statementsOf(module.down)).toEqual(generated.planned.down)
      // And applied, the default is the exact string.
      const body = yield* Effect.gen(function*() {
        yield* Migrations.up({ directory })
        const db = yield* Database.Database
        return yield* Effect.scoped(Effect.flatMap(db.connect, (c) =>
          Effect.andThen(c.execute("INSERT INTO tricky (id) VALUES (1)"), c.all("SELECT body FROM tricky"))))
      }).pipe(Effect.provide(Database.layer({ url: "sqlite://:memory:" })))
      expect(body).toEqual([{ body: nasty }])
    }))

  it.effect("bad input is refused before any work, and nothing is written", () =>
    Effect.gen(function*() {
      const directory = freshDirectory()
      const badName = yield* Effect.flip(Migrations.generate({ directory, tables: [Note], dialect: "sqlite", name: "add notes!" }))
      expect(badName.reason._tag).toBe("InputError")
      const badNow = yield* Effect.flip(
        Migrations.generate({ directory, tables: [Note], dialect: "sqlite", name: "n", now: new Date(Number.NaN) })
      )
      expect(badNow.reason._tag).toBe("InputError")
      const badDialect = yield* Effect.flip(
        Migrations.generate({ directory, tables: [Note], dialect: "mysql" as "sqlite", name: "n" })
      )
      expect(badDialect.reason).toMatchObject({ _tag: "ConfigError" })
      expect(badDialect.message).toContain(`unknown dialect "mysql"`)
      // PostgreSQL needs a server for its scratch database.
      const noServer = yield* Effect.flip(Migrations.generate({ directory, tables: [Note], dialect: "pg", name: "n" })).pipe(
        Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord({}))
      )
      expect(noServer.reason._tag).toBe("ConfigError")
      expect(noServer.message).toContain("scratchUrl")
      expect(fs.existsSync(directory)).toBe(false)
    }))

  it.effect("the id follows the latest existing one; the directory is created when missing", () =>
    Effect.gen(function*() {
      const directory = path.join(freshDirectory(), "nested", "sqlite")
      const now = new Date("2026-12-01T05:00:00Z")
      const first = Option.getOrThrow(yield* Migrations.generate({ directory, tables: [Note], dialect: "sqlite", name: "notes", now }))
      const Other = Table.make("others", { id: Schema.Int.pipe(Column.primaryKey) })
      // A clock behind the latest id: still after it.
      const second = Option.getOrThrow(
        yield* Migrations.generate({ directory, tables: [Note, Other], dialect: "sqlite", name: "others", now: new Date("2020-01-01T00:00:00Z") })
      )
      expect([first.id, second.id]).toEqual(["20261201050000", "20261201050001"])
      expect(fs.readdirSync(directory).sort()).toEqual(["20261201050000_notes.ts", "20261201050001_others.ts"])
    }))

  // The planned statements are tried on the scratch database first; when one fails there (here a
  // view of a hand-written migration depends on the dropped column), generate says so, not as a run.
  const failingCandidate = (dialect: "sqlite" | "pg") =>
    Effect.gen(function*() {
      const directory = freshDirectory()
      fs.mkdirSync(directory, { recursive: true })
      fs.writeFileSync(path.join(directory, "20261201040000_notes.ts"), [
        `import { Migrations } from "effect-sqlservice"`,
        "export const up = Migrations.statements([",
        "  `CREATE TABLE notes (id INTEGER NOT NULL PRIMARY KEY, body TEXT NOT NULL, extra TEXT)`,",
        "  `CREATE VIEW note_extras AS SELECT id, extra FROM notes`",
        "])",
        ""
      ].join("\n"))
      const failure = yield* Effect.flip(Migrations.generate({
        directory, tables: [Note], dialect, name: "drop extra", allowDestructive: true, scratchUrl: pgUrl
      }))
      expect(failure.reason).toMatchObject({ _tag: "MigrationError", kind: "failed" })
      expect(failure.message).toMatch(/^MigrationError: Migrations\.generate: the planned migration's up failed on the scratch database/)
      expect(failure.message).toContain("nothing was written")
      expect(failure.message).not.toContain("run again")
      expect(fs.readdirSync(directory)).toEqual(["20261201040000_notes.ts"])
    })
  it.effect("SQLite: a planned statement that fails on the scratch database is reported as generate's, nothing written", () =>
    failingCandidate("sqlite"))
  describe.skipIf(!available)("PostgreSQL", () => {
    it.effect("a planned statement that fails on the scratch database is reported as generate's, nothing written", () =>
      failingCandidate("pg"))
  })
})
