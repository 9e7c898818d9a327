import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as DatabaseError from "../DatabaseError.js"
import { Session } from "../Session.js"
import type { BeginOptions, Dialect, DriverConnection } from "./dialect/Dialect.js"
import { control, type Held, makeHeld, makeSession } from "./session.js"

/** @internal */
export interface TransactionOptions extends BeginOptions {
  /**
   * Re-runs the whole transaction when it fails with a retryable error
   * (serialization failure, deadlock, SQLite BUSY). Only the outermost
   * `begin` retries: an inner one cannot, its transaction is already doomed.
   */
  readonly retry?: Schedule.Schedule<unknown, unknown> | undefined
}

/** @internal */
export interface TransactionContext {
  readonly dialect: Dialect
  readonly current: FiberRef.FiberRef<Held | undefined>
  /** Reserves a connection for a top-level transaction. */
  readonly reserve: Effect.Effect<DriverConnection, DatabaseError.DatabaseError, Scope.Scope>
}

/** @internal */
export const isRetryable = (error: unknown): boolean =>
  DatabaseError.hasReason(error, "TransactionError") && error.reason.retryable

type Restore = <X, Y, Z>(effect: Effect.Effect<X, Y, Z>) => Effect.Effect<X, Y, Z>

// Runs `effect` with `held` as the current connection and its Session in context.
const within = <A, E, R>(
  ctx: TransactionContext,
  held: Held,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, Exclude<R, Session>> => {
  const withSession: Effect.Effect<A, E, Exclude<R, Session>> = Effect.provideService(
    effect,
    Session,
    makeSession(ctx.dialect, held, (e) => begin(ctx, e))
  )
  return Effect.locally(withSession, ctx.current, held as Held | undefined)
}

// A failure of the cleanup is reported after the original cause, which stays
// first so that `catchTag` and friends still see what the user's code did.
const withCleanupFailure = <A, E>(exit: Exit.Failure<A, E>, cleanup: Exit.Failure<void, DatabaseError.DatabaseError>) =>
  Exit.failCause(Cause.sequential(exit.cause, cleanup.cause))

/**
 * BEGIN … COMMIT on `held`, rolling back on failure, defect or interruption.
 * Unlike `@effect/sql`'s `withTransaction`, a failed BEGIN issues no
 * ROLLBACK (there is nothing to roll back, and it would hide the error) and
 * a failed COMMIT or ROLLBACK is a typed `TransactionError`, not a defect.
 */
const transaction = <A, E, R>(
  ctx: TransactionContext,
  held: Held,
  effect: Effect.Effect<A, E, R>,
  options: BeginOptions,
  restore: Restore
): Effect.Effect<A, E | DatabaseError.DatabaseError, Exclude<R, Session>> =>
  Effect.flatten(Effect.gen(function*() {
    yield* control(ctx.dialect, held, "begin", ctx.dialect.begin(options))
    held.inTransaction = true
    held.beginDepth++
    const exit = yield* Effect.exit(restore(within(ctx, held, effect)))
    held.beginDepth--
    held.inTransaction = false
    if (Exit.isSuccess(exit)) {
      const committed = yield* Effect.exit(control(ctx.dialect, held, "commit", "COMMIT"))
      if (Exit.isSuccess(committed)) return exit as Exit.Exit<A, E | DatabaseError.DatabaseError>
      // SQLite keeps the transaction open after a failed COMMIT (e.g. BUSY);
      // PostgreSQL has already ended it and answers ROLLBACK with a warning.
      yield* Effect.ignore(control(ctx.dialect, held, "rollback", "ROLLBACK"))
      return Exit.failCause(committed.cause)
    }
    const rolledBack = yield* Effect.exit(control(ctx.dialect, held, "rollback", "ROLLBACK"))
    if (Exit.isSuccess(rolledBack)) return exit
    held.conn.invalidate()
    return withCleanupFailure(exit, rolledBack)
  }))

/**
 * A uniquely named SAVEPOINT inside the open transaction: RELEASEd on
 * success, rolled back to (and released) on failure.
 */
const savepoint = <A, E, R>(
  ctx: TransactionContext,
  held: Held,
  effect: Effect.Effect<A, E, R>,
  restore: Restore
): Effect.Effect<A, E | DatabaseError.DatabaseError, Exclude<R, Session>> =>
  Effect.flatten(Effect.gen(function*() {
    const name = `effect_sqlservice_sp_${++held.savepoints}`
    yield* control(ctx.dialect, held, "savepoint", `SAVEPOINT ${name}`)
    held.beginDepth++
    const exit = yield* Effect.exit(restore(within(ctx, held, effect)))
    held.beginDepth--
    if (Exit.isSuccess(exit)) {
      const released = yield* Effect.exit(control(ctx.dialect, held, "release", `RELEASE SAVEPOINT ${name}`))
      return Exit.isSuccess(released) ? exit as Exit.Exit<A, E | DatabaseError.DatabaseError> : Exit.failCause(released.cause)
    }
    const rolledBack = yield* Effect.exit(
      Effect.zipRight(
        control(ctx.dialect, held, "rollback", `ROLLBACK TO SAVEPOINT ${name}`),
        control(ctx.dialect, held, "release", `RELEASE SAVEPOINT ${name}`)
      )
    )
    if (Exit.isSuccess(rolledBack)) return exit
    return withCleanupFailure(exit, rolledBack)
  }))

/**
 * `begin`: a transaction on a fresh connection, on the connection of an
 * enclosing session, or a savepoint inside an enclosing transaction.
 *
 * @internal
 */
export const begin = <A, E, R>(
  ctx: TransactionContext,
  effect: Effect.Effect<A, E, R>,
  options: TransactionOptions = {}
): Effect.Effect<A, E | DatabaseError.DatabaseError, Exclude<R, Session>> => {
  type Result = Effect.Effect<A, E | DatabaseError.DatabaseError, Exclude<R, Session>>
  const onHeld = (held: Held | undefined, restore: Restore): Result => {
    if (held !== undefined) {
      return held.inTransaction
        ? savepoint(ctx, held, effect, restore)
        : transaction(ctx, held, effect, options, restore)
    }
    const fresh: Effect.Effect<A, E | DatabaseError.DatabaseError, Exclude<R, Session> | Scope.Scope> = Effect.flatMap(
      restore(ctx.reserve),
      (conn) => transaction(ctx, makeHeld(conn, true), effect, options, restore)
    )
    return Effect.scoped(fresh) as Result
  }
  const attempt: Result = Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(FiberRef.get(ctx.current), (held) => onHeld(held, restore))
  )
  const schedule = options.retry
  if (schedule === undefined) return attempt
  const retried: typeof attempt = Effect.retry(attempt, Schedule.whileInput(schedule, isRetryable))
  return Effect.flatMap(FiberRef.get(ctx.current), (held) => held?.inTransaction === true ? attempt : retried)
}
