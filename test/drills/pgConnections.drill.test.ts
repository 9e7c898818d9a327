/**
 * Drills 2 and 7 — PostgreSQL connections under sabotage, and load.
 *
 * - A backend terminated (pg_terminate_backend from a plain `pg` client, never
 *   through the library) while it serves a `begin`: the block fails with a
 *   typed DatabaseError, nothing is committed, the pool drops the dead
 *   connection and the next `begin` runs on a fresh one.
 * - Every idle pooled connection terminated at once: `ping` and a begin on
 *   each pool slot recover without rebuilding the layer.
 * - `statementTimeout` and interruption cancel our statement only: a
 *   concurrent unrelated session's long statement runs to completion.
 * - 200 concurrent serializable read-modify-write transactions with a retry
 *   schedule lose no update.
 *
 * Only backends whose pid we read from our own connection, or that carry this
 * file's unique application_name, are ever terminated: other test files run
 * against the same server at the same time.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as SqlClient from "effect/sql/SqlClient"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Session from "../../src/Session.js"
import { pgAvailable, pgIsolated, pgUrl } from "../support/layers.js"
import { adminQuery, allFailures, databaseFailure, noHang, waitUntil } from "./support/helpers.js"

const available = await pgAvailable()

let tagCounter = 0
const uniqueTag = (what: string) => `drill-${what}-${process.pid}-${Date.now().toString(36)}-${tagCounter++}`

const terminate = (pid: number) => adminQuery(pgUrl, "SELECT pg_terminate_backend($1)", [pid])

/** Waits until the server no longer lists the backend (it has really exited). */
const backendGone = (pid: number) =>
  waitUntil(
    `backend ${pid} to exit`,
    Effect.map(
      adminQuery<{ n: number }>(pgUrl, "SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE pid = $1", [pid]),
      (rows) => rows[0]!.n === 0
    )
  )

const backendsOf = (applicationName: string) =>
  adminQuery<{ pid: number; state: string | null; query: string }>(
    pgUrl,
    "SELECT pid, state, query FROM pg_stat_activity WHERE application_name = $1",
    [applicationName]
  )

const backendPid = Effect.flatMap(
  Session.Session,
  (s) => Effect.map(s.one("SELECT pg_backend_pid() AS pid"), (row) => row.pid as number)
)

const count = (table: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql.unsafe<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${table}`), (rows) => rows[0]!.n))

const insert = (table: string, id: number) =>
  Effect.flatMap(
    Session.Session,
    (s) => Effect.flatMap(SqlClient.SqlClient, (sql) => s.execute(sql`INSERT INTO ${sql(table)} (id) VALUES (${id})`))
  )

/** Asserts the pool is whole again: every connection idle, nobody waiting, no more than `max`. */
const poolIsWhole = (max: number) =>
  Effect.gen(function*() {
    const db = yield* Database.Database
    const stats = yield* db.poolStats
    expect(stats.waiting).toBe(0)
    expect(stats.idle).toBe(stats.total)
    expect(stats.total).toBeLessThanOrEqual(max)
  })

describe.skipIf(!available)("drill: dropped PostgreSQL connections", () => {
  // Where in the block the backend is terminated, and what the block does next.
  const sites = [
    { site: "between two statements", inSavepoint: false, next: "statement", failing: /^INSERT/ },
    { site: "inside a nested savepoint", inSavepoint: true, next: "statement", failing: /^INSERT/ },
    { site: "during a running statement", inSavepoint: false, next: "running", failing: /pg_sleep/ },
    { site: "right before COMMIT", inSavepoint: false, next: "commit", failing: /^COMMIT$/ }
  ] as const

  for (const { failing, inSavepoint, next, site } of sites) {
    const tag = uniqueTag("dropped")
    it.live(`backend terminated ${site}: typed failure, nothing committed, the pool replaces the connection`, () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE dropped (id INTEGER PRIMARY KEY)`
        const pidSeen = yield* Deferred.make<number>()
        const killed = yield* Deferred.make<void>()

        const work = Effect.gen(function*() {
          yield* insert("dropped", 1)
          const pid = yield* backendPid
          yield* Deferred.succeed(pidSeen, pid)
          if (next === "running") {
            // The statement is on the server when its backend is terminated.
            yield* Effect.flatMap(Session.Session, (s) => s.execute("SELECT pg_sleep(30)"))
          } else {
            yield* Deferred.await(killed)
            if (next === "statement") yield* insert("dropped", 2)
          }
        })
        const fiber = yield* Effect.forkChild(
          db.begin(inSavepoint ? Effect.andThen(insert("dropped", 0), db.begin(work)) : work)
        )
        const pid = yield* Deferred.await(pidSeen)
        if (next === "running") {
          yield* waitUntil(
            "pg_sleep to start",
            Effect.map(backendsOf(tag), (rows) => rows.some((r) => r.pid === pid && r.query.includes("pg_sleep(30)")))
          )
        }
        yield* terminate(pid)
        yield* backendGone(pid)
        yield* Deferred.succeed(killed, undefined)

        const exit = yield* Fiber.await(fiber).pipe(noHang("the block on a terminated backend", "15 seconds"))
        const error = databaseFailure(exit)
        // Whatever statement meets the dead backend (BEGIN, a statement, COMMIT),
        // it is a lost connection, every time: the backend was gone before the
        // COMMIT reached it, so the outcome is known (nothing committed).
        expect(error.reason, error.message).toMatchObject({ _tag: "ConnectionError", kind: "lost" })
        expect(error.sql).toMatch(failing)
        // Any cleanup failure (the ROLLBACK on a dead connection) is typed too.
        for (const failure of allFailures(exit._tag === "Failure" ? exit.cause : Cause.empty)) {
          expect(DatabaseError.isDatabaseError(failure)).toBe(true)
        }

        expect(yield* count("dropped")).toBe(0)
        // The next begin gets a live connection, and the dead one is gone for good.
        const pids = yield* Effect.all(
          [1, 2].map((i) => db.begin(Effect.andThen(insert("dropped", 10 + i), Effect.tap(backendPid, () => Effect.sleep("50 millis"))))),
          { concurrency: "unbounded" }
        )
        expect(pids).not.toContain(pid)
        expect(yield* count("dropped")).toBe(2)
        yield* poolIsWhole(2)
        yield* db.ping
      }).pipe(Effect.provide(pgIsolated({ poolSize: 2, applicationName: tag }))), 30_000)
  }

  it.live("every idle pooled connection terminated at once: ping and a full pool of begins recover", () => {
    const tag = uniqueTag("all-idle")
    const poolSize = 4
    return Effect.gen(function*() {
      const db = yield* Database.Database
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE recovered (id INTEGER PRIMARY KEY)`
      for (let round = 0; round < 3; round++) {
        // Fill the pool: poolSize transactions at once, each holding its connection a moment.
        const warm = yield* Effect.all(
          Array.from({ length: poolSize }, () => db.begin(Effect.tap(backendPid, () => Effect.sleep("100 millis")))),
          { concurrency: "unbounded" }
        )
        expect(new Set(warm).size).toBe(poolSize)
        const before = yield* backendsOf(tag)
        expect(before.length).toBe(poolSize)
        for (const b of before) yield* terminate(b.pid)
        for (const b of before) yield* backendGone(b.pid)

        yield* db.ping.pipe(noHang("ping after every connection was terminated", "10 seconds"))
        // Every pool slot serves a transaction again, on new backends.
        const after = yield* Effect.all(
          Array.from({ length: poolSize }, (_, i) =>
            db.begin(Effect.andThen(insert("recovered", round * 100 + i), Effect.tap(backendPid, () => Effect.sleep("100 millis"))))),
          { concurrency: "unbounded" }
        ).pipe(noHang("a full pool of begins after the terminations", "15 seconds"))
        for (const pid of after) expect(before.map((b) => b.pid)).not.toContain(pid)
        yield* poolIsWhole(poolSize)
      }
      expect(yield* count("recovered")).toBe(3 * poolSize)
    }).pipe(Effect.provide(pgIsolated({ poolSize, applicationName: tag })))
  }, 60_000)

  it.live("terminated idle connections, used again without waiting: each use fails typed at worst, then recovers", () => {
    // The pool may hand out a connection whose termination it has not
    // noticed yet. That may fail the one statement (typed ConnectionError),
    // never with a defect or a hang, and the dead connection is not reused.
    const tag = uniqueTag("no-wait")
    const poolSize = 3
    return Effect.gen(function*() {
      const db = yield* Database.Database
      yield* Effect.all(
        Array.from({ length: poolSize }, () => db.begin(Effect.tap(backendPid, () => Effect.sleep("50 millis")))),
        { concurrency: "unbounded" }
      )
      const before = yield* backendsOf(tag)
      // One out-of-band statement terminates them all, so nothing yields to the pool in between.
      yield* adminQuery(pgUrl, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [tag])
      const exits = yield* Effect.all(
        Array.from({ length: poolSize * 2 }, () => Effect.exit(db.begin(backendPid))),
        { concurrency: 1 }
      ).pipe(noHang("begins on terminated connections", "20 seconds"))
      // Whether the pool noticed a termination before handing the connection
      // out is timing; what each use ended with is not: a new backend, or a
      // typed connection failure that says so (never a defect, never another reason).
      // (A BEGIN that hits the dead connection may carry the loss inside a
      // TransactionError until BEGIN failures are reported as their cause.)
      const outcome = (exit: Exit.Exit<number, DatabaseError.DatabaseError>) => {
        if (Exit.isSuccess(exit)) return "a new backend"
        const error = databaseFailure(exit)
        return error.message.includes("connection lost: ") ? "connection lost" : error.message
      }
      for (const exit of exits) expect(["a new backend", "connection lost"]).toContain(outcome(exit))
      // At most one failure per dead connection; the last uses all succeed.
      expect(exits.filter(Exit.isFailure).length).toBeLessThanOrEqual(poolSize)
      expect(Exit.isSuccess(exits[exits.length - 1]!)).toBe(true)
      yield* db.ping
      const now = yield* backendsOf(tag)
      expect(now.length).toBeGreaterThan(0)
      for (const b of now) expect(before.map((x) => x.pid)).not.toContain(b.pid)
      yield* poolIsWhole(poolSize)
    }).pipe(Effect.provide(pgIsolated({ poolSize, applicationName: tag })))
  }, 60_000)
})

describe.skipIf(!available)("drill: a held connection whose backend is gone", () => {
  it.live("the next statement fails with ConnectionError lost, whichever way pg reports it; the pool replaces the connection", () => {
    // Unlike an idle pooled connection (which the pool may or may not have
    // dropped by the time it is used again), a held connection is certainly
    // used after its backend exited: this failure happens on every run.
    const tag = uniqueTag("held")
    return Effect.gen(function*() {
      const db = yield* Database.Database
      const pid = yield* Effect.scoped(Effect.gen(function*() {
        const conn = yield* db.connect
        const [row] = yield* conn.all("SELECT pg_backend_pid() AS pid")
        const pid = row!.pid as number
        yield* terminate(pid)
        yield* backendGone(pid)
        const error = yield* Effect.flip(conn.all("SELECT 1 AS one")).pipe(noHang("a statement on a dead connection", "10 seconds"))
        expect(error.reason, error.message).toMatchObject({ _tag: "ConnectionError", kind: "lost" })
        expect(error.reason.message).toMatch(/^connection lost: /)
        return pid
      }))
      const [row] = yield* Effect.scoped(Effect.flatMap(db.connect, (c) => c.all("SELECT pg_backend_pid() AS pid")))
      expect(row!.pid).not.toBe(pid)
      yield* poolIsWhole(1)
    }).pipe(Effect.provide(pgIsolated({ poolSize: 1, applicationName: tag })))
  }, 30_000)
})

describe.skipIf(!available)("drill: PostgreSQL pool exhaustion", () => {
  it.live("waiting for a connection of a full pool respects connectTimeout: a typed ConnectionError, then the pool serves again", () => {
    const tag = uniqueTag("exhausted")
    return Effect.gen(function*() {
      const db = yield* Database.Database
      const holding = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const holder = yield* Effect.forkChild(db.begin(Effect.andThen(Deferred.succeed(holding, undefined), Deferred.await(release))))
      yield* Deferred.await(holding)
      const started = Date.now()
      const exit = yield* Effect.exit(db.begin(backendPid)).pipe(noHang("waiting on a full pool", "5 seconds"))
      const error = databaseFailure(exit)
      expect(error.reason._tag, error.message).toBe("ConnectionError")
      expect(error.message).toMatch(/timeout/i)
      expect(Date.now() - started).toBeLessThan(3000)
      expect((yield* db.poolStats).waiting).toBe(0)
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      yield* db.begin(backendPid)
      yield* poolIsWhole(1)
    }).pipe(Effect.provide(pgIsolated({ poolSize: 1, applicationName: tag, connectTimeout: "300 millis" })))
  }, 30_000)
})

describe.skipIf(!available)("drill: PostgreSQL cancellation hits our statement only", () => {
  it.live("statementTimeout stops our statement; an unrelated session's longer statement completes", () => {
    const tag = uniqueTag("timeout")
    return Effect.gen(function*() {
      const db = yield* Database.Database
      // Another database handle without a timeout: the unrelated session.
      const other = yield* Database.make({ url: pgUrl, applicationName: `${tag}-other`, poolSize: 2 })
      const unrelated = yield* Effect.forkChild(
        other.begin(Effect.flatMap(Session.Session, (s) => s.one("SELECT 42 AS answer, 'slept' AS slept FROM pg_sleep(1.5)")))
      )
      const started = Date.now()
      const exit = yield* Effect.exit(
        db.begin(Effect.flatMap(Session.Session, (s) => s.execute("SELECT pg_sleep(10)")))
      ).pipe(noHang("a statement past its timeout", "8 seconds"))
      const error = databaseFailure(exit)
      expect(error.reason).toMatchObject({ _tag: "StatementError", code: "57014" })
      expect(error.message).toMatch(/statement timeout/)
      expect(Date.now() - started).toBeLessThan(8000)
      // The unrelated statement was not cancelled with ours.
      expect(yield* Fiber.join(unrelated)).toEqual({ slept: "slept", answer: 42 })
      // Our pool is fine afterwards, and short statements still run.
      yield* db.begin(Effect.flatMap(Session.Session, (s) => s.execute("SELECT pg_sleep(0.05)")))
      yield* poolIsWhole(2)
    }).pipe(Effect.provide(pgIsolated({ poolSize: 2, applicationName: tag, statementTimeout: "300 millis" })), Effect.scoped)
  }, 30_000)

  it.live("interrupting one fiber cancels its statement on the server; sibling and foreign statements complete", () => {
    const tag = uniqueTag("cancel")
    return Effect.gen(function*() {
      const db = yield* Database.Database
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE survived (id INTEGER PRIMARY KEY)`
      const victimPid = yield* Deferred.make<number>()
      const siblingPid = yield* Deferred.make<number>()
      const victim = yield* Effect.forkChild(db.begin(Effect.gen(function*() {
        yield* Deferred.succeed(victimPid, yield* backendPid)
        yield* Effect.flatMap(Session.Session, (s) => s.execute("SELECT pg_sleep(30)"))
      })))
      const sibling = yield* Effect.forkChild(db.begin(Effect.gen(function*() {
        yield* Deferred.succeed(siblingPid, yield* backendPid)
        yield* insert("survived", 1)
        yield* Effect.flatMap(Session.Session, (s) => s.execute("SELECT pg_sleep(1.5)"))
        yield* insert("survived", 2)
      })))
      // A statement of someone else entirely, on a plain client.
      const foreign = yield* Effect.forkChild(adminQuery<{ answer: number }>(pgUrl, "SELECT pg_sleep(1.5), 7 AS answer"))
      const vPid = yield* Deferred.await(victimPid)
      const sPid = yield* Deferred.await(siblingPid)
      yield* waitUntil(
        "both sleeps to run",
        Effect.map(backendsOf(tag), (rows) =>
          rows.some((r) => r.pid === vPid && r.state === "active" && r.query.includes("pg_sleep(30)")) &&
          rows.some((r) => r.pid === sPid && r.state === "active" && r.query.includes("pg_sleep(1.5)")))
      )
      const exit = yield* Effect.andThen(Fiber.interrupt(victim), Fiber.await(victim)).pipe(noHang("interrupting a running statement", "6 seconds"))
      expect(Exit.hasInterrupts(exit)).toBe(true)
      // On the server, the victim's backend is no longer sleeping (cancelled, rolled back, idle).
      yield* waitUntil(
        "the victim's statement to stop on the server",
        Effect.map(backendsOf(tag), (rows) => !rows.some((r) => r.pid === vPid && r.state !== "idle")),
        "5 seconds"
      )
      yield* Fiber.join(sibling)
      expect((yield* Fiber.join(foreign))[0]!.answer).toBe(7)
      expect(yield* count("survived")).toBe(2)
      yield* poolIsWhole(3)
    }).pipe(Effect.provide(pgIsolated({ poolSize: 3, applicationName: tag })))
  }, 30_000)
})

describe.skipIf(!available)("drill: load", () => {
  // 200 read-modify-writes of one row can only commit one at a time: the run
  // is 200 rounds of (BEGIN, SELECT, UPDATE, INSERT, COMMIT) end to end,
  // while the 9 other transactions of each round wait on the row lock and
  // retry. On a loaded 2-core machine that chain alone can take 20 s, and a
  // fiber queues for a pooled connection behind ~19 rounds between attempts.
  // So the bounds are generous (and there is no speed assertion): what this
  // proves is that no update is lost and everybody gets through, not how fast.
  it.live("200 concurrent serializable read-modify-write transactions with retry lose no update", () =>
    Effect.gen(function*() {
      const db = yield* Database.Database
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`
      yield* sql`CREATE TABLE increments (fiber INTEGER PRIMARY KEY, seen INTEGER NOT NULL)`
      yield* sql`INSERT INTO counter (id, n) VALUES (1, 0)`
      let attempts = 0
      const retry = Schedule.max([
        Schedule.jittered(Schedule.min([Schedule.exponential("1 millis"), Schedule.spaced("10 millis")])),
        Schedule.recurs(400)
      ])
      const increment = (fiber: number) =>
        db.begin(
          Effect.gen(function*() {
            attempts++
            const s = yield* Session.Session
            const row = yield* s.one(sql`SELECT n FROM counter WHERE id = ${1}`)
            const n = row.n as number
            yield* s.execute(sql`UPDATE counter SET n = ${n + 1} WHERE id = ${1}`)
            // A second write in the same transaction: both or neither.
            yield* s.execute(sql`INSERT INTO increments (fiber, seen) VALUES (${fiber}, ${n})`)
          }),
          { isolationLevel: "serializable", retry }
        )
      const exits = yield* Effect.all(
        Array.from({ length: 200 }, (_, i) => Effect.exit(increment(i))),
        { concurrency: "unbounded" }
      ).pipe(noHang("200 serializable increments", "150 seconds"))
      // The schedule is generous enough that everybody gets through: any failure is listed.
      const failures = exits.filter(Exit.isFailure).map((exit) => databaseFailure(exit).message)
      expect(failures).toEqual([])
      const final = yield* sql<{ n: number }>`SELECT n FROM counter WHERE id = 1`
      expect(final[0]!.n).toBe(200)
      expect(yield* count("increments")).toBe(200)
      // Each increment saw a distinct previous value: 0 .. 199.
      const seen = yield* sql<{ seen: number }>`SELECT seen FROM increments ORDER BY seen`
      expect(seen.map((r) => r.seen)).toEqual(Array.from({ length: 200 }, (_, i) => i))
      // Conflicts really happened and were retried.
      expect(attempts).toBeGreaterThan(200)
      yield* poolIsWhole(10)
      if (process.env.DRILL_VERBOSE) console.log({ attempts })
    }).pipe(
      // Waiting for one of the 10 connections is part of the load, not a failure.
      Effect.provide(pgIsolated({ poolSize: 10, connectTimeout: "2 minutes" }))
    ), 180_000)
})
