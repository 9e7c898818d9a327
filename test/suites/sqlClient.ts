/**
 * Our `SqlClient` as an `effect/sql` client: what the upstream clients' own
 * tests pin down (Effect-TS/effect `packages/sql*`), run against whatever
 * database `makeLayer` builds. Where the dialects differ by design the
 * expectation is looked up by dialect, never skipped.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Migrator from "effect/sql/Migrator"
import * as SqlClient from "effect/sql/SqlClient"
import { isSqlError, type SqlError } from "effect/sql/SqlError"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import type { LayerOptions, MakeLayer } from "../support/layers.js"

/** Statements seen by the layer of the running test. */
interface Trace {
  readonly statements: Array<string>
}

type Dialect = Database.Dialect

const createPeople = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) => sql`CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, age INTEGER)`
)

const names = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.map(sql<{ name: string }>`SELECT name FROM people ORDER BY id`, (rows) => rows.map((r) => r.name)))

const insertPerson = (id: number, name: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql`INSERT INTO people (id, name) VALUES (${id}, ${name})`)

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const failure = Cause.findErrorOption(exit.cause)
  if (Option.isNone(failure)) throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return failure.value
}

/** An SqlError, and the DatabaseError its reason carries when the library decided the failure itself. */
const sqlErrorOf = (error: unknown): SqlError => {
  if (!isSqlError(error)) throw new Error(`expected an SqlError, got ${String(error)}`)
  return error
}

const databaseErrorUnder = (error: SqlError): DatabaseError.DatabaseError => {
  const inner = error.reason.cause
  if (!DatabaseError.isDatabaseError(inner)) throw new Error(`expected a DatabaseError under the SqlError, got ${String(inner)}`)
  return inner
}

export const suite = (name: string, makeLayer: MakeLayer) => {
  const test = <A, E>(
    title: string,
    body: (trace: Trace, dialect: Dialect) => Effect.Effect<A, E, Database.Database | SqlClient.SqlClient>,
    options: LayerOptions = {}
  ) =>
    it.live(title, () => {
      const trace: Trace = { statements: [] }
      return Effect.gen(function*() {
        yield* createPeople
        const db = yield* Database.Database
        trace.statements.length = 0
        return yield* body(trace, db.dialect)
      }).pipe(
        Effect.provide(makeLayer({ ...options, onStatement: (sql) => void trace.statements.push(sql) })),
        Effect.scoped
      ) as Effect.Effect<A, unknown>
    })

  describe(`effect/sql client (${name})`, () => {
    describe("statements", () => {
      test("DDL and INSERT return no rows, SELECT returns row objects", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          expect(yield* sql`CREATE TABLE t (id INTEGER, v VARCHAR(10))`).toEqual([])
          expect(yield* sql`INSERT INTO t (id, v) VALUES (${1}, ${"hello"})`).toEqual([])
          expect(yield* sql`SELECT id, v FROM t`).toEqual([{ id: 1, v: "hello" }])
        }))

      test("one sql`...` expression run with values of every kind: each statement has its own values and, with a fragment, its own text", (trace) =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* insertPerson(1, "a")
          yield* insertPerson(2, "b")
          // The same template object at every call: its text is kept after the first plain values.
          const byId = (id: unknown) => Effect.map(sql<{ name: string }>`SELECT name FROM people WHERE id = ${id}`, (rows) => rows.map((r) => r.name))
          trace.statements.length = 0
          expect(yield* byId(1)).toEqual(["a"])
          expect(yield* byId(2)).toEqual(["b"])
          expect(yield* byId(sql`1 + 1`)).toEqual(["b"])
          expect(yield* byId(1)).toEqual(["a"])
          expect(yield* byId(null)).toEqual([])
          expect(yield* byId(2)).toEqual(["b"])
          // On a held connection too (it compiles the statement itself).
          const db = yield* Database.Database
          expect(yield* Effect.scoped(Effect.flatMap(db.connect, (conn) => conn.all(sql`SELECT name FROM people WHERE id = ${2}`)))).toEqual([{ name: "b" }])
          const texts = trace.statements.filter((t) => t.startsWith("SELECT name FROM people"))
          expect(texts.filter((t) => t.includes("1 + 1"))).toHaveLength(1)
          expect(new Set(texts.filter((t) => !t.includes("1 + 1"))).size).toBe(1)
        }))

      test("one sql`...` expression from concurrent fibers with values of every kind: each gets its own rows", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const db = yield* Database.Database
          yield* insertPerson(1, "a")
          yield* insertPerson(2, "b")
          const byId = (id: unknown) => Effect.map(sql<{ name: string }>`SELECT name FROM people WHERE id = ${id}`, (rows) => rows.map((r) => r.name))
          // A number, a string, a fragment and null, interleaved: the kept text must never serve the fragment or lose a value.
          const cases: ReadonlyArray<readonly [unknown, ReadonlyArray<string>]> = [[1, ["a"]], ["2", ["b"]], [sql`1 + 1`, ["b"]], [null, []], [2, ["b"]]]
          const many = Array.from({ length: 40 }, (_, i) => cases[i % cases.length]!)
          const run = (concurrency: number | "unbounded") =>
            Effect.all(many.map(([id]) => byId(id)), { concurrency })
          const expected = many.map(([, names]) => names)
          expect(yield* run("unbounded")).toEqual(expected)
          expect(yield* run(4)).toEqual(expected)
          // Inside a block: the fibers take turns on its connection.
          expect(yield* db.begin(run(4))).toEqual(expected)
          // Forked fibers, next to a batch of the same statements interrupted part way.
          const stopped = yield* Effect.forkChild(run("unbounded"))
          const fibers = yield* Effect.forEach(many, ([id]) => Effect.forkChild(byId(id)))
          yield* Effect.yieldNow
          yield* Fiber.interrupt(stopped)
          expect(yield* Fiber.joinAll(fibers)).toEqual(expected)
          expect(yield* byId(1)).toEqual(["a"])
        }))

      test(".values and .valuesUnprepared return each row as an array of its values", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* insertPerson(1, "hello")
          expect(yield* sql`SELECT id, name FROM people`.values).toEqual([[1, "hello"]])
          expect(yield* sql`SELECT id, name FROM people`.valuesUnprepared).toEqual([[1, "hello"]])
        }))

      test(".raw returns the driver's own result, inside a transaction too", (_, dialect) =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const write = yield* sql`INSERT INTO people (id, name) VALUES (${1}, ${"a"})`.raw
          const read = yield* sql`SELECT id, name FROM people`.raw
          const [writeInside, readInside] = yield* sql.withTransaction(Effect.all([
            sql`INSERT INTO people (id, name) VALUES (${2}, ${"b"})`.raw,
            sql`SELECT id, name FROM people WHERE id = ${2}`.raw
          ]))
          const expectations = {
            // better-sqlite3: a write's RunResult, a read's rows.
            sqlite: () => {
              expect(write).toEqual({ changes: 1, lastInsertRowid: 1 })
              expect(read).toEqual([{ id: 1, name: "a" }])
              expect(writeInside).toEqual({ changes: 1, lastInsertRowid: 2 })
              expect(readInside).toEqual([{ id: 2, name: "b" }])
            },
            // pg: its Result object.
            pg: () => {
              expect(write).toMatchObject({ command: "INSERT", rowCount: 1, rows: [] })
              expect(read).toMatchObject({ command: "SELECT", rowCount: 1, rows: [{ id: 1, name: "a" }] })
              expect(writeInside).toMatchObject({ command: "INSERT", rowCount: 1 })
              expect(readInside).toMatchObject({ command: "SELECT", rows: [{ id: 2, name: "b" }] })
            }
          }
          expectations[dialect]()
        }))

      test("a text of several statements: plain statements refuse it; .unprepared runs it on PostgreSQL, one row array per statement", (trace, dialect) =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const script = "INSERT INTO people (id, name) VALUES (1, 'a'); SELECT name FROM people; SELECT 2 AS two"
          // One statement per query, whatever the dialect: a second one is refused, and nothing ran.
          const plain = sqlErrorOf(failureOf(yield* Effect.exit(sql.unsafe(script))))
          expect(plain.message.length).toBeGreaterThan(0)
          expect(yield* names).toEqual([])
          const unprepared = yield* Effect.exit(sql.unsafe(script).unprepared)
          const expectations = {
            // better-sqlite3 prepares every statement, and takes one at a time.
            sqlite: () => {
              expect(sqlErrorOf(failureOf(unprepared)).message).toMatch(/more than one statement/)
              return Effect.map(names, (stored) => expect(stored).toEqual([]))
            },
            pg: () => {
              expect(unprepared).toEqual(Exit.succeed([[], [{ name: "a" }], [{ two: 2 }]]))
              return Effect.map(names, (stored) => expect(stored).toEqual(["a"]))
            }
          }
          yield* expectations[dialect]()
          // A single statement through .unprepared is its rows, not nested.
          expect(yield* sql`SELECT 3 AS three`.unprepared).toEqual([{ three: 3 }])
          expect(trace.statements.filter((s) => s === script)).toHaveLength(2)
        }))

      test("SqlClient.SafeIntegers: SQLite reads an integer beyond 2^53 exactly as a bigint; PostgreSQL reads BIGINT exactly always", (_, dialect) =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const select = sql<{ n: unknown }>`SELECT 9007199254740993 AS n`
          const plain = yield* select
          const safe = yield* Effect.provideService(select, SqlClient.SafeIntegers, true)
          const expected = {
            sqlite: { plain: 9007199254740992, safe: 9007199254740993n },
            // pg gives int8 as text, never rounded.
            pg: { plain: "9007199254740993", safe: "9007199254740993" }
          }
          expect({ plain: plain[0]!.n, safe: safe[0]!.n }).toEqual(expected[dialect])
        }))

      test(".stream gives row objects in chunks", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const rows = yield* Stream.runCollect(
            sql<{ n: number | string }>`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1000) SELECT n FROM g`.stream
          )
          expect(rows).toHaveLength(1000)
          expect(rows.map((r) => Number(r.n))).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1))
        }))

      test("a failed statement is an SqlError whose reason is classified as upstream does and carries the driver's error", (_, dialect) =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* sql`CREATE TABLE tags (id INTEGER PRIMARY KEY, name VARCHAR(20) UNIQUE, person INTEGER REFERENCES people (id))`
          yield* sql`INSERT INTO tags (id, name) VALUES (${1}, ${"x"})`
          const fails = (statement: Effect.Effect<unknown, SqlError>) =>
            Effect.map(Effect.exit(statement), (exit) => sqlErrorOf(failureOf(exit)))
          const unique = yield* fails(sql`INSERT INTO tags (id, name) VALUES (${2}, ${"x"})`)
          const primaryKey = yield* fails(sql`INSERT INTO tags (id, name) VALUES (${1}, ${"y"})`)
          const foreignKey = yield* fails(sql`INSERT INTO tags (id, person) VALUES (${3}, ${42})`)
          const missing = yield* fails(sql`SELECT * FROM no_such_table`)
          const expected = {
            sqlite: {
              unique: { _tag: "UniqueViolation", constraint: "tags.name", cause: { code: "SQLITE_CONSTRAINT_UNIQUE" } },
              // As effect/sql's classifySqliteError: a PRIMARY KEY conflict is a ConstraintError.
              primaryKey: { _tag: "ConstraintError", cause: { code: "SQLITE_CONSTRAINT_PRIMARYKEY" } },
              foreignKey: { _tag: "ConstraintError", cause: { code: "SQLITE_CONSTRAINT_FOREIGNKEY" } },
              missing: { _tag: "UnknownError", cause: { code: "SQLITE_ERROR" } }
            },
            pg: {
              unique: { _tag: "UniqueViolation", constraint: "tags_name_key", cause: { code: "23505" } },
              primaryKey: { _tag: "UniqueViolation", constraint: "tags_pkey", cause: { code: "23505" } },
              foreignKey: { _tag: "ConstraintError", cause: { code: "23503" } },
              missing: { _tag: "SqlSyntaxError", cause: { code: "42P01" } }
            }
          }[dialect]
          expect({
            unique: unique.reason,
            primaryKey: primaryKey.reason,
            foreignKey: foreignKey.reason,
            missing: missing.reason
          }).toMatchObject(expected)
          for (const error of [unique, primaryKey, foreignKey, missing]) {
            expect(error.isRetryable).toBe(false)
            expect(error.message).toBe((error.reason.cause as Error).message)
          }
          expect(missing.message).toContain("no_such_table")
        }))

      test("the client names its driver", (_, dialect) =>
        Effect.map(SqlClient.SqlClient, (sql) => expect(sql.driver).toBe(`effect-sqlservice/${dialect}`)))
    })

    describe("helpers", () => {
      test("sql.in: a list binds one parameter per value; an empty one matches nothing", (_, dialect) =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* insertPerson(1, "a")
          yield* insertPerson(2, "b")
          const some = sql`SELECT name FROM people WHERE id IN ${sql.in([1, 2])} ORDER BY id`
          expect(some.compile()[0]).toBe(
            { sqlite: "SELECT name FROM people WHERE id IN (?,?) ORDER BY id", pg: "SELECT name FROM people WHERE id IN ($1,$2) ORDER BY id" }[dialect]
          )
          expect(yield* some).toEqual([{ name: "a" }, { name: "b" }])
          expect(yield* sql`SELECT name FROM people WHERE id IN ${sql.in([])}`).toEqual([])
          const none = sql`SELECT name FROM people WHERE ${sql.in("id", [])}`
          expect(none.compile()).toEqual(["SELECT name FROM people WHERE 1=0", []])
          expect(yield* none).toEqual([])
          expect(yield* sql`SELECT name FROM people WHERE ${sql.in("id", [2])}`).toEqual([{ name: "b" }])
        }))

      test("sql.insert writes records (one or many), .returning gives them back", (_, dialect) =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const one = sql`INSERT INTO people ${sql.insert({ id: 1, name: "a", age: 30 })}`
          expect(one.compile()).toEqual([
            { sqlite: "INSERT INTO people (\"id\",\"name\",\"age\") VALUES (?,?,?)", pg: "INSERT INTO people (\"id\",\"name\",\"age\") VALUES ($1,$2,$3)" }[dialect],
            [1, "a", 30]
          ])
          yield* one
          const returned = yield* sql<{ id: number; name: string }>`INSERT INTO people ${
            sql.insert([{ id: 2, name: "b", age: 40 }, { id: 3, name: "c", age: null }]).returning("id, name")
          }`
          expect(returned).toEqual([{ id: 2, name: "b" }, { id: 3, name: "c" }])
          expect(yield* sql`SELECT id, name, age FROM people ORDER BY id`).toEqual([
            { id: 1, name: "a", age: 30 },
            { id: 2, name: "b", age: 40 },
            { id: 3, name: "c", age: null }
          ])
        }))

      test("sql.update sets a record's fields, leaving out those omitted", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* sql`INSERT INTO people ${sql.insert({ id: 1, name: "a", age: 30 })}`
          const person = { id: 1, name: "renamed", age: 99 }
          yield* sql`UPDATE people SET ${sql.update(person, ["id", "age"])} WHERE id = ${person.id}`
          expect(yield* sql`SELECT id, name, age FROM people`).toEqual([{ id: 1, name: "renamed", age: 30 }])
        }))

      test("sql.updateValues updates many rows from a list of records in one statement; .returning gives them back", (trace) =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* sql`INSERT INTO people ${sql.insert([{ id: 1, name: "a" }, { id: 2, name: "b" }, { id: 3, name: "c" }])}`
          trace.statements.length = 0
          yield* sql`UPDATE people SET name = data.name FROM ${
            sql.updateValues([{ id: 1, name: "Ada" }, { id: 3, name: "Cyd" }], "data")
          } WHERE people.id = CAST(data.id AS INTEGER)`
          expect(trace.statements).toHaveLength(1)
          expect(yield* names).toEqual(["Ada", "b", "Cyd"])
          // RETURNING follows the values list, so this form updates every row.
          const returned = yield* sql<{ id: number; age: number }>`UPDATE people SET age = CAST(data.age AS INTEGER) FROM ${
            sql.updateValues([{ age: 7 }], "data").returning("people.id, people.age")
          }`
          expect([...returned].sort((x, y) => x.id - y.id)).toEqual([{ id: 1, age: 7 }, { id: 2, age: 7 }, { id: 3, age: 7 }])
        }))

      test("onDialect and onDialectOrElse pick this database's branch", (_, dialect) =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const picked = sql.onDialect({
            sqlite: () => "sqlite",
            pg: () => "pg",
            mysql: () => "mysql",
            mssql: () => "mssql",
            clickhouse: () => "clickhouse"
          })
          expect(picked).toBe(dialect)
          expect(sql.onDialectOrElse({ pg: () => "pg", orElse: () => "other" })).toBe({ sqlite: "other", pg: "pg" }[dialect])
        }))
    })

    describe("withTransaction (our begin)", () => {
      test("commits and returns the value; a failure rolls back and is re-raised", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          expect(yield* sql.withTransaction(Effect.as(insertPerson(1, "kept"), "done"))).toBe("done")
          const exit = yield* Effect.exit(sql.withTransaction(Effect.andThen(insertPerson(2, "dropped"), Effect.fail("boom"))))
          expect(failureOf(exit)).toBe("boom")
          expect(yield* names).toEqual(["kept"])
        }))

      test("nested: a failed inner transaction rolls back its own savepoint only", (trace) =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* sql.withTransaction(Effect.gen(function*() {
            yield* insertPerson(1, "outer")
            yield* Effect.ignore(sql.withTransaction(Effect.andThen(insertPerson(2, "inner"), Effect.fail("inner fails"))))
            yield* sql.withTransaction(insertPerson(3, "sibling"))
          }))
          expect(yield* names).toEqual(["outer", "sibling"])
          const savepoints = trace.statements.filter((s) => s.startsWith("SAVEPOINT "))
          expect(new Set(savepoints).size).toBe(2)
        }))

      test("SqlClient.BeginTransaction starts a top-level transaction; nested ones keep their savepoints", (trace, dialect) =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const begin = { sqlite: "BEGIN EXCLUSIVE", pg: "BEGIN ISOLATION LEVEL SERIALIZABLE" }[dialect]
          yield* sql.withTransaction(Effect.andThen(insertPerson(1, "a"), sql.withTransaction(insertPerson(2, "b")))).pipe(
            Effect.provideService(SqlClient.BeginTransaction, begin)
          )
          expect(trace.statements.filter((s) => s.startsWith("BEGIN"))).toEqual([begin])
          expect(trace.statements.filter((s) => s.startsWith("SAVEPOINT"))).toHaveLength(1)
          expect(yield* names).toEqual(["a", "b"])
        }))

      test("a failed BEGIN is a typed SqlError: nothing is rolled back, and the connection serves on", (trace) =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          let ran = false
          const exit = yield* Effect.exit(
            sql.withTransaction(Effect.sync(() => {
              ran = true
            })).pipe(Effect.provideService(SqlClient.BeginTransaction, "BEGIN NONSENSE"))
          )
          const error = sqlErrorOf(failureOf(exit))
          expect(databaseErrorUnder(error).reason).toMatchObject({ _tag: "TransactionError", phase: "begin" })
          expect(ran).toBe(false)
          expect(trace.statements.filter((s) => s.startsWith("ROLLBACK"))).toEqual([])
          yield* sql.withTransaction(insertPerson(1, "after"))
          expect(yield* names).toEqual(["after"])
        }))

      test("a failed COMMIT is a typed SqlError carrying the violated constraint; nothing is stored", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* sql`CREATE TABLE pets (id INTEGER PRIMARY KEY, owner INTEGER REFERENCES people (id) DEFERRABLE INITIALLY DEFERRED)`
          const exit = yield* Effect.exit(sql.withTransaction(sql`INSERT INTO pets (id, owner) VALUES (${1}, ${999})`))
          const error = sqlErrorOf(failureOf(exit))
          expect(error.reason._tag).toBe("ConstraintError")
          expect(databaseErrorUnder(error).reason).toMatchObject({ _tag: "TransactionError", phase: "commit" })
          expect(yield* sql`SELECT * FROM pets`).toEqual([])
        }))

      it.live("no connection free in time: withTransaction fails with a typed SqlError (ConnectionError), not a defect", () =>
        Effect.gen(function*() {
          const db = yield* Database.Database
          const sql = yield* SqlClient.SqlClient
          const holding = yield* Deferred.make<void>()
          const release = yield* Deferred.make<void>()
          const holder = yield* Effect.forkChild(Effect.scoped(Effect.gen(function*() {
            yield* db.session
            yield* Deferred.succeed(holding, undefined)
            yield* Deferred.await(release)
          })))
          yield* Deferred.await(holding)
          const error = sqlErrorOf(failureOf(yield* Effect.exit(sql.withTransaction(sql`SELECT 1`))))
          expect(error.reason._tag).toBe("ConnectionError")
          expect(databaseErrorUnder(error).reason).toMatchObject({ _tag: "ConnectionError", kind: "pool_timeout" })
          yield* Deferred.succeed(release, undefined)
          yield* Fiber.join(holder)
          expect(yield* sql.withTransaction(sql`SELECT 1 AS one`)).toEqual([{ one: 1 }])
        }).pipe(Effect.provide(makeLayer({ poolSize: 1, connectTimeout: "300 millis" }))))

      test("Migrator runs its migrations through our client and its transactions", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const ran = yield* Migrator.make({})({
            loader: Migrator.fromRecord({
              "1_pets": Effect.flatMap(SqlClient.SqlClient, (s) => s`CREATE TABLE pets (id INTEGER PRIMARY KEY)`),
              "2_pet": Effect.flatMap(SqlClient.SqlClient, (s) => s`INSERT INTO pets (id) VALUES (${7})`)
            })
          })
          expect(ran).toEqual([[1, "pets"], [2, "pet"]])
          expect(yield* sql`SELECT id FROM pets`).toEqual([{ id: 7 }])
          expect(yield* Migrator.make({})({ loader: Migrator.fromRecord({}) })).toEqual([])
        }))
    })

    describe("tracing", () => {
      test(
        "with a tracer that records, every statement is a client span with the query text, inside and outside a block",
        (_, dialect) =>
          Effect.gen(function*() {
            const sql = yield* SqlClient.SqlClient
            const db = yield* Database.Database
            const spans: Array<Tracer.Span> = []
            const recording = Tracer.make({
              span: (options) => {
                const span = Tracer.nativeTracer.span(options)
                spans.push(span)
                return span
              }
            })
            yield* Effect.gen(function*() {
              yield* sql`SELECT ${1} AS one`
              yield* sql`SELECT ${2} AS two`.values
              yield* db.begin(sql`SELECT ${3} AS three`)
            }).pipe(Effect.withTracer(recording))
            const statements = spans.filter((s) => s.kind === "client")
            expect(statements.map((s) => s.attributes.get("db.query.text"))).toEqual([
              dialect === "pg" ? "SELECT $1 AS one" : "SELECT ? AS one",
              dialect === "pg" ? "SELECT $1 AS two" : "SELECT ? AS two",
              dialect === "pg" ? "SELECT $1 AS three" : "SELECT ? AS three"
            ])
            expect(statements.map((s) => s.attributes.get("db.system.name"))).toEqual(
              Array(3).fill(dialect === "pg" ? "postgresql" : "sqlite")
            )
            expect(statements.every((s) => s.status._tag === "Ended")).toBe(true)
          })
      )

      test(
        "with Effect's default tracer no statement span is made (nobody would read it), and results are the same",
        () =>
          Effect.gen(function*() {
            const sql = yield* SqlClient.SqlClient
            const db = yield* Database.Database
            const native = Tracer.nativeTracer as { span: Tracer.Tracer["span"] }
            const original = native.span
            let made = 0
            native.span = (options) => {
              if (options.kind === "client") made++
              return original.call(native, options)
            }
            const rows = yield* Effect.gen(function*() {
              const one = yield* sql<{ one: number }>`SELECT ${1} AS one`
              const two = yield* sql`SELECT ${2} AS two`.values
              const three = yield* db.begin(sql<{ three: number }>`SELECT ${3} AS three`)
              return [Number(one[0]!.one), Number(two[0]![0]), Number(three[0]!.three)]
            }).pipe(Effect.ensuring(Effect.sync(() => {
              native.span = original
            })))
            expect(rows).toEqual([1, 2, 3])
            expect(made).toBe(0)
          })
      )
    })

    describe("afterCommit", () => {
      const record = (seen: Array<string>, what: string) => Effect.sync(() => void seen.push(what))

      test("runs once the outermost transaction has committed, in registration order, and sees the committed rows", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const seen: Array<string> = []
          yield* sql.withTransaction(Effect.gen(function*() {
            yield* insertPerson(1, "a")
            yield* sql.afterCommit(record(seen, "first"))
            yield* sql.withTransaction(Effect.andThen(insertPerson(2, "b"), sql.afterCommit(record(seen, "from the savepoint"))))
            yield* sql.afterCommit(Effect.orDie(Effect.flatMap(names, (stored) => record(seen, `committed: ${stored.join(",")}`))))
            seen.push("body done")
          }))
          expect(seen).toEqual(["body done", "first", "from the savepoint", "committed: a,b"])
        }))

      test("is dropped when the transaction rolls back, and with a savepoint that rolls back", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const seen: Array<string> = []
          yield* Effect.ignore(sql.withTransaction(Effect.andThen(sql.afterCommit(record(seen, "rolled back")), Effect.fail("no"))))
          yield* sql.withTransaction(Effect.gen(function*() {
            yield* Effect.ignore(sql.withTransaction(Effect.andThen(sql.afterCommit(record(seen, "savepoint rolled back")), Effect.fail("no"))))
            yield* sql.afterCommit(record(seen, "outer committed"))
          }))
          expect(seen).toEqual(["outer committed"])
        }))

      test("is dropped when COMMIT fails", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* sql`CREATE TABLE pets (id INTEGER PRIMARY KEY, owner INTEGER REFERENCES people (id) DEFERRABLE INITIALLY DEFERRED)`
          const seen: Array<string> = []
          const exit = yield* Effect.exit(sql.withTransaction(Effect.andThen(
            sql`INSERT INTO pets (id, owner) VALUES (${1}, ${999})`,
            sql.afterCommit(record(seen, "never"))
          )))
          expect(Exit.isFailure(exit)).toBe(true)
          expect(seen).toEqual([])
        }))

      test("outside a transaction runs at once", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const seen: Array<string> = []
          yield* sql.afterCommit(record(seen, "now"))
          expect(seen).toEqual(["now"])
        }))

      test("follows db.begin and a session's own transaction too: run at its COMMIT, dropped at its rollback", () =>
        Effect.gen(function*() {
          const db = yield* Database.Database
          const sql = yield* SqlClient.SqlClient
          const seen: Array<string> = []
          yield* db.begin(Effect.andThen(insertPerson(1, "a"), sql.afterCommit(record(seen, "begin committed"))))
          yield* Effect.scoped(Effect.gen(function*() {
            const session = yield* db.session
            yield* session.execute("INSERT INTO people (id, name) VALUES (2, 'b')")
            yield* sql.afterCommit(record(seen, "session committed"))
            seen.push("before commit")
            yield* session.commit
            yield* session.execute("INSERT INTO people (id, name) VALUES (3, 'c')")
            yield* sql.afterCommit(record(seen, "session rolled back"))
            yield* session.rollback
            yield* session.execute("INSERT INTO people (id, name) VALUES (4, 'd')")
            yield* sql.afterCommit(record(seen, "session scope ended"))
          }))
          expect(seen).toEqual(["begin committed", "before commit", "session committed"])
          expect(yield* names).toEqual(["a", "b"])
        }))

      test("a callback that dies is logged and the others still run", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const seen: Array<string> = []
          const logged: Array<string> = []
          const logger = Logger.make(({ message }) => void logged.push(Array.isArray(message) ? message.join(" ") : String(message)))
          yield* sql.withTransaction(Effect.gen(function*() {
            yield* sql.afterCommit(Effect.die(new Error("callback bug")))
            yield* sql.afterCommit(record(seen, "second"))
          })).pipe(Effect.provide(Logger.layer([logger])))
          expect(seen).toEqual(["second"])
          expect(logged.some((m) => m.includes("afterCommit"))).toBe(true)
        }))

      test("registering once the transaction has ended is a defect", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const go = yield* Deferred.make<void>()
          const late = yield* sql.withTransaction(
            Effect.forkDetach(Effect.andThen(Deferred.await(go), sql.afterCommit(Effect.void)))
          )
          yield* Deferred.succeed(go, undefined)
          const exit = yield* Fiber.await(late)
          expect(Exit.isFailure(exit) && Cause.hasDies(exit.cause)).toBe(true)
        }))
    })
  })
}
