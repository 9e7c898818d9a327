/**
 * Every ```ts block of README.md is a complete program: this writes each to a
 * scratch directory inside the repository (ignored by git, so the package
 * resolves itself as "effect-sqlservice" through its `source` export),
 * type-checks them all with the project's TypeScript and settings, and runs
 * each one. Each block is followed by a ```text block (at most one line of
 * prose between them) showing what it prints, and it must print exactly that.
 *
 * A block right after a `<!-- module: <path> -->` line is a module another
 * tool loads (the command line's tables module, see test/cli/readme.test.ts):
 * it is type-checked, not run, and needs no output block.
 *
 * A block that reads DATABASE_URL_PG runs against PostgreSQL, in a schema of
 * its own that is dropped afterwards. A block that imports @effect/vitest is a
 * test file: it runs under vitest, and its ```text block lists the tests it
 * reports as passed (`✓ describe > test`, one per line).
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import Pg from "pg"
import { pgAvailable, pgUrl } from "./support/layers.js"

const root = path.resolve(import.meta.dirname, "..")

interface Block {
  /** 1-based line of the opening fence. */
  readonly line: number
  readonly code: string
  readonly output: string | undefined
  readonly file: string
  readonly usesPostgres: boolean
  readonly isTestFile: boolean
  readonly isModule: boolean
}

interface Fence {
  readonly line: number
  readonly lang: string
  readonly body: string
  readonly end: number
}

const fencesOf = (markdown: string): ReadonlyArray<Fence> => {
  const lines = markdown.split("\n")
  const fences: Array<Fence> = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!)
    if (open === null) continue
    const start = i
    i++
    while (i < lines.length && lines[i] !== "```") i++
    if (i === lines.length) throw new Error(`README.md:${start + 1}: a fence that is never closed`)
    fences.push({ line: start + 1, lang: open[1]!, body: lines.slice(start + 1, i).join("\n"), end: i + 1 })
  }
  return fences
}

const scratch = path.join(root, ".scratch", `readme-${process.pid}`)

const blocksOf = (markdown: string): ReadonlyArray<Block> => {
  const lines = markdown.split("\n")
  const fences = fencesOf(markdown)
  return fences.flatMap((fence, k): Array<Block> => {
    if (fence.lang !== "ts" && fence.lang !== "typescript") return []
    const next = fences[k + 1]
    const between = next === undefined ? [] : lines.slice(fence.end, next.line - 1).filter((l) => l.trim() !== "")
    const output = next !== undefined && next.lang === "text" && between.length <= 1 ? next.body : undefined
    const isTestFile = /from "@effect\/vitest"/.test(fence.body)
    const before = lines.slice(0, fence.line - 1).filter((l) => l.trim() !== "").at(-1) ?? ""
    return [{
      line: fence.line,
      code: fence.body,
      output,
      file: path.join(scratch, `readme-line-${fence.line}${isTestFile ? ".test" : ""}.ts`),
      usesPostgres: fence.body.includes("DATABASE_URL_PG"),
      isTestFile,
      isModule: /^<!-- module: \S+ -->$/.test(before.trim())
    }]
  })
}

const blocks = blocksOf(fs.readFileSync(path.join(root, "README.md"), "utf8"))
const postgres = blocks.some((b) => b.usesPostgres) ? await pgAvailable() : false

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")

const run = (file: string, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ["--import", "tsx", "--conditions=source", file], {
    cwd: root,
    encoding: "utf8",
    timeout: 90_000,
    env: { ...process.env, NODE_NO_WARNINGS: "1", ...env }
  })

const vitest = path.join(path.dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs")

// A test block runs under vitest with the package resolved to its sources;
// what it reports is written as the README shows it.
const runTests = (block: Block) => {
  const report = path.join(scratch, `report-${block.line}.json`)
  const result = spawnSync(
    process.execPath,
    [vitest, "run", path.basename(block.file), "--config", path.join(scratch, "vitest.config.ts"), "--reporter=json", `--outputFile=${report}`],
    { cwd: scratch, encoding: "utf8", timeout: 110_000, env: { ...process.env, NODE_NO_WARNINGS: "1" } }
  )
  const results = fs.existsSync(report)
    ? (JSON.parse(fs.readFileSync(report, "utf8")) as {
      testResults: ReadonlyArray<{ assertionResults: ReadonlyArray<{ ancestorTitles: ReadonlyArray<string>; title: string; status: string }> }>
    }).testResults.flatMap((file) => file.assertionResults)
    : []
  return {
    status: result.status,
    log: `${result.stdout}${result.stderr}`,
    reported: results.map((t) => `${t.status === "passed" ? "✓" : "✗"} ${[...t.ancestorTitles, t.title].join(" > ")}`).join("\n")
  }
}

/** A PostgreSQL URL whose connections use a fresh schema; dropped by the returned cleanup. */
const isolatedPgUrl = async () => {
  const schema = `readme_${process.pid}_${Date.now().toString(36)}`
  const admin = new Pg.Client({ connectionString: pgUrl })
  await admin.connect()
  await admin.query(`CREATE SCHEMA "${schema}"`)
  await admin.end()
  const url = new URL(pgUrl)
  url.searchParams.set("options", `-c search_path=${schema}`)
  return {
    url: url.toString(),
    drop: async () => {
      const client = new Pg.Client({ connectionString: pgUrl })
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await client.end()
    }
  }
}

describe("README.md", () => {
  fs.rmSync(scratch, { recursive: true, force: true })
  fs.mkdirSync(scratch, { recursive: true })
  for (const block of blocks) fs.writeFileSync(block.file, `${block.code}\n`)
  fs.writeFileSync(
    path.join(scratch, "tsconfig.json"),
    JSON.stringify({ extends: "../../tsconfig.json", include: ["*.ts"] }, null, 2)
  )
  fs.writeFileSync(
    path.join(scratch, "vitest.config.ts"),
    [
      `import "../../test/support/node20.js"`,
      `import { defineConfig } from "vitest/config"`,
      `export default defineConfig({`,
      `  resolve: { alias: { "effect-sqlservice": ${JSON.stringify(path.join(root, "src", "index.ts"))} } },`,
      `  test: { include: ["*.test.ts"], testTimeout: 30_000 }`,
      `})`,
      ``
    ].join("\n")
  )
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

  it("has TypeScript blocks, each a program (it imports what it uses) followed by what it prints", () => {
    expect(blocks.length).toBeGreaterThan(0)
    for (const block of blocks) {
      expect(block.code, `README.md:${block.line}`).toMatch(/^import /m)
      if (block.isModule) continue
      expect(block.output, `README.md:${block.line} is not followed by a \`\`\`text block of its output`).toBeDefined()
    }
  })

  it("every TypeScript block type-checks with the project's settings", () => {
    const result = spawnSync(process.execPath, [tsc, "-p", path.join(scratch, "tsconfig.json"), "--noEmit", "--pretty", "false"], {
      cwd: root,
      encoding: "utf8",
      timeout: 170_000
    })
    // Point at README lines rather than scratch files.
    const report = `${result.stdout}${result.stderr}`.replace(
      /\S*readme-line-(\d+)\.ts\((\d+),(\d+)\)/g,
      (_, fence: string, line: string, column: string) => `README.md:${Number(fence) + Number(line)}:${column}`
    )
    expect(report).toBe("")
    expect(result.status).toBe(0)
  }, 180_000)

  for (const block of blocks.filter((b) => b.isTestFile)) {
    it(`the test file at README.md:${block.line} passes under vitest with the tests the README lists`, () => {
      const tests = runTests(block)
      expect(tests.reported, tests.log).toBe((block.output ?? "").trimEnd())
      expect(tests.status, tests.log).toBe(0)
    }, 120_000)
  }

  for (const block of blocks.filter((b) => !b.isTestFile && !b.isModule)) {
    const title = `the block at README.md:${block.line} runs and prints what the README says${block.usesPostgres ? " (PostgreSQL)" : ""}`
    it.skipIf(block.usesPostgres && !postgres)(title, async () => {
      const pg = block.usesPostgres ? await isolatedPgUrl() : undefined
      try {
        const result = run(block.file, pg === undefined ? {} : { DATABASE_URL_PG: pg.url })
        expect(result.stderr, `README.md:${block.line} wrote to stderr`).toBe("")
        expect(result.status, `README.md:${block.line} exited with ${result.status}`).toBe(0)
        expect(result.stdout.trimEnd()).toBe((block.output ?? "").trimEnd())
      } finally {
        await pg?.drop()
      }
    }, 120_000)
  }
})
