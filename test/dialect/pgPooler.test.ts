/**
 * Pooler mode's reading of statement texts, without a server: which
 * statements are refused as session state, and which ones open a
 * transaction or must not be wrapped in one.
 */
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import { sessionStateRefusal } from "../../src/internal/dialect/pg/pooler.js"
import { transactionRole } from "../../src/internal/dialect/pg/transactionRole.js"
import { expectMessageFormat } from "../support/messages.js"
import { pgAvailable, pgIsolated } from "../support/layers.js"
import * as Stream from "effect/Stream"
import * as Fiber from "effect/Fiber"
import { adminQuery } from "../drills/support/helpers.js"
import { pgUrl } from "../support/layers.js"

const available = await pgAvailable()

describe.skipIf(!available)("pooler mode on the server", () => {
  it.effect("a stream of session state is refused before its cursor opens, like a plain statement", () =>
    Effect.gen(function*() {
      const db = yield* Database.Database
      const error = yield* Effect.flip(Stream.runCollect(db.sql.unsafe("SET work_mem = '64MB'").stream))
      expect(String(error)).toContain("pooler mode")
      const [row] = yield* db.sql<{ w: string }>`SELECT current_setting('work_mem') AS w`
      expect(row!.w).not.toBe("64MB")
    }).pipe(Effect.provide(pgIsolated({ pooler: "transaction" })), Effect.scoped))
})

describe.skipIf(!available)("pooler mode: interrupting a statement wrapped in its own short transaction", () => {
  // With a statement timeout, a pooled statement runs as BEGIN, SET LOCAL,
  // the statement, COMMIT. An interruption that lands during BEGIN or SET
  // LOCAL cancels nothing on the server (the cancel finds BEGIN done), so the
  // statement itself must never be sent: on a pool of one, a statement left
  // running would hold the only connection until its timeout.
  it.live("never sends the statement once interrupted, wherever the interruption lands", () => {
    const tag = `pooler-interrupt-${process.pid}-${Date.now().toString(36)}`
    const sleeping = Effect.map(
      adminQuery<{ n: number }>(
        pgUrl,
        "SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND query LIKE '%pg_sleep(20)%' AND state = 'active'",
        [tag]
      ),
      (rows) => rows[0]!.n
    )
    return Effect.scoped(Effect.gen(function*() {
      const db = yield* Database.make({
        url: pgUrl,
        applicationName: tag,
        poolSize: 1,
        pooler: "transaction",
        statementTimeout: "30 seconds"
      })
      for (let round = 0; round < 80; round++) {
        const fiber = yield* Effect.forkChild(db.sql`SELECT pg_sleep(20)`)
        // Interruptions spread over the lease, BEGIN and SET LOCAL round trips.
        for (let i = 0; i < round % 16; i++) yield* Effect.yieldNow
        yield* Fiber.interrupt(fiber)
        const next = yield* db.sql<{ one: number }>`SELECT 1 AS one`.pipe(
          Effect.timeoutOrElse({
            duration: "5 seconds",
            orElse: () => Effect.succeed([])
          })
        )
        expect(next, `round ${round}: the only connection is still busy with the interrupted statement`).toEqual([{ one: 1 }])
      }
      expect(yield* sleeping).toBe(0)
    }))
  }, 60_000)
})

describe("pooler mode: statement texts", () => {
  it("refuses session state, wherever a statement starts", () => {
    const refused = [
      "SET statement_timeout = '50ms'",
      "  set search_path TO other",
      "SET SESSION lock_timeout = 10",
      "/* note */ SET work_mem = '64MB'",
      "-- note\nSET work_mem = '64MB'",
      "SELECT 1; SET work_mem = '64MB'",
      "RESET ALL",
      "LISTEN jobs",
      "UNLISTEN *",
      "PREPARE q AS SELECT 1",
      "SELECT pg_advisory_lock(1)",
      "SELECT pg_try_advisory_lock_shared(1, 2)",
      "select PG_ADVISORY_UNLOCK(1)",
      "DISCARD ALL",
      "SELECT set_config('search_path', 'other', false)",
      "SELECT SET_CONFIG('work_mem', $1, false)",
      "CREATE TEMP TABLE scratch (id int)",
      "create local temporary table scratch AS SELECT 1",
      "CREATE TEMPORARY TABLE scratch (note text DEFAULT 'ON COMMIT DROP')",
      "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
      "declare c scroll cursor with hold for select 1"
    ]
    for (const sql of refused) {
      const refusal = sessionStateRefusal(sql)
      expect(refusal?._tag, sql).toBe("InputError")
      expectMessageFormat(refusal!)
    }
  })

  it("lets through what stays inside the transaction, and text that only mentions SET", () => {
    const allowed = [
      "SET LOCAL statement_timeout = '5s'",
      "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
      "SET CONSTRAINTS ALL DEFERRED",
      "UPDATE t SET a = 1 WHERE id = $1",
      "INSERT INTO t (a) VALUES ($1) ON CONFLICT (a) DO UPDATE SET a = EXCLUDED.a",
      "SELECT 'x; SET y = 1' AS text",
      "SELECT \"listen\" FROM t",
      "SELECT $$; SET y = 1$$",
      "SELECT $tag$ pg_advisory_lock(1) $tag$",
      "-- SET work_mem = 1\nSELECT 1",
      "SELECT pg_advisory_xact_lock(1)",
      "SELECT listen FROM t",
      "SELECT set_config('search_path', 'other', true)",
      "SELECT 'set_config(a, b, false)' AS text",
      "CREATE TEMP TABLE scratch (id int) ON COMMIT DROP",
      "CREATE TEMPORARY TABLE scratch AS SELECT 1 WITH NO DATA ON COMMIT DROP",
      "CREATE TABLE temp (id int)",
      "DECLARE c CURSOR WITHOUT HOLD FOR SELECT 1",
      "DECLARE c CURSOR FOR SELECT 'WITH HOLD'"
    ]
    for (const sql of allowed) expect(sessionStateRefusal(sql), sql).toBeUndefined()
  })

  it("knows which statements open a transaction and which must run outside one", () => {
    expect(transactionRole("BEGIN")).toBe("begins")
    expect(transactionRole("begin isolation level serializable")).toBe("begins")
    expect(transactionRole("START TRANSACTION READ ONLY")).toBe("begins")
    for (const sql of ["COMMIT", "ROLLBACK", "VACUUM t", "CREATE DATABASE x", "CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)", "SET LOCAL x = 1"]) {
      expect(transactionRole(sql), sql).toBe("outside")
    }
    for (const sql of ["SELECT 1", "INSERT INTO t VALUES ($1)", "CREATE INDEX i ON t (a)", "UPDATE t SET a = 1"]) {
      expect(transactionRole(sql), sql).toBe("other")
    }
  })
})

describe("pooler and replicas from the environment", () => {
  const env = (record: Record<string, string>) =>
    Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord(record))

  it.effect("defaultConfig reads DATABASE_POOLER and DATABASE_REPLICAS (comma-separated)", () =>
    Effect.gen(function*() {
      const options = yield* Database.defaultConfig
      expect(options.pooler).toBe("transaction")
      expect(options.replicas).toEqual(["postgres://a@r1:5432/app", "postgres://a@r2:5432/app"])
    }).pipe(env({
      DATABASE_URL: "postgres://a@primary:5432/app",
      DATABASE_POOLER: "transaction",
      DATABASE_REPLICAS: "postgres://a@r1:5432/app,postgres://a@r2:5432/app"
    })))

  it.effect("an unknown DATABASE_POOLER, or a pooler for SQLite, is a ConfigError", () =>
    Effect.gen(function*() {
      const unknown = yield* Effect.flip(Layer.build(Database.layerConfig()).pipe(Effect.scoped, env({
        DATABASE_URL: "sqlite://:memory:",
        DATABASE_POOLER: "session"
      })))
      expect(DatabaseError.hasReason(unknown, "ConfigError")).toBe(true)
      expect(unknown.message).toContain("DATABASE_POOLER")
      const sqlite = yield* Effect.flip(Layer.build(Database.layerConfig()).pipe(Effect.scoped, env({
        DATABASE_URL: "sqlite://:memory:",
        DATABASE_POOLER: "transaction"
      })))
      expect(DatabaseError.hasReason(sqlite, "ConfigError")).toBe(true)
      expect(sqlite.message).toContain("pooler")
    }))
})
