/**
 * Pooler mode's reading of statement texts, without a server: which
 * statements are refused as session state, and which ones open a
 * transaction or must not be wrapped in one.
 */
import { describe, expect, it } from "@effect/vitest"
import { sessionStateRefusal } from "../../src/internal/dialect/pg/pooler.js"
import { transactionRole } from "../../src/internal/dialect/pg/transactionRole.js"
import { expectMessageFormat } from "../support/messages.js"

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
      "select PG_ADVISORY_UNLOCK(1)"
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
      "SELECT listen FROM t"
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
