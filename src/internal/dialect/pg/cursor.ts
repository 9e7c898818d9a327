import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { SqlError } from "effect/sql/SqlError"
import * as Stream from "effect/Stream"
import Cursor from "pg-cursor"
import { fromScopedPull } from "../../scopedPull.js"
import { driverSqlError } from "../sqlError.js"
import { destroy, type Lease } from "./connections.js"
import { classify, sqlErrorReason } from "./errors.js"
import { bindable } from "./types.js"

const CHUNK = 512

/** How a stream gives its connection back in a usable state, or not at all. */
export interface CursorCleanup {
  /** Cancels the statement the lease's backend is running (best effort, self-bounded). */
  readonly cancel: (lease: Lease) => Promise<void>
  /** The longest a cursor's close may wait for the server before its connection is destroyed, in ms. */
  readonly bound: number
}

type CursorState = "initialized" | "submitted" | "idle" | "busy" | "done" | "error"

const stateOf = (cursor: Cursor): CursorState => (cursor as unknown as { state: CursorState }).state

const toSqlError = (cause: unknown) => driverSqlError({ sqlErrorReason }, cause, "executeStream")

/**
 * Leaves the connection with no portal open, without ever waiting for a
 * server that does not answer: this runs in a finalizer, where nothing can
 * interrupt it. A dead connection has nothing to close; a read still
 * outstanding is cancelled first (closing would queue behind it); a close that
 * gets no answer within the bound destroys the connection instead.
 */
const close = (lease: Lease, cursor: Cursor, reading: boolean, cleanup: CursorCleanup): Promise<void> => {
  const state = stateOf(cursor)
  // "error": pg-cursor has already sent the Sync that ends the portal.
  if (lease.broken || state === "done" || state === "error") return Promise.resolve()
  if (state === "initialized") {
    // Still queued behind another statement on this client: it would start
    // later with nobody reading it. Only discarding the connection stops it.
    lease.markBroken(new Error("a stream ended before its cursor was submitted"))
    return Promise.resolve()
  }
  const client = lease.client
  return new Promise((resolve) => {
    let settled = false
    const settle = () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      client.off("end", settle)
      client.off("error", settle)
      resolve()
    }
    client.on("end", settle)
    client.on("error", settle)
    const timer = setTimeout(() => {
      lease.markBroken(new Error(`closing a stream's cursor got no answer within ${cleanup.bound} ms`))
      destroy(client)
      settle()
    }, cleanup.bound)
    const closePortal = () => {
      const now = stateOf(cursor)
      if (now === "done" || now === "error") return settle()
      cursor.close().then(settle, settle)
    }
    if (reading) cleanup.cancel(lease).then(closePortal)
    else closePortal()
  })
}

/**
 * The rows of `sql` through a server-side cursor on the lease's client,
 * read `CHUNK` rows at a time.
 *
 * @internal
 */
export const stream = (
  lease: Effect.Effect<Lease, SqlError, Scope.Scope>,
  sql: string,
  params: ReadonlyArray<unknown>,
  transformRows: (<A extends object>(rows: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined,
  cleanup: CursorCleanup
): Stream.Stream<any, SqlError> =>
  fromScopedPull(Effect.gen(function*() {
    const held = yield* lease
    // Whether a read is outstanding; pg-cursor's own state cannot tell (a
    // RowDescription arriving after the first read marks the cursor idle).
    let reading = false
    const cursor = yield* Effect.acquireRelease(
      Effect.sync(() => held.client.query(new Cursor(sql, bindable(params)))),
      (cursor) => Effect.promise(() => close(held, cursor, reading, cleanup))
    )
    const pull = Effect.callback<ReadonlyArray<any>, SqlError | Cause.Done>((resume) => {
      reading = true
      cursor.read(CHUNK, (err, rows) => {
        reading = false
        if (err) {
          if (classify(err)._tag === "ConnectionError") held.markBroken(err)
          resume(Effect.fail(toSqlError(err)))
        } else if (rows.length === 0) {
          resume(Cause.done())
        } else {
          resume(Effect.succeed(transformRows ? transformRows(rows) : rows))
        }
      })
    })
    return pull as Effect.Effect<readonly [any, ...Array<any>], SqlError | Cause.Done>
  }))
