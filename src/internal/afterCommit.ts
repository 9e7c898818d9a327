import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { type Frame, isBlock } from "./held.js"

/**
 * Whether the transaction open on a session's connection is the session's
 * own (begun implicitly by a statement), not one of a `begin` block.
 */
const inImplicitTransaction = (root: Frame): boolean => {
  const held = root.held
  if (!held.autoBegin || !held.inTransaction) return false
  for (let f = held.owner; f !== undefined; f = f.parent) {
    if (f.transaction) return false
  }
  return true
}

/**
 * The frame whose COMMIT a callback registered in `frame` waits for: a
 * `begin` block (a savepoint hands its callbacks to its parent when it is
 * released), a session whose own transaction is open, or none.
 */
const waitingFrame = (frame: Frame): Frame | undefined =>
  isBlock(frame) || inImplicitTransaction(frame) ? frame : undefined

const logged = <R>(callback: Effect.Effect<void, never, R>): Effect.Effect<void, never, R> =>
  Effect.ignoreCause(callback, { log: "Unhandled", message: "Unhandled error in an SqlClient.afterCommit callback" })

/**
 * `SqlClient.afterCommit` on our transactions: `effect` runs once the
 * outermost transaction the calling fiber is in has committed, and not at
 * all if it (or the savepoint it was registered in) rolls back; outside a
 * transaction it runs at once. It runs with the services the fiber had when
 * registering, outside any block (a statement of it takes a connection of
 * its own). Registering from a fiber whose block has ended is a defect.
 *
 * @internal
 */
export const afterCommit = <R>(
  current: Context.Reference<Frame | undefined>,
  effect: Effect.Effect<void, never, R>
): Effect.Effect<void, never, R> =>
  Effect.withFiber((fiber) => {
    const frame = fiber.getRef(current)
    if (frame !== undefined && !frame.open) {
      return Effect.die(
        new Error(
          "SqlClient.afterCommit: the transaction this fiber ran in has already ended (register callbacks before the block, session or connect scope ends)"
        )
      )
    }
    const waiting = frame === undefined ? undefined : waitingFrame(frame)
    if (waiting === undefined) return logged(effect)
    waiting.callbacks.push(
      Effect.provideContext(Effect.provideService(logged(effect), current, undefined), fiber.context as Context.Context<R>)
    )
    return Effect.void
  })

/**
 * Runs committed callbacks in registration order, uninterruptibly; each one
 * that dies is logged and the rest still run.
 *
 * @internal
 */
export const runCommitted = (callbacks: ReadonlyArray<Effect.Effect<void>>): Effect.Effect<void> =>
  callbacks.length === 0 ? Effect.void : Effect.uninterruptible(Effect.forEach(callbacks, (c) => c, { discard: true }))
