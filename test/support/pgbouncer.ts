import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import Pg from "pg"
import * as Database from "../../src/Database.js"
import { type MakeLayer, pgUrl } from "./layers.js"

/** Where a program is, from PATH and the sbin directories Debian installs daemons to. */
export const findProgram = (name: string, extra: ReadonlyArray<string> = []): string | undefined => {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/usr/local/sbin", "/sbin", ...extra]
  for (const dir of dirs) {
    if (dir === "") continue
    const candidate = Path.join(dir, name)
    try {
      Fs.accessSync(candidate, Fs.constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

/**
 * Whether a test that needs `what` can run: with CI=true a missing program
 * fails the run instead of skipping.
 */
export const requireProgram = (name: string, what: string, extra: ReadonlyArray<string> = []): string | undefined => {
  const found = findProgram(name, extra)
  if (found !== undefined) return found
  if (process.env.CI === "true") {
    throw new Error(`CI=true requires ${name} (${what}), but it is not installed (.ci/run installs it)`)
  }
  console.warn(`${name} is not installed; the ${what} tests are skipped (set CI=true to make this fail)`)
  return undefined
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = Net.createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as Net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

const isRoot = () => process.getuid?.() === 0

/** Runs `program` as user postgres when we are root (pgbouncer and the server refuse to run as root). */
export const spawnAsPostgres = (program: string, args: ReadonlyArray<string>): ChildProcess =>
  isRoot()
    ? spawn("runuser", ["-u", "postgres", "--", program, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    : spawn(program, [...args], { stdio: ["ignore", "pipe", "pipe"] })

export const execAsPostgres = (program: string, args: ReadonlyArray<string>): string =>
  isRoot()
    ? execFileSync("runuser", ["-u", "postgres", "--", program, ...args], { encoding: "utf8", stdio: "pipe" })
    : execFileSync(program, [...args], { encoding: "utf8", stdio: "pipe" })

/** A directory user postgres may write to, removed by the caller. */
export const scratchDir = (prefix: string): string => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), prefix))
  if (isRoot()) execFileSync("chown", ["postgres:postgres", dir])
  return dir
}

const waitUntil = async (what: string, ms: number, attempt: () => Promise<boolean>) => {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await attempt()) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${what} did not come up within ${ms} ms`)
}

const answers = async (connectionString: string): Promise<boolean> => {
  const client = new Pg.Client({ connectionString, connectionTimeoutMillis: 1000 })
  client.on("error", () => {})
  try {
    await client.connect()
    await client.query("SELECT 1")
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

export interface PgBouncer {
  readonly port: number
  /** A URL through PgBouncer to `database` on the main server. */
  readonly url: (database: string) => string
  readonly stop: () => Promise<void>
}

// Children still running when the process exits (a test run that crashed
// before its afterAll) are killed on the way out.
const running = new Set<() => void>()
process.once("exit", () => {
  for (const kill of running) kill()
})

/**
 * A PgBouncer of the test's own, in transaction mode with a server pool of
 * `poolSize` per database and user, in front of the main server
 * (`[databases] * = host=127.0.0.1 port=5432`), on a free port, its
 * configuration and log in a temporary directory.
 */
export const startPgBouncer = async (program: string, poolSize = 5): Promise<PgBouncer> => {
  const main = new URL(pgUrl)
  const port = await freePort()
  const dir = scratchDir("esq-pgbouncer-")
  const user = decodeURIComponent(main.username || "postgres")
  Fs.writeFileSync(Path.join(dir, "users.txt"), `"${user}" ""\n`)
  Fs.writeFileSync(
    Path.join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `* = host=${main.hostname} port=${main.port || "5432"}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${Path.join(dir, "users.txt")}`,
      "pool_mode = transaction",
      `default_pool_size = ${poolSize}`,
      "max_client_conn = 2000",
      `logfile = ${Path.join(dir, "pgbouncer.log")}`,
      `pidfile = ${Path.join(dir, "pgbouncer.pid")}`,
      "server_reset_query =",
      ""
    ].join("\n")
  )
  if (isRoot()) execFileSync("chown", ["-R", "postgres:postgres", dir])
  const child = spawnAsPostgres(program, [Path.join(dir, "pgbouncer.ini")])
  let output = ""
  child.stdout?.on("data", (d) => (output += String(d)))
  child.stderr?.on("data", (d) => (output += String(d)))
  const kill = () => {
    const pidFile = Path.join(dir, "pgbouncer.pid")
    try {
      process.kill(Number(Fs.readFileSync(pidFile, "utf8").trim()), "SIGTERM")
    } catch {
      // already gone
    }
    child.kill("SIGTERM")
    Fs.rmSync(dir, { recursive: true, force: true })
  }
  running.add(kill)
  const url = (database: string) => {
    const u = new URL(pgUrl)
    u.port = String(port)
    u.hostname = "127.0.0.1"
    u.pathname = `/${database}`
    u.search = ""
    return u.toString()
  }
  try {
    await waitUntil("pgbouncer", 10_000, () => answers(url(main.pathname.slice(1) || "postgres")))
  } catch (error) {
    running.delete(kill)
    kill()
    throw new Error(`${String(error)}; its output: ${output}`)
  }
  return {
    port,
    url,
    stop: async () => {
      running.delete(kill)
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once("exit", () => resolve())
      })
      kill()
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))])
    }
  }
}

let databaseCounter = 0

/** A fresh database on the main server for the scope, dropped (its sessions ended) afterwards. */
export const scratchDatabase = Effect.acquireRelease(
  Effect.suspend(() => {
    const database = `esq_pgb_${process.pid}_${Date.now().toString(36)}_${databaseCounter++}`
    return Effect.as(admin(`CREATE DATABASE "${database}" TEMPLATE template0`), database)
  }),
  (database) => admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).pipe(Effect.orDie)
)

/** Runs `sql` on the main server directly (never through PgBouncer). */
export const admin = (sql: string, params: ReadonlyArray<unknown> = [], url = pgUrl) =>
  Effect.promise(async () => {
    const client = new Pg.Client({ connectionString: url })
    await client.connect()
    try {
      return (await client.query(sql, params as Array<unknown>)).rows as Array<Record<string, any>>
    } finally {
      await client.end()
    }
  })

/**
 * A database of its own per layer, reached through `bouncer` in pooler
 * mode: PgBouncer refuses the `options` startup parameter the schema
 * isolation uses, so each layer gets a fresh database instead (made and
 * dropped on the main server directly). `options` come first; `pooler` and
 * the URL are always these.
 */
export const pgBouncerIsolated = (bouncer: () => PgBouncer, defaults: Omit<Database.Options, "url"> = {}): MakeLayer =>
(options = {}) =>
  Layer.unwrap(
    Effect.gen(function*() {
      const database = yield* scratchDatabase
      return Database.layer({ pooler: "transaction", ...defaults, ...options, url: bouncer().url(database) })
    })
  )
