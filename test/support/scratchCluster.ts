import * as Fs from "node:fs"
import * as Path from "node:path"
import Pg from "pg"
import { execAsPostgres, freePort, scratchDir } from "./pgbouncer.js"

/** The directories PostgreSQL's server programs may be in (Debian keeps them out of PATH). */
const serverBinDirs = (): ReadonlyArray<string> => {
  try {
    return Fs.readdirSync("/usr/lib/postgresql").sort().reverse().map((v) => `/usr/lib/postgresql/${v}/bin`)
  } catch {
    return []
  }
}

/** Where `initdb` is, or undefined; with CI=true a missing one fails the run. */
export const requireServerPrograms = (): string | undefined => {
  // The server's own bin directory first: PATH may hold wrappers without pg_basebackup beside them.
  for (const dir of [...serverBinDirs(), ...(process.env.PATH ?? "").split(":")]) {
    if (dir !== "" && ["initdb", "pg_ctl", "pg_basebackup"].every((p) => Fs.existsSync(Path.join(dir, p)))) return dir
  }
  if (process.env.CI === "true") {
    throw new Error("CI=true requires PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup) for the replica tests")
  }
  console.warn("initdb is not installed; the replica tests are skipped (set CI=true to make this fail)")
  return undefined
}

export interface Server {
  readonly port: number
  readonly dataDir: string
  readonly url: string
  readonly start: () => void
  /** Stops it at once (immediate shutdown); idempotent. */
  readonly stop: () => void
}

export interface PrimaryAndStandby {
  readonly primary: Server
  readonly standby: Server
  /** Stops both and removes their directory; idempotent. */
  readonly remove: () => void
}

const answers = async (url: string, query: string): Promise<unknown> => {
  const client = new Pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 })
  client.on("error", () => {})
  try {
    await client.connect()
    return (await client.query(query)).rows[0]
  } catch {
    return undefined
  } finally {
    await client.end().catch(() => undefined)
  }
}

const removers = new Set<() => void>()
process.once("exit", () => {
  for (const remove of removers) remove()
})

const server = (bin: string, dir: string, name: string, port: number): Server => {
  const dataDir = Path.join(dir, name)
  let running = false
  return {
    port,
    dataDir,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => {
      execAsPostgres(Path.join(bin, "pg_ctl"), ["-D", dataDir, "-l", Path.join(dir, `${name}.log`), "-w", "-t", "60", "start"])
      running = true
    },
    stop: () => {
      if (!running) return
      running = false
      try {
        execAsPostgres(Path.join(bin, "pg_ctl"), ["-D", dataDir, "-m", "immediate", "-w", "stop"])
      } catch {
        // already stopped
      }
    }
  }
}

/**
 * A scratch primary (`initdb`, `wal_level = replica`) and a streaming hot
 * standby of it (`pg_basebackup -R`), on free ports, in a temporary
 * directory, run as user postgres. `remove` (also run when the process
 * exits) stops both and deletes everything.
 */
export const startPrimaryAndStandby = async (bin: string): Promise<PrimaryAndStandby> => {
  const dir = scratchDir("esq-replicas-")
  const primary = server(bin, dir, "primary", await freePort())
  const standby = server(bin, dir, "standby", await freePort())
  const remove = () => {
    removers.delete(remove)
    standby.stop()
    primary.stop()
    Fs.rmSync(dir, { recursive: true, force: true })
  }
  removers.add(remove)
  try {
    execAsPostgres(Path.join(bin, "initdb"), ["-D", primary.dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
    Fs.appendFileSync(
      Path.join(primary.dataDir, "postgresql.conf"),
      [
        "",
        `port = ${primary.port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        "wal_level = replica",
        "max_wal_senders = 5",
        "hot_standby = on",
        "fsync = off",
        "full_page_writes = off",
        "shared_buffers = 16MB",
        "max_connections = 60",
        ""
      ].join("\n")
    )
    primary.start()
    execAsPostgres(Path.join(bin, "pg_basebackup"), [
      "-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", standby.dataDir, "-R", "-X", "stream", "--no-sync"
    ])
    Fs.appendFileSync(Path.join(standby.dataDir, "postgresql.conf"), `\nport = ${standby.port}\n`)
    standby.start()
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      const row = await answers(standby.url, "SELECT pg_is_in_recovery() AS standby") as { standby?: boolean } | undefined
      if (row?.standby === true) return { primary, standby, remove }
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error("the standby did not come up as a hot standby within 30 s")
  } catch (error) {
    remove()
    throw error
  }
}

/**
 * A scratch server that takes TLS connections only (`ssl = on`, a
 * self-signed certificate, `hostssl` lines alone in pg_hba.conf), on a free
 * port, run as user postgres. `remove` (also run when the process exits)
 * stops it and deletes everything. `url` connects in TLS without verifying
 * the certificate.
 */
export const startTlsServer = async (bin: string): Promise<{ readonly server: Server; readonly remove: () => void }> => {
  const dir = scratchDir("esq-tls-")
  const tls = server(bin, dir, "tls", await freePort())
  const remove = () => {
    removers.delete(remove)
    tls.stop()
    Fs.rmSync(dir, { recursive: true, force: true })
  }
  removers.add(remove)
  try {
    execAsPostgres(Path.join(bin, "initdb"), ["-D", tls.dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
    execAsPostgres("openssl", [
      "req", "-new", "-x509", "-days", "2", "-nodes", "-subj", "/CN=127.0.0.1",
      "-newkey", "rsa:2048",
      "-keyout", Path.join(tls.dataDir, "server.key"),
      "-out", Path.join(tls.dataDir, "server.crt")
    ])
    Fs.chmodSync(Path.join(tls.dataDir, "server.key"), 0o600)
    Fs.writeFileSync(Path.join(tls.dataDir, "pg_hba.conf"), "local all all trust\nhostssl all all 127.0.0.1/32 trust\n")
    Fs.appendFileSync(
      Path.join(tls.dataDir, "postgresql.conf"),
      [
        "",
        `port = ${tls.port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        "ssl = on",
        "fsync = off",
        "shared_buffers = 16MB",
        "max_connections = 30",
        ""
      ].join("\n")
    )
    tls.start()
    return { server: { ...tls, url: `${tls.url}?sslmode=no-verify` }, remove }
  } catch (error) {
    remove()
    throw error
  }
}
