import { describe, expect, it } from "@effect/vitest"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Session from "../../src/Session.js"
import type { LayerOptions, MakeLayer } from "../support/layers.js"
import { expectMessageFormat } from "../support/messages.js"

const createSchema = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  // Explicit ids keep the DDL identical on both dialects.
  yield* sql.unsafe(
    `CREATE TABLE parents (
      id INTEGER PRIMARY KEY,
      name VARCHAR(50) NOT NULL UNIQUE,
      qty INTEGER NOT NULL DEFAULT 0 CONSTRAINT qty_not_negative CHECK (qty >= 0)
    )`
  )
  yield* sql.unsafe(`CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parents (id))`)
})

// Fragments from SqlClient compile to each dialect's placeholders.
const insertWith = (session: Session.Session, id: number, name: string | null, qty = 0) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => session.execute(sql`INSERT INTO parents (id, name, qty) VALUES (${id}, ${name}, ${qty})`)
  )

const insertParent = (id: number, name: string | null, qty = 0) =>
  Effect.flatMap(Session.Session, (s) => insertWith(s, id, name, qty))

const names = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ name: string }>`SELECT name FROM parents ORDER BY name`
  return rows.map((r) => r.name)
})

/**
 * Fails the test (a defect) when `effect` has not finished after `seconds`:
 * proves "no hang", generously. The effect runs in a fiber of its own, so a
 * timeout does not wait for it to be interrupted.
 */
const bounded = (label: string, seconds: number) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Effect.forkDetach(effect), (fiber) =>
    Effect.timeoutOrElse(Fiber.join(fiber), {
      duration: `${seconds} seconds`,
      orElse: () => Effect.die(new Error(`${label} did not finish within ${seconds} s`))
    }))

/**
 * The reason of the DatabaseError a `db.sql` failure (an SqlError) carries
 * when the library decided it itself: the SqlError's reason has it as cause.
 */
const sqlErrorReason = (error: SqlError) => {
  const inner = error.reason.cause
  if (!DatabaseError.isDatabaseError(inner)) throw new Error(`expected a DatabaseError under the SqlError, got ${String(inner)}`)
  return inner.reason
}

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const failure = Cause.findErrorOption(exit.cause)
  if (Option.isNone(failure)) throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return failure.value
}

/**
 * The core behaviours of Database, Session, Connection and begin, run against
 * whatever database `makeLayer` builds. Each test gets a fresh, empty database.
 */
export const suite = (name: string, makeLayer: MakeLayer) => {
  const test = <A, E>(
    title: string,
    body: Effect.Effect<A, E, Database.Database | SqlClient.SqlClient>,
    options: LayerOptions = {}
  ) =>
    it.effect(title, () =>
      Effect.andThen(createSchema, body).pipe(Effect.provide(makeLayer(options)), Effect.scoped) as Effect.Effect<
        A,
        unknown
      >)

  describe(`core (${name})`, () => {
    describe("begin", () => {
      test(
        "commits on success",
        Effect.gen(function*() {
          const result = yield* Database.begin(Effect.as(insertParent(1, "a"), "done"))
          expect(result).toBe("done")
          expect(yield* names).toEqual(["a"])
        })
      )

      test(
        "rolls back on failure and re-raises the original error",
        Effect.gen(function*() {
          const exit = yield* Effect.exit(Database.begin(Effect.andThen(insertParent(1, "a"), Effect.fail("boom" as const))))
          expect(failureOf(exit)).toBe("boom")
          expect(yield* names).toEqual([])
        })
      )

      test(
        "rolls back on a defect and keeps the defect",
        Effect.gen(function*() {
          const exit = yield* Effect.exit(Database.begin(Effect.andThen(insertParent(1, "a"), Effect.die(new Error("bug")))))
          expect(Exit.isFailure(exit) && Cause.hasDies(exit.cause)).toBe(true)
          expect(yield* names).toEqual([])
        })
      )

      test(
        "rolls back when interrupted mid-transaction",
        Effect.gen(function*() {
          const inserted = yield* Deferred.make<void>()
          const fiber = yield* Effect.forkChild(
            Database.begin(Effect.gen(function*() {
              yield* insertParent(1, "a")
              yield* Deferred.succeed(inserted, undefined)
              yield* Effect.never
            }))
          )
          yield* Deferred.await(inserted)
          yield* Fiber.interrupt(fiber)
          const exit = yield* Fiber.await(fiber)
          expect(Exit.hasInterrupts(exit)).toBe(true)
          expect(yield* names).toEqual([])
          // The connection went back to the pool in a usable state.
          yield* Database.begin(insertParent(2, "b"))
          expect(yield* names).toEqual(["b"])
        })
      )

      test(
        "nested begin: siblings get distinct savepoints, each RELEASEd; a failed sibling rolls back alone",
        Effect.gen(function*() {
          const db = yield* Database.Database
          yield* db.begin(Effect.gen(function*() {
            yield* insertParent(1, "outer")
            yield* db.begin(insertParent(2, "first"))
            yield* Effect.ignore(db.begin(Effect.andThen(insertParent(3, "second"), Effect.fail("no"))))
            yield* db.begin(insertParent(4, "third"))
          }))
          expect(yield* names).toEqual(["first", "outer", "third"])
        })
      )

      it.effect("nested savepoint names are unique and released", () =>
        Effect.gen(function*() {
          const seen: Array<string> = []
          yield* Effect.gen(function*() {
            yield* createSchema
            const db = yield* Database.Database
            yield* db.begin(Effect.gen(function*() {
              yield* db.begin(insertParent(1, "a"))
              yield* db.begin(db.begin(insertParent(2, "b")))
              yield* Effect.ignore(db.begin(Effect.fail("x")))
            }))
          }).pipe(Effect.provide(makeLayer({ onStatement: (sql) => seen.push(sql) })))
          const savepoints = seen.filter((s) => s.startsWith("SAVEPOINT")).map((s) => s.slice("SAVEPOINT ".length))
          expect(savepoints.length).toBe(4)
          expect(new Set(savepoints).size).toBe(4)
          for (const sp of savepoints) {
            expect(seen).toContain(`RELEASE SAVEPOINT ${sp}`)
          }
          expect(seen.filter((s) => s.startsWith("ROLLBACK TO SAVEPOINT")).length).toBe(1)
          expect(seen.filter((s) => s === "COMMIT").length).toBe(1)
        }))

      test(
        "three levels deep: an inner failure caught by the outer keeps everything else",
        Effect.gen(function*() {
          const db = yield* Database.Database
          yield* db.begin(Effect.gen(function*() {
            yield* insertParent(1, "level1")
            yield* db.begin(Effect.gen(function*() {
              yield* insertParent(2, "level2")
              yield* db.begin(Effect.gen(function*() {
                yield* insertParent(3, "level3")
                // Caught: only this savepoint rolls back.
                yield* Effect.ignore(db.begin(Effect.andThen(insertParent(4, "level4"), Effect.fail("deep"))))
              }))
              const exit = yield* Effect.exit(db.begin(Effect.andThen(insertParent(5, "level3b"), Effect.fail("mid"))))
              expect(failureOf(exit)).toBe("mid")
            }))
          }))
          expect(yield* names).toEqual(["level1", "level2", "level3"])
        })
      )

      test(
        "an inner constraint violation caught by the outer block leaves the transaction usable",
        Effect.gen(function*() {
          const db = yield* Database.Database
          yield* db.begin(Effect.gen(function*() {
            yield* insertParent(1, "a")
            const error = yield* Effect.flip(db.begin(insertParent(2, "a")))
            expect(DatabaseError.hasReason(error, "ConstraintError")).toBe(true)
            yield* insertParent(3, "c")
          }))
          expect(yield* names).toEqual(["a", "c"])
        })
      )

      test(
        "SqlClient statements inside begin run on the transaction and roll back with it",
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const exit = yield* Effect.exit(Database.begin(Effect.gen(function*() {
            yield* sql`INSERT INTO parents (id, name) VALUES (${1}, ${"via-sqlclient"})`
            const inside = yield* sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM parents`
            expect(Number(inside[0]!.n)).toBe(1)
            return yield* Effect.fail("rollback please")
          })))
          expect(failureOf(exit)).toBe("rollback please")
          expect(yield* names).toEqual([])
          // and sql.withTransaction is the same machinery
          yield* sql.withTransaction(sql`INSERT INTO parents (id, name) VALUES (${2}, ${"withTransaction"})`)
          expect(yield* names).toEqual(["withTransaction"])
        })
      )

      test(
        "a failed COMMIT is a typed TransactionError, not a defect",
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* sql.unsafe(
            `CREATE TABLE deferred_child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)`
          )
          const exit = yield* Effect.exit(
            Database.begin(Effect.flatMap(Session.Session, (s) => s.execute("INSERT INTO deferred_child (id, parent_id) VALUES (1, 999)")))
          )
          const error = failureOf(exit)
          expect(DatabaseError.hasReason(error, "TransactionError")).toBe(true)
          expect((error as DatabaseError.DatabaseError).reason).toMatchObject({ phase: "commit" })
          const rows = yield* sql`SELECT * FROM deferred_child`
          expect(rows.length).toBe(0)
          // The connection is healthy afterwards.
          yield* Database.begin(insertParent(1, "after"))
          expect(yield* names).toEqual(["after"])
        })
      )

      test(
        "retry re-runs the whole transaction on a retryable error",
        Effect.gen(function*() {
          let attempts = 0
          yield* Database.begin(
            Effect.gen(function*() {
              attempts++
              yield* insertParent(attempts, `attempt-${attempts}`)
              if (attempts < 3) {
                return yield* Effect.fail(DatabaseError.make(
                  new DatabaseError.TransactionError({ phase: "serialization", retryable: true, message: "conflict" })
                ))
              }
            }),
            { retry: Schedule.recurs(5) }
          )
          expect(attempts).toBe(3)
          expect(yield* names).toEqual(["attempt-3"])
        })
      )

      test(
        "retry does not re-run on errors that are not retryable",
        Effect.gen(function*() {
          let attempts = 0
          const error = yield* Effect.flip(Database.begin(
            Effect.gen(function*() {
              attempts++
              yield* insertParent(1, "a")
              yield* insertParent(2, "a")
            }),
            { retry: Schedule.recurs(5) }
          ))
          expect(attempts).toBe(1)
          expect(DatabaseError.hasReason(error, "ConstraintError")).toBe(true)
        })
      )
    })

    describe("session", () => {
      test(
        "commit as you go: committed work stays, uncommitted work rolls back when the scope closes",
        Effect.gen(function*() {
          const db = yield* Database.Database
          yield* Effect.scoped(Effect.gen(function*() {
            const session = yield* db.session
            yield* session.execute("INSERT INTO parents (id, name) VALUES (1, 'committed')")
            expect(yield* session.inTransaction).toBe(true)
            yield* session.commit
            expect(yield* session.inTransaction).toBe(false)
            yield* session.execute("INSERT INTO parents (id, name) VALUES (2, 'uncommitted')")
          }))
          expect(yield* names).toEqual(["committed"])
        })
      )

      // These run without a statement listener, where SQLite ends a session
      // in one step (a listener routes every statement through the ordinary
      // path, which the read-only suite covers).
      test(
        "a read-only session that has read leaves the connection writable however its scope ends",
        Effect.gen(function*() {
          const db = yield* Database.Database
          const reading = Effect.flatMap(db.sessionWith({ readOnly: true }), (s) => s.all("SELECT name FROM parents"))
          const write = (id: number) =>
            Effect.scoped(Effect.flatMap(db.session, (s) => Effect.andThen(insertWith(s, id, `after ${id}`), s.commit)))
          yield* Effect.scoped(reading)
          yield* write(1)
          expect(yield* Effect.flip(Effect.scoped(Effect.andThen(reading, Effect.fail("user's own")))))
            .toBe("user's own")
          yield* write(2)
          expect(yield* Effect.exit(Effect.scoped(Effect.andThen(reading, Effect.interrupt)))).toSatisfy(Exit.hasInterrupts)
          yield* write(3)
          expect(yield* names).toEqual(["after 1", "after 2", "after 3"])
        })
      )

      test(
        "a session's scope closed by hand inside it: the fiber's later statements run outside the session",
        Effect.gen(function*() {
          const db = yield* Database.Database
          const sql = yield* SqlClient.SqlClient
          const scope = yield* Scope.make()
          yield* Effect.gen(function*() {
            const session = yield* db.session
            yield* session.execute("INSERT INTO parents (id, name) VALUES (1, 'rolled back')")
            yield* Scope.close(scope, Exit.void)
            // Not the ended session's connection (that would fail as detached):
            // a statement of its own, and a new session on SQLite's one connection.
            yield* sql`INSERT INTO parents (id, name) VALUES (2, 'autocommitted')`
            yield* Effect.scoped(Effect.flatMap(db.session, (s) => Effect.andThen(insertWith(s, 3, "in a new session"), s.commit)))
          }).pipe(Scope.provide(scope))
          expect(yield* names).toEqual(["autocommitted", "in a new session"])
        })
      )

      test(
        "rollback discards the work since the last commit",
        Effect.gen(function*() {
          const db = yield* Database.Database
          yield* Effect.scoped(Effect.gen(function*() {
            const session = yield* db.session
            yield* session.execute("INSERT INTO parents (id, name) VALUES (1, 'kept')")
            yield* session.commit
            yield* session.execute("INSERT INTO parents (id, name) VALUES (2, 'dropped')")
            yield* session.rollback
            yield* session.execute("INSERT INTO parents (id, name) VALUES (3, 'kept too')")
            yield* session.commit
          }))
          expect(yield* names).toEqual(["kept", "kept too"])
        })
      )

      test(
        "all / first / one / oneOrNone / scalar with 0, 1 and many rows",
        Effect.gen(function*() {
          const db = yield* Database.Database
          yield* Effect.scoped(Effect.gen(function*() {
            const s = yield* db.session
            const q = "SELECT name FROM parents ORDER BY id"
            expect(yield* s.all(q)).toEqual([])
            expect(yield* s.first(q)).toEqual(Option.none())
            expect(yield* s.oneOrNone(q)).toEqual(Option.none())
            expect(yield* s.scalar(q)).toEqual(Option.none())
            const none = yield* Effect.flip(s.one(q))
            expect(none.reason._tag).toBe("NotFoundError")

            yield* insertWith(s, 1, "a")
            expect(yield* s.one(q)).toEqual({ name: "a" })
            expect(yield* s.oneOrNone(q)).toEqual(Option.some({ name: "a" }))
            expect(yield* s.scalar(q)).toEqual(Option.some("a"))

            yield* insertWith(s, 2, "b")
            expect(yield* s.all(q)).toEqual([{ name: "a" }, { name: "b" }])
            expect(yield* s.first(q)).toEqual(Option.some({ name: "a" }))
            const many = yield* Effect.flip(s.one(q))
            expect(many.reason).toMatchObject({ _tag: "MultipleRowsError", count: 2 })
            expect((yield* Effect.flip(s.oneOrNone(q))).reason._tag).toBe("MultipleRowsError")
          }))
        })
      )

      test(
        "execute reports affected rows: the rows each statement changed, not the table's size",
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const counts = yield* Database.begin(Effect.gen(function*() {
            const s = yield* Session.Session
            const affected = (statement: Parameters<Session.Session["execute"]>[0]) =>
              Effect.map(s.execute(statement), (r) => r.rowsAffected)
            return [
              yield* affected(sql`INSERT INTO parents (id, name) VALUES (${1}, ${"a"}), (${2}, ${"b"}), (${3}, ${"c"})`),
              yield* affected(sql`UPDATE parents SET qty = ${5} WHERE id >= ${2}`),
              yield* affected(sql`UPDATE parents SET qty = ${6} WHERE id > ${99}`),
              yield* affected(sql`DELETE FROM parents WHERE id = ${1}`),
              yield* affected(sql`INSERT INTO children (id, parent_id) VALUES (${1}, ${2})`)
            ]
          }))
          expect(counts).toEqual([3, 2, 0, 1, 1])
          // And they did change what they say they changed.
          expect(yield* sql`SELECT id, qty FROM parents ORDER BY id`).toEqual([{ id: 2, qty: 5 }, { id: 3, qty: 5 }])
        })
      )

      test(
        "session.commit inside begin is refused with a TransactionError",
        Effect.gen(function*() {
          const error = yield* Effect.flip(Database.begin(Effect.flatMap(Session.Session, (s) => s.commit)))
          expect(error.reason._tag).toBe("TransactionError")
          expect(error.message).toContain("begin")
        })
      )

      test(
        "begin inside a session's scope runs on the session's connection",
        Effect.gen(function*() {
          const db = yield* Database.Database
          yield* Effect.scoped(Effect.gen(function*() {
            const session = yield* db.session
            yield* session.execute("INSERT INTO parents (id, name) VALUES (1, 'from-session')")
            // A savepoint inside the session's open transaction.
            yield* db.begin(insertParent(2, "from-begin"))
            const seen = yield* session.all("SELECT name FROM parents ORDER BY id")
            expect(seen.map((r) => r.name)).toEqual(["from-session", "from-begin"])
            yield* session.commit
          }))
          expect(yield* names).toEqual(["from-begin", "from-session"])
        })
      )

      test(
        "stream returns every row of a query",
        Effect.gen(function*() {
          const db = yield* Database.Database
          yield* Database.begin(Effect.gen(function*() {
            const s = yield* Session.Session
            for (let i = 1; i <= 600; i++) yield* insertWith(s, i, `p${i}`)
          }))
          const count = yield* Effect.scoped(Effect.gen(function*() {
            const conn = yield* db.connect
            return yield* Stream.runCount(conn.stream("SELECT id FROM parents"))
          }))
          expect(count).toBe(600)
        })
      )
    })

    describe("connections and the pool", () => {
      test(
        "connect returns its connection to the pool: pool of 1, 100 sequential scoped uses",
        Effect.gen(function*() {
          const db = yield* Database.Database
          for (let i = 0; i < 100; i++) {
            yield* Effect.scoped(Effect.flatMap(db.connect, (c) => c.all("SELECT 1 AS one")))
          }
          for (let i = 0; i < 20; i++) {
            yield* Effect.scoped(Effect.flatMap(db.session, (s) => insertWith(s, i, `n${i}`)))
            yield* Database.begin(insertParent(100 + i, `b${i}`))
          }
          const stats = yield* db.poolStats
          expect(stats.total).toBeLessThanOrEqual(1)
          expect(yield* names).toHaveLength(20)
        }),
        { poolSize: 1 }
      )

      test(
        "layerTest-style sharing: every session of a layer sees the same database",
        Effect.gen(function*() {
          const db = yield* Database.Database
          yield* Effect.scoped(Effect.gen(function*() {
            const s = yield* db.session
            yield* s.execute("INSERT INTO parents (id, name) VALUES (1, 'shared')")
            yield* s.commit
          }))
          const seen = yield* Effect.scoped(Effect.flatMap(db.connect, (c) => c.all("SELECT name FROM parents")))
          expect(seen).toEqual([{ name: "shared" }])
        })
      )

      test(
        "ping succeeds",
        Effect.flatMap(Database.Database, (db) => db.ping)
      )

      it.live("a session held open in another fiber: begin, ping, connect and db.sql fail with pool_timeout after connectTimeout", () =>
        Effect.gen(function*() {
          const db = yield* Database.Database
          const holding = yield* Deferred.make<void>()
          const release = yield* Deferred.make<void>()
          const holder = yield* Effect.forkChild(Effect.scoped(Effect.gen(function*() {
            const session = yield* db.session
            yield* session.execute("SELECT 1")
            yield* Deferred.succeed(holding, undefined)
            yield* Deferred.await(release)
          })))
          yield* Deferred.await(holding)
          const waits = [
            ["begin", db.begin(Effect.void)],
            ["ping", db.ping],
            ["connect", Effect.scoped(db.connect)],
            ["session", Effect.scoped(db.session)]
          ] as const
          for (const [what, wait] of waits) {
            const error = yield* Effect.flip(wait).pipe(bounded(`${what} on a held connection`, 10))
            expect(error.reason, `${what}: ${error.message}`).toMatchObject({ _tag: "ConnectionError", kind: "pool_timeout" })
            expect(error.message).toContain("connectTimeout")
          }
          const sqlError = yield* Effect.flip(db.sql`SELECT 1`).pipe(bounded("db.sql on a held connection", 10))
          expect(sqlErrorReason(sqlError)).toMatchObject({ _tag: "ConnectionError", kind: "pool_timeout" })
          // Once the session is closed, the connection serves again and nobody is left waiting.
          yield* Deferred.succeed(release, undefined)
          yield* Fiber.join(holder)
          yield* db.begin(Effect.void)
          yield* db.ping
          expect((yield* db.poolStats).waiting).toBe(0)
        }).pipe(Effect.provide(makeLayer({ poolSize: 1, connectTimeout: "300 millis" }))))

      it.live("after the layer is closed, every use fails at once with ConnectionError closed", () =>
        Effect.gen(function*() {
          const context = yield* Effect.scoped(Layer.build(makeLayer()))
          const db = Context.get(context, Database.Database)
          const uses = [
            ["begin", db.begin(Effect.void)],
            ["ping", db.ping],
            ["connect", Effect.scoped(db.connect)],
            ["session", Effect.scoped(db.session)]
          ] as const
          for (const [what, use] of uses) {
            const error = yield* Effect.flip(use).pipe(bounded(`${what} after close`, 10))
            expect(error.reason, `${what}: ${error.message}`).toMatchObject({ _tag: "ConnectionError", kind: "closed" })
          }
          const sqlError = yield* Effect.flip(db.sql`SELECT 1`).pipe(bounded("db.sql after close", 10))
          expect(sqlErrorReason(sqlError)).toMatchObject({ _tag: "ConnectionError", kind: "closed" })
        }))

      it.live("closing the layer while a daemon fiber holds a session: the close returns, the session's next statement fails as closed", () =>
        Effect.gen(function*() {
          const holding = yield* Deferred.make<Session.Session>()
          const release = yield* Deferred.make<void>()
          const daemon = yield* Effect.scoped(Effect.gen(function*() {
            const context = yield* Layer.build(makeLayer({ closeTimeout: "300 millis" }))
            const db = Context.get(context, Database.Database)
            // Leaked: nothing closes this session's scope before the layer's.
            return yield* Effect.forkDetach(Effect.scoped(Effect.gen(function*() {
              const session = yield* db.session
              yield* session.execute("SELECT 1")
              yield* Deferred.succeed(holding, session)
              yield* Deferred.await(release)
              return yield* Effect.exit(session.execute("SELECT 2"))
            })))
          }).pipe(Effect.tap(() => Deferred.await(holding)))).pipe(
            // Far below the 5 s default closeTimeout: the option is what bounds it.
            bounded("closing the layer with a leaked session", 4)
          )
          yield* Deferred.succeed(release, undefined)
          const exit = yield* Fiber.join(daemon).pipe(bounded("the leaked session's next statement", 10))
          expect(failureOf(exit).reason).toMatchObject({ _tag: "ConnectionError", kind: "closed" })
        }))
    })

    describe("errors", () => {
      const reasonOf = (
        effect: Effect.Effect<unknown, DatabaseError.DatabaseError, Database.Database | Session.Session | SqlClient.SqlClient>
      ) =>
        Effect.map(Effect.flip(Database.begin(effect)), (e) => e.reason)

      test(
        "duplicate key is a unique ConstraintError",
        Effect.gen(function*() {
          const reason = yield* reasonOf(Effect.andThen(insertParent(1, "a"), insertParent(2, "a")))
          expect(reason).toMatchObject({ _tag: "ConstraintError", kind: "unique", table: "parents" })
          expect(reason.message).toMatch(/^unique constraint violated: \S/)
          expectMessageFormat(reason)
        })
      )

      test(
        "duplicate primary key is a unique ConstraintError",
        Effect.gen(function*() {
          const reason = yield* reasonOf(Effect.andThen(insertParent(1, "a"), insertParent(1, "b")))
          expect(reason).toMatchObject({ _tag: "ConstraintError", kind: "unique" })
        })
      )

      test(
        "a missing parent is a foreign_key ConstraintError",
        Effect.gen(function*() {
          const reason = yield* reasonOf(
            Effect.flatMap(Session.Session, (s) => s.execute("INSERT INTO children (id, parent_id) VALUES (1, 42)"))
          )
          expect(reason).toMatchObject({ _tag: "ConstraintError", kind: "foreign_key" })
          expect(reason.message).toMatch(/^foreign key constraint violated: \S/)
          expectMessageFormat(reason)
        })
      )

      test(
        "NULL in a NOT NULL column is a not_null ConstraintError naming the column",
        Effect.gen(function*() {
          const reason = yield* reasonOf(
            Effect.flatMap(Session.Session, (s) => insertWith(s, 1, null))
          )
          expect(reason).toMatchObject({ _tag: "ConstraintError", kind: "not_null", table: "parents", column: "name" })
          expect(reason.message).toMatch(/^not-null constraint violated: \S/)
          expectMessageFormat(reason)
        })
      )

      test(
        "a CHECK violation is a check ConstraintError naming the constraint",
        Effect.gen(function*() {
          const reason = yield* reasonOf(insertParent(1, "a", -1))
          expect(reason).toMatchObject({ _tag: "ConstraintError", kind: "check", constraint: "qty_not_negative" })
          expect(reason.message).toMatch(/^check constraint violated: \S/)
          expectMessageFormat(reason)
        })
      )

      test(
        "a statement on a missing table is a StatementError carrying the SQL",
        Effect.gen(function*() {
          const error = yield* Effect.flip(
            Database.begin(Effect.flatMap(Session.Session, (s) => s.all("SELECT * FROM no_such_table")))
          )
          expect(error.reason._tag).toBe("StatementError")
          expect(error.sql).toBe("SELECT * FROM no_such_table")
          expect(error.message).toContain("no_such_table")
          expect(error.reason.message).toMatch(/^statement failed: \S/)
          expectMessageFormat(error.reason)
        })
      )

      it.effect("a closed database: connections, streams and ping fail with ConnectionError kind closed, \"database is closed\"", () =>
        Effect.gen(function*() {
          // The Database outlives the scope of the layer that made it.
          const context = yield* Effect.scoped(Layer.build(makeLayer()))
          const db = Context.get(context, Database.Database)
          const attempts: ReadonlyArray<readonly [string, Effect.Effect<unknown, DatabaseError.DatabaseError>]> = [
            ["connect + execute", Effect.scoped(Effect.flatMap(db.connect, (c) => c.execute("SELECT 1")))],
            ["connect + stream", Effect.scoped(Effect.flatMap(db.connect, (c) => Stream.runCollect(c.stream("SELECT 1"))))],
            ["ping", db.ping]
          ]
          for (const [what, attempt] of attempts) {
            const error = yield* Effect.flip(attempt)
            expect(error.reason, what).toMatchObject({ _tag: "ConnectionError", kind: "closed" })
            expect(error.reason.message, what).toMatch(/^database is closed: /)
            expectMessageFormat(error.reason)
          }
          // A transaction or session says so too, whatever reason wraps it.
          for (const attempt of [db.begin(Effect.void), Effect.scoped(Effect.flatMap(db.session, (s) => s.execute("SELECT 1")))]) {
            const error = yield* Effect.flip(attempt)
            expect(error.message).toContain("database is closed")
          }
        }))
    })

    describe("echo", () => {
      it.effect("logs every statement with its parameters through Effect's logger", () =>
        Effect.gen(function*() {
          const logged: Array<string> = []
          const logger = Logger.make(({ message }) => {
            logged.push(Array.isArray(message) ? message.join(" ") : String(message))
          })
          yield* Effect.gen(function*() {
            yield* createSchema
            yield* Database.begin(insertParent(7, "echoed"))
          }).pipe(
            Effect.provide(makeLayer({ echo: true })),
            Effect.provide(Logger.layer([logger]))
          )
          expect(logged.some((m) => m.includes("INSERT INTO parents") && m.includes("\"echoed\"") && m.includes("7"))).toBe(true)
          expect(logged).toContain("COMMIT")
        }))
    })
  })
}
