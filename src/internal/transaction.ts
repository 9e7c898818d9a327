import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as DatabaseError from "../DatabaseError.js"
import { Session } from "../Session.js"
import type { BeginOptions, Dialect, DriverConnection, Reservation } from "./dialect/Dialect.js"
import {
  acquire,
  acquireToEnd,
  close,
  effectiveFrame,
  type Frame,
  makeRoot,
  preemptAbove,
  push,
  release,
  unfinishedChild
} from "./held.js"
import { runCommitted } from "./afterCommit.js"
import { syncQuery, type SyncQueryable } from "./statements.js"
import { beginTransaction, control, liftGuard, makeSession, type SessionContext } from "./session.js"

// Generator functions here are made once (`Effect.fnUntraced` at module level): see `hold` in
// database.ts for why a generator closure made per call costs microseconds.

/** @internal */
export interface TransactionOptions extends BeginOptions {
  /**
   * Re-runs the whole transaction when it fails with a retryable error
   * (serialization failure, deadlock, SQLite BUSY). Only the outermost
   * `begin` retries: an inner one cannot, its transaction is already doomed.
   */
  readonly retry?: Schedule.Schedule<unknown, unknown> | undefined
  /**
   * The statement that starts a top-level transaction in place of the
   * dialect's BEGIN (`SqlClient.BeginTransaction`); savepoints ignore it.
   */
  readonly beginStatement?: string | undefined
}

/**
 * How a block reports failures of its own making (reserving a connection,
 * BEGIN, COMMIT, ROLLBACK, a savepoint, a detached connection): as they are
 * for `db.begin`, as `SqlError` for `SqlClient.withTransaction`. The body's
 * own failures always pass through untouched.
 *
 * @internal
 */
export type Own<X> = (error: DatabaseError.DatabaseError) => X

/** @internal */
export interface TransactionContext {
  readonly dialect: Dialect
  readonly current: Context.Reference<Frame | undefined>
  /** Reserves a connection for a top-level transaction. */
  readonly reserve: Effect.Effect<DriverConnection, DatabaseError.DatabaseError, Scope.Scope>
  /**
   * Reserves a connection that the transaction gives back itself, without a
   * scope (see `Driver.lease`); where absent, `reserve` in a scope.
   */
  readonly lease?: ((restore: Restore) => Effect.Effect<Reservation, DatabaseError.DatabaseError>) | undefined
}

/** @internal */
export const isRetryable = (error: unknown): boolean =>
  DatabaseError.hasReason(error, "TransactionError") && error.reason.retryable

type Restore = <X, Y, Z>(effect: Effect.Effect<X, Y, Z>) => Effect.Effect<X, Y, Z>

/** @internal */
export const sessionContext = (ctx: TransactionContext): SessionContext => ({
  dialect: ctx.dialect,
  current: ctx.current,
  beginOn: (from) => (effect) => begin(ctx, effect, {}, from)
})

// Runs `effect` in `frame`: its fibers (and those they fork) use the frame's
// connection, and its Session is in context.
const within = <A, E, R>(
  ctx: TransactionContext,
  frame: Frame,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, Exclude<R, Session>> =>
  Effect.provideService(
    Effect.provideService(effect, Session, makeSession(sessionContext(ctx), frame)),
    ctx.current,
    frame
  )

// A failure of the cleanup is reported after the original cause, which stays
// first so that `catchTag` and friends still see what the user's code did.
const withCleanupFailure = <A, E, X>(exit: Exit.Failure<A, E>, cleanup: Exit.Failure<void, X>) =>
  Exit.failCause(Cause.combine(exit.cause, cleanup.cause))

const rolledBackByEnclosing = () =>
  DatabaseError.make(
    new DatabaseError.TransactionError({
      phase: "rollback",
      retryable: false,
      message:
        "nested begin rolled back: the block around it ended while it was still running (it ran in a fiber that outlived that block), so its work was undone; join forked fibers before their block ends"
    })
  )

// BEGIN (or a SAVEPOINT inside an open transaction) on the connection that
// `parent` owns; the new frame owns it from then on. A failed BEGIN leaves
// nothing to roll back.
const openBlock = (ctx: TransactionContext, parent: Frame, options: TransactionOptions) =>
  Effect.suspend(() => {
    const held = parent.held
    if (held.inTransaction) {
      const name = `effect_sqlservice_sp_${++held.savepoints}`
      return Effect.as(control(ctx.dialect, held, "savepoint", `SAVEPOINT ${name}`), push(parent, name))
    }
    return Effect.map(beginTransaction(ctx.dialect, held, options, options.beginStatement), () => push(parent, undefined))
  })

const isUnknownOutcome = (exit: Exit.Exit<unknown, DatabaseError.DatabaseError>) =>
  Exit.isFailure(exit) && Cause.findErrorOption(exit.cause).pipe(
    (failure) => Option.isSome(failure) && DatabaseError.hasReason(failure.value, "TransactionError") &&
      failure.value.reason.outcome === "unknown"
  )

// COMMIT on success (ROLLBACK if COMMIT fails), else ROLLBACK: the end of a
// transaction frame. Runs with the connection taken for the ending frame.
const endTransaction = Effect.fnUntraced(function*<A, E, X>(
  ctx: TransactionContext,
  frame: Frame,
  outcome: Exit.Exit<A, E | X>,
  own: Own<X>,
  committed: Array<Effect.Effect<void>>
) {
  const held = frame.held
  const { dialect } = ctx
  const run = (phase: DatabaseError.TransactionError["phase"], sql: string) =>
    Effect.exit(Effect.mapError(control(dialect, held, phase, sql), own))
  held.inTransaction = false
  if (Exit.isSuccess(outcome)) {
    const commit = yield* Effect.exit(control(dialect, held, "commit", "COMMIT"))
    if (Exit.isSuccess(commit)) {
      committed.push(...frame.callbacks)
      return outcome
    }
    // SQLite keeps the transaction open after a failed COMMIT (e.g. BUSY);
    // PostgreSQL has already ended it and answers ROLLBACK with a warning.
    if (!isUnknownOutcome(commit)) yield* Effect.ignore(control(dialect, held, "rollback", "ROLLBACK"))
    return Exit.failCause(Cause.map(commit.cause, own))
  }
  const rolledBack = yield* run("rollback", "ROLLBACK")
  if (Exit.isSuccess(rolledBack)) return outcome
  held.conn.invalidate()
  return withCleanupFailure(outcome, rolledBack)
})

/**
 * Ends `frame` with the outcome of its body: COMMIT or RELEASE on success,
 * ROLLBACK on failure. A nested block still running in a fiber that outlived
 * the body is rolled back first (its work never counts as done). Runs with
 * the connection taken for the ending frame. The frame's `afterCommit`
 * callbacks go to its parent when its savepoint is released, to `committed`
 * when its transaction commits, and nowhere otherwise.
 */
const finishBlock = Effect.fnUntraced(function*<A, E, X>(
  ctx: TransactionContext,
  frame: Frame,
  exit: Exit.Exit<A, E>,
  own: Own<X>,
  committed: Array<Effect.Effect<void>>
) {
  if (frame.preempted) return Exit.isSuccess(exit) ? Exit.fail(own(rolledBackByEnclosing())) : exit
  const held = frame.held
  const { dialect } = ctx
  const run = (phase: DatabaseError.TransactionError["phase"], sql: string) =>
    Effect.exit(Effect.mapError(control(dialect, held, phase, sql), own))
  let outcome: Exit.Exit<A, E | X> = exit
  if (Exit.isSuccess(exit)) {
    const unfinished = unfinishedChild(frame)
    if (unfinished !== undefined) {
      const undone = yield* run("rollback", `ROLLBACK TO SAVEPOINT ${unfinished.savepoint}`)
      if (Exit.isFailure(undone)) outcome = Exit.failCause(undone.cause)
    }
  }
  preemptAbove(frame)
  held.owner = frame.parent
  if (frame.transaction) return yield* Effect.ensuring(endTransaction(ctx, frame, outcome, own, committed), liftGuard(held))
  const name = frame.savepoint!
  if (Exit.isSuccess(outcome)) {
    const released = yield* run("release", `RELEASE SAVEPOINT ${name}`)
    if (Exit.isFailure(released)) return Exit.failCause(released.cause)
    frame.parent!.callbacks.push(...frame.callbacks)
    return outcome
  }
  const rolledBack = yield* Effect.exit(
    Effect.mapError(
      Effect.andThen(
        control(dialect, held, "rollback", `ROLLBACK TO SAVEPOINT ${name}`),
        control(dialect, held, "release", `RELEASE SAVEPOINT ${name}`)
      ),
      own
    )
  )
  return Exit.isSuccess(rolledBack) ? outcome : withCleanupFailure(outcome, rolledBack)
})

/**
 * One `begin` block on the connection `parent` is on: open it (waiting while
 * a sibling block owns the connection), run the body in it, end it.
 */
const runBlock = Effect.fnUntraced(function*<A, E, R, X>(
  ctx: TransactionContext,
  parent: Frame,
  effect: Effect.Effect<A, E, R>,
  options: TransactionOptions,
  restore: Restore,
  own: Own<X>,
  committed: Array<Effect.Effect<void>>
) {
  const held = parent.held
  yield* Effect.mapError(acquire(parent, restore), own)
  const frame = yield* Effect.mapError(
    Effect.ensuring(openBlock(ctx, parent, options), Effect.sync(() => release(held))),
    own
  )
  const exit = yield* Effect.exit(restore(within(ctx, frame, effect)))
  close(frame)
  yield* acquireToEnd(held, restore)
  const outcome = yield* Effect.ensuring(finishBlock(ctx, frame, exit, own, committed), Effect.sync(() => release(held)))
  return yield* outcome
})

/**
 * Ends the scope that reserved a connection (a session, `connect`, or the
 * connection of a top-level `begin`): its fibers are detached from the
 * connection, and whatever transaction is still open is rolled back, its
 * `afterCommit` callbacks with it. Then `release`, if given, gives the
 * connection back.
 *
 * @internal
 */
export const endScope = (dialect: Dialect, root: Frame, release?: Effect.Effect<void>): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (endScopeNow(root)) return release ?? Effect.void
    const ending = Effect.uninterruptibleMask((restore) => endingScope(dialect, root, restore))
    return release === undefined ? ending : Effect.ensuring(ending, release)
  })

/**
 * `endingScope` within the caller's step, where nothing can interleave: on a
 * driver that runs statements synchronously (SQLite) with no statement
 * running. False leaves the rest to `endingScope`. A session per request
 * ends here, and the steps it saves were a tenth of what the session cost.
 */
const endScopeNow = (root: Frame): boolean => {
  const held = root.held
  const query = (held.conn as SyncQueryable)[syncQuery]
  if (query === undefined) return false
  close(root)
  if (held.busy) return false
  held.busy = true
  preemptAbove(root)
  held.owner = undefined
  root.callbacks.length = 0
  if (held.inTransaction) {
    held.inTransaction = false
    try {
      query("ROLLBACK", [])
    } catch {
      held.conn.invalidate()
    }
  }
  if (held.guarded) {
    held.guarded = false
    held.conn.refuseWrites?.(false)
  }
  release(held)
  return true
}

const endingScope = Effect.fnUntraced(function*(dialect: Dialect, root: Frame, restore: Restore) {
  const held = root.held
  close(root)
  yield* acquireToEnd(held, restore)
  preemptAbove(root)
  held.owner = undefined
  root.callbacks.length = 0
  if (held.inTransaction) {
    held.inTransaction = false
    yield* Effect.catch(control(dialect, held, "rollback", "ROLLBACK"), () => Effect.sync(held.conn.invalidate))
  }
  yield* liftGuard(held)
  release(held)
})

/**
 * `begin` with the block's own failures reported by `own` (see `Own`): a
 * transaction on a fresh connection, on the connection of an enclosing
 * session, or a savepoint inside an enclosing transaction. `from` is the
 * frame of the session it was called on, if any; otherwise the calling
 * fiber's own frame decides. The `afterCommit` callbacks of a transaction it
 * commits run once its connection is given back.
 *
 * @internal
 */
export const beginWith = <A, E, R, X>(
  ctx: TransactionContext,
  effect: Effect.Effect<A, E, R>,
  options: TransactionOptions,
  from: Frame | undefined,
  own: Own<X>
): Effect.Effect<A, E | X, Exclude<R, Session>> => {
  type Result = Effect.Effect<A, E | X, Exclude<R, Session>>
  const frameOf = (current: Frame | undefined) => from === undefined ? current : effectiveFrame(from, current)
  const onFrame = (frame: Frame | undefined, restore: Restore, committed: Array<Effect.Effect<void>>): Result => {
    if (frame !== undefined) return runBlock(ctx, frame, effect, options, restore, own, committed)
    if (ctx.lease !== undefined) {
      return Effect.flatMap(Effect.mapError(ctx.lease(restore), own), (leased) => {
        const root = makeRoot(leased.conn, false)
        return Effect.ensuring(runBlock(ctx, root, effect, options, restore, own, committed), endScope(ctx.dialect, root, leased.release))
      }) as Result
    }
    const fresh = Effect.flatMap(restore(Effect.mapError(ctx.reserve, own)), (conn) => {
      const root = makeRoot(conn, false)
      return Effect.ensuring(runBlock(ctx, root, effect, options, restore, own, committed), endScope(ctx.dialect, root))
    })
    return Effect.scoped(fresh) as Result
  }
  const attempt: Result = Effect.uninterruptibleMask((restore) =>
    Effect.suspend(() => {
      const committed: Array<Effect.Effect<void>> = []
      return Effect.flatMap(
        Effect.exit(Effect.flatMap(Effect.service(ctx.current), (current) => onFrame(frameOf(current), restore, committed))),
        (exit) => Effect.andThen(runCommitted(committed), exit)
      )
    })
  )
  const schedule = options.retry
  if (schedule === undefined) return attempt
  const retried: typeof attempt = Effect.retry(attempt, schedule.pipe(Schedule.while(({ input }) => isRetryable(input))))
  return Effect.flatMap(
    Effect.service(ctx.current),
    (current) => frameOf(current)?.held.inTransaction === true ? attempt : retried
  )
}

/**
 * `db.begin`: `beginWith` reporting its own failures as `DatabaseError`s.
 *
 * @internal
 */
export const begin = <A, E, R>(
  ctx: TransactionContext,
  effect: Effect.Effect<A, E, R>,
  options: TransactionOptions = {},
  from?: Frame
): Effect.Effect<A, E | DatabaseError.DatabaseError, Exclude<R, Session>> =>
  beginWith(ctx, effect, options, from, (error) => error)
