/**
 * pg runs one query at a time per client and queues the others; sending a
 * query while one waits in that queue is deprecated in pg 8 and refused by
 * pg 9. Our driver sends a client's next query only once pg has finished
 * the previous one, a failed one included: pg reports a failure before the
 * server's ReadyForQuery that ends it.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import Pg from "pg"
import * as Database from "../../src/Database.js"
import { pgAvailable, pgIsolated } from "../support/layers.js"

const available = await pgAvailable()

interface PgInternals {
  readonly _queryQueue: ReadonlyArray<unknown>
  readonly readyForQuery: boolean
}

/** Records, for the scope, every query a pg client was given while `busy` said it was still at another. */
const queriesWhile = (busy: (client: PgInternals) => boolean) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const seen: Array<string> = []
      const original = Pg.Client.prototype.query
      ;(Pg.Client.prototype as { query: unknown }).query = function(this: PgInternals, ...args: Array<any>) {
        if (busy(this)) seen.push(String(args[0]?.text ?? args[0]?.constructor?.name ?? args[0]))
        return (original as (...a: Array<any>) => unknown).apply(this, args)
      }
      return { seen, original }
    }),
    ({ original }) =>
      Effect.sync(() => {
        Pg.Client.prototype.query = original
      })
  )

/** pg's own condition for its deprecation: another query is already waiting in the client's queue. */
const queuedBehindAnother = queriesWhile((client) => client._queryQueue.length > 0)

/** Sent before the previous query's ReadyForQuery (a Close ahead of a statement does this on purpose). */
const beforeReady = queriesWhile((client) => !client.readyForQuery)

describe.skipIf(!available)("PostgreSQL: one query at a time per client", () => {
  it.live("after a named statement fails, its retry (a Close of the stale name, then the statement) waits for pg to finish the failed one", () =>
    Effect.gen(function*() {
      const { seen } = yield* queuedBehindAnother
      const db = yield* Database.Database
      yield* db.sql`CREATE TABLE shifting (a INTEGER, b INTEGER)`
      yield* db.sql`INSERT INTO shifting VALUES (1, 2)`
      yield* Effect.scoped(Effect.gen(function*() {
        const conn = yield* db.connect
        const select = "SELECT * FROM shifting WHERE a = $1"
        yield* conn.all(select, [1])
        yield* conn.execute("ALTER TABLE shifting ALTER COLUMN b TYPE TEXT")
        // Fails once (the prepared plan is stale), then is prepared afresh under a new name.
        const stale = yield* Effect.flip(conn.all(select, [1]))
        expect(stale.reason).toMatchObject({ _tag: "StatementError", code: "0A000" })
        expect(yield* conn.all(select, [1])).toEqual([{ a: 1, b: "2" }])
      }))
      expect(seen).toEqual([])
    }).pipe(Effect.provide(pgIsolated({ poolSize: 1 }))))

  it.live("a failed statement outside any block hands its client to the next waiting statement only once pg has finished it", () =>
    Effect.gen(function*() {
      const db = yield* Database.Database
      yield* db.sql`CREATE TABLE nums (n INTEGER PRIMARY KEY)`
      const { seen } = yield* beforeReady
      // One connection, many statements waiting for it; every other one fails (a duplicate 0).
      const fibers = yield* Effect.forEach(Array.from({ length: 40 }, (_, i) => i), (i) =>
        Effect.forkChild(Effect.exit(db.sql`INSERT INTO nums (n) VALUES (${i % 2 === 0 ? i : 0})`)))
      const exits = yield* Fiber.joinAll(fibers)
      expect(exits.filter((e) => e._tag === "Success").length).toBe(20)
      expect(seen).toEqual([])
      expect(yield* db.sql`SELECT COUNT(*)::int AS n FROM nums`).toEqual([{ n: 20 }])
    }).pipe(Effect.provide(pgIsolated({ poolSize: 1 }))))

  it.live("a statement pg cannot even send (a parameter it cannot serialize) fails typed, and the connection serves on", () =>
    Effect.gen(function*() {
      const db = yield* Database.Database
      const circular: Record<string, unknown> = {}
      circular.self = circular
      yield* Effect.scoped(Effect.gen(function*() {
        const conn = yield* db.connect
        const error = yield* Effect.flip(conn.all("SELECT $1::text AS a", [circular]))
        expect(error.reason._tag).toBe("StatementError")
        expect(yield* conn.all("SELECT 1 AS one")).toEqual([{ one: 1 }])
      })).pipe(Effect.timeoutOrElse({ duration: "10 seconds", orElse: () => Effect.die(new Error("the connection hung")) }))
      const error = yield* Effect.flip(db.sql`SELECT ${circular}::text AS a`)
      expect(error.reason._tag).toBe("UnknownError")
      expect(yield* db.sql`SELECT 1 AS one`).toEqual([{ one: 1 }])
    }).pipe(Effect.provide(pgIsolated({ poolSize: 1 }))))
})
