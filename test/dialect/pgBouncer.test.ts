/**
 * Through a real PgBouncer in transaction mode (Debian's package, started by
 * the tests on a free port with a server pool of 5): the shared suites in
 * pooler mode, and stress over a library pool larger than PgBouncer's.
 * Skipped without pgbouncer on the machine, except with CI=true.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Session from "../../src/Session.js"
import { suite as concurrencySuite } from "../suites/concurrency.js"
import { suite as coreSuite } from "../suites/core.js"
import { suite as sqlClientSuite } from "../suites/sqlClient.js"
import { backendsNamed, backendsOf, pollUntil } from "../support/backends.js"
import { pgAvailable, pgUrl } from "../support/layers.js"
import { expectMessageFormat } from "../support/messages.js"
import { type PgBouncer, pgBouncerIsolated, requireProgram, scratchDatabase, startPgBouncer } from "../support/pgbouncer.js"
import { thousandFibers, typedPoolTimeouts } from "../support/poolLoad.js"
import { failureOf, reasonOf } from "../support/failures.js"

const available = await pgAvailable()
const program = available ? requireProgram("pgbouncer", "PgBouncer") : undefined

let bouncer: PgBouncer | undefined
const running = () => {
  if (bouncer === undefined) throw new Error("pgbouncer is not running")
  return bouncer
}
// A library pool of 20 over PgBouncer's 5 server connections.
const viaBouncer = pgBouncerIsolated(running, { poolSize: 20 })

describe.skipIf(program === undefined)("through PgBouncer in transaction mode", () => {
  beforeAll(async () => {
    bouncer ??= await startPgBouncer(program!)
  })
  afterAll(async () => {
    await bouncer?.stop()
    bouncer = undefined
  })

  coreSuite("pgbouncer", viaBouncer)
  concurrencySuite("pgbouncer", viaBouncer, { parallelConnections: true })
  sqlClientSuite("pgbouncer", viaBouncer)
})

/** A Database of its own on a fresh database, through PgBouncer, for the scope. */
const throughBouncer = (options: Omit<Database.Options, "url"> = {}) =>
  Effect.gen(function*() {
    const database = yield* scratchDatabase
    const db = yield* Database.make({ pooler: "transaction", poolSize: 20, ...options, url: running().url(database) })
    return { db, database }
  })

const inSession = <A>(f: (s: Session.Session) => Effect.Effect<A, DatabaseError.DatabaseError>) => Effect.flatMap(Session.Session, f)

const activeSleeps = (database: string) =>
  Effect.map(backendsOf(database), (rows) => rows.filter((r) => r.state === "active" && r.query.includes("pg_sleep(30)")).length)

describe.skipIf(program === undefined)("PgBouncer (transaction mode, server pool 5) under load, library pool 20", () => {
  beforeAll(async () => {
    bouncer ??= await startPgBouncer(program!)
  })
  afterAll(async () => {
    await bouncer?.stop()
    bouncer = undefined
  })

  it.live("200 concurrent db.sql statements with parameters, three rounds: every one succeeds", () =>
    Effect.scoped(Effect.gen(function*() {
      const { db } = yield* throughBouncer()
      for (let round = 0; round < 3; round++) {
        const rows = yield* Effect.all(
          Array.from({ length: 200 }, (_, i) => db.sql<{ n: number }>`SELECT ${i}::int + ${round}::int AS n`),
          { concurrency: "unbounded" }
        )
        expect(rows.map((r) => r[0]!.n)).toEqual(Array.from({ length: 200 }, (_, i) => i + round))
      }
    })))

  it.live("200 concurrent begins writing and reading their own row: all commit", () =>
    Effect.scoped(Effect.gen(function*() {
      const { db } = yield* throughBouncer()
      yield* db.sql`CREATE TABLE items (id INTEGER PRIMARY KEY, qty INTEGER NOT NULL)`
      const read = yield* Effect.all(
        Array.from({ length: 200 }, (_, i) =>
          db.begin(inSession((s) =>
            Effect.gen(function*() {
              yield* s.execute("INSERT INTO items (id, qty) VALUES ($1, $2)", [i, i])
              yield* s.execute("UPDATE items SET qty = qty + 1 WHERE id = $1", [i])
              return (yield* s.one("SELECT qty FROM items WHERE id = $1", [i])).qty
            })
          ))),
        { concurrency: "unbounded" }
      )
      expect(read).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
      expect(yield* db.sql<{ n: number }>`SELECT count(*)::int AS n FROM items`).toEqual([{ n: 200 }])
    })))

  it.live("100 concurrent begins with nested savepoints: the failing ones undo only their own work", () =>
    Effect.scoped(Effect.gen(function*() {
      const { db } = yield* throughBouncer()
      yield* db.sql`CREATE TABLE items (id INTEGER PRIMARY KEY)`
      const insert = (id: number) => inSession((s) => s.execute("INSERT INTO items (id) VALUES ($1)", [id]))
      yield* Effect.all(
        Array.from({ length: 100 }, (_, i) =>
          db.begin(Effect.gen(function*() {
            yield* insert(i)
            yield* Effect.ignore(db.begin(Effect.andThen(insert(1000 + i), Effect.fail("undo"))))
            yield* db.begin(Effect.andThen(insert(2000 + i), db.begin(insert(3000 + i))))
            yield* Effect.ignore(db.begin(Effect.andThen(db.begin(insert(4000 + i)), Effect.fail("undo both"))))
          }))),
        { concurrency: "unbounded" }
      )
      const ranges = yield* db.sql<{ range: number; n: number }>`
        SELECT id / 1000 AS range, count(*)::int AS n FROM items GROUP BY 1 ORDER BY 1`
      expect(ranges).toEqual([{ range: 0, n: 100 }, { range: 2, n: 100 }, { range: 3, n: 100 }])
    })))

  it.live("40 concurrent reflects see the live table", () =>
    Effect.scoped(Effect.gen(function*() {
      const { db } = yield* throughBouncer()
      yield* db.sql`CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`
      const found = yield* Effect.all(Array.from({ length: 40 }, () => db.reflect()), { concurrency: "unbounded" })
      for (const metadata of found) expect(metadata.tables.map((t) => t.name)).toEqual(["items"])
    })))

  it.live("session state is refused with InputError before it is sent: SET, RESET, LISTEN, session advisory locks", () =>
    Effect.scoped(Effect.gen(function*() {
      const { db } = yield* throughBouncer()
      const refused = [
        "SET statement_timeout = '50ms'",
        "set search_path TO other",
        "/* why */ SET SESSION lock_timeout = 10",
        "RESET statement_timeout",
        "LISTEN jobs",
        "SELECT pg_advisory_lock(42)",
        "SELECT pg_try_advisory_lock_shared(1, 2)"
      ]
      for (const sql of refused) {
        const exit = yield* Effect.exit(Effect.scoped(Effect.flatMap(db.connect, (conn) => conn.all(sql))))
        const reason = reasonOf(failureOf(exit))
        expect(reason, sql).toMatchObject({ _tag: "InputError" })
        expect(reason.message).toContain("pooler mode")
        expectMessageFormat(reason)
        const viaSqlClient = yield* Effect.exit(db.sql.unsafe(sql))
        expect(Exit.isFailure(viaSqlClient), sql).toBe(true)
      }
      // What stays inside the transaction works.
      const inTransaction = yield* db.begin(inSession((s) =>
        Effect.gen(function*() {
          yield* s.all("SET LOCAL statement_timeout = '5s'")
          yield* s.all("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
          yield* s.all("SELECT pg_advisory_xact_lock(42)")
          return yield* s.one("SELECT current_setting('statement_timeout') AS t")
        })
      ))
      expect(inTransaction).toEqual({ t: "5s" })
    })))

  it.live("statementTimeout is SET LOCAL per transaction: one Database's statements time out, another's on the same server pool never do", () =>
    Effect.scoped(Effect.gen(function*() {
      const { database } = yield* throughBouncer()
      const strict = yield* Database.make({ pooler: "transaction", poolSize: 20, statementTimeout: "50 millis", url: running().url(database) })
      const relaxed = yield* Database.make({ pooler: "transaction", poolSize: 20, url: running().url(database) })
      const [strictExits, relaxedExits] = yield* Effect.all([
        Effect.all(
          Array.from({ length: 30 }, (_, i) =>
            Effect.exit<void, unknown, never>(
              i % 2 === 0
                ? Effect.asVoid(strict.sql`SELECT pg_sleep(0.3)`)
                : strict.begin(inSession((s) => Effect.asVoid(s.all("SELECT pg_sleep(0.3)"))))
            )),
          { concurrency: "unbounded" }
        ),
        Effect.all(
          Array.from({ length: 30 }, () => Effect.exit(relaxed.begin(inSession((s) => s.all("SELECT pg_sleep(0.1)"))))),
          { concurrency: "unbounded" }
        )
      ], { concurrency: "unbounded" })
      expect(relaxedExits.filter(Exit.isFailure).map((e) => Cause.pretty(e.cause))).toEqual([])
      for (const exit of strictExits) {
        expect(Exit.isFailure(exit)).toBe(true)
        expect(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "").toMatch(/statement timeout|57014/)
      }
      // The setting never reached a session: a plain statement sees the server default.
      expect(yield* relaxed.sql<{ t: string }>`SELECT current_setting('statement_timeout') AS t`).toEqual([{ t: "0" }])
    })))

  it.live("interrupting a statement stops it on the server behind PgBouncer (pooled and inside begin)", () =>
    Effect.scoped(Effect.gen(function*() {
      const { db, database } = yield* throughBouncer()
      const runs: ReadonlyArray<Effect.Effect<void, unknown>> = [
        Effect.asVoid(db.sql`SELECT pg_sleep(30)`),
        db.begin(inSession((s) => Effect.asVoid(s.all("SELECT pg_sleep(30)"))))
      ]
      for (const run of runs) {
        const fiber = yield* Effect.forkChild(run)
        expect(yield* pollUntil(activeSleeps(database), (n) => n === 1, 10)).toBe(1)
        yield* Fiber.interrupt(fiber)
        expect(yield* pollUntil(activeSleeps(database), (n) => n === 0, 5)).toBe(0)
      }
      // The pool is still usable afterwards.
      expect(yield* db.sql<{ one: number }>`SELECT 1 AS one`).toEqual([{ one: 1 }])
    })))

  it.live("1000 fibers on a pool of 10: all succeed, at most PgBouncer's 5 server backends, none busy after close", () =>
    Effect.gen(function*() {
      yield* Effect.scoped(Effect.gen(function*() {
        const database = yield* scratchDatabase
        yield* thousandFibers(
          Database.make({ pooler: "transaction", poolSize: 10, url: running().url(database) }),
          Effect.map(backendsOf(database), (rows) => rows.length),
          5
        )
        const busy = yield* pollUntil(
          Effect.map(backendsOf(database), (rows) => rows.filter((r) => r.state !== "idle").length),
          (n) => n === 0,
          5
        )
        expect(busy).toBe(0)
      }))
    }))

  it.live("every connection held past connectTimeout: the waiting fibers fail with pool_timeout only", () =>
    Effect.scoped(Effect.gen(function*() {
      const database = yield* scratchDatabase
      yield* typedPoolTimeouts(
        Database.make({ pooler: "transaction", poolSize: 10, poolMin: 10, connectTimeout: "100 millis", url: running().url(database) })
      )
    })))

  describe("the default mode (named statements) behind PgBouncer", () => {
    it.live("200 concurrent db.sql statements, three rounds: a name that reached another server connection is retried unnamed", () =>
      Effect.scoped(Effect.gen(function*() {
        const { db } = yield* throughBouncer({ pooler: undefined })
        for (let round = 0; round < 3; round++) {
          const rows = yield* Effect.all(
            Array.from({ length: 200 }, (_, i) => db.sql<{ n: number }>`SELECT ${i}::int + ${round}::int AS n`),
            { concurrency: "unbounded" }
          )
          expect(rows.map((r) => r[0]!.n)).toEqual(Array.from({ length: 200 }, (_, i) => i + round))
        }
      })))

    it.live("inside a transaction a statement named on another server connection fails with a ConfigError that says to enable pooler mode", () =>
      Effect.scoped(Effect.gen(function*() {
        // One library connection names its statement on the database's only
        // server connection; a second client then holds that server
        // connection in a transaction, so PgBouncer serves the next
        // transaction from a new server connection where the name is unknown.
        const { database, db } = yield* throughBouncer({ pooler: undefined, poolSize: 1 })
        const holder = yield* Database.make({ pooler: "transaction", poolSize: 1, url: running().url(database) })
        const select = (n: number) => db.begin(inSession((s) => s.all("SELECT $1::int AS n", [n])))
        expect(yield* select(1)).toEqual([{ n: 1 }])
        const holding = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const held = yield* Effect.forkChild(holder.begin(inSession((s) =>
          Effect.gen(function*() {
            yield* s.all("SELECT 1 AS one")
            yield* Deferred.succeed(holding, undefined)
            yield* Deferred.await(release)
          })
        )))
        yield* Deferred.await(holding)
        const exit = yield* Effect.exit(select(2))
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(held)
        expect(Exit.isFailure(exit)).toBe(true)
        const reason = reasonOf(failureOf(exit))
        expect(reason).toMatchObject({ _tag: "ConfigError" })
        expect(reason.message).toContain("pooler: \"transaction\"")
        expectMessageFormat(reason)
        // The library connection is usable again once the other transaction ends.
        expect(yield* Effect.exit(db.sql<{ one: number }>`SELECT 1 AS one`)).toMatchObject({ _tag: "Success" })
      })))
  })
})

describe.skipIf(!available)("a direct PostgreSQL pool of 10 under 1000 fibers", () => {
  it.live("all succeed on at most 10 server backends, none left after close", () =>
    Effect.gen(function*() {
      const name = `esq-load-${process.pid}-${Date.now().toString(36)}`
      yield* thousandFibers(
        Database.make({ url: pgUrl, poolSize: 10, applicationName: name }),
        Effect.map(backendsNamed(name), (rows) => rows.length),
        10
      )
      expect(yield* pollUntil(Effect.map(backendsNamed(name), (rows) => rows.length), (n) => n === 0, 5)).toBe(0)
    }))

  it.live("every connection held past connectTimeout: the waiting fibers fail with pool_timeout only", () =>
    typedPoolTimeouts(Database.make({ url: pgUrl, poolSize: 10, poolMin: 10, connectTimeout: "100 millis" })))
})
