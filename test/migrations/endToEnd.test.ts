/**
 * Issue 15's "Done when", on SQLite (a file) and PostgreSQL (a schema of its
 * own; the scratch databases are temporary databases on the same server):
 * tables v1 → generate → up → data → tables v2 → generate → up (data kept)
 * → down → status → check; and the refusals around it.
 *
 * Generated files go to `.scratch/` inside the repository. They import
 * `Migrations` from "effect-sqlservice", which `vi.mock` below resolves to
 * this checkout's sources (the same module instances as the test's); tsc
 * resolves it through the package's `source` export.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema } from "effect"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { vi } from "vitest"
import { Column, Database, Migrations, Table } from "../../src/index.js"
import type * as SqlClient from "effect/sql/SqlClient"
import type * as DatabaseError from "../../src/DatabaseError.js"
import { pgAvailable, pgIsolated, pgUrl } from "../support/layers.js"

vi.mock("effect-sqlservice", async () => await import("../../src/index.js"))

const root = path.resolve(import.meta.dirname, "../..")
const scratchRoot = path.join(root, ".scratch", `migrations-e2e-${process.pid}`)

// v1: teams and users; users.full_name, an integer age, an index on email,
// team_id without a foreign key.
const TeamV1 = Table.make("teams", {
  id: Schema.Int.pipe(Column.primaryKey),
  title: Schema.String
})
const UserV1 = Table.make("users", {
  id: Schema.Int.pipe(Column.primaryKey),
  fullName: Schema.String,
  age: Schema.Int,
  email: Schema.String.pipe(Column.index),
  teamId: Schema.Int
}, { columnNames: "snake_case" })

// v2: full_name renamed to name, age a text, active added (NOT NULL with a
// default), the email index dropped, team_id a foreign key, posts added.
const TeamV2 = TeamV1
const UserV2 = Table.make("users", {
  id: Schema.Int.pipe(Column.primaryKey),
  name: Schema.String.pipe(Column.renamedFrom("full_name")),
  age: Schema.String,
  email: Schema.String,
  teamId: Schema.Int.pipe(Column.references(() => TeamV2.columns.id)),
  active: Schema.Boolean.pipe(Column.default(true))
}, { columnNames: "snake_case" })
const PostV2 = Table.make("posts", {
  id: Schema.Int.pipe(Column.primaryKey),
  userId: Schema.Int.pipe(Column.references(() => UserV2.columns.id)),
  title: Schema.String
}, { columnNames: "snake_case" })

const v1 = [TeamV1, UserV1]
const v2 = [TeamV2, UserV2, PostV2]

// v3 drops users.email: destructive.
const UserV3 = Table.make("users", {
  id: Schema.Int.pipe(Column.primaryKey),
  fullName: Schema.String,
  age: Schema.Int,
  teamId: Schema.Int
}, { columnNames: "snake_case" })
const v3 = [TeamV1, UserV3]

const at = (iso: string) => new Date(iso)

type Live = Layer.Layer<Database.Database | SqlClient.SqlClient, DatabaseError.DatabaseError>

const migrationFiles = (directory: string): ReadonlyArray<string> =>
  fs.existsSync(directory) ? fs.readdirSync(directory).filter((f) => f.endsWith(".ts")).sort() : []

const rows = (sql: string) =>
  Effect.flatMap(Database.Database, (db) => Effect.scoped(Effect.flatMap(db.connect, (c) => c.all(sql))))

const exec = (sql: string) =>
  Effect.flatMap(Database.Database, (db) => Effect.scoped(Effect.flatMap(db.connect, (c) => c.execute(sql))))

const reasonOf = <A, R>(effect: Effect.Effect<A, DatabaseError.DatabaseError, R>) =>
  Effect.map(Effect.flip(effect), (e) => e.reason)

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")

/** Type-checks `file` with the project's compiler options, the package resolving through its `source` export. */
const typeCheck = (file: string) => {
  const dir = path.dirname(file)
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({ extends: path.relative(dir, path.join(root, "tsconfig.json")), include: [path.basename(file)] })
  )
  const result = spawnSync(process.execPath, [tsc, "-p", path.join(dir, "tsconfig.json"), "--noEmit", "--pretty", "false"], {
    cwd: root,
    encoding: "utf8",
    timeout: 170_000
  })
  fs.rmSync(path.join(dir, "tsconfig.json"))
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}

const endToEnd = (label: string, dialect: "sqlite" | "pg", makeLive: () => Live, scratchUrl: string | undefined) =>
  describe(`${label}: migrations end to end`, () => {
    const scratch = scratchUrl === undefined ? {} : { scratchUrl }

    it.effect("v1 → generate → up → data → v2 → generate → up (data kept) → down → status → check", () =>
      Effect.gen(function*() {
        const directory = path.join(scratchRoot, `${dialect}-evolve`)
        const first = yield* Migrations.generate({ directory, tables: v1, dialect, name: "create users", now: at("2026-12-01T05:00:00Z"), ...scratch })
        expect(Option.map(first, (g) => [g.id, g.name, path.basename(g.path)])).toEqual(
          Option.some(["20261201050000", "create_users", "20261201050000_create_users.ts"])
        )
        expect(yield* Migrations.up({ directory })).toMatchObject([{ id: "20261201050000", direction: "up" }])

        yield* exec(`INSERT INTO teams (id, title) VALUES (1, 'core')`)
        yield* exec(`INSERT INTO users (id, full_name, age, email, team_id) VALUES (1, 'Ada', 36, 'ada@example.com', 1)`)

        // Generated within the same second as the first: its id comes one second later.
        const second = yield* Migrations.generate({ directory, tables: v2, dialect, name: "evolve users", now: at("2026-12-01T05:00:00Z"), ...scratch })
        const generated = Option.getOrThrow(second)
        expect(generated.id).toBe("20261201050001")
        expect(generated.planned.destructive.up).toEqual([])
        const text = fs.readFileSync(generated.path, "utf8")
        expect(text).toContain(`import { Migrations } from "effect-sqlservice"`)
        expect(text).toContain("export const up = Migrations.statements([")

        expect(yield* Migrations.up({ directory })).toMatchObject([{ id: "20261201050001", direction: "up" }])
        expect(yield* rows(`SELECT id, name, age, email, team_id, active FROM users`)).toEqual([
          { id: 1, name: "Ada", age: "36", email: "ada@example.com", team_id: 1, active: dialect === "pg" ? true : 1 }
        ])
        // The new foreign key holds; the new table takes rows.
        yield* exec(`INSERT INTO posts (id, user_id, title) VALUES (1, 1, 'hello')`)
        const orphan = yield* reasonOf(exec(`INSERT INTO users (id, name, age, email, team_id) VALUES (2, 'Bob', '1', 'b@example.com', 99)`))
        expect(orphan).toMatchObject({ _tag: "ConstraintError", kind: "foreign_key" })

        // Nothing declared changed: nothing is written.
        expect(yield* Migrations.generate({ directory, tables: v2, dialect, name: "nothing", ...scratch })).toEqual(Option.none())
        expect(migrationFiles(directory)).toEqual(["20261201050000_create_users.ts", "20261201050001_evolve_users.ts"])
        yield* Migrations.check({ directory, tables: v2, ...scratch })

        yield* exec(`DELETE FROM posts`)
        expect(yield* Migrations.down({ directory, allowDestructive: true })).toMatchObject([{ id: "20261201050001", direction: "down" }])
        expect((yield* Migrations.status({ directory })).map((s) => [s.id, s.state])).toEqual([
          ["20261201050000", "applied"],
          ["20261201050001", "pending"]
        ])
        expect(yield* rows(`SELECT id, full_name, age, email, team_id FROM users`)).toEqual([
          { id: 1, full_name: "Ada", age: 36, email: "ada@example.com", team_id: 1 }
        ])
        // The live database is what its applied migration makes; all of them make the declared v2.
        yield* Migrations.check({ directory, ...scratch })
        yield* Migrations.check({ directory, tables: v2, ...scratch })
        // A declared table that no migration creates: a forgotten generate.
        const Note = Table.make("notes", { id: Schema.Int.pipe(Column.primaryKey) })
        const forgotten = yield* reasonOf(Migrations.check({ directory, tables: [...v2, Note], ...scratch }))
        expect(forgotten).toMatchObject({ _tag: "MigrationError", kind: "drift" })
        expect(forgotten.message).toContain("notes")
      }).pipe(Effect.provide(makeLive())), 120_000)

    it.effect("refusals: an edited applied migration, a destructive change, drift after a manual ALTER TABLE", () =>
      Effect.gen(function*() {
        const directory = path.join(scratchRoot, `${dialect}-refusals`)
        const created = Option.getOrThrow(
          yield* Migrations.generate({ directory, tables: v1, dialect, name: "create users", now: at("2026-12-01T06:00:00Z"), ...scratch })
        )
        yield* Migrations.up({ directory })
        yield* Migrations.check({ directory, tables: v1, ...scratch })

        // A hand-edited applied migration is refused, by up and by check.
        const original = fs.readFileSync(created.path, "utf8")
        fs.writeFileSync(created.path, original.replace("export const up", "// edited\nexport const up"))
        expect(yield* reasonOf(Migrations.up({ directory }))).toMatchObject({ _tag: "MigrationError", kind: "modified" })
        expect(yield* reasonOf(Migrations.check({ directory, ...scratch }))).toMatchObject({ _tag: "MigrationError", kind: "modified" })
        fs.writeFileSync(created.path, original)

        // Dropping a column loses data: refused without allowDestructive, nothing written.
        const refused = yield* reasonOf(Migrations.generate({ directory, tables: v3, dialect, name: "drop email", now: at("2026-12-01T06:01:00Z"), ...scratch }))
        expect(refused).toMatchObject({ _tag: "MigrationError", kind: "destructive" })
        expect(refused.message).toContain("users.email")
        expect(migrationFiles(directory)).toEqual([path.basename(created.path)])
        const destructive = Option.getOrThrow(yield* Migrations.generate({
          directory,
          tables: v3,
          dialect,
          name: "drop email",
          now: at("2026-12-01T06:01:00Z"),
          allowDestructive: true,
          ...scratch
        }))
        expect(destructive.planned.destructive.up.join()).toContain("users.email")
        expect(destructive.planned.irreversible.join()).toContain("users.email")
        const text = fs.readFileSync(destructive.path, "utf8")
        expect(text).toContain("Destructive when applied")
        expect(text).toContain("// down cannot bring back the data up removes")
        // lint lists it, with the statement that drops the column.
        // (The first migration's down drops its tables: listed too.)
        const linted = yield* Migrations.lint({ directory, dialect })
        expect(linted.map((m) => [m.id, [...new Set(m.findings.map((f) => f.direction))]])).toEqual([
          [created.id, ["down"]],
          [destructive.id, ["up", "down"].filter((d) => destructive.planned.destructive.down.length > 0 || d === "up")]
        ])
        const dropEmail = linted[1]!.findings.find((f) => f.direction === "up" && f.step.includes("email"))
        expect(dropEmail?.statement).toMatch(/DROP|"users"/)
        // Running it needs allowDestructive too.
        expect(yield* reasonOf(Migrations.up({ directory }))).toMatchObject({ _tag: "MigrationError", kind: "destructive" })
        fs.rmSync(destructive.path)

        // A change made by hand on the live database is drift.
        yield* exec(`ALTER TABLE users ADD COLUMN nickname TEXT`)
        const drift = yield* reasonOf(Migrations.check({ directory, ...scratch }))
        expect(drift).toMatchObject({ _tag: "MigrationError", kind: "drift" })
        expect(drift.message).toContain("nickname")
      }).pipe(Effect.provide(makeLive())), 120_000)
  })

const sqliteFile = (): Live =>
  Layer.unwrap(Effect.gen(function*() {
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "esq-migrations-"))),
      (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
    )
    return Database.layer({ url: `sqlite:///${path.join(dir, "app.db")}` })
  }))

fs.rmSync(scratchRoot, { recursive: true, force: true })
afterAll(() => fs.rmSync(scratchRoot, { recursive: true, force: true }))

endToEnd("SQLite", "sqlite", sqliteFile, undefined)

// Once, not per dialect: tsc takes a while.
it.effect("a generated module type-checks with the project's TypeScript and settings", () =>
  Effect.gen(function*() {
    const directory = path.join(scratchRoot, "typecheck")
    yield* Migrations.generate({ directory, tables: v1, dialect: "sqlite", name: "create users", now: at("2026-12-01T07:00:00Z") })
    const evolved = Option.getOrThrow(
      yield* Migrations.generate({ directory, tables: v2, dialect: "sqlite", name: "evolve users", now: at("2026-12-01T07:01:00Z") })
    )
    const checked = typeCheck(evolved.path)
    expect(checked.output).toBe("")
    expect(checked.status).toBe(0)
  }), 180_000)

const available = await pgAvailable()
describe.skipIf(!available)("PostgreSQL", () => {
  endToEnd("PostgreSQL", "pg", () => pgIsolated(), pgUrl)
})
