import Pg from "pg"

/**
 * A pooled client checked out by one holder (a reserved connection, one
 * statement, one stream), remembering whether its server connection was
 * lost, so that releasing it destroys it instead of pooling it.
 *
 * @internal
 */
export interface Lease {
  readonly client: Pg.PoolClient
  readonly broken: boolean
  readonly markBroken: (cause: Error) => void
}

interface Internals {
  readonly connection?: { readonly stream?: { destroy: () => void } }
}

/**
 * Closes the client's socket without a word to the server: for connections
 * that stopped answering, where a polite `end()` would wait for a reply.
 * The client then ends as if the network had dropped it.
 *
 * @internal
 */
export const destroy = (client: Pg.Client): void => {
  ;(client as unknown as Internals).connection?.stream?.destroy()
}

interface QueryState {
  readonly readyForQuery?: boolean
  readonly _queryable?: boolean
  readonly _ended?: boolean
  readonly connection?: {
    readonly on: (event: "readyForQuery", listener: () => void) => void
    readonly off: (event: "readyForQuery", listener: () => void) => void
  }
}

/** The client takes no more queries from the one that just failed: it is ready, or gone for good. */
const settled = (state: QueryState): boolean =>
  state.readyForQuery !== false || state._queryable === false || state._ended === true

/**
 * Calls `next` once the client can take its next query. pg calls a failed
 * query's callback as soon as the server's error arrives, before the
 * ReadyForQuery that ends it: a query sent from there (the caller's next
 * statement, a Close ahead of it) would queue behind the failed one, which
 * pg 8 deprecates and pg 9 refuses. So after a failure, `next` waits for
 * that ReadyForQuery (our listener runs after pg's own), or for the
 * connection to end. A client that is ready, or has already failed for good
 * (pg then fails every query a tick later, after its own events), goes on at
 * once; so does one pg marks ready itself right after the callback returns
 * (a query it could not even send, e.g. a parameter it cannot serialize:
 * no server message follows).
 *
 * @internal
 */
export const whenReady = (client: Pg.ClientBase, next: () => void): void => {
  const state = client as unknown as QueryState
  const connection = state.connection
  if (connection === undefined || settled(state)) return next()
  let done = false
  const go = () => {
    if (done) return
    done = true
    connection.off("readyForQuery", go)
    client.off("end", go)
    client.off("error", go)
    next()
  }
  connection.on("readyForQuery", go)
  client.on("end", go)
  client.on("error", go)
  queueMicrotask(() => {
    if (settled(state)) go()
  })
}
