/**
 * Stream 1M rows (100k with --quick) and report time and memory: the RSS
 * growth during the stream (peak minus the RSS just before the query) and the
 * absolute peak. Every run is a child process (streamChild.mjs) so that its
 * RSS is its own; runs are still interleaved round-robin. The child's clock
 * covers the query only, not process start-up or connecting.
 *
 * Not measured: an Effect SQLite client (Effect 4 has none that works) and
 * Drizzle (no streaming API on these drivers).
 *
 * The child is plain JavaScript run by plain node (no tsx), so ours is
 * loaded from the built dist and every library as the JavaScript it ships,
 * with no loader thread in the RSS.
 */
import { spawn } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import Sqlite from "better-sqlite3"
import Pg from "pg"
import type { Ctx, Lib, Measured, Scenario } from "../harness.js"
import { implementation, type Implementation } from "../harness.js"

/** What one child streams (the argument of streamChild.mjs, as JSON). */
export interface StreamJob {
  readonly impl: string
  readonly kind: "sqlite" | "pg"
  readonly file: string
  readonly url: string
  readonly table: string
  /**
   * Rows per fetch where the library lets us choose (raw cursor, Kysely); ours
   * reads 512 (pg) / 256 (sqlite); @effect/sql-pg reads the whole result with
   * socket back-pressure (it pauses the socket at 512 buffered rows).
   */
  readonly chunk: number
}

const here = path.dirname(fileURLToPath(import.meta.url))
const CHILD = path.join(here, "streamChild.mjs")
const ROOT = path.resolve(here, "..", "..")

export const rows = (ctx: Ctx) => ctx.mode.quick ? 100_000 : 1_000_000
const table = (ctx: Ctx) => `${ctx.target.prefix}stream`
const files = new Map<string, string>()
const fileOf = (ctx: Ctx) => {
  let file = files.get(ctx.scenario)
  if (file === undefined) files.set(ctx.scenario, file = ctx.target.sqliteFile("stream"))
  return file
}

const generate = (ctx: Ctx) => {
  const n = rows(ctx)
  const t = table(ctx)
  return ctx.target.kind === "sqlite"
    ? `CREATE TABLE ${t} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, age INTEGER NOT NULL);
       INSERT INTO ${t} (id, name, email, age)
       WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n})
       SELECT i, 'user ' || i, 'user' || i || '@example.com', 20 + i % 50 FROM s`
    : `CREATE TABLE ${t} (id integer PRIMARY KEY, name text NOT NULL, email text NOT NULL, age integer NOT NULL);
       INSERT INTO ${t} SELECT i, 'user ' || i, 'user' || i || '@example.com', 20 + i % 50 FROM generate_series(1, ${n}) i;
       ANALYZE ${t}`
}

const runChild = (job: StreamJob, expected: number): Promise<Measured> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(job)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    let err = ""
    child.stdout.on("data", (d) => (out += d))
    child.stderr.on("data", (d) => (err += d))
    child.on("error", reject)
    child.on("close", (code) => {
      const line = out.trim().split("\n").pop() ?? ""
      try {
        if (code !== 0) throw new Error(`exit ${code}`)
        const result = JSON.parse(line) as Measured & { count: number }
        if (result.count !== expected) throw new Error(`streamed ${result.count} rows, expected ${expected}`)
        resolve(result)
      } catch (e) {
        reject(new Error(`stream child ${job.kind}/${job.impl}: ${e instanceof Error ? e.message : e}\n${err}`))
      }
    })
  })

/** The children open their own connections; the parent holds nothing. */
const children: Lib<null> = {
  name: "child process",
  open: async () => null,
  exec: async () => {},
  query: async () => [],
  close: async () => {}
}

const child = (impl: string, kind?: "sqlite" | "pg"): Implementation =>
  implementation({
    name: impl,
    kind,
    lib: children,
    make: (_, ctx) => ({
      run: () =>
        runChild({
          impl,
          kind: ctx.target.kind,
          file: ctx.target.kind === "sqlite" ? fileOf(ctx) : "",
          url: ctx.target.pgUrl,
          table: table(ctx),
          chunk: 512
        }, rows(ctx))
    })
  })

/** Extension point: an entry here needs a matching runner in streamChild.mjs. */
export const implementations: Array<Implementation> = [
  child("raw"),
  // The raw loop in a process with ours loaded: what loading Effect does to
  // the RSS growth of a stream that retains nothing (streamChild.mjs says why).
  child("raw, ours loaded"),
  child("@effect/sql-pg", "pg"),
  child("ours"),
  child("kysely")
]

export const scenario: Scenario = {
  name: "stream rows",
  unit: "all rows",
  dialects: ["sqlite-wal", "pg"],
  sizing: ({ mode }) => mode.quick ? { opsPerBatch: 1, warmup: 0, rounds: 1 } : { opsPerBatch: 1, warmup: 1, rounds: 3 },
  setup: async (ctx) => {
    if (ctx.target.kind === "sqlite") {
      const db = new Sqlite(fileOf(ctx))
      db.pragma("journal_mode = WAL")
      db.exec(`BEGIN; ${generate(ctx)}; COMMIT`)
      db.close()
    } else {
      const client = new Pg.Client({ connectionString: ctx.target.pgUrl })
      await client.connect()
      try {
        await client.query(`DROP TABLE IF EXISTS ${table(ctx)}`)
        await client.query(generate(ctx))
      } finally {
        await client.end()
      }
    }
  },
  teardown: async (ctx) => {
    if (ctx.target.kind === "pg") {
      const client = new Pg.Client({ connectionString: ctx.target.pgUrl })
      await client.connect()
      await client.query(`DROP TABLE IF EXISTS ${table(ctx)}`).finally(() => client.end())
    }
  },
  implementations
}
