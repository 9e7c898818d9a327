import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import type * as DatabaseError from "../DatabaseError.js"
import type { Dialect, DriverConnection } from "./dialect/Dialect.js"
import { run } from "./statements.js"

/** One read replica: how to reserve one of its connections, and where it is (for messages). */
export interface Replica {
  readonly where: string
  readonly reserve: Effect.Effect<DriverConnection, DatabaseError.DatabaseError, Scope.Scope>
}

/** @internal */
export interface ReplicaSetOptions {
  readonly dialect: Dialect
  /** The dialect's one-round-trip role and replay check (`ReplicationCapability.replicaCheck`). */
  readonly replicaCheck: string
  readonly replicas: ReadonlyArray<Replica>
  /** A connection of the primary, where a read goes when no replica can serve it. */
  readonly primary: Effect.Effect<DriverConnection, DatabaseError.DatabaseError, Scope.Scope>
  /** The primary's current WAL position, on a connection whose statements are not counted as writes. */
  readonly primaryPosition: Effect.Effect<string, DatabaseError.DatabaseError>
  /** How long a read waits for a replica to replay the primary's position before it goes to the primary, in ms. */
  readonly lagTimeout: number
  /** How long a replica that failed is skipped before it is tried (and its role checked) again, in ms. */
  readonly retryAfter: number
  /** The least time a read gives a replica to hand out a connection and answer the check, in ms. */
  readonly connectBound: number
}

type Attempt = DriverConnection | "not a standby" | "lagging"

/**
 * Read routing over streaming replicas with read-your-writes.
 *
 * Every statement that completes on the primary through this `Database`
 * counts as a possible write. A read routed to a replica first makes sure
 * the replica has replayed the primary's WAL up to a position taken after
 * the last such statement completed (fetched from the primary only when
 * something completed there since the last fetch), polling the replica until
 * `lagTimeout` and then reading from the primary instead. So a read sees
 * every commit this `Database` made before the read began, whichever fiber
 * made it. Replicas are taken in turn; one that fails (unreachable, or no
 * longer a standby) is skipped for `retryAfter`, and with none left the
 * read goes to the primary.
 *
 * @internal
 */
export const make = (options: ReplicaSetOptions) => {
  let completed = 0
  let fetchedAt = 0
  let position: string | undefined
  let turn = 0
  const skippedUntil = new Map<Replica, number>()

  /** A statement completed on the primary. */
  const noteCompleted = () => {
    completed++
  }

  // A position covering every statement that completed on the primary before now.
  const required: Effect.Effect<string | undefined, DatabaseError.DatabaseError> = Effect.suspend(() => {
    if (completed === fetchedAt) return Effect.succeed(position)
    const upTo = completed
    return Effect.map(options.primaryPosition, (lsn) => {
      // A fetch that started later covers more; never move backwards.
      if (upTo > fetchedAt) {
        fetchedAt = upTo
        position = lsn
      }
      return lsn
    })
  })

  const candidates = (): ReadonlyArray<Replica> => {
    const all = options.replicas
    const now = Date.now()
    const start = turn++ % all.length
    const ordered = [...all.slice(start), ...all.slice(0, start)]
    return ordered.filter((replica) => (skippedUntil.get(replica) ?? 0) <= now)
  }

  const attempt = (replica: Replica, lsn: string | undefined, deadline: number) =>
    Effect.gen(function*() {
      const conn = yield* replica.reserve
      while (true) {
        const row = (yield* run(options.dialect, conn, options.replicaCheck, [lsn ?? null])).rows[0] as
          | { readonly standby: boolean; readonly caught_up: boolean }
          | undefined
        if (row?.standby !== true) return "not a standby" as Attempt
        if (row.caught_up) return conn as Attempt
        if (Date.now() >= deadline) return "lagging" as Attempt
        yield* Effect.sleep("1 millis")
      }
    })

  /** A connection for a read: a replica that has caught up, else the primary's. */
  const reserve: Effect.Effect<DriverConnection, DatabaseError.DatabaseError, Scope.Scope> = Effect.gen(function*() {
    const lsn = yield* required
    const deadline = Date.now() + options.lagTimeout
    for (const replica of candidates()) {
      const found = yield* Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          const scope = yield* Scope.make()
          // Bounded by the lag timeout (at least a connection's worth of time):
          // an unreachable replica must not hold a read for connectTimeout.
          const bounded = Effect.timeoutOrElse(attempt(replica, lsn, deadline), {
            duration: Math.max(deadline - Date.now(), options.connectBound),
            orElse: () => Effect.fail(new Error(`replica ${replica.where} did not answer in time`))
          })
          const exit = yield* Effect.exit(restore(Scope.provide(scope)(bounded)))
          if (Exit.isSuccess(exit) && typeof exit.value !== "string") {
            yield* Effect.addFinalizer((end) => Scope.close(scope, end))
            return exit.value
          }
          yield* Scope.close(scope, Exit.void)
          if (Exit.isFailure(exit) && !Exit.hasInterrupts(exit)) {
            skippedUntil.set(replica, Date.now() + options.retryAfter)
            return undefined
          }
          if (Exit.isFailure(exit)) return yield* Effect.interrupt
          if (exit.value === "not a standby") skippedUntil.set(replica, Date.now() + options.retryAfter)
          return exit.value
        })
      )
      if (found === "lagging") break
      if (found !== undefined && found !== "not a standby") return found
    }
    return yield* options.primary
  })

  return { reserve, noteCompleted }
}

/** @internal */
export type ReplicaSet = ReturnType<typeof make>

/**
 * `conn` with every completed statement reported to `completed` (the
 * primary's connections, when there are replicas).
 *
 * @internal
 */
export const counting = (conn: DriverConnection, completed: () => void): DriverConnection => {
  const after = <A, E>(effect: Effect.Effect<A, E>) => Effect.ensuring(effect, Effect.sync(completed))
  return {
    invalidate: conn.invalidate,
    refuseWrites: conn.refuseWrites,
    query: (sql, params, options) => after(conn.query(sql, params, options)),
    execute: (sql, params, t) => after(conn.execute(sql, params, t)),
    executeRaw: (sql, params) => after(conn.executeRaw(sql, params)),
    executeValues: (sql, params) => after(conn.executeValues(sql, params)),
    executeValuesUnprepared: (sql, params) => after(conn.executeValuesUnprepared(sql, params)),
    executeUnprepared: (sql, params, t) => after(conn.executeUnprepared(sql, params, t)),
    executeStream: conn.executeStream
  }
}
