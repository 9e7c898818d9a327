/**
 * npm run bench                        full run (several minutes)
 * npm run bench -- --quick             the same scenarios, smaller (under a minute)
 * npm run bench -- --only "point"      scenarios whose name contains the text
 * npm run bench -- --dialect pg        dialects whose name contains the text
 * npm run bench -- --impl "pooler"     implementations whose name contains the text (or one of "a|b"), with the raw rows they are compared with
 *
 * Prints a table and writes bench/results/latest.json.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import Pg from "pg"
import { type DialectName, makeTarget, PG_PREFIX, PG_URL, removeTmpDir, type Result, runScenario, type Scenario } from "./harness.js"
import { table, writeJson } from "./report.js"
import { scenarios } from "./scenarios/index.js"

const args = process.argv.slice(2)
const option = (name: string) => {
  const i = args.indexOf(name)
  return i === -1 ? undefined : args[i + 1]
}
const quick = args.includes("--quick")
const only = option("--only")?.toLowerCase()
const dialectFilter = option("--dialect")?.toLowerCase()
const implFilter = option("--impl")?.toLowerCase()
const out = option("--out") ??
  path.join(path.dirname(fileURLToPath(import.meta.url)), "results", "latest.json")

const log = (line: string) => process.stderr.write(`${line}\n`)

const pgReachable = async () => {
  const client = new Pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 })
  client.on("error", () => {})
  try {
    await client.connect()
    await client.query("SELECT 1")
    return true
  } catch (error) {
    log(`PostgreSQL at ${PG_URL} is not reachable (${String(error)}); its scenarios are skipped`)
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** Drops every table this run created on the shared server, whatever happened. */
const dropPgLeftovers = async () => {
  const client = new Pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 })
  client.on("error", () => {})
  try {
    await client.connect()
    const { rows } = await client.query<{ name: string }>(
      "SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE $1",
      [`${PG_PREFIX.replace(/_/g, "\\_")}%`]
    )
    for (const { name } of rows) await client.query(`DROP TABLE IF EXISTS ${name} CASCADE`)
  } catch {
    // nothing reachable, nothing left behind
  } finally {
    await client.end().catch(() => undefined)
  }
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")

/**
 * Where ours is loaded from: `effect-sqlservice` resolves through the
 * package's exports to the build, like every other library to its package;
 * only `--conditions=source` would make it `src/` (through tsx's transform).
 */
const oursEntry = () => path.relative(root, fileURLToPath(import.meta.resolve("effect-sqlservice")))

/** What is measured: Node, the libraries' versions, and where ours is loaded from. */
const describeRun = () => {
  const version = (name: string) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")).version as string
    } catch {
      return "?"
    }
  }
  const libraries = ["effect", "@effect/sql-pg", "better-sqlite3", "pg", "drizzle-orm", "kysely"]
    .map((name) => `${name} ${version(name)}`).join(", ")
  return `node ${process.version}; ${libraries}; ours from ${oursEntry()}`
}

const main = async () => {
  log(describeRun())
  if (!oursEntry().startsWith(`dist${path.sep}`)) {
    log("ours does not resolve to dist/: the benchmark measures the build (npm run bench builds it; run without --conditions=source)")
    process.exitCode = 1
    return
  }
  const hasPg = await pgReachable()
  const selected = scenarios.filter((s: Scenario) => only === undefined || s.name.toLowerCase().includes(only))
  if (selected.length === 0) {
    log(`no scenario matches "${only}"; scenarios: ${scenarios.map((s) => s.name).join(", ")}`)
    process.exitCode = 1
    return
  }
  const results: Array<Result> = []
  const started = Date.now()
  try {
    for (const scenario of selected) {
      for (const dialect of scenario.dialects) {
        if (dialectFilter !== undefined && !dialect.includes(dialectFilter)) continue
        if (dialect === "pg" && !hasPg) continue
        const ctx = { target: makeTarget(dialect as DialectName), mode: { quick, impl: implFilter }, scenario: scenario.name }
        const t0 = Date.now()
        const rows = await runScenario(scenario, ctx, log)
        results.push(...rows)
        log(`${scenario.name} / ${dialect}: ${((Date.now() - t0) / 1000).toFixed(1)} s`)
      }
    }
  } finally {
    if (hasPg) await dropPgLeftovers()
    removeTmpDir()
  }
  process.stdout.write(`${table(results)}\n`)
  writeJson(out, results)
  log(`${quick ? "quick" : "full"} run: ${((Date.now() - started) / 1000).toFixed(1)} s; wrote ${path.relative(process.cwd(), out)}`)
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`)
    void dropPgLeftovers().finally(() => {
      removeTmpDir()
      process.exit(130)
    })
  })
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
