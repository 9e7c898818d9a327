/**
 * The built `effect-sqlservice` command in a child process, on SQLite (a file
 * in the test's app directory) and PostgreSQL (a schema of its own): ping,
 * create-all / drop-all from a TypeScript or JavaScript tables module or a
 * config file, reflect --json, and the failures scripts rely on (exit codes,
 * `--json` error objects, the password never printed).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { pgAvailable } from "../support/layers.js"
import {
  build,
  type BuiltPackage,
  cli,
  jsonOf,
  pgDatabase,
  sqliteDatabase,
  start,
  tablesModule,
  type TestDatabase
} from "./support.js"

const postgres = await pgAvailable()

let pkg: BuiltPackage
beforeAll(async () => {
  pkg = await build("commands")
}, 300_000)
afterAll(() => pkg?.remove())

describe("effect-sqlservice", () => {
  it("--help lists the commands and exits 0; no command shows the help and exits 2; an unknown flag exits 2", async () => {
    const app = pkg.app("help")
    const help = await cli(pkg, ["--help"], { cwd: app })
    expect(help.code).toBe(0)
    for (const command of ["ping", "create-all", "drop-all", "reflect", "codegen", "migrate"]) expect(help.stdout).toMatch(new RegExp(`^  ${command} `, "m"))
    const none = await cli(pkg, [], { cwd: app })
    expect(none.code).toBe(2)
    expect(none.stdout).toContain("SUBCOMMANDS")
    const unknown = await cli(pkg, ["ping", "--bogus"], { cwd: app })
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("--bogus")
  }, 60_000)

  it("--version prints the package's version", async () => {
    const ran = await cli(pkg, ["--version"], { cwd: pkg.app("version") })
    const { version } = JSON.parse(fs.readFileSync(path.join(pkg.dir, "package.json"), "utf8")) as { version: string }
    expect(ran.code).toBe(0)
    expect(ran.stdout).toContain(version)
  }, 120_000)

  it("without a URL it says where one comes from and exits 2", async () => {
    const ran = await cli(pkg, ["ping", "--json"], { cwd: pkg.app("no-url") })
    expect(ran.code).toBe(2)
    expect(ran.stderr).toContain("no database URL: pass --url, set DATABASE_URL")
    expect(jsonOf(ran).error).toMatchObject({ reason: "UsageError", exitCode: 2 })
  }, 120_000)

  it("a malformed URL is a ConfigError, exit 2, its password masked in every output", async () => {
    const ran = await cli(pkg, ["ping", "--json", "--url", "postgres://admin:hunter2secret@:5432/db"], { cwd: pkg.app("bad-url") })
    expect(ran.code).toBe(2)
    expect(`${ran.stdout}${ran.stderr}`).not.toContain("hunter2secret")
    expect(ran.stderr).toContain("postgres://admin:****@:5432/db")
    expect(jsonOf(ran).error).toMatchObject({ reason: "ConfigError", exitCode: 2 })
    const scheme = await cli(pkg, ["ping", "--url", "mysql://admin:hunter2secret@host/db"], { cwd: pkg.app("bad-scheme") })
    expect(scheme.code).toBe(2)
    expect(scheme.stderr).toContain(`error: ConfigError: database URL "mysql://admin:****@host/db": unknown database dialect "mysql"`)
    expect(`${scheme.stdout}${scheme.stderr}`).not.toContain("hunter2secret")
  }, 120_000)

  it("an unreachable server is a ConnectionError, exit 1, the password (from DATABASE_URL) masked", async () => {
    const ran = await cli(pkg, ["ping", "--json"], {
      cwd: pkg.app("unreachable"),
      env: { DATABASE_URL: "postgres://admin:hunter2secret@127.0.0.1:1/db?sslpassword=keysecret99" }
    })
    expect(ran.code).toBe(1)
    const output = `${ran.stdout}${ran.stderr}`
    expect(output).not.toContain("hunter2secret")
    expect(output).not.toContain("keysecret99")
    expect(ran.stderr).toContain("connecting to postgres://admin:****@127.0.0.1:1/db?sslpassword=****")
    expect(ran.stderr).toMatch(/^error: ConnectionError: /m)
    expect(jsonOf(ran).error).toMatchObject({ reason: "ConnectionError", kind: "unreachable", exitCode: 1 })
  }, 120_000)

  it("Ctrl-C (SIGINT) while it waits for a server ends the run at once with exit code 130", async () => {
    // A server that accepts connections and never answers: the connection attempt hangs.
    const sockets = new Set<net.Socket>()
    const silent = net.createServer((socket) => sockets.add(socket))
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve))
    try {
      const port = (silent.address() as net.AddressInfo).port
      const running = start(pkg, ["ping", "--url", `postgres://app:hunter2secret@127.0.0.1:${port}/db`], { cwd: pkg.app("sigint") })
      // The signal goes out the moment the progress line arrives: the command is then still setting up
      // its connection, synchronously (a signal there once killed it: no handler was installed yet).
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no progress line within 20 s:\n${running.stderr()}`)), 20_000)
        const onData = () => {
          if (!running.stderr().includes("connecting to")) return
          clearTimeout(timer)
          running.child.stderr!.off("data", onData)
          running.child.kill("SIGINT")
          resolve()
        }
        running.child.stderr!.on("data", onData)
        onData()
      })
      const sent = Date.now()
      expect(running.stderr()).toContain("connecting to postgres://app:****@127.0.0.1:")
      const ran = await running.done
      expect(ran.code, `ended by signal ${ran.signal}; stderr:\n${ran.stderr}`).toBe(130)
      // Well before the 10 s connect timeout.
      expect(Date.now() - sent).toBeLessThan(5_000)
      expect(`${ran.stdout}${ran.stderr}`).not.toContain("hunter2secret")
    } finally {
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
  }, 60_000)

  it("a config file with an unknown key, or a --config that does not exist, is a usage error", async () => {
    const app = pkg.app("config-errors")
    fs.writeFileSync(path.join(app, "effect-sqlservice.config.json"), JSON.stringify({ url: "sqlite:///x.db", tabels: "t.ts" }))
    const unknown = await cli(pkg, ["ping"], { cwd: app })
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("config file effect-sqlservice.config.json: unknown key tabels (expected url, tables, migrations)")
    const missing = await cli(pkg, ["ping", "--config", "elsewhere.json"], { cwd: app })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("config file elsewhere.json: no such file")
  }, 120_000)

  it("a missing tables module, or one without tables, is a usage error (exit 2) before any connection", async () => {
    const app = pkg.app("tables-errors")
    const missing = await cli(pkg, ["create-all", "--url", "sqlite:///x.db", "--tables", "./nope.ts"], { cwd: app })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("error: tables module ./nope.ts: no such file")
    fs.writeFileSync(path.join(app, "empty.ts"), "export const answer: number = 42\n")
    const empty = await cli(pkg, ["create-all", "--url", "sqlite:///x.db", "--tables", "empty.ts", "--json"], { cwd: app })
    expect(empty.code).toBe(2)
    expect(jsonOf(empty).error.message).toContain("tables module empty.ts: it exports no Table")
    fs.writeFileSync(path.join(app, "broken.ts"), "export const = 1\n")
    const broken = await cli(pkg, ["create-all", "--url", "sqlite:///x.db", "--tables", "broken.ts"], { cwd: app })
    expect(broken.code).toBe(2)
    expect(broken.stderr).toContain("tables module broken.ts: it could not be loaded")
    const noTables = await cli(pkg, ["create-all", "--url", "sqlite:///x.db"], { cwd: app })
    expect(noTables.code).toBe(2)
    expect(noTables.stderr).toContain("create-all needs the tables: pass --tables")
    expect(fs.existsSync(path.join(app, "x.db"))).toBe(false)
  }, 120_000)
})

const dialects: ReadonlyArray<readonly [string, boolean, () => Promise<TestDatabase>]> = [
  ["sqlite", true, async () => sqliteDatabase()],
  ["postgres", postgres, pgDatabase]
]

for (const [dialect, available, makeDatabase] of dialects) {
  describe.skipIf(!available)(`effect-sqlservice on ${dialect}`, () => {
    let database: TestDatabase
    beforeAll(async () => {
      database = await makeDatabase()
    })
    afterAll(() => database?.dispose())

    it("ping answers, as text and as JSON", async () => {
      const app = pkg.app(`${dialect}-ping`)
      const url = database.url(app)
      const text = await cli(pkg, ["ping", "--url", url], { cwd: app })
      expect(text.code, text.stderr).toBe(0)
      expect(text.stdout).toMatch(new RegExp(`^ok: .* \\(${dialect === "sqlite" ? "sqlite" : "pg"}\\) answers\\n$`))
      expect(text.stderr).toContain("connecting to ")
      const json = await cli(pkg, ["ping", "--json"], { cwd: app, env: { DATABASE_URL: url } })
      expect(json.code, json.stderr).toBe(0)
      expect(jsonOf(json)).toEqual({ ok: true, url, dialect: dialect === "sqlite" ? "sqlite" : "pg" })
    }, 120_000)

    it("create-all, reflect --json and drop-all --yes with a TypeScript tables module", async () => {
      const app = pkg.app(`${dialect}-schema`)
      const url = database.url(app)
      fs.mkdirSync(path.join(app, "src", "db"), { recursive: true })
      fs.writeFileSync(path.join(app, "src", "db", "tables.ts"), tablesModule)
      const flags = ["--url", url, "--tables", "./src/db/tables.ts", "--json"]

      const created = await cli(pkg, ["create-all", ...flags], { cwd: app })
      expect(created.code, created.stderr).toBe(0)
      expect(jsonOf(created)).toEqual({ created: ["posts", "users"], existing: [] })
      expect(created.stderr).toContain("creating 2 of 2 tables on")

      const again = await cli(pkg, ["create-all", ...flags], { cwd: app })
      expect(jsonOf(again)).toEqual({ created: [], existing: ["posts", "users"] })

      const reflected = await cli(pkg, ["reflect", "--url", url, "--json"], { cwd: app })
      expect(reflected.code, reflected.stderr).toBe(0)
      const metadata = jsonOf(reflected) as {
        tables: Array<{ name: string; columns: Array<{ name: string; type: string; nullable: boolean }>; foreignKeys: Array<any>; indexes: Array<any> }>
      }
      expect(metadata.tables.map((t) => t.name).sort()).toEqual(["posts", "users"])
      const users = metadata.tables.find((t) => t.name === "users")!
      expect(users.columns.map((c) => [c.name, c.type, c.nullable])).toEqual([
        ["id", "integer", false],
        ["email", "text", false],
        ["name", "text", true]
      ])
      const posts = metadata.tables.find((t) => t.name === "posts")!
      expect(posts.foreignKeys).toEqual([
        expect.objectContaining({ columns: ["authorId"], references: expect.objectContaining({ table: "users", columns: ["id"] }) })
      ])
      expect(posts.indexes.map((i) => i.columns)).toEqual([["authorId"]])

      const text = await cli(pkg, ["reflect", "--url", url, "--table", "users"], { cwd: app })
      expect(text.code).toBe(0)
      expect(text.stdout).toMatch(/^users\n  id \S+ primary key auto increment not null\n  email \S+ not null\n  name \S+\n  unique \(email\)\n$/)

      const refused = await cli(pkg, ["drop-all", ...flags], { cwd: app })
      expect(refused.code).toBe(2)
      expect(jsonOf(refused).error.message).toBe("drop-all would drop posts, users and every row in them; pass --yes to confirm")
      const stillThere = await cli(pkg, ["reflect", "--url", url, "--json"], { cwd: app })
      expect(jsonOf(stillThere).tables).toHaveLength(2)

      const dropped = await cli(pkg, ["drop-all", ...flags, "--yes"], { cwd: app })
      expect(dropped.code, dropped.stderr).toBe(0)
      expect(jsonOf(dropped)).toEqual({ dropped: ["posts", "users"], absent: [] })
      const gone = await cli(pkg, ["reflect", "--url", url, "--json"], { cwd: app })
      expect(jsonOf(gone).tables).toEqual([])
    }, 240_000)

    it("a JavaScript tables module and a config file (url, tables) work without flags", async () => {
      const app = pkg.app(`${dialect}-config`)
      const url = database.url(app)
      fs.mkdirSync(path.join(app, "db"))
      fs.writeFileSync(
        path.join(app, "db", "tables.js"),
        `import { Schema } from "effect"
import { Column, Table } from "effect-sqlservice"
export const Tag = Table.make("tags", { id: Schema.Int.pipe(Column.primaryKey), label: Schema.String })
`
      )
      fs.writeFileSync(path.join(app, "effect-sqlservice.config.json"), JSON.stringify({ url, tables: "./db/tables.js" }))
      const created = await cli(pkg, ["create-all", "--json"], { cwd: app })
      expect(created.code, created.stderr).toBe(0)
      expect(jsonOf(created)).toEqual({ created: ["tags"], existing: [] })
      const dropped = await cli(pkg, ["drop-all", "--yes"], { cwd: app })
      expect(dropped.code, dropped.stderr).toBe(0)
      expect(dropped.stdout).toBe("dropped tags\n")

      fs.rmSync(path.join(app, "effect-sqlservice.config.json"))
      fs.writeFileSync(
        path.join(app, "effect-sqlservice.config.ts"),
        `const config: { url: string; tables: string } = { url: ${JSON.stringify(url)}, tables: "./db/tables.js" }\nexport default config\n`
      )
      const fromTs = await cli(pkg, ["create-all"], { cwd: app })
      expect(fromTs.code, fromTs.stderr).toBe(0)
      expect(fromTs.stdout).toBe("created tags\n")
      // --url wins over the config file.
      const overridden = await cli(pkg, ["ping", "--url", "sqlite:///other.db", "--json"], { cwd: app })
      expect(jsonOf(overridden)).toMatchObject({ ok: true, url: "sqlite:///other.db" })
      await cli(pkg, ["drop-all", "--yes"], { cwd: app })
    }, 240_000)
  })
}
