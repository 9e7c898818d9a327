/**
 * Fibers inside `begin`: Effect code forks all the time (`Effect.all` with
 * concurrency, `forEach`, `fork`), and every child inherits the block's
 * connection. Statements and nested blocks of those fibers take turns on the
 * connection (a nested block owns it until its savepoint ends); once a block,
 * session or connect scope has ended, a fiber still carrying its connection
 * gets a typed error instead of writing into somebody else's transaction.
 */
import { describe, expect, it } from "@effect/vitest"
import * as SqlClient from "effect/sql/SqlClient"
import { isSqlError } from "effect/sql/SqlError"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as References from "effect/References"
import * as Stream from "effect/Stream"
import fc from "fast-check"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Session from "../../src/Session.js"
import type { LayerOptions, MakeLayer } from "../support/layers.js"

const createItems = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) => sql.unsafe(`CREATE TABLE items (id INTEGER PRIMARY KEY, tag VARCHAR(20) NOT NULL DEFAULT '')`)
)

const insert = (id: number, tag = "") =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql`INSERT INTO items (id, tag) VALUES (${id}, ${tag})`)

const sessionInsert = (id: number) =>
  Effect.flatMap(Session.Session, (s) => s.execute("INSERT INTO items (id) VALUES (" + id + ")"))

const ids = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.map(sql<{ id: number }>`SELECT id FROM items ORDER BY id`, (rows) => rows.map((r) => Number(r.id))))

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const failure = Cause.findErrorOption(exit.cause)
  if (Option.isNone(failure)) throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return failure.value
}

/** The DatabaseError inside an SqlError from SqlClient (its reason's cause), or the error itself. */
const databaseErrorOf = (error: unknown): DatabaseError.DatabaseError => {
  const inner = isSqlError(error) ? error.reason.cause : error
  if (!DatabaseError.isDatabaseError(inner)) throw new Error(`expected a DatabaseError, got ${String(error)}`)
  return inner
}

const expectDetached = (error: unknown) => {
  const e = databaseErrorOf(error)
  expect(e.reason).toMatchObject({ _tag: "ConnectionError", kind: "detached" })
}

// Bounds a wait that must end, so a regression fails instead of hanging the run.
const within = <A, E, R>(effect: Effect.Effect<A, E, R>, what: string) =>
  Effect.timeoutOrElse(effect, { duration: "20 seconds", orElse: () => Effect.fail(new Error(`timed out: ${what}`)) })

/** A random tree of nested blocks: each inserts its own row, runs its children concurrently, then maybe fails. */
interface Shape {
  readonly fail: boolean
  readonly yieldsBefore: number
  readonly children: ReadonlyArray<Shape>
}
interface Block extends Shape {
  readonly id: number
  readonly children: ReadonlyArray<Block>
}

const blockArbitrary = (depth: number): fc.Arbitrary<Shape> =>
  fc.record({
    fail: fc.boolean(),
    yieldsBefore: fc.nat({ max: 4 }),
    children: depth <= 0 ? fc.constant([]) : fc.array(blockArbitrary(depth - 1), { maxLength: 3 })
  })

const numbered = (tree: Shape): Block => {
  let next = 1
  const go = (b: Shape): Block => ({ ...b, id: next++, children: b.children.map(go) })
  return go(tree)
}

// Rows that must be committed: those of blocks that succeeded with all their ancestors.
const expectedRows = (block: Block): Array<number> =>
  block.fail ? [] : [block.id, ...block.children.flatMap(expectedRows)].sort((a, b) => a - b)

const runTree = (db: Database.Database, block: Block): Effect.Effect<void, unknown, SqlClient.SqlClient> =>
  db.begin(Effect.gen(function*() {
    for (let i = 0; i < block.yieldsBefore; i++) yield* Effect.yieldNow
    yield* Effect.all([
      insert(block.id, "tree"),
      ...block.children.map((child) => Effect.ignore(runTree(db, child)))
    ], { concurrency: "unbounded", discard: true })
    if (block.fail) return yield* Effect.fail(`block ${block.id} fails`)
  }))

export const suite = (name: string, makeLayer: MakeLayer, options: { readonly parallelConnections: boolean }) => {
  const test = <A, E>(
    title: string,
    body: Effect.Effect<A, E, Database.Database | SqlClient.SqlClient>,
    layerOptions: LayerOptions = {}
  ) =>
    it.live(title, () =>
      Effect.andThen(createItems, body).pipe(Effect.provide(makeLayer(layerOptions)), Effect.scoped) as Effect.Effect<
        A,
        unknown
      >)

  describe(`concurrency inside begin (${name})`, () => {
    test(
      "two concurrent nested begins: the failing one rolls back only its own work",
      Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.begin(Effect.all([
          db.begin(Effect.andThen(insert(1), Effect.sleep("100 millis"))),
          Effect.ignore(db.begin(Effect.gen(function*() {
            yield* Effect.sleep("30 millis")
            yield* insert(2)
            return yield* Effect.fail("second fails")
          })))
        ], { concurrency: "unbounded" }))
        expect(yield* ids).toEqual([1])
      })
    )

    test(
      "a statement from a sibling fiber waits while a nested begin owns the connection, and is not rolled back with it",
      Effect.gen(function*() {
        const db = yield* Database.Database
        const nestedStarted = yield* Deferred.make<void>()
        const siblingSent = yield* Deferred.make<void>()
        yield* db.begin(Effect.all([
          Effect.ignore(db.begin(Effect.gen(function*() {
            yield* insert(1)
            yield* Deferred.succeed(nestedStarted, undefined)
            yield* Deferred.await(siblingSent)
            // Give the sibling's statement every chance to run now, if it could.
            yield* Effect.sleep("50 millis")
            return yield* Effect.fail("nested fails")
          }))),
          Effect.gen(function*() {
            yield* Deferred.await(nestedStarted)
            yield* Effect.andThen(Deferred.succeed(siblingSent, undefined), insert(2))
          })
        ], { concurrency: "unbounded" }))
        expect(yield* ids).toEqual([2])
      })
    )

    test(
      "statements from many forked fibers are serialized on the transaction and commit (or roll back) together",
      Effect.gen(function*() {
        const db = yield* Database.Database
        const count = 60
        yield* db.begin(Effect.forEach(Array.from({ length: count }, (_, i) => i + 1), (id) => insert(id), {
          concurrency: "unbounded",
          discard: true
        }))
        expect((yield* ids).length).toBe(count)
        const exit = yield* Effect.exit(db.begin(Effect.andThen(
          Effect.forEach(Array.from({ length: count }, (_, i) => 1000 + i), (id) => sessionInsert(id), {
            concurrency: 8,
            discard: true
          }),
          Effect.fail("roll back")
        )))
        expect(failureOf(exit)).toBe("roll back")
        expect((yield* ids).length).toBe(count)
      })
    )

    test(
      "a fiber forked inside begin that outlives it gets a detached error instead of writing into a later transaction",
      Effect.gen(function*() {
        const db = yield* Database.Database
        const go = yield* Deferred.make<void>()
        const child = yield* db.begin(Effect.gen(function*() {
          yield* insert(1)
          return yield* Effect.forkDetach(Effect.andThen(Deferred.await(go), insert(2)))
        }))
        // Another transaction now holds a connection (on SQLite, the only one);
        // the orphaned fiber's statement must not run inside it.
        const later = yield* Effect.exit(db.begin(Effect.gen(function*() {
          yield* insert(3)
          yield* Deferred.succeed(go, undefined)
          const childExit = yield* within(Fiber.await(child), "the orphaned fiber")
          expectDetached(failureOf(childExit))
          return yield* Effect.fail("later rolls back")
        })))
        expect(failureOf(later)).toBe("later rolls back")
        expect(yield* ids).toEqual([1])
        // The orphan's own nested begin and Session are refused the same way.
        const orphanBegin = yield* db.begin(Effect.forkDetach(Effect.andThen(Effect.sleep("10 millis"), db.begin(insert(4)))))
        expectDetached(failureOf(yield* within(Fiber.await(orphanBegin), "orphan begin")))
        const orphanSession = yield* db.begin(
          Effect.forkDetach(Effect.andThen(Effect.sleep("10 millis"), sessionInsert(5)))
        )
        expectDetached(failureOf(yield* within(Fiber.await(orphanSession), "orphan session")))
        expect(yield* ids).toEqual([1])
      })
    )

    test(
      "a statement already waiting when the block ends fails as detached and is never run",
      Effect.gen(function*() {
        const db = yield* Database.Database
        const nestedOwns = yield* Deferred.make<void>()
        const finishNested = yield* Deferred.make<void>()
        const [nested, queued] = yield* db.begin(Effect.gen(function*() {
          // A nested block (in a fiber that outlives this one) owns the
          // connection, and a sibling statement queues behind it; then the block ends.
          const nested = yield* Effect.forkDetach(db.begin(Effect.andThen(
            Deferred.succeed(nestedOwns, undefined),
            Effect.andThen(insert(6), Deferred.await(finishNested))
          )))
          yield* Deferred.await(nestedOwns)
          const queued = yield* Effect.forkDetach(insert(7))
          yield* Effect.yieldNow
          return [nested, queued] as const
        }))
        expectDetached(failureOf(yield* within(Fiber.await(queued), "the queued statement")))
        yield* Deferred.succeed(finishNested, undefined)
        const nestedError = failureOf(yield* within(Fiber.await(nested), "the nested block"))
        expect(DatabaseError.hasReason(nestedError, "TransactionError")).toBe(true)
        expect(yield* ids).toEqual([])
      })
    )

    test(
      "a nested begin left running by a fiber that outlives its block is rolled back by the block's end",
      Effect.gen(function*() {
        const db = yield* Database.Database
        const inside = yield* Deferred.make<void>()
        const finish = yield* Deferred.make<void>()
        const orphan = yield* db.begin(Effect.gen(function*() {
          yield* insert(1)
          const fiber = yield* Effect.forkDetach(db.begin(Effect.gen(function*() {
            yield* insert(2)
            yield* Deferred.succeed(inside, undefined)
            yield* Deferred.await(finish)
          })))
          yield* Deferred.await(inside)
          return fiber
        }))
        yield* Deferred.succeed(finish, undefined)
        const exit = yield* within(Fiber.await(orphan), "the orphaned nested begin")
        expect(DatabaseError.hasReason(failureOf(exit), "TransactionError")).toBe(true)
        expect(yield* ids).toEqual([1])
      })
    )

    test(
      "session and connect scopes detach their fibers when they close",
      Effect.gen(function*() {
        const db = yield* Database.Database
        const go = yield* Deferred.make<void>()
        const viaSession = yield* Effect.scoped(Effect.gen(function*() {
          const session = yield* db.session
          return yield* Effect.forkDetach(
            Effect.andThen(Deferred.await(go), session.execute("INSERT INTO items (id) VALUES (10)"))
          )
        }))
        const viaConnect = yield* Effect.scoped(Effect.gen(function*() {
          const conn = yield* db.connect
          return yield* Effect.forkDetach(Effect.andThen(Deferred.await(go), conn.execute("INSERT INTO items (id) VALUES (11)")))
        }))
        const viaSql = yield* Effect.scoped(Effect.gen(function*() {
          yield* db.session
          return yield* Effect.forkDetach(Effect.andThen(Deferred.await(go), insert(12)))
        }))
        yield* Deferred.succeed(go, undefined)
        for (const fiber of [viaSession, viaConnect, viaSql] as ReadonlyArray<Fiber.Fiber<unknown, unknown>>) {
          expectDetached(failureOf(yield* within(Fiber.await(fiber), "a fiber of a closed scope")))
        }
        expect(yield* ids).toEqual([])
      })
    )

    test(
      "interrupting a fiber that waits for the connection leaves the transaction usable",
      Effect.gen(function*() {
        const db = yield* Database.Database
        const owns = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        yield* db.begin(Effect.gen(function*() {
          const nested = yield* Effect.forkChild(db.begin(Effect.gen(function*() {
            yield* insert(1)
            yield* Deferred.succeed(owns, undefined)
            yield* Deferred.await(release)
          })))
          yield* Deferred.await(owns)
          const waiters = yield* Effect.forEach([2, 3, 4], (id) => Effect.forkChild(insert(id)))
          yield* Effect.yieldNow
          yield* Fiber.interruptAll(waiters.slice(0, 2))
          yield* Deferred.succeed(release, undefined)
          yield* Fiber.join(nested)
          yield* Fiber.join(waiters[2]!)
          yield* insert(5)
        }))
        expect(yield* ids).toEqual([1, 4, 5])
      })
    )

    test(
      "interrupting a nested begin that owns the connection rolls it back and lets siblings through",
      Effect.gen(function*() {
        const db = yield* Database.Database
        const owns = yield* Deferred.make<void>()
        yield* db.begin(Effect.gen(function*() {
          const nested = yield* Effect.forkChild(db.begin(Effect.gen(function*() {
            yield* insert(1)
            yield* Deferred.succeed(owns, undefined)
            yield* Effect.never
          })))
          yield* Deferred.await(owns)
          const sibling = yield* Effect.forkChild(insert(2))
          yield* Fiber.interrupt(nested)
          yield* within(Fiber.join(sibling), "the sibling")
        }))
        expect(yield* ids).toEqual([2])
      })
    )

    test(
      "a statement on a connection whose stream is open is a typed error, not a hang",
      Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.begin(Effect.forEach([1, 2, 3], (id) => insert(id), { discard: true }))
        const error = yield* within(
          Effect.flip(db.begin(Effect.gen(function*() {
            const session = yield* Session.Session
            yield* session.stream("SELECT id FROM items ORDER BY id").pipe(
              Stream.mapEffect(() => session.execute("SELECT 1")),
              Stream.runDrain
            )
          }))),
          "a statement inside a stream"
        )
        expect(DatabaseError.hasReason(error, "StatementError")).toBe(true)
        expect(error.message).toMatch(/stream/)
        // The connection is fine afterwards.
        yield* db.begin(insert(4))
        expect(yield* ids).toEqual([1, 2, 3, 4])
      })
    )

    test(
      "statements outside any block never land in another fiber's transaction",
      Effect.gen(function*() {
        const db = yield* Database.Database
        const writes = 100
        let stop = false
        const outside = Effect.forEach(Array.from({ length: writes }, (_, i) => i + 1), (id) => insert(id), { discard: true })
        // Meanwhile, transactions that always roll back.
        const rollingBack = Effect.gen(function*() {
          let n = 0
          while (!stop) {
            n++
            yield* Effect.ignore(db.begin(Effect.andThen(insert(100_000 + n), Effect.fail("roll back"))))
          }
        })
        // Fibers yield to each other after every few steps, so that every
        // interleaving of the two loops gets its chance.
        const background = yield* Effect.forkChild(Effect.provideService(rollingBack, References.MaxOpsBeforeYield, 20))
        yield* Effect.ensuring(Effect.provideService(outside, References.MaxOpsBeforeYield, 20), Effect.sync(() => {
          stop = true
        }))
        yield* Fiber.join(background)
        const stored = yield* ids
        expect(stored.length).toBe(writes)
        expect(stored.every((id) => id <= writes)).toBe(true)
      })
    )

    test(
      "random trees of concurrent nested begins commit exactly the blocks that succeeded with all their ancestors",
      Effect.gen(function*() {
        const db = yield* Database.Database
        const sql = yield* SqlClient.SqlClient
        const trees = fc.sample(blockArbitrary(3), { seed: 20261130, numRuns: 25 }).map(numbered)
        for (const tree of trees) {
          yield* sql`DELETE FROM items`
          yield* Effect.ignore(runTree(db, tree))
          expect(yield* ids).toEqual(expectedRows(tree))
        }
      })
    )

    if (options.parallelConnections) {
      test(
        "independent transactions on different connections still run at the same time",
        Effect.gen(function*() {
          const db = yield* Database.Database
          const a = yield* Deferred.make<void>()
          const b = yield* Deferred.make<void>()
          // Each block waits for the other to have started: only overlapping blocks finish.
          yield* within(
            Effect.all([
              db.begin(Effect.gen(function*() {
                yield* insert(1)
                yield* Deferred.succeed(a, undefined)
                yield* Deferred.await(b)
              })),
              db.begin(Effect.gen(function*() {
                yield* insert(2)
                yield* Deferred.succeed(b, undefined)
                yield* Deferred.await(a)
              }))
            ], { concurrency: "unbounded" }),
            "two overlapping transactions"
          )
          expect(yield* ids).toEqual([1, 2])
        })
      )
    }
  })
}
