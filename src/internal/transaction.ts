import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as DatabaseError from "../DatabaseError.js"
import { Session } from "../Session.js"
import type { BeginOptions, Dialect, DriverConnection } from "./dialect/Dialect.js"
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
import { control, makeSession, type SessionContext } from "./session.js"

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
  readonly current: Context.Reference<Frame | undefined>
  /** Reserves a connection for a top-level transaction. */
  readonly reserve: Effect.Effect<DriverConnection, DatabaseError.DatabaseError, Scope.Scope>
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
const withCleanupFailure = <A, E>(exit: Exit.Failure<A, E>, cleanup: Exit.Failure<void, DatabaseError.DatabaseError>) =>
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
const openBlock = (ctx: TransactionContext, parent: Frame, options: BeginOptions) =>
  Effect.suspend(() => {
    const held = parent.held
    if (held.inTransaction) {
      const name = `effect_sqlservice_sp_${++held.savepoints}`
      return Effect.as(control(ctx.dialect, held, "savepoint", `SAVEPOINT ${name}`), push(parent, name))
    }
    return Effect.map(control(ctx.dialect, held, "begin", ctx.dialect.begin(options)), () => {
      held.inTransaction = true
      return push(parent, undefined)
    })
  })

const isUnknownOutcome = (exit: Exit.Exit<unknown, DatabaseError.DatabaseError>) =>
  Exit.isFailure(exit) && Cause.findErrorOption(exit.cause).pipe(
    (failure) => Option.isSome(failure) && DatabaseError.hasReason(failure.value, "TransactionError") &&
      failure.value.reason.outcome === "unknown"
  )

/**
 * Ends `frame` with the outcome of its body: COMMIT or RELEASE on success,
 * ROLLBACK on failure. A nested block still running in a fiber that outlived
 * the body is rolled back first (its work never counts as done). Runs with
 * the connection taken for the ending frame.
 */
const finishBlock = <A, E>(
  ctx: TransactionContext,
  frame: Frame,
  exit: Exit.Exit<A, E>
): Effect.Effect<Exit.Exit<A, E | DatabaseError.DatabaseError>> =>
  Effect.gen(function*() {
    if (frame.preempted) return Exit.isSuccess(exit) ? Exit.fail(rolledBackByEnclosing()) : exit
    const held = frame.held
    const { dialect } = ctx
    let outcome: Exit.Exit<A, E | DatabaseError.DatabaseError> = exit
    if (Exit.isSuccess(exit)) {
      const unfinished = unfinishedChild(frame)
      if (unfinished !== undefined) {
        const undone = yield* Effect.exit(
          control(dialect, held, "rollback", `ROLLBACK TO SAVEPOINT ${unfinished.savepoint}`)
        )
        if (Exit.isFailure(undone)) outcome = Exit.failCause(undone.cause)
      }
    }
    preemptAbove(frame)
    held.owner = frame.parent
    if (frame.transaction) {
      held.inTransaction = false
      if (Exit.isSuccess(outcome)) {
        const committed = yield* Effect.exit(control(dialect, held, "commit", "COMMIT"))
        if (Exit.isSuccess(committed)) return outcome
        // SQLite keeps the transaction open after a failed COMMIT (e.g. BUSY);
        // PostgreSQL has already ended it and answers ROLLBACK with a warning.
        if (!isUnknownOutcome(committed)) yield* Effect.ignore(control(dialect, held, "rollback", "ROLLBACK"))
        return Exit.failCause(committed.cause)
      }
      const rolledBack = yield* Effect.exit(control(dialect, held, "rollback", "ROLLBACK"))
      if (Exit.isSuccess(rolledBack)) return outcome
      held.conn.invalidate()
      return withCleanupFailure(outcome, rolledBack)
    }
    const name = frame.savepoint!
    if (Exit.isSuccess(outcome)) {
      const released = yield* Effect.exit(control(dialect, held, "release", `RELEASE SAVEPOINT ${name}`))
      return Exit.isSuccess(released) ? outcome : Exit.failCause(released.cause)
    }
    const rolledBack = yield* Effect.exit(
      Effect.andThen(
        control(dialect, held, "rollback", `ROLLBACK TO SAVEPOINT ${name}`),
        control(dialect, held, "release", `RELEASE SAVEPOINT ${name}`)
      )
    )
    return Exit.isSuccess(rolledBack) ? outcome : withCleanupFailure(outcome, rolledBack)
  })

/**
 * One `begin` block on the connection `parent` is on: open it (waiting while
 * a sibling block owns the connection), run the body in it, end it.
 */
const runBlock = <A, E, R>(
  ctx: TransactionContext,
  parent: Frame,
  effect: Effect.Effect<A, E, R>,
  options: BeginOptions,
  restore: Restore
): Effect.Effect<A, E | DatabaseError.DatabaseError, Exclude<R, Session>> =>
  Effect.flatten(Effect.gen(function*() {
    const held = parent.held
    yield* acquire(parent, restore)
    const frame = yield* Effect.ensuring(openBlock(ctx, parent, options), Effect.sync(() => release(held)))
    const exit = yield* Effect.exit(restore(within(ctx, frame, effect)))
    close(frame)
    yield* acquireToEnd(held, restore)
    return yield* Effect.ensuring(finishBlock(ctx, frame, exit), Effect.sync(() => release(held)))
  }))

/**
 * Ends the scope that reserved a connection (a session, `connect`, or the
 * connection of a top-level `begin`): its fibers are detached from the
 * connection, and whatever transaction is still open is rolled back.
 *
 * @internal
 */
export const endScope = (dialect: Dialect, root: Frame): Effect.Effect<void> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const held = root.held
      close(root)
      yield* acquireToEnd(held, restore)
      preemptAbove(root)
      held.owner = undefined
      if (held.inTransaction) {
        held.inTransaction = false
        yield* Effect.catch(control(dialect, held, "rollback", "ROLLBACK"), () => Effect.sync(held.conn.invalidate))
      }
      release(held)
    })
  )

/**
 * `begin`: a transaction on a fresh connection, on the connection of an
 * enclosing session, or a savepoint inside an enclosing transaction. `from`
 * is the frame of the session it was called on, if any; otherwise the
 * calling fiber's own frame decides.
 *
 * @internal
 */
export const begin = <A, E, R>(
  ctx: TransactionContext,
  effect: Effect.Effect<A, E, R>,
  options: TransactionOptions = {},
  from?: Frame
): Effect.Effect<A, E | DatabaseError.DatabaseError, Exclude<R, Session>> => {
  type Result = Effect.Effect<A, E | DatabaseError.DatabaseError, Exclude<R, Session>>
  const frameOf = (current: Frame | undefined) => from === undefined ? current : effectiveFrame(from, current)
  const onFrame = (frame: Frame | undefined, restore: Restore): Result => {
    if (frame !== undefined) return runBlock(ctx, frame, effect, options, restore)
    const fresh = Effect.flatMap(restore(ctx.reserve), (conn) => {
      const root = makeRoot(conn, false)
      return Effect.ensuring(runBlock(ctx, root, effect, options, restore), endScope(ctx.dialect, root))
    })
    return Effect.scoped(fresh) as Result
  }
  const attempt: Result = Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(Effect.service(ctx.current), (current) => onFrame(frameOf(current), restore))
  )
  const schedule = options.retry
  if (schedule === undefined) return attempt
  const retried: typeof attempt = Effect.retry(attempt, schedule.pipe(Schedule.while(({ input }) => isRetryable(input))))
  return Effect.flatMap(
    Effect.service(ctx.current),
    (current) => frameOf(current)?.held.inTransaction === true ? attempt : retried
  )
}
