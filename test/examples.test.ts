import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import * as path from "node:path"

const root = path.resolve(import.meta.dirname, "..")

const runExample = (file: string) =>
  execFileSync(process.execPath, ["--import", "tsx", "--conditions=source", path.join("examples", file)], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, NODE_NO_WARNINGS: "1" }
  })

// The examples are documentation; this keeps them true.
describe("examples", () => {
  it("quickstart (npm start) runs on in-memory SQLite and prints what it did", () => {
    const out = runExample("quickstart.ts")
    expect(out).toContain("Connected to sqlite://:memory:")
    expect(out).toContain("Nested begin rolled back alone")
    expect(out).toContain("Whole transaction rolled back: not_null violation on users.name")
    expect(out).toContain("Ada Lovelace")
    expect(out).toContain("grace@example.com")
    expect(out).not.toContain("Linus")
  })
})
