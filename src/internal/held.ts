import type * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Effect from "effect/Effect"
import * as Pull from "effect/Pull"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as DatabaseError from "../DatabaseError.js"
import type { DriverConnection } from "./dialect/Dialect.js"
import { fromScopedPull } from "./scopedPull.js"

/**
 * A connection held by a session, a `begin` block or `db.connect`, shared by
 * every fiber forked inside them (Effect fibers inherit the current frame).
 *
 * Frames form a stack on the connection: the scope that reserved it, then one
 * frame per `begin` running on it (a transaction, then savepoints). Only the
 * innermost open frame, the `owner`, may use the connection: a nested `begin`
 * owns it until its savepoint is released or rolled back, so statements of
 * sibling fibers cannot land inside a savepoint that is then rolled back. One
 * statement runs at a time (`busy`), whichever fiber of the owner sends it.
 *
 * @internal
 */
export interface Held {
  readonly conn: DriverConnection
  /** Statements begin a transaction implicitly (sessions); raw connections run in autocommit. */
  readonly autoBegin: boolean
  /**
   * A read-only session: every transaction it begins (its own, or a `begin`
   * on it) is read only.
   */
  readonly readOnly: boolean
  /** A transaction is open on `conn`. */
  inTransaction: boolean
  /** The connection refuses writes for a read-only transaction (see `DriverConnection.refuseWrites`): undo it when the transaction ends. */
  guarded: boolean
  /** Next savepoint number: names are unique per connection hold, never reused by siblings. */
  savepoints: number
  /** The innermost open frame; undefined once the hold has ended. */
  owner: Frame | undefined
  /** A statement, a stream or a block's own BEGIN/COMMIT/SAVEPOINT is running. */
  busy: boolean
  /** `busy` is an open stream: it holds the connection until it ends. */
  streaming: boolean
  readonly waiters: Set<Waiter>
}

/**
 * One scope or `begin` block on a held connection.
 *
 * @internal
 */
export interface Frame {
  readonly held: Held
  readonly parent: Frame | undefined
  /** The savepoint this frame opened, for nested `begin`s. */
  readonly savepoint: string | undefined
  /** A transaction frame: its end is COMMIT or ROLLBACK. */
  readonly transaction: boolean
  /** False once the block or scope has ended: the connection is detached from its fibers. */
  open: boolean
  /** An enclosing frame ended first and rolled this frame's work back. */
  preempted: boolean
  /**
   * `SqlClient.afterCommit` callbacks registered in this frame's transaction
   * or savepoint (for a session's root: in its own implicit transaction),
   * waiting for the outermost COMMIT.
   */
  readonly callbacks: Array<Effect.Effect<void>>
}

interface Waiter {
  /** The frame that wants the connection; undefined for a frame that is ending (it goes first). */
  readonly frame: Frame | undefined
  readonly wake: () => void
}

/**
 * A frame opened by `begin` (a transaction or a savepoint), as opposed to the
 * scope that reserved the connection.
 *
 * @internal
 */
export const isBlock = (frame: Frame): boolean => frame.transaction || frame.savepoint !== undefined

/** @internal */
export const makeRoot = (conn: DriverConnection, autoBegin: boolean, transaction = false, readOnly = false): Frame => {
  const held: Held = {
    conn,
    autoBegin,
    readOnly,
    inTransaction: false,
    guarded: false,
    savepoints: 0,
    owner: undefined,
    busy: false,
    streaming: false,
    waiters: new Set()
  }
  const root: Frame = {
    held,
    parent: undefined,
    savepoint: undefined,
    transaction,
    open: true,
    preempted: false,
    callbacks: []
  }
  held.owner = root
  return root
}

/**
 * A frame on top of `parent`, which must own the connection (its lock is held
 * by the caller): the new frame owns it from now on.
 *
 * @internal
 */
export const push = (parent: Frame, savepoint: string | undefined): Frame => {
  const frame: Frame = {
    held: parent.held,
    parent,
    savepoint,
    transaction: savepoint === undefined,
    open: true,
    preempted: false,
    callbacks: []
  }
  parent.held.owner = frame
  return frame
}

/** @internal */
export const detachedError = () =>
  DatabaseError.make(
    new DatabaseError.ConnectionError({
      kind: "detached",
      message:
        "connection used after its block ended: this fiber was forked inside a db.begin, session or connect scope that has finished, so its connection is no longer this fiber's (join forked fibers before the block ends, or give them a db.begin of their own)"
    })
  )

/** @internal */
export const streamingError = () =>
  DatabaseError.make(
    new DatabaseError.StatementError({
      message:
        "connection busy: a stream is reading rows on this connection and holds it until it ends (collect the stream first, or run the other statements on another connection)"
    })
  )

const isActive = (frame: Frame | undefined) => frame === undefined || frame.open

/**
 * Hands the free connection to whoever may use it now: an ending frame first,
 * else the first waiter of the owner; waiters of frames that have ended wake
 * to fail.
 */
const dispatch = (held: Held): void => {
  if (held.busy || held.waiters.size === 0) return
  for (const waiter of held.waiters) {
    if (waiter.frame === undefined) return waiter.wake()
  }
  let woke = false
  for (const waiter of held.waiters) {
    if (!isActive(waiter.frame)) waiter.wake()
    else if (!woke && waiter.frame === held.owner) {
      woke = true
      waiter.wake()
    }
  }
}

const waitTurn = (held: Held, frame: Frame | undefined): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    const waiter: Waiter = {
      frame,
      wake: () => {
        held.waiters.delete(waiter)
        resume(Effect.void)
      }
    }
    held.waiters.add(waiter)
    return Effect.sync(() => {
      held.waiters.delete(waiter)
    })
  })

type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

// A waiter woken and then interrupted before it took the connection passes
// the turn on, so that nobody waits for a wake-up that was spent.
const waitThenRetry = <A, E>(
  held: Held,
  frame: Frame | undefined,
  restore: Restore,
  retry: () => Effect.Effect<A, E>
): Effect.Effect<A, E> =>
  Effect.andThen(
    Effect.onInterrupt(restore(waitTurn(held, frame)), () => Effect.sync(() => dispatch(held))),
    Effect.suspend(retry)
  )

/**
 * Takes the connection for `frame`: waits (interruptibly) while another
 * statement runs or a nested block owns it; fails if the frame has ended.
 * Call inside `uninterruptibleMask`, passing its `restore`.
 *
 * @internal
 */
export const acquire = (frame: Frame, restore: Restore, stream = false): Effect.Effect<void, DatabaseError.DatabaseError> =>
  Effect.suspend(() => {
    const held = frame.held
    if (!frame.open) return Effect.fail(detachedError())
    if (held.streaming) return Effect.fail(streamingError())
    if (!held.busy && held.owner === frame) {
      held.busy = true
      held.streaming = stream
      return Effect.void
    }
    return waitThenRetry(held, frame, restore, () => acquire(frame, restore, stream))
  })

/**
 * Takes the connection for `frame`'s own end (COMMIT, RELEASE, ROLLBACK):
 * whatever frame owns it, once the running statement is done. Ended frames
 * go before every other waiter. Call inside `uninterruptibleMask`.
 *
 * @internal
 */
export const acquireToEnd = (held: Held, restore: Restore): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (!held.busy) {
      held.busy = true
      return Effect.void
    }
    return waitThenRetry(held, undefined, restore, () => acquireToEnd(held, restore))
  })

/** @internal */
export const release = (held: Held): void => {
  held.busy = false
  held.streaming = false
  dispatch(held)
}

/**
 * Runs `use` with the connection taken for `frame`, and gives it back
 * however `use` ends.
 *
 * @internal
 */
export const withConnection = <A, E, R>(
  frame: Frame,
  use: (conn: DriverConnection) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | DatabaseError.DatabaseError, R> =>
  Effect.uninterruptibleMask((restore) => {
    const held = frame.held
    const using = Effect.ensuring(restore(use(held.conn)), Effect.sync(() => release(held)))
    // Free for this frame now (the usual case): taken here, without acquire's own steps.
    if (takeNow(frame)) return using
    return Effect.andThen(acquire(frame, restore), using)
  })

/**
 * Takes the connection for `frame` if it may use it right now (the frame is
 * open, no statement or stream runs, no nested block owns it); the caller
 * then gives it back with `release`. False leaves everything as it was: the
 * caller waits with `acquire`, which also says why a frame cannot have it.
 *
 * @internal
 */
export const takeNow = (frame: Frame): boolean => {
  const held = frame.held
  if (!frame.open || held.busy || held.streaming || held.owner !== frame) return false
  held.busy = true
  return true
}

/**
 * A stream that holds the connection taken for `frame` from its start until
 * it ends: `before` runs first, holding it (a session's implicit BEGIN), then
 * the rows of `use`, their failures mapped by `mapError`. The connection is
 * given back as soon as the stream fails, not only when its scope closes: a
 * failing stream may close the scopes around it first (Effect 3 did: the
 * session's, whose end waits for the connection).
 *
 * One channel around the driver's: each combinator stacked on a stream
 * (`unwrap`, `mapError`, `onError`) is another Effect step on every pull and
 * another scope when it starts, which is most of what a short stream costs
 * beyond its rows.
 *
 * @internal
 */
export const withConnectionStream = <A, E, E2 = never, E3 = E>(
  frame: Frame | Effect.Effect<Frame>,
  use: (conn: DriverConnection) => Stream.Stream<A, E>,
  before?: (conn: DriverConnection) => Effect.Effect<void, E2> | undefined,
  mapError?: (error: E) => E3
): Stream.Stream<A, E2 | E3 | DatabaseError.DatabaseError> =>
  fromScopedPull(
    Effect.uninterruptibleMask((restore) => holdForStream(frame, use, before, mapError, restore))
  ) as Stream.Stream<A, E2 | E3 | DatabaseError.DatabaseError>

const holdForStream = Effect.fnUntraced(function*(
  frameOr: Frame | Effect.Effect<Frame>,
  use: (conn: DriverConnection) => Stream.Stream<any, any>,
  before: ((conn: DriverConnection) => Effect.Effect<void, any> | undefined) | undefined,
  mapError: ((error: any) => unknown) | undefined,
  restore: Restore
) {
  const frame = Effect.isEffect(frameOr) ? yield* frameOr : frameOr
  yield* acquire(frame, restore, true)
  let released = false
  const giveBack = Effect.sync(() => {
    if (released) return
    released = true
    release(frame.held)
  })
  const scope = yield* Scope.Scope
  yield* Scope.addFinalizer(scope, giveBack)
  const conn = frame.held.conn
  const pull: Pull.Pull<Arr.NonEmptyReadonlyArray<any>, any, void> = yield* Effect.onError(
    restore(Effect.andThen(before?.(conn) ?? Effect.void, Channel.toPullScoped(Stream.toChannel(use(conn)), scope))),
    () => giveBack
  )
  return Effect.catchCause(pull, (cause): Effect.Effect<never, any> => {
    if (Pull.isDoneCause(cause)) return Effect.failCause(cause)
    const failed = Effect.andThen(giveBack, Effect.failCause(cause))
    return mapError === undefined ? failed : Effect.mapError(failed, (e) => Cause.isDone(e) ? e : mapError(e))
  })
})

/**
 * Marks `frame` and every frame above it as ended: their fibers can no
 * longer use the connection, and those waiting for it fail now.
 *
 * @internal
 */
export const close = (frame: Frame): void => {
  frame.open = false
  if (isOnStack(frame)) {
    for (let f = frame.held.owner; f !== undefined && f !== frame; f = f.parent) f.open = false
  }
  dispatch(frame.held)
}

/**
 * Whether `frame` is still on the connection's stack (not ended, not rolled
 * back by an enclosing frame).
 *
 * @internal
 */
export const isOnStack = (frame: Frame): boolean => {
  for (let f = frame.held.owner; f !== undefined; f = f.parent) {
    if (f === frame) return true
  }
  return false
}

/**
 * The frame directly above `frame` on the connection's stack: a nested block
 * still running when `frame` ends (its fiber outlived the block).
 *
 * @internal
 */
export const unfinishedChild = (frame: Frame): Frame | undefined => {
  for (let f = frame.held.owner; f !== undefined; f = f.parent) {
    if (f.parent === frame) return f
  }
  return undefined
}

/**
 * Marks every frame above `frame` as rolled back by it, and makes `frame` the
 * owner again.
 *
 * @internal
 */
export const preemptAbove = (frame: Frame): void => {
  if (!isOnStack(frame)) return
  for (let f = frame.held.owner; f !== undefined && f !== frame; f = f.parent) f.preempted = true
  frame.held.owner = frame
}

/**
 * The frame a statement runs in: the calling fiber's own frame when it is on
 * this connection (a nested block it runs in), else the session's.
 *
 * @internal
 */
export const effectiveFrame = (home: Frame, current: Frame | undefined): Frame =>
  current !== undefined && current.held === home.held ? current : home
