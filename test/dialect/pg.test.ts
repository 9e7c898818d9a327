import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import * as net from "node:net"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import { lexRules } from "../../src/internal/dialect/pg/lexer.js"
import { isSingleStatement } from "../../src/internal/schema/sqlText.js"
import * as Query from "../../src/Query.js"
import * as Session from "../../src/Session.js"
import * as Table from "../../src/Table.js"
import { adminQuery, waitUntil } from "../drills/support/helpers.js"
import { pgAvailable, pgIsolated, pgUrl } from "../support/layers.js"

const available = await pgAvailable()

const withPassword = (url: string, password: string) => {
  const u = new URL(url)
  u.password = password
  return u
}

describe.skipIf(!available)("PostgreSQL specifics", () => {
  it.live("concurrent begins are isolated: uncommitted rows are invisible to other transactions", () =>
    Effect.gen(function*() {
      const db = yield* Database.Database
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE items (id INTEGER PRIMARY KEY)`
      const inserted = yield* Deferred.make<void>()
      const checked = yield* Deferred.make<void>()
      const writer = yield* Effect.forkChild(db.begin(Effect.gen(function*() {
        const s = yield* Session.Session
        yield* s.execute(sql`INSERT INTO items (id) VALUES (${1})`)
        yield* Deferred.succeed(inserted, undefined)
        yield* Deferred.await(checked)
      })))
      yield* Deferred.await(inserted)
      const seenElsewhere = yield* db.begin(Effect.flatMap(Session.Session, (s) => s.all("SELECT id FROM items")))
      expect(seenElsewhere).toEqual([])
      yield* Deferred.succeed(checked, undefined)
      yield* Fiber.join(writer)
      expect(yield* sql`SELECT id FROM items`).toEqual([{ id: 1 }])
    }).pipe(Effect.provide(pgIsolated({ poolSize: 4 }))))

  it.live("serializable read-modify-write with retry loses no update", () =>
    Effect.gen(function*() {
      const db = yield* Database.Database
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`
      yield* sql`INSERT INTO counter (id, n) VALUES (1, 0)`
      let attempts = 0
      const increment = db.begin(
        Effect.gen(function*() {
          attempts++
          const s = yield* Session.Session
          const row = yield* s.one(sql`SELECT n FROM counter WHERE id = ${1}`)
          yield* Effect.sleep("5 millis")
          yield* s.execute(sql`UPDATE counter SET n = ${(row.n as number) + 1} WHERE id = ${1}`)
        }),
        {
          isolationLevel: "serializable",
          retry: Schedule.max([Schedule.jittered(Schedule.spaced("5 millis")), Schedule.recurs(100)])
        }
      )
      yield* Effect.all(Array.from({ length: 20 }, () => increment), { concurrency: "unbounded" })
      expect(yield* sql`SELECT n FROM counter WHERE id = 1`).toEqual([{ n: 20 }])
      // Conflicts really happened and were retried.
      expect(attempts).toBeGreaterThan(20)
    }).pipe(Effect.provide(pgIsolated({ poolSize: 8 }))))

  it.effect("readOnly transactions refuse writes with a ReadOnlyError", () =>
    Effect.gen(function*() {
      const db = yield* Database.Database
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE ro (id INTEGER)`
      const error = yield* Effect.flip(
        db.begin(Effect.flatMap(Session.Session, (s) => s.execute("INSERT INTO ro VALUES (1)")), { readOnly: true })
      )
      expect(error.reason).toMatchObject({ _tag: "ReadOnlyError", code: "25006" })
      expect(error.reason.message).toMatch(/^read-only transaction: cannot execute INSERT in a read-only transaction \(/)
    }).pipe(Effect.provide(pgIsolated())))

  it.live("a role at its CONNECTION LIMIT: a second connection is a TooManyConnectionsError, and the pool serves on", () =>
    Effect.gen(function*() {
      const role = `esq_limit_${process.pid}_${Date.now().toString(36)}`
      yield* Effect.acquireRelease(
        adminQuery(pgUrl, `CREATE ROLE "${role}" LOGIN CONNECTION LIMIT 1`),
        () => Effect.orDie(adminQuery(pgUrl, `DROP ROLE IF EXISTS "${role}"`))
      )
      const url = new URL(pgUrl)
      url.username = role
      const db = yield* Database.make({ url: url.toString(), poolSize: 2 })
      const holding = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const holder = yield* Effect.forkChild(db.begin(Effect.andThen(Deferred.succeed(holding, undefined), Deferred.await(release))))
      yield* Deferred.await(holding)
      const error = yield* Effect.flip(db.begin(Effect.flatMap(Session.Session, (s) => s.execute("SELECT 1")))).pipe(
        // The held connection goes back whatever the outcome, so a failed expectation fails fast.
        Effect.ensuring(Deferred.succeed(release, undefined))
      )
      yield* Fiber.join(holder)
      expect(error.reason).toMatchObject({ _tag: "TooManyConnectionsError", code: "53300" })
      expect(error.reason.message).toMatch(/^too many connections: too many connections for role .* \(lower poolSize/)
      yield* db.begin(Effect.flatMap(Session.Session, (s) => s.execute("SELECT 1")))
    }).pipe(Effect.scoped))

  it.live("interrupting a running statement cancels it on the server and keeps the pool usable", () =>
    Effect.gen(function*() {
      const db = yield* Database.Database
      const started = Date.now()
      const fiber = yield* Effect.forkChild(db.begin(Effect.flatMap(Session.Session, (s) => s.execute("SELECT pg_sleep(30)"))))
      yield* Effect.sleep("200 millis")
      yield* Fiber.interrupt(fiber)
      expect(Date.now() - started).toBeLessThan(5000)
      yield* db.ping
      const stats = yield* db.poolStats
      expect(stats.waiting).toBe(0)
    }).pipe(Effect.provide(pgIsolated({ poolSize: 1 }))))

  it.live("a terminated idle connection: ping recovers with a fresh one", () =>
    Effect.gen(function*() {
      const db = yield* Database.Database
      const pid = yield* Effect.scoped(Effect.flatMap(db.connect, (c) => c.all("SELECT pg_backend_pid() AS pid")))
      const sql = yield* SqlClient.SqlClient
      // From a second connection, kill the idle pooled one.
      yield* Effect.scoped(Effect.gen(function*() {
        const other = yield* Effect.acquireRelease(
          Effect.promise(async () => {
            const { default: Pg } = await import("pg")
            const c = new Pg.Client({ connectionString: pgUrl })
            await c.connect()
            return c
          }),
          (c) => Effect.promise(() => c.end())
        )
        yield* Effect.promise(() => other.query("SELECT pg_terminate_backend($1)", [pid[0]!.pid]))
      }))
      yield* Effect.sleep("100 millis")
      yield* db.ping
      expect(yield* sql`SELECT 1 AS one`).toEqual([{ one: 1 }])
    }).pipe(Effect.provide(pgIsolated({ poolSize: 1 }))))

  it.effect("a closed port is a ConnectionError naming host and port, never the password", () =>
    Effect.gen(function*() {
      const url = withPassword(pgUrl, "hunter2")
      url.port = "1"
      const error = yield* Effect.flip(Database.make({ url: url.toString(), connectTimeout: "2 seconds" }))
      expect(error.reason).toMatchObject({ _tag: "ConnectionError", host: "127.0.0.1", port: 1 })
      expect(error.message).toContain("127.0.0.1:1")
      expect(error.message).not.toContain("hunter2")
      expect(JSON.stringify(error.reason)).not.toContain("hunter2")
    }))

  it.live("a server that never answers: the connect timeout is respected", () =>
    Effect.gen(function*() {
      const server = yield* Effect.acquireRelease(
        Effect.callback<net.Server>((resume) => {
          const s = net.createServer(() => {/* accept and say nothing */})
          s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
        }),
        (s) => Effect.sync(() => s.close())
      )
      const port = (server.address() as net.AddressInfo).port
      const started = Date.now()
      const error = yield* Effect.flip(
        Database.make({ url: `postgres://postgres:pw@127.0.0.1:${port}/test`, connectTimeout: "500 millis" })
      )
      expect(Date.now() - started).toBeLessThan(4000)
      expect(error.reason._tag).toBe("ConnectionError")
      expect(error.message).toContain(`127.0.0.1:${port}`)
      expect(error.message).not.toContain(":pw@")
    }))

  it.effect("an unknown database is a ConnectionError saying so", () =>
    Effect.gen(function*() {
      const url = new URL(pgUrl)
      url.pathname = "/no_such_database_here"
      const error = yield* Effect.flip(Database.make({ url: url.toString() }))
      expect(error.reason._tag).toBe("ConnectionError")
      expect(error.message).toContain("no_such_database_here")
    }))

  it.effect("db.url masks the password", () =>
    Effect.gen(function*() {
      const db = yield* Database.make({ url: withPassword(pgUrl, "s3cret").toString() })
      expect(String(db.url)).not.toContain("s3cret")
      expect(String(db.url)).toContain("****")
      yield* db.ping
    }))

  it.live("closing the layer's scope releases every connection", () =>
    Effect.gen(function*() {
      const applicationName = `release-check-${process.pid}-${Date.now()}`
      const count = Effect.promise(async () => {
        const { default: Pg } = await import("pg")
        const c = new Pg.Client({ connectionString: pgUrl })
        await c.connect()
        try {
          const r = await c.query("SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE application_name = $1", [applicationName])
          return r.rows[0].n as number
        } finally {
          await c.end()
        }
      })
      yield* Effect.scoped(Effect.gen(function*() {
        const db = yield* Database.make({ url: pgUrl, applicationName, poolSize: 3 })
        yield* Effect.all([1, 2, 3].map(() => db.begin(Effect.flatMap(Session.Session, (s) => s.execute("SELECT pg_sleep(0.05)")))), {
          concurrency: "unbounded"
        })
        expect(yield* count).toBeGreaterThan(0)
      }))
      // Closing ends every client; the server's backends exit a moment after
      // their sockets close, so wait (bounded) for them to be gone.
      yield* waitUntil("every backend of the closed layer to exit", Effect.map(count, (n) => n === 0), "5 seconds")
      expect(yield* count).toBe(0)
    }))

  it.effect("two databases in one fiber do not cross-talk inside a transaction", () =>
    Effect.gen(function*() {
      const pg = yield* Database.make({ url: pgUrl })
      const lite = yield* Database.make({ url: "sqlite://:memory:" })
      yield* lite.sql`CREATE TABLE only_in_sqlite (x INTEGER)`
      yield* pg.begin(Effect.gen(function*() {
        // Inside pg's transaction, the SQLite client still talks to SQLite.
        yield* lite.sql`INSERT INTO only_in_sqlite (x) VALUES (${1})`
        const pgSide = yield* pg.sql<{ d: string }>`SELECT current_database() AS d`
        expect(pgSide[0]!.d).toBeTypeOf("string")
        yield* lite.begin(Effect.flatMap(Session.Session, (s) => s.execute("INSERT INTO only_in_sqlite (x) VALUES (2)")))
      }))
      expect(yield* lite.sql`SELECT x FROM only_in_sqlite ORDER BY x`).toEqual([{ x: 1 }, { x: 2 }])
    }))

  it.effect("a named statement whose result type changes under DDL fails once, typed, then runs again", () =>
    Effect.gen(function*() {
      const db = yield* Database.Database
      yield* db.sql`CREATE TABLE shifting (a INTEGER, b INTEGER)`
      yield* db.sql`INSERT INTO shifting VALUES (1, 2)`
      yield* Effect.scoped(Effect.gen(function*() {
        const conn = yield* db.connect
        const select = "SELECT * FROM shifting WHERE a = $1"
        expect(yield* conn.all(select, [1])).toEqual([{ a: 1, b: 2 }])
        yield* conn.execute("ALTER TABLE shifting ALTER COLUMN b TYPE TEXT")
        // The plan prepared before the DDL is stale: that one execution fails, typed...
        const stale = yield* Effect.flip(conn.all(select, [1]))
        expect(stale.reason).toMatchObject({ _tag: "StatementError", code: "0A000" })
        expect(stale.reason.message).toContain("cached plan must not change result type")
        // ...and from then on the same text runs, on the same connection, with the new column type.
        expect(yield* conn.all(select, [1])).toEqual([{ a: 1, b: "2" }])
        expect(yield* conn.all(select, [1])).toEqual([{ a: 1, b: "2" }])
      }))
    }).pipe(Effect.provide(pgIsolated({ poolSize: 1 }))))

  it.effect("foreign key cycles are created and dropped with ALTER TABLE, one statement per query", () => {
    const statements: Array<string> = []
    const A: Table.Table<"cycle_a", any> = Table.make("cycle_a", {
      id: Schema.Int.pipe(Column.primaryKey),
      bId: Schema.NullOr(Schema.Int).pipe(Column.references(() => B.columns.id), Column.index)
    })
    const B: Table.Table<"cycle_b", any> = Table.make("cycle_b", {
      id: Schema.Int.pipe(Column.primaryKey),
      aId: Schema.NullOr(Schema.Int).pipe(Column.references(() => A.columns.id))
    })
    return Effect.gen(function*() {
      const db = yield* Database.Database
      yield* db.createAll()
      yield* db.dropAll()
      const ddl = statements.filter((s) => /^(CREATE|ALTER|DROP)\b/.test(s))
      expect(ddl.map((s) => /^\w+ \w+/.exec(s)![0])).toEqual([
        "CREATE TABLE",
        "CREATE INDEX",
        "CREATE TABLE",
        "ALTER TABLE",
        "ALTER TABLE",
        "DROP TABLE",
        "DROP TABLE"
      ])
      expect(ddl.filter((s) => !isSingleStatement(s, lexRules))).toEqual([])
    }).pipe(Effect.provide(pgIsolated({ tables: [A, B], onStatement: (s) => void statements.push(s) })))
  })

  it.effect("inArray on an array column binds each array by itself (an array parameter cannot hold arrays)", () => {
    const Tagged = Table.make("tagged", {
      id: Schema.Int.pipe(Column.primaryKey),
      tags: Schema.Array(Schema.String).pipe(Column.dbType("TEXT[]"))
    })
    return Effect.gen(function*() {
      const db = yield* Database.Database
      yield* db.createAll()
      const rows = yield* db.begin(Effect.gen(function*() {
        const s = yield* Session.Session
        yield* s.saveAll(Tagged, [{ id: 1, tags: ["a", "b"] }, { id: 2, tags: ["c"] }, { id: 3, tags: [] }])
        return yield* s.all(Query.select(Tagged).pipe(Query.where(Query.inArray(Tagged.columns.tags, [["c"], [], ["b", "a"]])), Query.orderBy(Tagged.columns.id)))
      }))
      expect(rows.map((r) => r.id)).toEqual([2, 3])
    }).pipe(Effect.provide(pgIsolated({ tables: [Tagged] })))
  })

  it.effect("a multi-statement script runs only through unprepared(); plain statements take one", () =>
    Effect.gen(function*() {
      const db = yield* Database.Database
      const script = "CREATE TABLE script_a (x INT); CREATE TABLE script_b (x INT)"
      const error = yield* Effect.flip(db.sql.unsafe(script))
      expect(error.message).toMatch(/multiple commands/)
      yield* db.sql.unsafe(script).unprepared
      const live = yield* db.reflect({ tables: ["script_a", "script_b"] })
      expect(live.tables.map((t) => t.name).sort()).toEqual(["script_a", "script_b"])
    }).pipe(Effect.provide(pgIsolated())))
})
