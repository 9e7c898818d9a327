/**
 * How PostgreSQL's errors are classified, in particular every way pg reports
 * a lost, refused or closed connection (which one a given loss produces
 * depends on timing, the classification must not).
 *
 * Each case is an error pg, pg-pool or Node really produce, provoked here
 * against the test server, a local socket or a proxy in front of the server.
 * The few the server cannot be made to send without harming it (disk full, a
 * crash, a standby, a refused startup) are `pg.DatabaseError`s built the way
 * pg's protocol parser builds them, and marked as such.
 *
 * Everything created server-side (a role, a schema) carries this run's name
 * and is dropped afterwards; only backends of this file's own clients are
 * terminated.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as net from "node:net"
import Pg from "pg"
import { classify } from "../../src/internal/dialect/pg/errors.js"
import { expectCutValue, expectMessageFormat } from "../support/messages.js"
import { pgAvailable, pgUrl } from "../support/layers.js"

const available = await pgAvailable()

const run = `${process.pid}_${Date.now().toString(36)}`
const schema = `errors_${run}`
const limitedRole = `esq_no_connections_${run}`
const applicationName = `esq-errors-${run}`

const urlWith = (change: (url: URL) => void) => {
  const url = new URL(pgUrl)
  change(url)
  return url.toString()
}

const connect = async (connectionString = pgUrl) => {
  const client = new Pg.Client({ connectionString, application_name: applicationName, connectionTimeoutMillis: 5000 })
  client.on("error", () => {})
  await client.connect()
  return client
}

const admin = async <T = unknown>(text: string, values: Array<unknown> = []) => {
  const client = await connect()
  try {
    return (await client.query(text, values)).rows as Array<T>
  } finally {
    await client.end()
  }
}

/** The error `f` fails with; fails the test when it succeeds. */
const rejection = async (f: () => Promise<unknown>): Promise<unknown> => {
  try {
    await f()
  } catch (error) {
    return error
  }
  throw new Error("expected a failure")
}

const pidOf = async (client: Pg.Client) => (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits for the next 'error' event of a client (a FATAL the server sent while it was idle). */
const nextErrorEvent = (client: Pg.Client) =>
  new Promise<unknown>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no error event within 10 s")), 10_000)
    client.once("error", (error) => {
      clearTimeout(timer)
      resolve(error)
    })
  })

/** A TCP proxy in front of the server whose client-side sockets the test can reset. */
const withProxy = async <A>(f: (port: number, sockets: Array<net.Socket>) => Promise<A>): Promise<A> => {
  const target = new URL(pgUrl)
  const sockets: Array<net.Socket> = []
  const server = net.createServer((socket) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname)
    socket.on("error", () => {})
    upstream.on("error", () => {})
    socket.pipe(upstream)
    upstream.pipe(socket)
    socket.on("close", () => upstream.destroy())
    upstream.on("close", () => socket.destroy())
    sockets.push(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  try {
    return await f((server.address() as net.AddressInfo).port, sockets)
  } finally {
    for (const s of sockets) s.destroy()
    server.close()
  }
}

/** A local server that accepts connections, then does `onConnection` with them. */
const withServer = async <A>(onConnection: (socket: net.Socket) => void, f: (port: number) => Promise<A>) => {
  const sockets: Array<net.Socket> = []
  const server = net.createServer((socket) => {
    sockets.push(socket)
    socket.on("error", () => {})
    onConnection(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  try {
    return await f((server.address() as net.AddressInfo).port)
  } finally {
    for (const s of sockets) s.destroy()
    server.close()
  }
}

/** The error a Node socket reports for a write, after `prepare` (real Node errors, as pg's socket gets them). */
const socketWriteError = (port: number, prepare: (socket: net.Socket) => Promise<void>) =>
  new Promise<unknown>((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1")
    socket.on("error", resolve)
    socket.once("connect", () => {
      prepare(socket).then(() =>
        socket.write("x", (error) => {
          if (error) resolve(error)
          else reject(new Error("the write succeeded"))
        }), reject)
    })
  })

/**
 * A server error pg could not be made to send safely on a shared server,
 * built as pg's protocol parser builds every ErrorResponse.
 */
const serverError = (fields: { code: string; severity: string; message: string; detail?: string }) => {
  const error = new Pg.DatabaseError(fields.message, fields.message.length, "error")
  error.code = fields.code
  error.severity = fields.severity
  if (fields.detail !== undefined) error.detail = fields.detail
  return error
}

interface Case {
  readonly name: string
  readonly error: () => Promise<unknown>
  readonly expected: Record<string, unknown>
  readonly headline: string
}

const lost = { _tag: "ConnectionError", kind: "lost" }

const cases: ReadonlyArray<Case> = [
  // Lost connections, in each form a timing can produce.
  {
    name: "57P01: the backend is terminated while a statement runs",
    error: async () => {
      const client = await connect()
      try {
        const pid = await pidOf(client)
        const running = rejection(() => client.query("SELECT pg_sleep(30)"))
        await sleep(100)
        await admin("SELECT pg_terminate_backend($1)", [pid])
        return await running
      } finally {
        await client.end().catch(() => undefined)
      }
    },
    expected: lost,
    headline: "connection lost"
  },
  {
    name: "57P01 as an 'error' event: the idle backend is terminated",
    error: async () => {
      const client = await connect()
      const event = nextErrorEvent(client)
      await admin("SELECT pg_terminate_backend($1)", [await pidOf(client)])
      const error = await event
      await client.end().catch(() => undefined)
      return error
    },
    expected: lost,
    headline: "connection lost"
  },
  {
    name: "\"Client has encountered a connection error and is not queryable\": a statement after the backend was terminated",
    error: async () => {
      const client = await connect()
      const event = nextErrorEvent(client)
      await admin("SELECT pg_terminate_backend($1)", [await pidOf(client)])
      await event
      return rejection(() => client.query("SELECT 1"))
    },
    expected: lost,
    headline: "connection lost"
  },
  {
    name: "\"Connection terminated unexpectedly\": the socket closes under a statement",
    error: async () => {
      const client = await connect()
      ;(client as unknown as { connection: { stream: net.Socket } }).connection.stream.end()
      return rejection(() => client.query("SELECT 1"))
    },
    expected: lost,
    headline: "connection lost"
  },
  {
    name: "ECONNRESET: the connection is reset under a running statement",
    error: () =>
      withProxy(async (port, sockets) => {
        const client = await connect(urlWith((u) => {
          u.hostname = "127.0.0.1"
          u.port = String(port)
        }))
        const running = rejection(() => client.query("SELECT pg_sleep(30)"))
        await sleep(100)
        sockets[0]!.resetAndDestroy()
        const error = await running
        await client.end().catch(() => undefined)
        return error
      }),
    expected: lost,
    headline: "connection lost"
  },
  {
    name: "EPIPE: a write to a socket the other side has ended",
    error: () =>
      withServer((socket) => socket.end(), (port) =>
        socketWriteError(port, (socket) => new Promise((resolve) => socket.once("end", () => resolve())))),
    expected: lost,
    headline: "connection lost"
  },
  {
    name: "ERR_STREAM_WRITE_AFTER_END: a write after the socket was ended",
    error: () =>
      withServer(() => {}, (port) =>
        socketWriteError(port, async (socket) => {
          socket.end()
        })),
    expected: lost,
    headline: "connection lost"
  },
  {
    name: "25P03 as an 'error' event: idle_in_transaction_session_timeout ends the session",
    error: async () => {
      const client = await connect()
      await client.query("SET idle_in_transaction_session_timeout = '100ms'")
      const event = nextErrorEvent(client)
      await client.query("BEGIN")
      const error = await event
      await client.end().catch(() => undefined)
      return error
    },
    expected: lost,
    headline: "connection lost"
  },
  {
    name: "57P05 as an 'error' event: idle_session_timeout ends the session",
    error: async () => {
      const client = await connect()
      const event = nextErrorEvent(client)
      await client.query("SET idle_session_timeout = '100ms'")
      const error = await event
      await client.end().catch(() => undefined)
      return error
    },
    expected: lost,
    headline: "connection lost"
  },
  {
    name: "57P02 (built: crash shutdown)",
    error: async () =>
      serverError({
        code: "57P02",
        severity: "FATAL",
        message: "terminating connection because of crash of another server process"
      }),
    expected: lost,
    headline: "connection lost"
  },
  {
    name: "08006 (built: connection failure)",
    error: async () => serverError({ code: "08006", severity: "FATAL", message: "connection failure" }),
    expected: lost,
    headline: "connection lost"
  },
  {
    name: "08P01 FATAL (built: a protocol violation that ends the session)",
    error: async () => serverError({ code: "08P01", severity: "FATAL", message: "invalid frontend message type 0" }),
    expected: lost,
    headline: "connection lost"
  },
  {
    name: "any other FATAL (built): the server ended the session",
    error: async () => serverError({ code: "XX000", severity: "FATAL", message: "something else went wrong" }),
    expected: lost,
    headline: "connection lost"
  },

  // Connections that could not be made.
  {
    name: "ECONNREFUSED: nothing listens on the port",
    error: () => rejection(() => connect(urlWith((u) => {
      u.hostname = "127.0.0.1"
      u.port = "1"
    }))),
    expected: { _tag: "ConnectionError", kind: "unreachable" },
    headline: "server unreachable"
  },
  {
    name: "\"Connection terminated due to connection timeout\": the server never answers",
    error: () =>
      withServer(() => {}, async (port) => {
        const pool = new Pg.Pool({ connectionString: `postgres://u@127.0.0.1:${port}/db`, connectionTimeoutMillis: 200 })
        try {
          return await rejection(() => pool.query("SELECT 1"))
        } finally {
          await pool.end()
        }
      }),
    expected: { _tag: "ConnectionError", kind: "unreachable" },
    headline: "server unreachable"
  },
  {
    name: "3D000: the database does not exist",
    error: () => rejection(() => connect(urlWith((u) => (u.pathname = `/no_such_database_${run}`)))),
    expected: { _tag: "ConnectionError", kind: "refused" },
    headline: "connection refused"
  },
  {
    name: "28000: the role does not exist",
    error: () => rejection(() => connect(urlWith((u) => (u.username = `no_such_role_${run}`)))),
    expected: { _tag: "ConnectionError", kind: "refused" },
    headline: "connection refused"
  },
  {
    name: "57P03 (built: the server is starting up)",
    error: async () => serverError({ code: "57P03", severity: "FATAL", message: "the database system is starting up" }),
    expected: { _tag: "ConnectionError", kind: "refused" },
    headline: "connection refused"
  },
  {
    name: "53300: a role whose CONNECTION LIMIT is reached",
    error: () => rejection(() => connect(urlWith((u) => (u.username = limitedRole)))),
    expected: { _tag: "TooManyConnectionsError", code: "53300" },
    headline: "too many connections"
  },

  // The pool, and our own ending of clients and pools.
  {
    name: "\"timeout exceeded when trying to connect\": every pooled connection stays checked out",
    error: async () => {
      const pool = new Pg.Pool({ connectionString: pgUrl, max: 1, connectionTimeoutMillis: 200 })
      const held = await pool.connect()
      try {
        return await rejection(() => pool.connect())
      } finally {
        held.release()
        await pool.end()
      }
    },
    expected: { _tag: "ConnectionError", kind: "pool_timeout" },
    headline: "no connection available"
  },
  {
    name: "\"Cannot use a pool after calling end on the pool\"",
    error: async () => {
      const pool = new Pg.Pool({ connectionString: pgUrl })
      await pool.end()
      return rejection(() => pool.query("SELECT 1"))
    },
    expected: { _tag: "ConnectionError", kind: "closed" },
    headline: "database is closed"
  },
  {
    name: "\"Client was closed and is not queryable\": a statement after end()",
    error: async () => {
      const client = await connect()
      await client.end()
      return rejection(() => client.query("SELECT 1"))
    },
    expected: { _tag: "ConnectionError", kind: "closed" },
    headline: "database is closed"
  },
  {
    name: "\"Connection terminated\": end() while a statement waits",
    error: async () => {
      const client = await connect()
      const running = rejection(() => client.query("SELECT pg_sleep(30)"))
      await sleep(50)
      await client.end()
      return running
    },
    expected: { _tag: "ConnectionError", kind: "closed" },
    headline: "database is closed"
  },

  // What the server refuses, on a connection that stays usable.
  {
    name: "25006: a write in a read-only transaction",
    error: async () => {
      const client = await connect()
      try {
        await client.query("BEGIN READ ONLY")
        return await rejection(() => client.query("CREATE TEMP TABLE refused (x int)"))
      } finally {
        await client.end()
      }
    },
    expected: { _tag: "ReadOnlyError", code: "25006" },
    headline: "read-only transaction"
  },
  {
    name: "53100 (built: disk full)",
    error: async () =>
      serverError({
        code: "53100",
        severity: "ERROR",
        message: "could not extend file \"base/16384/16385\": No space left on device"
      }),
    expected: { _tag: "StorageFullError", code: "53100" },
    headline: "storage full"
  },
  {
    name: "40001: a serializable transaction loses to a concurrent update",
    error: async () => {
      const [a, b] = [await connect(), await connect()]
      try {
        for (const c of [a, b]) await c.query(`BEGIN ISOLATION LEVEL SERIALIZABLE`)
        for (const c of [a, b]) await c.query(`SELECT n FROM "${schema}".counter WHERE id = 1`)
        await a.query(`UPDATE "${schema}".counter SET n = n + 1 WHERE id = 1`)
        await a.query("COMMIT")
        return await rejection(() => b.query(`UPDATE "${schema}".counter SET n = n + 1 WHERE id = 1`))
      } finally {
        await b.query("ROLLBACK").catch(() => undefined)
        await Promise.all([a.end(), b.end()])
      }
    },
    expected: { _tag: "TransactionError", phase: "serialization", retryable: true },
    headline: "transaction conflict"
  },
  {
    name: "40P01: a deadlock",
    error: async () => {
      const [a, b] = [await connect(), await connect()]
      try {
        for (const c of [a, b]) {
          await c.query("SET deadlock_timeout = '50ms'")
          await c.query("BEGIN")
        }
        await a.query(`UPDATE "${schema}".counter SET n = n WHERE id = 1`)
        await b.query(`UPDATE "${schema}".counter SET n = n WHERE id = 2`)
        const results = await Promise.allSettled([
          a.query(`UPDATE "${schema}".counter SET n = n WHERE id = 2`),
          b.query(`UPDATE "${schema}".counter SET n = n WHERE id = 1`)
        ])
        const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected")
        if (failed === undefined) throw new Error("expected one side of the deadlock to fail")
        return failed.reason
      } finally {
        for (const c of [a, b]) await c.query("ROLLBACK").catch(() => undefined)
        await Promise.all([a.end(), b.end()])
      }
    },
    expected: { _tag: "TransactionError", phase: "serialization", retryable: true },
    headline: "transaction conflict"
  },
  {
    name: "25P02: a statement after a failed one in the same transaction",
    error: async () => {
      const client = await connect()
      try {
        await client.query("BEGIN")
        await client.query("SELECT 1 / 0").catch(() => undefined)
        return await rejection(() => client.query("SELECT 1"))
      } finally {
        await client.query("ROLLBACK").catch(() => undefined)
        await client.end()
      }
    },
    expected: { _tag: "TransactionError", phase: "serialization", retryable: false },
    headline: "transaction aborted"
  },
  {
    name: "57014: statement_timeout",
    error: async () => {
      const client = await connect()
      try {
        await client.query("SET statement_timeout = '50ms'")
        return await rejection(() => client.query("SELECT pg_sleep(5)"))
      } finally {
        await client.end()
      }
    },
    expected: { _tag: "StatementError", code: "57014" },
    headline: "statement cancelled"
  },
  {
    name: "08P01 ERROR: a bind message with too few parameters (the connection stays usable)",
    error: async () => {
      const client = await connect()
      try {
        return await rejection(() => client.query("SELECT $1::int AS a, $2::int AS b", [1]))
      } finally {
        await client.end()
      }
    },
    expected: { _tag: "StatementError", code: "08P01" },
    headline: "statement failed"
  },
  {
    name: "23505: a duplicate key",
    error: () =>
      rejection(() => admin(`INSERT INTO "${schema}".parents (id, name) VALUES (2, 'taken')`)),
    expected: { _tag: "ConstraintError", kind: "unique", table: "parents", constraint: "parents_name_key" },
    headline: "unique constraint violated"
  },
  {
    name: "23502: a NULL in a NOT NULL column",
    error: () => rejection(() => admin(`INSERT INTO "${schema}".parents (id, name) VALUES (3, NULL)`)),
    expected: { _tag: "ConstraintError", kind: "not_null", table: "parents", column: "name" },
    headline: "not-null constraint violated"
  },
  {
    name: "23514: a CHECK violation",
    error: () => rejection(() => admin(`INSERT INTO "${schema}".parents (id, name, qty) VALUES (3, 'c', -1)`)),
    expected: { _tag: "ConstraintError", kind: "check", table: "parents", constraint: "qty_not_negative" },
    headline: "check constraint violated"
  },
  {
    name: "23503: a missing parent",
    error: () => rejection(() => admin(`INSERT INTO "${schema}".children (id, parent_id) VALUES (1, 42)`)),
    expected: { _tag: "ConstraintError", kind: "foreign_key", table: "children" },
    headline: "foreign key constraint violated"
  },
  {
    name: "22P02: a label that is not in the enum",
    error: () => rejection(() => admin(`INSERT INTO "${schema}".moods (id, mood) VALUES (1, 'grumpy')`)),
    expected: { _tag: "InputError", code: "22P02" },
    headline: "invalid input value"
  },
  {
    name: "22P02: text that is not a number",
    error: () => rejection(() => admin(`INSERT INTO "${schema}".counter (id, n) VALUES (3, $1)`, ["three"])),
    expected: { _tag: "InputError", code: "22P02" },
    headline: "invalid input value"
  },
  {
    name: "22003: a number out of the column's range",
    error: () => rejection(() => admin(`INSERT INTO "${schema}".counter (id, n) VALUES (3, $1)`, ["3000000000"])),
    expected: { _tag: "InputError", code: "22003" },
    headline: "value out of range"
  },
  {
    name: "22007: text that is not a date-time",
    error: () => rejection(() => admin("SELECT $1::timestamp", ["next tuesday"])),
    expected: { _tag: "InputError", code: "22007" },
    headline: "invalid date or time"
  },
  {
    name: "22008: a date that does not exist",
    error: () => rejection(() => admin("SELECT $1::timestamp", ["2021-02-30 00:00:00"])),
    expected: { _tag: "InputError", code: "22008" },
    headline: "invalid date or time"
  },
  {
    name: "22001: text longer than VARCHAR(n)",
    error: () => rejection(() => admin(`INSERT INTO "${schema}".moods (id, mood, note) VALUES (2, 'happy', 'too long')`)),
    expected: { _tag: "InputError", code: "22001" },
    headline: "value too long"
  },
  {
    name: "42P01: a missing table",
    error: () => rejection(() => admin(`SELECT * FROM "${schema}".no_such_table`)),
    expected: { _tag: "StatementError", code: "42P01" },
    headline: "statement failed"
  }
]

describe.skipIf(!available)("PostgreSQL error classification", () => {
  beforeAll(async () => {
    await admin(`CREATE ROLE "${limitedRole}" LOGIN CONNECTION LIMIT 0`)
    await admin(`CREATE SCHEMA "${schema}"`)
    await admin(`CREATE TABLE "${schema}".counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`)
    await admin(`INSERT INTO "${schema}".counter VALUES (1, 0), (2, 0)`)
    await admin(`CREATE TABLE "${schema}".parents (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
      qty INTEGER NOT NULL DEFAULT 0 CONSTRAINT qty_not_negative CHECK (qty >= 0))`)
    await admin(`CREATE TABLE "${schema}".children (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES "${schema}".parents (id))`)
    await admin(`INSERT INTO "${schema}".parents (id, name) VALUES (1, 'taken')`)
    await admin(`CREATE TYPE "${schema}".mood AS ENUM ('happy', 'sad')`)
    await admin(`CREATE TABLE "${schema}".moods (id INTEGER PRIMARY KEY, mood "${schema}".mood NOT NULL, note VARCHAR(3))`)
  })
  afterAll(async () => {
    await admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await admin(`DROP ROLE IF EXISTS "${limitedRole}"`)
  })

  for (const c of cases) {
    it(c.name, async () => {
      const reason = classify(await c.error())
      expect(reason).toMatchObject(c.expected)
      expect(reason.message.startsWith(`${c.headline}: `), reason.message).toBe(true)
      expectMessageFormat(reason)
    }, 20_000)
  }

  it("a value the server quotes in its message is cut at 200 characters", async () => {
    const value = "v".repeat(5000)
    const reason = classify(await rejection(() => admin("SELECT $1::int", [value])))
    expect(reason).toMatchObject({ _tag: "InputError", code: "22P02" })
    expectCutValue(reason.message, value)
    expectMessageFormat(reason)
  })

  it("a key the server shows in a unique violation's detail is cut at 200 characters", async () => {
    const value = "k".repeat(2000)
    await admin(`INSERT INTO "${schema}".parents (id, name) VALUES (10, $1)`, [value])
    const reason = classify(await rejection(() => admin(`INSERT INTO "${schema}".parents (id, name) VALUES (11, $1)`, [value])))
    expect(reason).toMatchObject({ _tag: "ConstraintError", kind: "unique" })
    expectCutValue(reason.message, value)
    expect(reason.message).toContain("already exists")
  })
})
