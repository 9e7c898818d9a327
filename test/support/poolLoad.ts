import { expect } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Session from "../../src/Session.js"

/**
 * 1000 fibers at once on a pool of 10: every statement succeeds, the pool
 * never holds more than 10 connections, and the server never serves more
 * than `maxBackends` for us (sampled while they run).
 */
export const thousandFibers = (
  make: Effect.Effect<Database.Database, DatabaseError.DatabaseError, Scope.Scope>,
  backends: Effect.Effect<number>,
  maxBackends: number
) =>
  Effect.scoped(Effect.gen(function*() {
    const db = yield* make
    let peakBackends = 0
    let peakPool = 0
    const sampler = yield* Effect.forkChild(Effect.forever(Effect.gen(function*() {
      peakBackends = Math.max(peakBackends, yield* backends)
      peakPool = Math.max(peakPool, (yield* db.poolStats).total)
      yield* Effect.sleep("10 millis")
    })))
    const results = yield* Effect.all(
      Array.from({ length: 1000 }, (_, i) =>
        i % 2 === 0
          ? Effect.map(db.sql<{ i: number }>`SELECT ${i}::int AS i, pg_sleep(0.001)`, (rows) => rows[0]!.i)
          : db.begin(Effect.flatMap(Session.Session, (s) => Effect.map(s.one("SELECT $1::int AS i", [i]), (row) => row.i as number)))),
      { concurrency: "unbounded" }
    )
    yield* Fiber.interrupt(sampler)
    expect(results).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    expect(peakPool).toBeGreaterThan(0)
    expect(peakPool).toBeLessThanOrEqual(10)
    expect(peakBackends).toBeLessThanOrEqual(maxBackends)
  }))

/**
 * With every connection held longer than `connectTimeout`, the waiting
 * fibers fail with a typed `pool_timeout`, never anything else, and the
 * holders succeed.
 */
export const typedPoolTimeouts = (
  make: Effect.Effect<Database.Database, DatabaseError.DatabaseError, Scope.Scope>
) =>
  Effect.scoped(Effect.gen(function*() {
    const db = yield* make
    // Open the 10 connections first: the timeout then only concerns waiting for a free one. On a loaded
    // machine opening one can take longer than the short connectTimeout, so this warm-up tries again.
    yield* Effect.all(Array.from({ length: 10 }, () => db.begin(Effect.flatMap(Session.Session, (s) => s.all("SELECT pg_sleep(0.05)")))), {
      concurrency: "unbounded"
    }).pipe(Effect.retry({ times: 50 }))
    const exits = yield* Effect.all(
      Array.from({ length: 1000 }, () => Effect.exit(db.begin(Effect.flatMap(Session.Session, (s) => s.all("SELECT pg_sleep(0.3)"))))),
      { concurrency: "unbounded" }
    )
    const failures = exits.flatMap((exit) => {
      if (Exit.isSuccess(exit)) return []
      const error = Cause.findErrorOption(exit.cause)
      return [Option.isSome(error) ? error.value : Cause.pretty(exit.cause)]
    })
    expect(exits.length - failures.length).toBeGreaterThanOrEqual(1)
    expect(failures.length).toBeGreaterThan(0)
    for (const failure of failures) {
      expect(DatabaseError.isDatabaseError(failure) ? failure.reason : failure).toMatchObject({
        _tag: "ConnectionError",
        kind: "pool_timeout"
      })
    }
  }))
