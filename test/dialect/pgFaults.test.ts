/**
 * PostgreSQL connections that die or stop answering while the library waits
 * on them: streams whose backend is terminated or whose socket is cut. Every
 * wait must end (a typed error, an interruption that returns, a layer that
 * closes) and the pool must be whole afterwards.
 *
 * Faults come from pg_terminate_backend on our own backends (found by a
 * unique application_name) or from the fault proxy in test/support.
 */
import { describe, expect, it } from "@effect/vitest"
import * as net from "node:net"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { isSqlError } from "effect/sql/SqlError"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Session from "../../src/Session.js"
import { classify } from "../../src/internal/dialect/pg/errors.js"
import { adminQuery, waitUntil } from "../drills/support/helpers.js"
import { faultProxy, targetOf } from "../support/faultProxy.js"
import { pgAvailable, pgUrl } from "../support/layers.js"

const available = await pgAvailable()

let tagCounter = 0
const uniqueTag = (what: string) => `faults-${what}-${process.pid}-${Date.now().toString(36)}-${tagCounter++}`

class Hung extends Error {}

/**
 * Runs `effect` and fails the test when it has not finished after `bound`,
 * even if it cannot be interrupted (a hang in a finalizer): the effect runs
 * in a fiber of its own that is only joined, so the timeout returns whatever
 * the effect is stuck on, and the fiber is interrupted in the background.
 */
const within = (label: string, bound: Duration.Input) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkDetach(effect)
    const abandon = Effect.asVoid(Effect.forkDetach(Fiber.interrupt(fiber)))
    return yield* Fiber.join(fiber).pipe(
      Effect.timeoutOrElse({
        duration: bound,
        orElse: () =>
          Effect.andThen(
            abandon,
            Effect.die(new Hung(`${label} did not finish within ${Duration.format(Duration.fromInputUnsafe(bound))}`))
          )
      }),
      Effect.onInterrupt(() => abandon)
    )
  })

const backendsOf = (applicationName: string) =>
  adminQuery<{ pid: number }>(pgUrl, "SELECT pid FROM pg_stat_activity WHERE application_name = $1", [applicationName])

const terminateAll = (applicationName: string) =>
  Effect.gen(function*() {
    const pids = (yield* backendsOf(applicationName)).map((r) => r.pid)
    yield* adminQuery(pgUrl, "SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", [pids])
    yield* waitUntil(`backends of ${applicationName} to exit`, Effect.map(backendsOf(applicationName), (rows) => rows.length === 0))
  })

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const failure = Cause.findErrorOption(exit.cause)
  if (Option.isNone(failure)) throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return failure.value
}

const expectLost = (error: unknown) => {
  // An SqlError (from db.sql) carries the driver error, or our DatabaseError, as its reason's cause.
  const inner = isSqlError(error) ? error.reason.cause : error
  const reason = DatabaseError.isDatabaseError(inner) ? inner.reason : classify(inner)
  expect(reason, String(error)).toMatchObject({ _tag: "ConnectionError", kind: "lost" })
}

/** The pool kept nothing broken: every connection idle, nobody waiting, and it serves again. */
const poolServes = (db: Database.Database) =>
  Effect.gen(function*() {
    yield* db.ping
    expect(yield* db.sql<{ one: number }>`SELECT 1 AS one`).toEqual([{ one: 1 }])
    const stats = yield* db.poolStats
    expect(stats.waiting).toBe(0)
    expect(stats.idle).toBe(stats.total)
  })

const manyRows = "SELECT g FROM generate_series(1, 2000000) AS g"

/** Runs `fault` once the stream has produced its 10th row, then counts the rest. */
const runWithFault = <E>(rows: Stream.Stream<unknown, E>, fault: Effect.Effect<void>) => {
  let seen = 0
  return rows.pipe(
    Stream.tap(() => ++seen === 10 ? fault : Effect.void),
    Stream.runCount
  )
}

type Source = "session" | "connect" | "db.sql"

const streamOf = (db: Database.Database, source: Source) =>
  Stream.unwrap(Effect.gen(function*() {
    switch (source) {
      case "session":
        return (yield* db.session).stream(manyRows) as Stream.Stream<unknown, unknown>
      case "connect":
        return (yield* db.connect).stream(manyRows) as Stream.Stream<unknown, unknown>
      case "db.sql":
        return db.sql.unsafe(manyRows).stream as Stream.Stream<unknown, unknown>
    }
  }))

describe.skipIf(!available)("PostgreSQL streams whose connection dies", () => {
  for (const source of ["session", "connect", "db.sql"] as const) {
    it.live(`${source} stream, backend terminated mid-stream: ConnectionError lost, the layer closes, the pool is whole`, () => {
      const tag = uniqueTag(`terminated-${source}`)
      return Effect.gen(function*() {
        yield* Effect.scoped(Effect.gen(function*() {
          const db = yield* Database.make({ url: pgUrl, applicationName: tag, poolSize: 2 })
          const exit = yield* Effect.exit(runWithFault(streamOf(db, source), terminateAll(tag))).pipe(
            within("a stream on a terminated backend", "5 seconds")
          )
          expectLost(failureOf(exit))
          yield* poolServes(db)
        })).pipe(within("the test and closing its layer", "15 seconds"))
        expect(yield* backendsOf(tag)).toEqual([])
      })
    }, 30_000)

    it.live(`${source} stream, connection cut by the network mid-stream: ConnectionError lost, the pool is whole`, () =>
      Effect.gen(function*() {
        const proxy = yield* faultProxy(targetOf(pgUrl))
        yield* Effect.scoped(Effect.gen(function*() {
          const db = yield* Database.make({ url: proxy.url(pgUrl), poolSize: 2 })
          const exit = yield* Effect.exit(runWithFault(streamOf(db, source), Effect.sync(() => proxy.cutAll()))).pipe(
            within("a stream on a cut connection", "5 seconds")
          )
          expectLost(failureOf(exit))
          yield* poolServes(db)
        })).pipe(within("the test and closing its layer", "15 seconds"))
      }).pipe(Effect.scoped), 30_000)

    it.live(`${source} stream interrupted after its backend died: the interruption returns, the layer closes`, () => {
      const tag = uniqueTag(`interrupted-${source}`)
      return Effect.gen(function*() {
        yield* Effect.scoped(Effect.gen(function*() {
          const db = yield* Database.make({ url: pgUrl, applicationName: tag, poolSize: 2 })
          let seen = 0
          const fiber = yield* Effect.forkChild(
            streamOf(db, source).pipe(
              // Stops at the 10th row and waits there, with the backend terminated under it.
              Stream.tap(() => ++seen === 10 ? Effect.andThen(terminateAll(tag), Effect.never) : Effect.void),
              Stream.runDrain
            )
          )
          yield* waitUntil("the backend to be terminated", Effect.map(backendsOf(tag), (rows) => seen >= 10 && rows.length === 0))
          yield* Fiber.interrupt(fiber).pipe(within("interrupting the stream", "5 seconds"))
          yield* poolServes(db)
        })).pipe(within("the test and closing its layer", "15 seconds"))
      })
    }, 30_000)
  }

  it.live("a stream waiting on a slow query: interrupting it returns and cancels the query on the server", () => {
    const tag = uniqueTag("slow")
    return Effect.gen(function*() {
      yield* Effect.scoped(Effect.gen(function*() {
        const db = yield* Database.make({ url: pgUrl, applicationName: tag, poolSize: 1 })
        const fiber = yield* Effect.forkChild(
          Effect.scoped(Effect.flatMap(db.connect, (c) => Stream.runDrain(c.stream("SELECT 1 AS x FROM pg_sleep(60)"))))
        )
        yield* waitUntil(
          "the slow query to run",
          Effect.map(
            adminQuery<{ n: number }>(
              pgUrl,
              "SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND query LIKE '%pg_sleep(60)%' AND state = 'active'",
              [tag]
            ),
            (rows) => rows[0]!.n === 1
          )
        )
        yield* Fiber.interrupt(fiber).pipe(within("interrupting a stream on a slow query", "5 seconds"))
        // The connection went back to the pool ready for work: the query was cancelled, not waited for.
        yield* poolServes(db).pipe(within("the next statement on the pool of one", "5 seconds"))
      })).pipe(within("the test and closing its layer", "15 seconds"))
    })
  }, 30_000)
})

describe.skipIf(!available)("closing a PostgreSQL layer is bounded", () => {
  const stateOf = (applicationName: string) =>
    adminQuery<{ pid: number; state: string | null; query: string }>(
      pgUrl,
      "SELECT pid, state, query FROM pg_stat_activity WHERE application_name = $1",
      [applicationName]
    )
  const gone = (applicationName: string) =>
    waitUntil(`the backends of ${applicationName} to exit`, Effect.map(stateOf(applicationName), (rows) => rows.length === 0), "5 seconds")

  it.live("a leaked session idle in transaction: the close returns after closeTimeout and its backend is gone", () => {
    const tag = uniqueTag("leaked-idle")
    return Effect.gen(function*() {
      const leaked = yield* Effect.scoped(Effect.gen(function*() {
        const db = yield* Database.make({ url: pgUrl, applicationName: tag, poolSize: 2, closeTimeout: "300 millis" })
        const daemon = yield* Effect.forkDetach(Effect.scoped(Effect.gen(function*() {
          const session = yield* db.session
          yield* session.execute("SELECT 1")
          return yield* Effect.never
        })))
        yield* waitUntil(
          "the session to be idle in transaction",
          Effect.map(stateOf(tag), (rows) => rows.some((r) => r.state === "idle in transaction"))
        )
        return daemon
        // Far below the 5 s default closeTimeout: the option is what bounds it.
      })).pipe(within("closing the layer with a leaked session", "4 seconds"))
      yield* gone(tag)
      yield* Fiber.interrupt(leaked).pipe(within("interrupting the leaked session", "5 seconds"))
    })
  }, 30_000)

  it.live("a statement still running in a leaked fiber: the close cancels it on the server and returns", () => {
    const tag = uniqueTag("leaked-running")
    return Effect.gen(function*() {
      const leaked = yield* Effect.scoped(Effect.gen(function*() {
        const db = yield* Database.make({ url: pgUrl, applicationName: tag, poolSize: 2, closeTimeout: "2 seconds" })
        const daemon = yield* Effect.forkDetach(Effect.exit(db.begin(Effect.flatMap(Session.Session, (s) => s.execute("SELECT pg_sleep(60)")))))
        yield* waitUntil(
          "pg_sleep to run",
          Effect.map(stateOf(tag), (rows) => rows.some((r) => r.state === "active" && r.query.includes("pg_sleep(60)")))
        )
        return daemon
      })).pipe(within("closing the layer with a statement running", "4 seconds"))
      yield* gone(tag)
      // The statement was cancelled (typed), not left to run for its minute.
      const exit = yield* Fiber.join(leaked).pipe(within("the cancelled statement", "5 seconds"))
      expect(DatabaseError.isDatabaseError(failureOf(exit))).toBe(true)
    })
  }, 30_000)

  it.live("a server that stopped answering: the close returns after closeTimeout", () =>
    Effect.gen(function*() {
      const proxy = yield* faultProxy(targetOf(pgUrl))
      yield* Effect.scoped(Effect.gen(function*() {
        const db = yield* Database.make({ url: proxy.url(pgUrl), poolSize: 2, closeTimeout: "300 millis" })
        yield* Effect.forkDetach(Effect.scoped(Effect.flatMap(db.session, (s) => Effect.andThen(s.execute("SELECT 1"), Effect.never))))
        yield* Effect.all([db.ping, db.ping], { concurrency: 2 })
        yield* waitUntil("the session and an idle connection", Effect.sync(() => proxy.open >= 2))
        proxy.blackHole()
      })).pipe(within("closing the layer on a silent server", "4 seconds"))
    }).pipe(Effect.scoped), 30_000)

  it.live("interrupting Database.make against a server that never answers returns at once, not after connectTimeout", () =>
    Effect.gen(function*() {
      const proxy = yield* faultProxy(targetOf(pgUrl))
      proxy.blackHole()
      const fiber = yield* Effect.forkChild(Effect.scoped(Database.make({ url: proxy.url(pgUrl), connectTimeout: "30 seconds" })))
      yield* waitUntil("the connection attempt to reach the server", Effect.sync(() => proxy.accepted >= 1))
      const exit = yield* Effect.andThen(Fiber.interrupt(fiber), Fiber.await(fiber)).pipe(within("interrupting Database.make", "3 seconds"))
      expect(Exit.hasInterrupts(exit)).toBe(true)
    }).pipe(Effect.scoped), 30_000)
})

describe.skipIf(!available)("waiting for a PostgreSQL connection says why it failed", () => {
  it.live("a full pool is pool_timeout; a new connection the server never completes is unreachable", () =>
    Effect.gen(function*() {
      const proxy = yield* faultProxy(targetOf(pgUrl))
      const db = yield* Database.make({ url: proxy.url(pgUrl), poolSize: 2, connectTimeout: "500 millis", closeTimeout: "300 millis" })
      const holding = yield* Deferred.make<void>()
      yield* Effect.forkScoped(Effect.scoped(Effect.gen(function*() {
        yield* db.connect
        yield* Deferred.succeed(holding, undefined)
        yield* Effect.never
      })))
      yield* Deferred.await(holding)

      // One connection is held, the pool may open a second: the server never answers it.
      proxy.blackHole()
      const unreachable = yield* Effect.flip(Effect.scoped(db.connect)).pipe(within("opening a connection to a silent server", "5 seconds"))
      expect(unreachable.reason, unreachable.message).toMatchObject({ _tag: "ConnectionError", kind: "unreachable" })
      expect(unreachable.message).toContain("connectTimeout")
      proxy.blackHole(false)

      // Both connections held: the third waits for one to come back, and none does.
      yield* Effect.forkScoped(Effect.scoped(Effect.andThen(db.connect, Effect.never)))
      yield* waitUntil("the pool to be full", Effect.map(db.poolStats, (s) => s.total === 2 && s.idle === 0))
      const full = yield* Effect.flip(Effect.scoped(db.connect)).pipe(within("waiting on a full pool", "5 seconds"))
      expect(full.reason, full.message).toMatchObject({ _tag: "ConnectionError", kind: "pool_timeout" })
      expect(full.message).toMatch(/poolSize/)
      expect(full.message).toMatch(/connectTimeout/)
    }).pipe(Effect.scoped), 30_000)
})

describe("a server that refuses the first connection", () => {
  it.live("Database.make fails with one ConnectionError whose message says where and why once", () =>
    Effect.gen(function*() {
      // A port nothing listens on: bind one, note it, close it.
      const port = yield* Effect.promise(() =>
        new Promise<number>((resolve) => {
          const server = net.createServer()
          server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo
            server.close(() => resolve(port))
          })
        })
      )
      const error = yield* Effect.flip(Database.make({ url: `postgres://app:hunter2@127.0.0.1:${port}/db`, connectTimeout: "2 seconds" }))
      expect(error.reason).toMatchObject({ _tag: "ConnectionError", kind: "unreachable", host: "127.0.0.1", port })
      expect(error.message).toBe(`ConnectionError: cannot connect to PostgreSQL at 127.0.0.1:${port}/db: connect ECONNREFUSED 127.0.0.1:${port}`)
    }).pipe(Effect.scoped))
})
