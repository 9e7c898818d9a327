import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import * as path from "node:path"
import Pg from "pg"
import { pgAvailable, pgUrl } from "./support/layers.js"

const root = path.resolve(import.meta.dirname, "..")

const runExample = (file: string, env: Record<string, string> = {}) =>
  execFileSync(process.execPath, ["--import", "tsx", "--conditions=source", path.join("examples", file)], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, NODE_NO_WARNINGS: "1", ...env }
  })

const available = await pgAvailable()

// The examples are documentation; this keeps them true.
describe("examples", () => {
  it("quickstart (npm start) runs on in-memory SQLite and prints what it did", () => {
    // `npm start` itself, so the script stays true too.
    const out = execFileSync("npm", ["start", "--silent"], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, NODE_NO_WARNINGS: "1" }
    })
    expect(out).toContain("Connected to sqlite://:memory:")
    expect(out).toContain("Nested begin rolled back alone")
    expect(out).toContain("Whole transaction rolled back: not_null violation on users.name")
    expect(out).toContain("Ada Lovelace")
    expect(out).toContain("grace@example.com")
    expect(out).not.toContain("Linus")
  })

  const tablesOutput = (out: string) => {
    expect(out).toContain("Created: users, user_about, user_devices, user_device_keys")
    expect(out).toContain("Declared and live agree: true")
    expect(out).toMatch(/Reflected user_devices: id \w+ NOT NULL, user_id/)
    expect(out).toContain(`Rows of the reflected notes table: [{"id":1,"body":"reflected, not declared"}]`)
    expect(out).toContain("registeredAt is a Date: true")
    expect(out).toContain("After dropAll: 0 of those tables left")
  }

  it("tables: create → insert → reflect on SQLite", () => tablesOutput(runExample("tables.ts")))

  it.skipIf(!available)("tables: create → insert → reflect on PostgreSQL", async () => {
    const schema = `example_${process.pid}_${Date.now().toString(36)}`
    const admin = new Pg.Client({ connectionString: pgUrl })
    await admin.connect()
    await admin.query(`CREATE SCHEMA "${schema}"`)
    try {
      const url = new URL(pgUrl)
      url.searchParams.set("options", `-c search_path=${schema}`)
      tablesOutput(runExample("tables.ts", { DATABASE_URL: url.toString() }))
    } finally {
      await admin.query(`DROP SCHEMA "${schema}" CASCADE`)
      await admin.end()
    }
  })

  it("sessions: the sqlservice fixture end to end", () => {
    const out = runExample("sessions.ts")
    expect(out).toContain("Saved 1 with 1 device(s)")
    expect(out).toContain("Grace's phone is now 555-0199")
    expect(out).toContain("Loaded 3 users with about, devices and keys in 4 statements")
    expect(out).toContain("Laptop owners: Ada")
    expect(out).toContain("Rejected by beforeInsert: email BAD@EXAMPLE.COM must be lower case")
    expect(out).toContain("Users now: Ada, Linus T.")
  })
})
