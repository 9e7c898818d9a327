/**
 * Drill 3 — PostgreSQL restarts under a running workload.
 *
 * Writers loop over `begin` blocks (one row each) while the server is
 * stopped (fast shutdown: active connections are terminated) and started
 * again a moment later, without rebuilding the layer. Then:
 * - every failure was a typed DatabaseError (never a defect, never a hang);
 * - every block that reported success has its row (no committed row lost),
 *   and no row appears that no block wrote;
 * - the same layer serves again after the restart: blocks succeed, ping
 *   works, the pool is whole.
 *
 * This stops the one PostgreSQL server of the machine, so it runs only when
 * asked, on its own (the `restart` vitest project, after everything else):
 *   EFFECT_SQLSERVICE_RESTART_DRILL=1 npm test
 * It needs root and pg_ctlcluster; asked for with CI=true where it cannot
 * run, it fails instead of skipping (see ./gate.ts). Whatever happens,
 * afterAll starts the server again and waits for pg_isready. Downtime is
 * about 1.5 s.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as SqlClient from "effect/sql/SqlClient"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import { promisify } from "node:util"
import * as Database from "../../../src/Database.js"
import * as DatabaseError from "../../../src/DatabaseError.js"
import * as Session from "../../../src/Session.js"
import { pgAvailable, pgIsolated } from "../../support/layers.js"
import { allFailures, noHang, waitUntil } from "../support/helpers.js"
import { restartDrillGate, restartDrillVariable } from "./gate.js"

const run = promisify(execFile)

const version = (() => {
  try {
    return fs.readdirSync("/etc/postgresql").find((v) => /^\d+$/.test(v))
  } catch {
    return undefined
  }
})()
const cannotRestart = version === undefined
  ? "no cluster under /etc/postgresql"
  : process.getuid?.() !== 0
  ? "pg_ctlcluster needs root"
  : !fs.existsSync("/usr/bin/pg_ctlcluster")
  ? "/usr/bin/pg_ctlcluster is missing"
  : undefined
const canRestart = cannotRestart === undefined

const ctl = (action: "stop" | "start") =>
  run("pg_ctlcluster", ["--skip-systemctl-redirect", version!, "main", action], { timeout: 60_000 })

const isReady = () =>
  run("pg_isready", ["-h", "127.0.0.1", "-t", "2"], { timeout: 10_000 }).then(() => true, () => false)

/** Starts the server if it is down and waits until it accepts connections. */
const ensureUp = async () => {
  if (!canRestart) return
  const deadline = Date.now() + 60_000
  if (!(await isReady())) await ctl("start").catch(() => undefined)
  while (!(await isReady())) {
    if (Date.now() > deadline) throw new Error("PostgreSQL did not come back within 60 s")
    await new Promise((resolve) => setTimeout(resolve, 250))
    // A start that raced a stop still in progress: try again.
    await ctl("start").catch(() => undefined)
  }
}

const asked = process.env[restartDrillVariable] === "1"
const gate = restartDrillGate({
  asked,
  ci: process.env.CI === "true",
  cannotRestart,
  // Only look for the server when the drill may run.
  serverUp: asked && canRestart && (await pgAvailable())
})
if (gate.decision === "fail") throw new Error(gate.why)
if (gate.decision === "skip") console.warn(`PostgreSQL restart drill skipped: ${gate.why}`)

describe.skipIf(gate.decision !== "run")("drill: PostgreSQL restart under load", () => {
  afterAll(ensureUp, 90_000)

  it.live("stop and start the server while begin blocks run: typed errors, nothing committed lost, service resumes", () => {
    const tag = `drill-restart-${process.pid}-${Date.now().toString(36)}`
    const poolSize = 4
    return Effect.gen(function*() {
      const db = yield* Database.Database
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE restart_rows (id INTEGER PRIMARY KEY, writer INTEGER NOT NULL)`

      let nextId = 1
      let stopping = false
      let phase: "before" | "stopping" | "down" | "starting" | "after" = "before"
      const committed = new Set<number>()
      const attempted = new Set<number>()
      const successes = { before: 0, stopping: 0, down: 0, starting: 0, after: 0 }
      const failures: Array<{ phase: string; error: DatabaseError.DatabaseError }> = []

      const writer = (w: number) =>
        Effect.gen(function*() {
          while (!stopping) {
            const id = nextId++
            attempted.add(id)
            const exit = yield* Effect.exit(
              db.begin(Effect.flatMap(Session.Session, (s) =>
                Effect.andThen(
                  s.execute(sql`INSERT INTO restart_rows (id, writer) VALUES (${id}, ${w})`),
                  s.execute(sql`SELECT pg_sleep(0.005)`)
                )))
            ).pipe(noHang(`begin ${id}`, "20 seconds"))
            if (Exit.isSuccess(exit)) {
              committed.add(id)
              successes[phase]++
            } else {
              if (Cause.hasDies(exit.cause) || Cause.hasInterruptsOnly(exit.cause)) {
                throw new Error(`begin ${id} did not fail with a typed error:\n${Cause.pretty(exit.cause)}`)
              }
              for (const failure of allFailures(exit.cause)) {
                if (!DatabaseError.isDatabaseError(failure)) throw new Error(`untyped failure: ${String(failure)}`)
                failures.push({ phase, error: failure })
              }
              yield* Effect.sleep("50 millis")
            }
            yield* Effect.sleep("5 millis")
          }
        })

      const writers = yield* Effect.forEach(Array.from({ length: 3 }, (_, w) => writer(w)), (w) => Effect.forkChild(w))
      yield* waitUntil("commits before the restart", Effect.sync(() => successes.before >= 30), "20 seconds")

      const t0 = Date.now()
      phase = "stopping"
      yield* Effect.promise(() => ctl("stop"))
      const t1 = Date.now()
      phase = "down"
      yield* Effect.sleep("1500 millis")
      phase = "starting"
      yield* Effect.promise(() => ctl("start"))
      yield* Effect.promise(ensureUp)
      const t2 = Date.now()
      phase = "after"

      yield* waitUntil("commits after the restart", Effect.sync(() => successes.after >= 30), "30 seconds")
      stopping = true
      yield* Fiber.joinAll(writers).pipe(noHang("the writers to stop", "30 seconds"))

      // The restart was noticed, and only as typed errors the caller can act on.
      expect(failures.length).toBeGreaterThan(0)
      const reasons = new Map<string, number>()
      for (const { error } of failures) {
        const key = error.reason._tag === "TransactionError" ? `TransactionError/${error.reason.phase}` : error.reason._tag
        reasons.set(key, (reasons.get(key) ?? 0) + 1)
        // A connection problem, whichever statement it hit (BEGIN and COMMIT failures are TransactionErrors).
        expect(["ConnectionError", "TransactionError"], error.message).toContain(error.reason._tag)
        expect(error.message).toMatch(/connect|terminat|shutting down|starting up|ECONNREFUSED|ECONNRESET|closed|not queryable/i)
      }

      // No committed row lost, nothing that nobody wrote.
      const rows = yield* sql<{ id: number }>`SELECT id FROM restart_rows ORDER BY id`
      const present = new Set(rows.map((r) => r.id))
      const lost = [...committed].filter((id) => !present.has(id))
      expect(lost).toEqual([])
      for (const id of present) expect(attempted.has(id)).toBe(true)

      // The same layer serves again.
      yield* db.ping
      yield* db.begin(Effect.flatMap(Session.Session, (s) => s.execute(sql`INSERT INTO restart_rows (id, writer) VALUES (${0}, ${-1})`)))
      const stats = yield* db.poolStats
      expect(stats.waiting).toBe(0)
      expect(stats.idle).toBe(stats.total)
      expect(stats.total).toBeLessThanOrEqual(poolSize)

      console.log(
        `restart drill: stop took ${t1 - t0} ms, down ${t2 - t1} ms until ready; ${committed.size} commits ${
          JSON.stringify(successes)
        }; ${failures.length} typed failures: ${
          JSON.stringify(Object.fromEntries(reasons))
        }`
      )
    }).pipe(
      // Whatever happened above, the server is up before the layer drops its schema.
      Effect.ensuring(Effect.promise(ensureUp)),
      Effect.provide(pgIsolated({ poolSize, applicationName: tag, connectTimeout: "2 seconds" }))
    )
  }, 120_000)
})
