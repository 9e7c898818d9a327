/**
 * A COMMIT whose reply is lost: a fault-injecting proxy forwards the COMMIT,
 * lets PostgreSQL run it to completion, then cuts the connection before a byte
 * of the answer reaches the client. The row is stored; the block must say the
 * outcome is unknown (never a plain failure, which invites a retry that writes
 * twice), and `retry` must not run it again.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as SqlClient from "effect/sql/SqlClient"
import Pg from "pg"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Session from "../../src/Session.js"
import { faultProxy } from "../support/faultProxy.js"
import { pgAvailable, pgIsolatedVia, pgUrl } from "../support/layers.js"

const available = await pgAvailable()

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const failure = Cause.findErrorOption(exit.cause)
  if (Option.isNone(failure)) throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return failure.value
}

// Reads the table around the proxy, on a connection of its own.
const directCount = (schemaOf: string, table: string) =>
  Effect.promise(async () => {
    const client = new Pg.Client({ connectionString: pgUrl })
    await client.connect()
    try {
      const r = await client.query(`SELECT COUNT(*)::int AS n FROM "${schemaOf}"."${table}"`)
      return r.rows[0].n as number
    } finally {
      await client.end()
    }
  })

describe.skipIf(!available)("drill: a COMMIT whose reply is lost", () => {
  it.live("is a TransactionError with outcome unknown, the row is stored, and retry does not run the block again", () =>
    Effect.gen(function*() {
      const proxy = yield* faultProxy()
      yield* Effect.gen(function*() {
        const db = yield* Database.Database
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE orders (id INTEGER PRIMARY KEY)`
        const schema = (yield* sql<{ s: string }>`SELECT current_schema() AS s`)[0]!.s

        const dropped = Effect.promise(() => proxy.dropAfter("COMMIT"))
        let attempts = 0
        const exit = yield* Effect.exit(
          Effect.all([
            db.begin(
              Effect.gen(function*() {
                attempts++
                const s = yield* Session.Session
                yield* s.execute(sql`INSERT INTO orders (id) VALUES (${1})`)
              }),
              { retry: Schedule.recurs(3) }
            ),
            dropped
          ], { concurrency: 2 })
        )
        const error = failureOf(exit)
        expect(DatabaseError.isDatabaseError(error)).toBe(true)
        expect((error as DatabaseError.DatabaseError).reason).toMatchObject({
          _tag: "TransactionError",
          phase: "commit",
          outcome: "unknown",
          retryable: false
        })
        expect((error as DatabaseError.DatabaseError).message).toMatch(/outcome unknown/)
        expect(attempts).toBe(1)
        // The server did commit.
        expect(yield* directCount(schema, "orders")).toBe(1)

        // A COMMIT refused with a reply (a deferred constraint) is still a plain, known failure.
        yield* sql`CREATE TABLE deferred_child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES orders (id) DEFERRABLE INITIALLY DEFERRED)`
        const refused = failureOf(
          yield* Effect.exit(db.begin(Effect.flatMap(Session.Session, (s) => s.execute("INSERT INTO deferred_child VALUES (1, 999)"))))
        )
        expect((refused as DatabaseError.DatabaseError).reason).toMatchObject({ _tag: "TransactionError", phase: "commit" })
        expect((refused as DatabaseError.DatabaseError).reason).not.toHaveProperty("outcome", "unknown")

        // The pool dropped the cut connection and serves again.
        yield* db.begin(Effect.flatMap(Session.Session, (s) => s.execute(sql`INSERT INTO orders (id) VALUES (${2})`)))
        expect(yield* directCount(schema, "orders")).toBe(2)
      }).pipe(Effect.provide(pgIsolatedVia((url) => proxy.url(url))({ poolSize: 2 })))
    }).pipe(Effect.scoped))
})
