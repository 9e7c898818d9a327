import * as DatabaseError from "../../../DatabaseError.js"
import Pg from "pg"
import { closed, ConnectionFailure } from "../connectionFailure.js"
import { Gate } from "../gate.js"
import { cancelRequest, cancelRequests } from "./cancelRequest.js"
import { destroy, type Lease } from "./connections.js"
import { classify } from "./errors.js"
import { clientTypes } from "./types.js"

/** @internal */
export interface PoolConfig {
  readonly connectionString: string
  readonly max: number
  readonly min: number
  readonly idleTimeout: number
  readonly connectTimeout: number
  readonly applicationName: string
  readonly statementTimeout?: number | undefined
  /** How long cleanup waits for the server (closing, cancelling) before destroying connections, in ms. */
  readonly closeTimeout: number
  /** For messages: where we connect, never the password. */
  readonly host: string
  readonly port: number
  readonly database: string
}

/**
 * A checked-out client. `release` is idempotent: the pool's shutdown may
 * take a client back from a holder that never gives it up, and the holder's
 * own release later must be harmless.
 *
 * @internal
 */
export interface LeaseHandle extends Lease {
  /** Taken back by the pool's shutdown: statements on it fail as "closed". */
  readonly revoked: boolean
  readonly release: () => void
}

/** @internal */
export interface Pool {
  /**
   * Calls `done` with a checked-out client, or with why there is none.
   * Returns a function that withdraws the request (a client that arrives
   * afterwards goes straight back).
   */
  readonly lease: (done: (error: Error | undefined, lease?: LeaseHandle) => void) => () => void
  /** Cancels a statement the lease's backend is running; best effort, bounded by `closeTimeout`. */
  readonly cancel: (lease: Lease) => Promise<void>
  /**
   * Shuts the pool down: new requests fail as "closed", waiters at once;
   * connections still opening are dropped; running statements are
   * cancelled; holders get `closeTimeout` to give their clients back, then
   * those clients are destroyed. Settles within `closeTimeout` + 1 s.
   */
  readonly close: () => Promise<void>
  readonly closed: boolean
  readonly stats: () => { readonly total: number; readonly idle: number; readonly waiting: number }
  /** Every open client, for diagnostics. */
  readonly clients: () => Iterable<Pg.Client>
}

/** Whether `promise` settled within `ms`; the timer never outlives the answer (it would keep the process up). */
const settlesWithin = (promise: Promise<unknown>, ms: number): Promise<boolean> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    promise.then(() => {
      clearTimeout(timer)
      resolve(true)
    })
  })

/**
 * A `pg.Pool` behind a `Gate` of `max` permits. Waiting happens in the gate
 * only, so a timeout there always means "every connection stayed busy"
 * (`pool_timeout`), and pg-pool's own connection timeout always means
 * "opening a new connection failed" (the server, not the pool).
 *
 * @internal
 */
export const make = (config: PoolConfig): Pool => {
  const gate = new Gate(config.max, config.connectTimeout, () =>
    new ConnectionFailure(
      new DatabaseError.ConnectionError({
        kind: "pool_timeout",
        message:
          `no PostgreSQL connection became free within ${config.connectTimeout} ms (connectTimeout): all ${config.max} connections of the pool (poolSize) stayed busy; a session, connect or begin scope may be held open, or raise poolSize or connectTimeout`
      })
    ))

  // Every client the pool creates, and which of them finished connecting:
  // shutdown destroys the ones still connecting (a server that never answers
  // would otherwise hold the shutdown for the whole connectTimeout).
  const clients = new Set<Pg.Client>()
  const connected = new WeakSet<Pg.Client>()
  class TrackedClient extends Pg.Client {
    /** The checkout holding this client, whose connection its 'error' event marks broken. */
    holder: Held | undefined = undefined
    constructor(options: Pg.ClientConfig) {
      super(options)
      clients.add(this)
      this.once("end", () => clients.delete(this))
      // One listener for the client's life, not one added and removed per checkout.
      this.on("error", (cause: Error) => this.holder?.markBroken(cause))
    }
  }

  const pool = new Pg.Pool({
    connectionString: config.connectionString,
    max: config.max,
    min: config.min,
    idleTimeoutMillis: config.idleTimeout,
    connectionTimeoutMillis: config.connectTimeout,
    application_name: config.applicationName,
    ...(config.statementTimeout === undefined ? {} : { statement_timeout: config.statementTimeout }),
    Client: TrackedClient as unknown as new() => Pg.ClientBase,
    types: clientTypes
  })
  // Idle clients whose server went away emit 'error' on the pool; the pool
  // drops them, and the next checkout gets a fresh connection.
  pool.on("error", () => {})
  pool.on("connect", (client) => connected.add(client))
  pool.on("remove", (client) => clients.delete(client))

  const leases = new Set<Held>()

  // One checkout of a client. A class (no closures per checkout: under load a
  // lease per statement), one per checkout, so a holder's late `release` of
  // an earlier checkout stays harmless.
  class Held implements LeaseHandle {
    private brokenBy: Error | undefined = undefined
    private released = false
    revoked = false
    constructor(readonly client: Pg.PoolClient) {}
    get broken() {
      return this.brokenBy !== undefined
    }
    markBroken(cause: Error) {
      this.brokenBy ??= cause
    }
    release() {
      if (this.released) return
      this.released = true
      leases.delete(this)
      const tracked = this.client as unknown as TrackedClient
      if (tracked.holder === this) tracked.holder = undefined
      // release(error) destroys the client instead of pooling it.
      this.client.release(this.brokenBy)
      gate.release()
    }
    revoke(cause: Error) {
      this.revoked = true
      this.markBroken(cause)
      destroy(this.client)
      this.release()
    }
  }

  const hold = (client: Pg.PoolClient) => {
    const lease = new Held(client)
    ;(client as unknown as TrackedClient).holder = lease
    leases.add(lease)
    return lease
  }

  // pg-pool's own timeout now only ever concerns opening a connection: the
  // server did not complete the handshake in time.
  const connectFailure = (err: Error | undefined): Error => {
    if (err === undefined) return new Error("pg-pool returned no client")
    const reason = classify(err)
    if (reason._tag !== "ConnectionError") return err
    const timedOut = /connection timeout|timeout expired/i.test(err.message)
    const detail = timedOut
      ? `the server did not complete the connection within ${config.connectTimeout} ms (connectTimeout)`
      : err.message.length > 0
      ? err.message
      : (err as { code?: string }).code ?? String(err)
    return new ConnectionFailure(
      new DatabaseError.ConnectionError({
        kind: timedOut ? "unreachable" : reason.kind,
        message: `cannot connect to PostgreSQL at ${config.host}:${config.port}/${config.database}: ${detail}`,
        host: config.host,
        port: config.port
      })
    )
  }

  const lease: Pool["lease"] = (done) => {
    let withdrawn = false
    const withdraw = gate.acquire((error) => {
      if (error !== undefined) return done(error)
      pool.connect((err, client) => {
        if (err || client === undefined) {
          gate.release()
          if (!withdrawn) done(connectFailure(err))
          return
        }
        const held = hold(client)
        if (withdrawn) held.release()
        else done(undefined, held)
      })
    })
    return () => {
      withdrawn = true
      withdraw()
    }
  }

  // The protocol's cancel request, not pg_cancel_backend: it needs no pooled
  // connection (the pool may be exhausted by the very statements being
  // cancelled), and a pooler forwards it to the right server connection.
  const cancel = (lease: Lease) => cancelRequest(lease.client, config.closeTimeout)

  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= shutdown()
    return closing
  }
  const shutdown = async () => {
    const closedError = closed("this PostgreSQL database")
    gate.close(closedError)
    for (const client of clients) if (!connected.has(client)) destroy(client)
    // Not awaited: it is bounded by closeTimeout itself, and only speeds up the holders.
    void cancelRequests([...leases].map((l) => l.client), config.closeTimeout)
    const ended = pool.end().catch(() => undefined)
    if (await settlesWithin(ended, config.closeTimeout)) return
    // Past the grace period: whatever is still held or still talking is cut.
    for (const held of leases) held.revoke(closedError)
    for (const client of clients) destroy(client)
    await settlesWithin(ended, 1000)
  }

  return {
    lease,
    cancel,
    close,
    get closed() {
      return gate.closed
    },
    stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: gate.waiting }),
    clients: () => clients
  }
}
