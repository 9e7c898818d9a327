/**
 * Drill 6 — the bad input matrix.
 *
 * Malformed URLs, unknown dialects, credentials the server refuses,
 * unreachable or misbehaving servers, files that are not databases, dropped
 * tables and statements the database refuses: each must be a typed
 * `DatabaseError` with the expected reason and an actionable message, never
 * a defect, never a hang, and never the password, in any rendering of the
 * error (message, String, JSON, util.inspect with its cause, Cause.pretty).
 *
 * test/Config.test.ts and test/dialect/*.test.ts cover single cases; this is
 * the cross product with the secrecy and no-hang checks added.
 */
import { describe, expect, it } from "@effect/vitest"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as SqlClient from "effect/sql/SqlClient"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import * as Database from "../../src/Database.js"
import type * as DatabaseError from "../../src/DatabaseError.js"
import * as Session from "../../src/Session.js"
import { pgAvailable, pgUrl } from "../support/layers.js"
import { adminQuery, databaseFailure, leaks, noHang } from "./support/helpers.js"

const available = await pgAvailable()

/** Two tokens of the password, so that a partly masked one is caught too. */
const SECRET = "hunter2"
const SECRET_TAIL = "zq7tail"

const expectNoSecret = (error: unknown, extra: ReadonlyArray<string> = []) => {
  for (const secret of [SECRET, SECRET_TAIL, ...extra]) {
    expect(leaks(error, secret), `the password (${secret}) leaked`).toEqual([])
  }
}

interface Case {
  readonly title: string
  readonly url: string | (() => Effect.Effect<string, never, import("effect/Scope").Scope>)
  readonly reason: DatabaseError.ReasonTag
  readonly message: RegExp
  readonly options?: Omit<Database.Options, "url">
  readonly needsPg?: boolean
  /** How long failing may take at most (default 15 s: "no hang"); tighter where a timeout option must be respected. */
  readonly within?: Duration.Input
}

/** A loopback port nobody listens on: bound, then closed. */
const closedPort = Effect.callback<number>((resume) => {
  const server = net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as net.AddressInfo
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** A loopback server that does `onConnection` to each client, closed with the scope. */
const fakeServer = (onConnection: (socket: net.Socket) => void) =>
  Effect.map(
    Effect.acquireRelease(
      Effect.callback<{ server: net.Server; sockets: Set<net.Socket> }>((resume) => {
        const sockets = new Set<net.Socket>()
        const server = net.createServer((socket) => {
          sockets.add(socket)
          socket.on("error", () => {})
          socket.on("close", () => sockets.delete(socket))
          onConnection(socket)
        })
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, sockets })))
      }),
      ({ server, sockets }) =>
        Effect.sync(() => {
          for (const s of sockets) s.destroy()
          server.close()
        })
    ),
    ({ server }) => (server.address() as net.AddressInfo).port
  )

const pgWith = (f: (u: URL) => void) => () =>
  Effect.sync(() => {
    const u = new URL(pgUrl)
    u.password = SECRET
    f(u)
    return u.toString()
  })

const openCases: ReadonlyArray<Case> = [
  // Malformed URLs and unknown dialects: ConfigError, no connection attempted.
  { title: "unknown dialect", url: `mysql://app:${SECRET}@127.0.0.1/db`, reason: "ConfigError", message: /unknown database dialect "mysql"/ },
  { title: "unknown dialect, sqlite-looking", url: "sqlite3:///app.db", reason: "ConfigError", message: /unknown database dialect "sqlite3"/ },
  // Messages quote the URL with the password masked, however malformed the
  // URL is: no scheme, no "//", unencoded "/", "#" or "@" in the password.
  { title: "no scheme at all", url: `app:${SECRET}@127.0.0.1:5432/db`, reason: "ConfigError", message: /no scheme|unknown database dialect/ },
  { title: "missing // after the scheme", url: `postgres:app:${SECRET}@127.0.0.1/db`, reason: "ConfigError", message: /malformed|no host/ },
  { title: "unclosed IPv6 bracket", url: `postgres://app:${SECRET}@[::1/db`, reason: "ConfigError", message: /malformed/ },
  { title: "port out of range", url: `postgresql://app:${SECRET}@127.0.0.1:99999/db`, reason: "ConfigError", message: /malformed|invalid port/ },
  { title: "port not a number", url: `postgres://app:${SECRET}@127.0.0.1:pg/db`, reason: "ConfigError", message: /malformed|invalid port/ },
  { title: "no host", url: `postgres://app:${SECRET}@:5432/db`, reason: "ConfigError", message: /malformed|no host/ },
  { title: "a path where the database name goes", url: `postgres://app:${SECRET}@127.0.0.1:5432/db/extra`, reason: "ConfigError", message: /path/ },
  {
    // A generated password with an unencoded "/" (base64 alphabet): the URL
    // does not parse, and the message must still not show the password.
    title: "password with an unencoded /",
    url: `postgres://app:${SECRET}/${SECRET_TAIL}@127.0.0.1:5432/db`,
    reason: "ConfigError",
    message: /malformed/
  },
  {
    title: "password with an unencoded #",
    url: `postgres://app:${SECRET}#${SECRET_TAIL}@127.0.0.1:5432/db`,
    reason: "ConfigError",
    message: /malformed/
  },
  { title: "sqlite URL naming a host", url: "sqlite://app.db", reason: "ConfigError", message: /names a host/ },
  { title: "sqlite URL with a NUL byte", url: "sqlite:///a%00b.db", reason: "ConfigError", message: /NUL/ },
  { title: "whitespace only", url: "   ", reason: "ConfigError", message: /empty/ },
  { title: "bad option next to a good URL", url: "sqlite://:memory:", options: { connectTimeout: "soon" as never }, reason: "ConfigError", message: /connectTimeout must be a finite duration/ },

  // Unreachable or misbehaving servers: ConnectionError, bounded by the connect timeout.
  {
    title: "closed port on loopback",
    url: () => Effect.map(closedPort, (port) => `postgres://app:${SECRET}@127.0.0.1:${port}/db`),
    reason: "ConnectionError",
    message: /127\.0\.0\.1:\d+.*ECONNREFUSED/,
    options: { connectTimeout: "2 seconds" }
  },
  {
    title: "a server that accepts and never answers (connectTimeout 500 ms)",
    url: () => Effect.map(fakeServer(() => {}), (port) => `postgres://app:${SECRET}@127.0.0.1:${port}/db`),
    reason: "ConnectionError",
    message: /127\.0\.0\.1:\d+.*(timeout|timed out)/i,
    options: { connectTimeout: "500 millis" },
    within: "4 seconds"
  },
  {
    title: "a server that hangs up at once",
    url: () => Effect.map(fakeServer((s) => s.destroy()), (port) => `postgres://app:${SECRET}@127.0.0.1:${port}/db`),
    reason: "ConnectionError",
    message: /127\.0\.0\.1:\d+.*(terminated|ECONNRESET|closed)/i,
    options: { connectTimeout: "2 seconds" }
  },
  {
    title: "a server that speaks HTTP instead",
    url: () =>
      Effect.map(
        fakeServer((s) => s.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")),
        (port) => `postgres://app:${SECRET}@127.0.0.1:${port}/db`
      ),
    reason: "ConnectionError",
    message: /127\.0\.0\.1:\d+/,
    options: { connectTimeout: "2 seconds" }
  },
  {
    title: "a host name that does not resolve",
    url: `postgres://app:${SECRET}@no-such-host.invalid:5432/db`,
    reason: "ConnectionError",
    message: /no-such-host\.invalid/,
    options: { connectTimeout: "3 seconds" }
  },

  // A server that refuses us.
  {
    title: "a role that does not exist (trust auth accepts any password, not any role)",
    url: pgWith((u) => {
      u.username = "nosuchrole"
    }),
    reason: "ConnectionError",
    message: /role "nosuchrole" does not exist/,
    needsPg: true
  },
  {
    title: "a database that does not exist",
    url: pgWith((u) => {
      u.pathname = "/no_such_database_drill"
    }),
    reason: "ConnectionError",
    message: /no_such_database_drill/,
    needsPg: true
  }
]

describe("drill: bad input matrix — opening a database", () => {
  for (const c of openCases) {
    it.live.skipIf(c.needsPg === true && !available)(`${c.title}: ${c.reason}, no password, no hang`, () =>
      Effect.gen(function*() {
        const url = typeof c.url === "string" ? c.url : yield* c.url()
        // Through make, and through the layer as an application would use it.
        const within: Duration.Input = c.within ?? "15 seconds"
        const viaMake = yield* Effect.exit(Effect.scoped(Database.make({ ...c.options, url }))).pipe(
          noHang(c.title, within)
        )
        const viaLayer = yield* Effect.exit(Effect.scoped(Layer.build(Database.layer({ ...c.options, url })))).pipe(
          noHang(c.title, within)
        )
        const exits: ReadonlyArray<Exit.Exit<unknown, DatabaseError.DatabaseError>> = [viaMake, viaLayer]
        for (const exit of exits) {
          const error = databaseFailure(exit)
          expect(error.reason._tag, error.message).toBe(c.reason)
          expect(error.message).toMatch(c.message)
          expectNoSecret(error)
        }
      }), 40_000)
  }
})

describe.skipIf(!available)("drill: bad input matrix — db.url", () => {
  // A URL parser ends the user info at the last "@", so a password may contain "@".
  it.effect("a password containing @ is masked entirely", () =>
    Effect.gen(function*() {
      const u = new URL(pgUrl)
      const url = `${u.protocol}//${u.username || "postgres"}:${SECRET}@${SECRET_TAIL}@${u.host}${u.pathname}`
      const db = yield* Database.make({ url })
      yield* db.ping
      for (const text of [String(db.url), db.url.masked, JSON.stringify({ url: db.url })]) {
        expect(text).toContain("****")
        expect(text).not.toContain(SECRET)
        expect(text).not.toContain(SECRET_TAIL)
      }
    }))
})

describe("drill: bad input matrix — SQLite files that are not databases", () => {
  it.effect("a directory, and a file of garbage: ConnectionError naming the file", () =>
    Effect.gen(function*() {
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "effect-sqlservice-bad-"))),
        (d) => Effect.sync(() => fs.rmSync(d, { recursive: true, force: true }))
      )
      const garbage = path.join(dir, "garbage.db")
      fs.writeFileSync(garbage, Buffer.alloc(8192, 0x5a))
      for (const file of [dir, garbage]) {
        const exit = yield* Effect.exit(Effect.scoped(Effect.flatMap(
          Database.make({ url: `sqlite:///${file}` }),
          (db) => db.ping
        ))).pipe(noHang(file, "10 seconds"))
        const error = databaseFailure(exit)
        expect(error.reason._tag, error.message).toBe("ConnectionError")
        expect(error.message).toMatch(/not a database|cannot open|directory|unable to open/i)
      }
    }))
})

/** A fresh PostgreSQL schema reached through a URL that carries a password. */
const pgWithPassword: Layer.Layer<Database.Database | SqlClient.SqlClient, DatabaseError.DatabaseError> = Layer
  .unwrap(
    Effect.gen(function*() {
      const schema = `drill_bad_${process.pid}_${Date.now().toString(36)}`
      yield* Effect.acquireRelease(
        adminQuery(pgUrl, `CREATE SCHEMA "${schema}"`),
        () => adminQuery(pgUrl, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      )
      const u = new URL(pgUrl)
      u.password = `${SECRET}@${SECRET_TAIL}`
      u.searchParams.set("options", `-c search_path=${schema}`)
      return Database.layer({ url: u.toString() })
    })
  )

const circular = () => {
  const value: Record<string, unknown> = { a: 1 }
  value.self = value
  return value
}

const statementMatrix = (dialect: "sqlite" | "pg") => {
  const p = (i: number) => dialect === "pg" ? `$${i}` : "?"
  const cases: ReadonlyArray<{
    readonly title: string
    readonly run: (s: Session.Session) => Effect.Effect<unknown, DatabaseError.DatabaseError>
    readonly message: RegExp
    readonly code?: string
  }> = [
    {
      title: "reading a dropped table",
      run: (s) => s.all("SELECT * FROM gone"),
      message: /gone/,
      ...(dialect === "pg" ? { code: "42P01" } : {})
    },
    {
      title: "a syntax error",
      run: (s) => s.execute("SELEC 1"),
      message: /syntax error|SELEC/,
      ...(dialect === "pg" ? { code: "42601" } : {})
    },
    {
      title: "two statements with parameters",
      run: (s) => s.execute(`SELECT ${p(1)}; DROP TABLE kept`, [1]),
      message: /more than one statement|multiple commands/
    },
    {
      title: "too few parameters",
      run: (s) => s.execute(`SELECT ${p(1)} AS a, ${p(2)} AS b`, [1]),
      message: /parameter|bind|Too few/i
    },
    {
      title: "a parameter the driver cannot bind",
      // A circular object: pg cannot serialize it, better-sqlite3 cannot bind it.
      run: (s) => s.execute(`SELECT ${p(1)} AS a`, [circular()]),
      message: /circular|parameter/i
    },
    {
      title: "a statement the database refuses inside a transaction",
      run: (s) => s.execute(dialect === "pg" ? "CREATE DATABASE drill_never" : "VACUUM"),
      message: /transaction/,
      ...(dialect === "pg" ? { code: "25001" } : {})
    },
    {
      title: "streaming a statement that returns no rows",
      run: (s) =>
        dialect === "sqlite"
          ? Stream.runCollect(s.stream("DELETE FROM kept"))
          : Stream.runCollect(s.stream("SELEC 1")),
      message: /returns rows|syntax error|not a query|SELEC/i
    }
  ]
  return cases
}

const statementSuite = (
  name: string,
  dialect: "sqlite" | "pg",
  layer: () => Layer.Layer<Database.Database | SqlClient.SqlClient, DatabaseError.DatabaseError>
) =>
  describe(`drill: bad input matrix — statements (${name})`, () => {
    it.live("each refused statement is a typed StatementError, and the connection stays usable", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE gone (id INTEGER)`
        yield* sql`CREATE TABLE kept (id INTEGER)`
        yield* sql`INSERT INTO kept (id) VALUES (1)`
        yield* sql`DROP TABLE gone`
        for (const c of statementMatrix(dialect)) {
          // Inside begin, in a session and on a plain connection.
          const inBegin = yield* Effect.exit(db.begin(Effect.flatMap(Session.Session, c.run)))
          const inSession = yield* Effect.exit(Effect.scoped(Effect.flatMap(db.session, c.run)))
          for (const exit of [inBegin, inSession]) {
            const error = databaseFailure(exit)
            expect(error.reason._tag, `${c.title}: ${error.message}`).toBe("StatementError")
            expect(error.message, c.title).toMatch(c.message)
            if (c.code !== undefined) expect(error.reason, c.title).toMatchObject({ code: c.code })
            expectNoSecret(error)
          }
          // Still usable, and nothing was dropped.
          const rows = yield* db.begin(Effect.flatMap(Session.Session, (s) => s.all("SELECT id FROM kept")))
          expect(rows, c.title).toEqual([{ id: 1 }])
        }
        const stats = yield* db.poolStats
        expect(stats.idle).toBe(stats.total)
        expect(Exit.isSuccess(yield* Effect.exit(db.ping))).toBe(true)
      }).pipe(noHang(`statement matrix (${name})`, "20 seconds"), Effect.provide(layer())), 30_000)
  })

statementSuite("sqlite :memory:", "sqlite", () => Database.layer({ url: "sqlite://:memory:" }))
describe.skipIf(!available)("PostgreSQL", () => {
  statementSuite("postgres, URL with a password", "pg", () => pgWithPassword)
})
