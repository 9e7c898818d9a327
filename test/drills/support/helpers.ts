/**
 * Shared helpers of the reliability drills: classifying exits, bounding
 * waits, checking that secrets never leak into errors, and an out-of-band
 * PostgreSQL client (not ours) to observe or sabotage the server.
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import Pg from "pg"
import { inspect } from "node:util"
import * as DatabaseError from "../../../src/DatabaseError.js"

/**
 * Fails the test (as a defect, so it cannot be caught by the code under test)
 * when `effect` does not finish within `bound`. Only used to prove "no hang":
 * the bounds are generous.
 */
export const noHang = (label: string, bound: Duration.Input) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.timeoutOrElse(effect, {
    duration: bound,
    orElse: () => Effect.die(new HangError(`${label} did not finish within ${Duration.format(Duration.fromInputUnsafe(bound))}`))
  })

class HangError extends Error {}

/** Describes a cause for assertion messages. */
export const describeCause = (cause: Cause.Cause<unknown>) => Cause.pretty(cause)

/**
 * The typed failure of an exit, asserting that the cause holds no defect and
 * that it is a failure at all (not success, not only an interruption).
 */
export const typedFailure = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  if (Cause.hasDies(exit.cause)) throw new Error(`expected a typed failure, got a defect:\n${Cause.pretty(exit.cause)}`)
  const failure = Cause.findErrorOption(exit.cause)
  if (Option.isNone(failure)) throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return failure.value
}

/** Like `typedFailure`, and the failure must be a `DatabaseError`. */
export const databaseFailure = <A, E>(exit: Exit.Exit<A, E>): DatabaseError.DatabaseError => {
  const error = typedFailure(exit)
  if (!DatabaseError.isDatabaseError(error)) {
    throw new Error(`expected a DatabaseError, got ${inspect(error)}`)
  }
  return error
}

/** Every failure in the cause (a cleanup failure may follow the original). */
export const allFailures = <E>(cause: Cause.Cause<E>): ReadonlyArray<E> =>
  cause.reasons.filter(Cause.isFailReason).map((reason) => reason.error)

/** Every rendering of an error a user might log or ship somewhere. */
export const renderings = (error: unknown): ReadonlyArray<readonly [string, string]> => {
  const e = error as DatabaseError.DatabaseError
  return [
    ["message", String(e.message)],
    ["String(error)", String(error)],
    ["JSON.stringify(error)", JSON.stringify(error) ?? ""],
    ["JSON.stringify(reason)", JSON.stringify(e.reason) ?? ""],
    ["inspect(error)", inspect(error, { depth: 6 })],
    ["Cause.pretty", Cause.pretty(Cause.fail(error))],
    ["sql", String(e.sql ?? "")]
  ]
}

/** The renderings of `error` that contain `secret`, by name (empty when clean). */
export const leaks = (error: unknown, secret: string): ReadonlyArray<string> =>
  renderings(error).filter(([, text]) => text.includes(secret)).map(([name]) => name)

/**
 * A plain `pg` client of its own (not a connection of the library under
 * test), closed with the scope.
 */
export const outOfBand = (connectionString: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const client = new Pg.Client({ connectionString, connectionTimeoutMillis: 5000 })
      client.on("error", () => {})
      await client.connect()
      return client
    }),
    (client) => Effect.promise(() => client.end().catch(() => undefined))
  )

/** Runs one query on a fresh out-of-band client. */
export const adminQuery = <Row = Record<string, unknown>>(
  connectionString: string,
  text: string,
  values: ReadonlyArray<unknown> = []
) =>
  Effect.scoped(
    Effect.flatMap(
      outOfBand(connectionString),
      (client) => Effect.promise(() => client.query(text, values as Array<unknown>).then((r) => r.rows as Array<Row>))
    )
  )

/** A deterministic pseudo-random generator (mulberry32) for schedules and timings. */
export const prng = (seed: number) => {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  }
}

/** Polls `check` every 25 ms until it holds; a hang (defect) after `bound`. */
export const waitUntil = <E, R>(label: string, check: Effect.Effect<boolean, E, R>, bound: Duration.Input = "10 seconds") =>
  Effect.repeat(check, { until: (ok) => ok, schedule: Schedule.spaced("25 millis") }).pipe(
    Effect.asVoid,
    noHang(label, bound)
  )
