/**
 * Drill 1 — interruption fuzz.
 *
 * About a thousand `begin` blocks per dialect, with nested savepoints (some
 * failing on purpose and caught), are interrupted at points chosen by a
 * seeded fast-check schedule: before BEGIN, while waiting for a connection,
 * after any statement (so on PostgreSQL while the next one is in flight),
 * around the end of the block (COMMIT). Each block writes one group of rows
 * that must be all or nothing. Afterwards:
 * - every group is complete (its k rows) or absent, and complete whenever
 *   its block reported success;
 * - no row of a rolled-back savepoint is visible;
 * - every connection is back (poolStats idle == total, nobody waiting; no
 *   server backend of ours is left inside a transaction), and a pool of one
 *   connection still serves a query and a begin;
 * - no fiber is left running (block bodies all exited, every forked block is
 *   done, and every fiber started while the blocks ran has ended, detached
 *   ones included: counted through the runtime's fiber start/end hook).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Stream from "effect/Stream"
import * as SqlClient from "effect/sql/SqlClient"
import fc from "fast-check"
import * as Database from "../../../src/Database.js"
import * as Session from "../../../src/Session.js"
import type { LayerOptions, MakeLayer } from "../../support/layers.js"
import { allFailures, noHang, waitUntil } from "../support/helpers.js"

interface Deep {
  readonly rows: number
  readonly fail: boolean
}
interface Child {
  readonly rows: number
  readonly fail: boolean
  readonly deep: Deep | null
}
interface Plan {
  readonly outerRows: number
  readonly children: ReadonlyArray<Child>
  readonly tailRows: number
  /** interrupt: interrupted at `checkpoint`; complete: left alone; fail: the outer block fails on purpose at the end. */
  readonly outcome: "interrupt" | "complete" | "fail"
  /** -1: interrupt right away (before/while BEGIN or waiting for a connection); 0-100: after that share of the inserts. */
  readonly checkpoint: number
  /** Scheduler yields between reaching the checkpoint and interrupting. */
  readonly yields: number
  /** Real milliseconds between reaching the checkpoint and interrupting (0: none). */
  readonly sleepMs: number
  /** Insert through `session.execute` or through `SqlClient` (which must find the transaction). */
  readonly viaSqlClient: boolean
  /** Stream a 600-row query (several chunks) (cursor / iterator) after the outer rows, yielding per chunk. */
  readonly stream: boolean
}

const deepArb: fc.Arbitrary<Deep> = fc.record({ rows: fc.integer({ min: 1, max: 2 }), fail: fc.boolean() })
const childArb: fc.Arbitrary<Child> = fc.record({
  rows: fc.integer({ min: 1, max: 3 }),
  fail: fc.boolean(),
  deep: fc.option(deepArb, { nil: null })
})
const planArb: fc.Arbitrary<Plan> = fc.record({
  outerRows: fc.integer({ min: 1, max: 3 }),
  children: fc.array(childArb, { maxLength: 3 }),
  tailRows: fc.integer({ min: 0, max: 2 }),
  outcome: fc.constantFrom<Plan["outcome"]>("interrupt", "interrupt", "interrupt", "interrupt", "complete", "fail"),
  checkpoint: fc.integer({ min: -1, max: 100 }),
  yields: fc.constantFrom(0, 0, 1, 2, 4),
  sleepMs: fc.constantFrom(0, 0, 0, 0, 1, 2),
  viaSqlClient: fc.boolean(),
  stream: fc.constantFrom(true, false, false, false, false, false)
})

/** Every insert a block runs, including those of savepoints that roll back. */
const insertCount = (plan: Plan) =>
  plan.outerRows + plan.tailRows + plan.children.reduce((n, c) => n + c.rows + (c.deep?.rows ?? 0), 0)

/** The insert after which the block is interrupted (-1: right away). */
const checkpointOf = (plan: Plan) =>
  plan.checkpoint < 0 ? -1 : Math.min(insertCount(plan) - 1, Math.floor(plan.checkpoint * insertCount(plan) / 100))

/** The rows a block commits when nothing interrupts it. */
const expectedRows = (plan: Plan) =>
  plan.outerRows + plan.tailRows +
  plan.children.reduce((n, c) => c.fail ? n : n + c.rows + (c.deep !== null && !c.deep.fail ? c.deep.rows : 0), 0)

const seriesQuery = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 600) SELECT x FROM c"

class Planned {
  readonly _tag = "Planned"
  constructor(readonly where: string) {}
}
const isPlanned = (u: unknown): u is Planned => u instanceof Planned

const createTable = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) =>
    sql.unsafe(
      `CREATE TABLE drill_rows (grp INTEGER NOT NULL, idx INTEGER NOT NULL, k INTEGER NOT NULL, doomed INTEGER NOT NULL, PRIMARY KEY (grp, idx))`
    )
)

interface Tracker {
  /** Block bodies entered and not yet exited. */
  active: number
  entered: number
}

type BlockExit = Exit.Exit<void, unknown>

/** One block: a transaction writing group `grp`, with savepoints as planned. */
const block = (
  db: Database.Database,
  sql: SqlClient.SqlClient,
  grp: number,
  plan: Plan,
  tracker: Tracker,
  reached: Deferred.Deferred<void>
) => {
  const k = expectedRows(plan)
  let idx = 0
  let statements = 0
  const target = checkpointOf(plan)
  const checkpoint = Effect.suspend(() => {
    const here = statements++
    return Effect.andThen(
      here === target ? Deferred.succeed(reached, undefined) : Effect.void,
      Effect.yieldNow
    )
  })
  const insert = (doomed: boolean) =>
    Effect.flatMap(Session.Session, (session) => {
      const i = idx++
      const statement = sql`INSERT INTO drill_rows (grp, idx, k, doomed) VALUES (${grp}, ${i}, ${k}, ${doomed ? 1 : 0})`
      const run: Effect.Effect<unknown, unknown> = plan.viaSqlClient ? statement : session.execute(statement)
      return Effect.andThen(run, checkpoint)
    })
  const rows = (n: number, doomed: boolean) => Effect.repeat(insert(doomed), { times: n - 1 })
  const child = (c: Child, parentDoomed: boolean) => {
    const doomed = parentDoomed || c.fail
    const deep = c.deep === null ? Effect.void : Effect.catchIf(
      db.begin(Effect.andThen(
        rows(c.deep.rows, doomed || c.deep.fail),
        c.deep.fail ? Effect.fail(new Planned("deep")) : Effect.void
      )),
      isPlanned,
      () => Effect.void
    )
    return Effect.catchIf(
      db.begin(Effect.all([rows(c.rows, doomed), deep, c.fail ? Effect.fail(new Planned("child")) : Effect.void])),
      isPlanned,
      () => Effect.void
    )
  }
  const body = Effect.gen(function*() {
    yield* rows(plan.outerRows, false)
    if (plan.stream) {
      // Interrupted or not, a half-read cursor must not spoil the connection.
      const n = yield* Effect.flatMap(
        Session.Session,
        (s) => Stream.runCount(Stream.mapArrayEffect(s.stream(seriesQuery), (chunk) => Effect.as(Effect.yieldNow, chunk)))
      )
      if (n !== 600) return yield* Effect.die(new Error(`streamed ${n} rows, expected 600`))
    }
    for (const c of plan.children) yield* child(c, false)
    if (plan.tailRows > 0) yield* rows(plan.tailRows, false)
    if (plan.outcome === "fail") return yield* Effect.fail(new Planned("outer"))
  })
  const tracked = Effect.andThen(
    Effect.sync(() => {
      tracker.active++
      tracker.entered++
    }),
    Effect.ensuring(body, Effect.sync(() => tracker.active--))
  )
  return Effect.ensuring(db.begin(tracked), Deferred.succeed(reached, undefined))
}

const groupsOf = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ grp: number; n: number | string; k: number; doomed: number | string }>`
    SELECT grp, COUNT(*) AS n, MIN(k) AS k, SUM(doomed) AS doomed FROM drill_rows GROUP BY grp`
  return new Map(rows.map((r) => [Number(r.grp), { n: Number(r.n), k: Number(r.k), doomed: Number(r.doomed) }]))
})

interface PhaseOptions {
  readonly blocks: number
  readonly concurrency: number
  readonly seed: number
  readonly firstGroup: number
}

/** Runs one phase of the fuzz against the Database in context and checks its invariants. */
const phase = (options: PhaseOptions) =>
  Effect.gen(function*() {
    const db = yield* Database.Database
    const sql = yield* SqlClient.SqlClient
    const plans = fc.sample(planArb, { seed: options.seed, numRuns: options.blocks })
    const tracker: Tracker = { active: 0, entered: 0 }
    const outcomes: Array<{ grp: number; plan: Plan; exit: BlockExit }> = []
    const fibers: Array<Fiber.Fiber<void, unknown>> = []

    const runPlan = (plan: Plan, i: number) =>
      Effect.gen(function*() {
        const grp = options.firstGroup + i
        const reached = yield* Deferred.make<void>()
        const fiber = yield* Effect.forkChild(block(db, sql, grp, plan, tracker, reached))
        fibers.push(fiber)
        if (plan.outcome === "interrupt") {
          // `reached` is also completed when the block ends, should it end before its checkpoint.
          if (checkpointOf(plan) >= 0) yield* Deferred.await(reached)
          for (let y = 0; y < plan.yields; y++) yield* Effect.yieldNow
          if (plan.sleepMs > 0) yield* Effect.sleep(plan.sleepMs)
          yield* Fiber.interrupt(fiber)
        }
        const exit = yield* Fiber.await(fiber)
        outcomes.push({ grp, plan, exit })
      })

    yield* Effect.forEach(plans, runPlan, { concurrency: options.concurrency, discard: true }).pipe(
      noHang(`${options.blocks} interrupted begin blocks`, "90 seconds")
    )

    // No fiber left running.
    expect(tracker.active).toBe(0)
    for (const fiber of fibers) expect(fiber.pollUnsafe()).toBeDefined()

    // Every exit is one of the expected three; tally them to prove the fuzz hit each case.
    const tally = { success: 0, interrupted: 0, planned: 0 }
    for (const { exit, plan } of outcomes) {
      if (Exit.isSuccess(exit)) {
        tally.success++
        expect(plan.outcome).not.toBe("fail")
      } else if (Cause.hasInterruptsOnly(exit.cause)) {
        tally.interrupted++
        expect(plan.outcome).toBe("interrupt")
      } else {
        const failures = allFailures(exit.cause)
        if (!(failures.length === 1 && isPlanned(failures[0]) && !Cause.hasDies(exit.cause))) {
          throw new Error(`unexpected exit of a block: ${Cause.pretty(exit.cause)}`)
        }
        tally.planned++
      }
    }
    if (process.env.DRILL_VERBOSE) {
      console.log(options, tally)
      const late = outcomes.filter((o) => o.plan.outcome === "interrupt" && Exit.isSuccess(o.exit))
      console.log(late.slice(0, 15).map((o) => [checkpointOf(o.plan), insertCount(o.plan), o.plan.yields, o.plan.sleepMs]))
    }
    expect(tally.interrupted).toBeGreaterThan(options.blocks / 4)
    expect(tally.success).toBeGreaterThan(options.blocks / 10)
    expect(tally.planned).toBeGreaterThan(0)

    // All or nothing, per group and per savepoint.
    const groups = yield* groupsOf
    let partial = 0
    for (const { grp, plan, exit } of outcomes) {
      const k = expectedRows(plan)
      const seen = groups.get(grp)
      if (Exit.isSuccess(exit)) {
        expect(seen, `group ${grp} reported committed`).toEqual({ n: k, k, doomed: 0 })
      } else if (plan.outcome === "fail") {
        expect(seen, `group ${grp} failed on purpose`).toBeUndefined()
      } else if (seen !== undefined) {
        // Interrupted: absent, or complete when the interruption came after COMMIT.
        if (seen.n !== k || seen.doomed !== 0) partial++
        expect(seen, `interrupted group ${grp}`).toEqual({ n: k, k, doomed: 0 })
      }
    }
    expect(partial).toBe(0)
    for (const grp of groups.keys()) {
      expect(grp).toBeGreaterThanOrEqual(options.firstGroup)
    }

    // Every connection is back.
    const stats = yield* db.poolStats
    expect(stats.waiting).toBe(0)
    expect(stats.idle).toBe(stats.total)
    // and serves queries and transactions within a bound.
    yield* db.ping.pipe(noHang("ping after the fuzz", "10 seconds"))
    yield* db.begin(Effect.flatMap(Session.Session, (s) => s.all("SELECT 1 AS one"))).pipe(
      noHang("begin after the fuzz", "10 seconds")
    )
    return tally
  })

/**
 * Counts the fibers started, and those still running, under the effect it is
 * provided to (`Metric.FiberRuntimeMetrics`: the runtime reports every fiber
 * forked with that context, children and detached fibers alike, when it
 * starts and when it ends). Effect 4 has no global list of root fibers, so
 * this is how the drill sees a fiber left behind.
 */
const fiberCount = () => {
  let started = 0
  let running = 0
  const service: Metric.FiberRuntimeMetricsService = {
    recordFiberStart: () => {
      started++
      running++
    },
    recordFiberEnd: () => {
      running--
    }
  }
  return { service, started: () => started, running: () => running }
}

/**
 * @param pgBackends when given, lists the states of this layer's server
 * backends (PostgreSQL): none may be left inside a transaction.
 */
export const suite = (
  name: string,
  makeLayer: MakeLayer,
  extra: {
    readonly blocks?: number
    readonly layerOptions?: (tag: string) => LayerOptions
    readonly backendsInTransaction?: (tag: string) => Effect.Effect<number>
  } = {}
) => {
  const total = extra.blocks ?? 1000
  describe(`drill: interruption fuzz (${name})`, () => {
    const run = (title: string, poolSize: number, concurrency: number, blocks: number, seed: number) =>
      it.live(title, () => {
        const tag = `drill-int-${process.pid}-${seed}`
        const options: LayerOptions = { poolSize, ...(extra.layerOptions?.(tag) ?? {}) }
        const fibers = fiberCount()
        return Effect.gen(function*() {
          const tally = yield* Effect.gen(function*() {
            yield* createTable
            const tally = yield* phase({ blocks, concurrency, seed, firstGroup: seed * 10_000 })
            if (extra.backendsInTransaction) {
              expect(yield* extra.backendsInTransaction(tag)).toBe(0)
            }
            return tally
          }).pipe(Effect.provideService(Metric.FiberRuntimeMetrics, fibers.service))
          // No fiber of ours outlives the blocks (e.g. a detached one left by a
          // cancelled statement). A fiber that is still winding down gets a
          // bounded moment; one that never ends fails the test.
          expect(fibers.started(), "the count saw the blocks' fibers").toBeGreaterThan(blocks)
          yield* Effect.exit(waitUntil("every fiber started by the blocks to end", Effect.sync(() => fibers.running() === 0), "10 seconds"))
          expect(fibers.running(), "fibers started by the blocks still running").toBe(0)
          return tally
        }).pipe(Effect.provide(makeLayer(options)))
      }, 120_000)

    run(`${Math.round(total * 0.7)} blocks, pool of 3, 6 at a time`, 3, 6, Math.round(total * 0.7), 7)
    run(`${Math.round(total * 0.3)} blocks, pool of 1, 3 at a time`, 1, 3, Math.round(total * 0.3), 11)
  })
}
