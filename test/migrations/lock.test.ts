/**
 * Two processes starting together apply each migration once: on one SQLite
 * file, on one PostgreSQL schema, and through a real PgBouncer in
 * transaction mode. Both wait for a barrier file so their runs overlap;
 * every migration sleeps 200 ms inside its transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import Pg from "pg"
import { pgAvailable, pgUrl } from "../support/layers.js"
import { type PgBouncer, requireProgram, startPgBouncer } from "../support/pgbouncer.js"

const available = await pgAvailable()
const program = available ? requireProgram("pgbouncer", "PgBouncer") : undefined
const worker = path.join(import.meta.dirname, "lockWorker.ts")
const root = path.resolve(import.meta.dirname, "../..")

interface Outcome {
  readonly code: number | null
  readonly output: string
}

const runWorker = (url: string, barrier: string, mode: string, phase = "race"): Promise<Outcome> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=source", worker, url, barrier, mode, phase], {
      cwd: root,
      env: { ...process.env, NODE_NO_WARNINGS: "1" }
    })
    let output = ""
    child.stdout.on("data", (d) => (output += String(d)))
    child.stderr.on("data", (d) => (output += String(d)))
    child.on("exit", (code) => resolve({ code, output }))
  })

/**
 * Applies the first migration (the log table), then starts two workers,
 * lets them go at once, and returns what they printed and how they exited.
 * With the migrations table already there both read it and plan the same
 * three migrations before either applies one, so they contend for each.
 */
const raceTwo = async (url: string, mode = "direct") => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "esq-lock-"))
  const barrier = path.join(dir, "go")
  try {
    const setup = await runWorker(url, barrier, mode, "setup")
    expect(setup.code, setup.output).toBe(0)
    const runs = [runWorker(url, barrier, mode), runWorker(url, barrier, mode)]
    // Long enough for both processes to load and reach the barrier.
    await new Promise((resolve) => setTimeout(resolve, 2500))
    fs.writeFileSync(barrier, "")
    return await Promise.all(runs)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const expectEachOnce = (outcomes: ReadonlyArray<Outcome>, log: ReadonlyArray<string>, recorded: ReadonlyArray<string>) => {
  expect(outcomes.map((o) => o.code), outcomes.map((o) => o.output).join("\n")).toEqual([0, 0])
  expect([...log].sort()).toEqual(["1", "2", "3", "4"])
  expect([...recorded].sort()).toEqual(["1", "2", "3", "4"])
  // Between them the two racing processes applied the other three, each once.
  const applied = outcomes.flatMap((o) => JSON.parse(o.output.trim().split("\n").at(-1)!) as Array<string>)
  expect(applied.sort()).toEqual(["2", "3", "4"])
}

describe("the migrations lock: two processes apply each migration once", () => {
  it("on one SQLite file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "esq-lock-db-"))
    try {
      const file = path.join(dir, "app.db")
      const outcomes = await raceTwo(`sqlite:///${file}`)
      const Sqlite = (await import("better-sqlite3")).default
      const db = new Sqlite(file, { readonly: true })
      try {
        const log = db.prepare("SELECT migration FROM lock_log").all() as Array<{ migration: string }>
        const recorded = db.prepare("SELECT id FROM effect_sqlservice_migrations").all() as Array<{ id: string }>
        expectEachOnce(outcomes, log.map((r) => r.migration), recorded.map((r) => r.id))
      } finally {
        db.close()
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)

  describe.skipIf(!available)("PostgreSQL", () => {
    const query = async (sql: string, url = pgUrl) => {
      const client = new Pg.Client({ connectionString: url })
      await client.connect()
      try {
        return (await client.query(sql)).rows as Array<Record<string, unknown>>
      } finally {
        await client.end()
      }
    }
    const readBack = async (url: string) => ({
      log: (await query("SELECT migration FROM lock_log", url)).map((r) => String(r.migration)),
      recorded: (await query("SELECT id FROM effect_sqlservice_migrations", url)).map((r) => String(r.id))
    })

    it("on one schema", async () => {
      const schema = `lock_${process.pid}_${Date.now().toString(36)}`
      await query(`CREATE SCHEMA "${schema}"`)
      try {
        const u = new URL(pgUrl)
        u.searchParams.set("options", `-c search_path=${schema}`)
        const outcomes = await raceTwo(u.toString())
        const { log, recorded } = await readBack(u.toString())
        expectEachOnce(outcomes, log, recorded)
      } finally {
        await query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      }
    }, 60_000)

    describe.skipIf(program === undefined)("through PgBouncer in transaction mode", () => {
      let bouncer: PgBouncer | undefined
      beforeAll(async () => {
        bouncer = await startPgBouncer(program!)
      })
      afterAll(async () => {
        await bouncer?.stop()
      })

      it("with pooler: \"transaction\"", async () => {
        const database = `esq_lock_${process.pid}_${Date.now().toString(36)}`
        await query(`CREATE DATABASE "${database}" TEMPLATE template0`)
        try {
          const outcomes = await raceTwo(bouncer!.url(database), "pooler")
          const direct = new URL(pgUrl)
          direct.pathname = `/${database}`
          const { log, recorded } = await readBack(direct.toString())
          expectEachOnce(outcomes, log, recorded)
        } finally {
          await query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)
        }
      }, 60_000)
    })
  })
})
