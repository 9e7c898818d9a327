/**
 * Read replicas on a real streaming standby: a scratch primary (initdb on a
 * free port, wal_level = replica) and a hot standby made with
 * `pg_basebackup -R`, both started by this file and removed afterwards (also
 * when the process exits early). Skipped without PostgreSQL's server
 * programs, except with CI=true.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Database from "../../src/Database.js"
import * as Session from "../../src/Session.js"
import { pollUntil } from "../support/backends.js"
import { pgUrl } from "../support/layers.js"
import { expectMessageFormat } from "../support/messages.js"
import { type PrimaryAndStandby, requireServerPrograms, startPrimaryAndStandby } from "../support/scratchCluster.js"
import { failureOf, reasonOf } from "../support/failures.js"

const bin = requireServerPrograms()

let cluster: PrimaryAndStandby | undefined
const running = () => {
  if (cluster === undefined) throw new Error("the scratch primary and standby are not running")
  return cluster
}

/** Which server answered: the standby says it is in recovery. */
const WHERE = "SELECT pg_is_in_recovery() AS standby, inet_server_port() AS port"
type Where = { readonly standby: boolean; readonly port: number }

const whereInSession = Effect.flatMap(Session.Session, (s) => Effect.map(s.one(WHERE), (row) => row as unknown as Where))

const withReplicas = (options: Omit<Database.Options, "url"> = {}) =>
  Database.make({ url: running().primary.url, replicas: [running().standby.url], ...options })

describe.skipIf(bin === undefined)("read replicas on a streaming standby", () => {
  beforeAll(async () => {
    cluster = await startPrimaryAndStandby(bin!)
  }, 90_000)
  afterAll(() => {
    cluster?.remove()
    cluster = undefined
  })

  it.live("routing: read-only begins, db.replica and its sessions on the standby; writes, plain begins and serializable on the primary", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* withReplicas()
      const { primary, standby } = running()
      yield* db.sql`DROP TABLE IF EXISTS routed`
      yield* db.sql`CREATE TABLE routed (id INTEGER PRIMARY KEY)`

      expect(yield* db.begin(whereInSession, { readOnly: true })).toEqual({ standby: true, port: standby.port })
      expect(yield* db.replica.begin(whereInSession)).toEqual({ standby: true, port: standby.port })
      expect(yield* db.replica.sql.unsafe<Where>(WHERE)).toEqual([{ standby: true, port: standby.port }])
      expect(yield* db.replica.sql.withTransaction(db.replica.sql.unsafe<Where>(WHERE))).toEqual([{ standby: true, port: standby.port }])
      expect(yield* Effect.scoped(Effect.flatMap(db.replica.session, (s) => s.one(WHERE)))).toEqual({ standby: true, port: standby.port })
      // db.sql inside a routed block runs on the block's connection.
      expect(yield* db.begin(db.sql.unsafe<Where>(WHERE), { readOnly: true })).toEqual([{ standby: true, port: standby.port }])
      // A nested block stays on the connection of its enclosing block.
      expect(yield* db.begin(db.begin(whereInSession), { readOnly: true })).toEqual({ standby: true, port: standby.port })

      expect(yield* db.begin(whereInSession)).toEqual({ standby: false, port: primary.port })
      expect(yield* db.sql.unsafe<Where>(WHERE)).toEqual([{ standby: false, port: primary.port }])
      expect(yield* db.begin(whereInSession, { readOnly: true, isolationLevel: "serializable" }))
        .toEqual({ standby: false, port: primary.port })

      const serializable = reasonOf(failureOf(yield* Effect.exit(db.replica.begin(whereInSession, { isolationLevel: "serializable" }))))
      expect(serializable._tag).toBe("InputError")
      expectMessageFormat(serializable)

      const write = reasonOf(failureOf(
        yield* Effect.exit(db.replica.begin(Effect.flatMap(Session.Session, (s) => s.execute("INSERT INTO routed (id) VALUES (1)"))))
      ))
      expect(write).toMatchObject({ _tag: "ReadOnlyError", code: "25006" })
      expect(yield* db.sql<{ n: number }>`SELECT count(*)::int AS n FROM routed`).toEqual([{ n: 0 }])
    })))

  it.live("read-your-writes: 1000 rounds of commit then read on the replica (and in a fiber forked after the commit), none stale", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* withReplicas({ replicaLagTimeout: "5 seconds" })
      yield* db.sql`DROP TABLE IF EXISTS rounds`
      yield* db.sql`CREATE TABLE rounds (id INTEGER PRIMARY KEY)`
      let stale = 0
      let onStandby = 0
      // Four fibers, 250 rounds each, every round: commit, then read it back.
      const rounds = (worker: number) =>
        Effect.gen(function*() {
          for (let k = 0; k < 250; k++) {
            const i = worker * 250 + k
            yield* db.begin(Effect.flatMap(Session.Session, (s) => s.execute("INSERT INTO rounds (id) VALUES ($1)", [i])))
            const read = i % 2 === 0
              ? db.replica.sql<{ n: number; standby: boolean }>`SELECT count(*)::int AS n, pg_is_in_recovery() AS standby FROM rounds WHERE id = ${i}`
              : Effect.flatMap(
                Effect.forkChild(db.begin(
                  Effect.flatMap(Session.Session, (s) =>
                    s.all("SELECT count(*)::int AS n, pg_is_in_recovery() AS standby FROM rounds WHERE id = $1", [i])),
                  { readOnly: true }
                )),
                Fiber.join
              )
            const [row] = (yield* read) as ReadonlyArray<{ n: number; standby: boolean }>
            if (row!.n !== 1) stale++
            if (row!.standby) onStandby++
          }
        })
      yield* Effect.all([0, 1, 2, 3].map(rounds), { concurrency: "unbounded" })
      expect(stale).toBe(0)
      // With a lag timeout of 5 s, every read waited for the standby rather than going to the primary.
      expect(onStandby).toBe(1000)
    })), 120_000)

  it.live("failover: with the standby down reads go to the primary; once it is back they return to it", () =>
    Effect.scoped(Effect.gen(function*() {
      const { primary, standby } = running()
      const db = yield* withReplicas()
      expect(yield* db.begin(whereInSession, { readOnly: true })).toEqual({ standby: true, port: standby.port })
      standby.stop()
      try {
        for (let i = 0; i < 5; i++) {
          expect(yield* db.begin(whereInSession, { readOnly: true })).toEqual({ standby: false, port: primary.port })
          expect(yield* db.replica.sql.unsafe<Where>(WHERE)).toEqual([{ standby: false, port: primary.port }])
        }
        // A Database made while its replica is down starts, and reads on the primary.
        const late = yield* withReplicas()
        expect(yield* late.begin(whereInSession, { readOnly: true })).toEqual({ standby: false, port: primary.port })
      } finally {
        standby.start()
      }
      const back = yield* pollUntil(
        db.begin(whereInSession, { readOnly: true }).pipe(Effect.orDie),
        (where) => where.standby,
        30
      )
      expect(back).toEqual({ standby: true, port: standby.port })
    })), 90_000)

  it.live("the role is checked on connect: a server that is not a standby is never used as a replica", () =>
    Effect.scoped(Effect.gen(function*() {
      const { primary } = running()
      // The machine's main server is a primary: listed as a replica, it is passed over.
      const db = yield* Database.make({ url: primary.url, replicas: [pgUrl] })
      for (let i = 0; i < 3; i++) {
        expect(yield* db.begin(whereInSession, { readOnly: true })).toEqual({ standby: false, port: primary.port })
      }
    })))
})

describe("replicas and pooler options are PostgreSQL's", () => {
  it.effect("SQLite: replicas and pooler are ConfigErrors; pooler with preparedStatements: true too", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<Database.Options> = [
        { url: "sqlite://:memory:", replicas: ["postgres://postgres@127.0.0.1:5432/test"] },
        { url: "sqlite://:memory:", pooler: "transaction" },
        { url: "postgres://postgres@127.0.0.1:1/none", pooler: "transaction", preparedStatements: true },
        { url: "postgres://postgres@127.0.0.1:1/none", replicas: ["sqlite://:memory:"] }
      ]
      for (const options of cases) {
        const reason = reasonOf(failureOf(yield* Effect.exit(Effect.scoped(Database.make(options)))))
        expect(reason._tag, JSON.stringify(options)).toBe("ConfigError")
        expectMessageFormat(reason)
      }
    }))
})
