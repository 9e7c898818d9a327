import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import type * as Schedule from "effect/Schedule"
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

// Runs `effect` with `held` as the current connection and its Session in context.
const within = <A, E, R>(ctx: TransactionContext, held: Held, effect: Effect.Effect<A, E, R>) =>
  Effect.locally(
    Effect.provideService(effect, Session, makeSession(ctx.dialect, held)),
    ctx.current,
    held
  ) as Effect.Effect<A, E, Exclude<R, Session>>

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
  restore: <X, Y, Z>(e: Effect.Effect<X, Y, Z>) => Effect.Effect<X, Y, Z>
): Effect.Effect<A, E | DatabaseError.DatabaseError, Exclude<R, Session>> =>
  Effect.gen(function*() {
    yield* control(ctx.dialect, held, "begin", ctx.dialect.begin(options))
    held.inTransaction = true
    held.beginDepth++
    const exit = yield* Effect.exit(restore(within(ctx, held, effect)))
    held.beginDepth--
    held.inTransaction = false
    if (Exit.isSuccess(exit)) {
      const committed = yield* Effect.exit(control(ctx.dialect, held, "commit", "COMMIT"))
      if (Exit.isSuccess(committed)) return exit
      // SQLite keeps the transaction open after a failed COMMIT (e.g. BUSY);
      // PostgreSQL has already ended it and answers ROLLBACK with a warning.
      yield* Effect.ignore(control(ctx.dialect, held, "rollback", "ROLLBACK"))
      return committed
    }
    const rolledBack = yield* Effect.exit(control(ctx.dialect, held, "rollback", "ROLLBACK"))
    if (Exit.isSuccess(rolledBack)) return exit
    held.conn.invalidate()
    return withCleanupFailure(exit, rolledBack)
  }).pipe(Effect.flatten) as any

/**
 * A uniquely named SAVEPOINT inside the open transaction: RELEASEd on
 * success, rolled back to (and released) on failure.
 */
const savepoint = <A, E, R>(
  ctx: TransactionContext,
  held: Held,
  effect: Effect.Effect<A, E, R>,
  restore: <X, Y, Z>(e: Effect.Effect<X, Y, Z>) => Effect.Effect<X, Y, Z>
): Effect.Effect<A, E | DatabaseError.DatabaseError, Exclude<R, Session>> =>
  Effect.gen(function*() {
    const name = `effect_sqlservice_sp_${++held.savepoints}`
    yield* control(ctx.dialect, held, "savepoint", `SAVEPOINT ${name}`)
    held.beginDepth++
    const exit = yield* Effect.exit(restore(within(ctx, held, effect)))
    held.beginDepth--
    if (Exit.isSuccess(exit)) {
      const released = yield* Effect.exit(control(ctx.dialect, held, "release", `RELEASE SAVEPOINT ${name}`))
      return Exit.isSuccess(released) ? exit : released
    }
    const rolledBack = yield* Effect.exit(
      Effect.zipRight(
        control(ctx.dialect, held, "rollback", `ROLLBACK TO SAVEPOINT ${name}`),
        control(ctx.dialect, held, "release", `RELEASE SAVEPOINT ${name}`)
      )
    )
    if (Exit.isSuccess(rolledBack)) return exit
    return withCleanupFailure(exit, rolledBack)
  }).pipe(Effect.flatten) as any

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
  const attempt = Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(FiberRef.get(ctx.current), (held) => {
      if (held === undefined) {
        return Effect.scoped(
          Effect.flatMap(restore(ctx.reserve), (conn) => transaction(ctx, makeHeld(conn, true), effect, options, restore))
        )
      }
      return held.inTransaction
        ? savepoint(ctx, held, effect, restore)
        : transaction(ctx, held, effect, options, restore)
    })
  )
  if (options.retry === undefined) return attempt
  const schedule = options.retry
  return Effect.flatMap(FiberRef.get(ctx.current), (held) =>
    held?.inTransaction === true
      ? attempt
      : Effect.retry(attempt, { schedule, while: isRetryable }) as typeof attempt)
}
