/**
 * The built command, as a test file runs it: `build()` compiles the library
 * once per run of the sources into a package under `.scratch/` (its
 * package.json, `dist` from tsconfig.build.json, `node_modules` linked to the
 * repository's), and `cli(...)` runs `node dist/bin.js` there in a child
 * process. The apps the tests make are directories inside that package, so a
 * tables module's `import ... from "effect-sqlservice"` resolves to the same
 * built `dist` the command runs (a package may import itself by name).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { adminStatement, pgUrl } from "../support/layers.js"

export const root = path.resolve(import.meta.dirname, "..", "..")

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")

export interface BuiltPackage {
  readonly dir: string
  readonly bin: string
  /** A fresh, empty directory inside the package for one test's app. */
  readonly app: (name: string) => string
  readonly remove: () => void
}

/** What the compiled package is made of: every source file, the build settings and package.json. */
const sourceHash = (): string => {
  const hash = createHash("sha256")
  const visit = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) visit(file)
      else if (entry.isFile()) hash.update(`${path.relative(root, file)}\0`).update(fs.readFileSync(file))
    }
  }
  visit(path.join(root, "src"))
  for (const file of ["tsconfig.build.json", "tsconfig.json", "package.json"]) hash.update(fs.readFileSync(path.join(root, file)))
  return hash.digest("hex").slice(0, 16)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Compiles src into a scratch package (tsc, about 20 s of CPU), once for
 * every test file of a run: the package is named after a hash of the
 * sources, the first file to get there compiles it while holding a lock
 * directory, and the others wait for its `.built` mark. Each file's apps are
 * its own directories inside it, removed by `remove()`.
 */
export const build = async (label: string): Promise<BuiltPackage> => {
  const dir = path.join(root, ".scratch", `cli-build-${sourceHash()}`)
  const built = path.join(dir, ".built")
  const lock = `${dir}.lock`
  const deadline = Date.now() + 280_000
  // The lock is made without `recursive` (that is what makes it a lock), so its parent must exist first.
  fs.mkdirSync(path.dirname(dir), { recursive: true })
  while (!fs.existsSync(built)) {
    let locked = false
    try {
      fs.mkdirSync(lock, { recursive: false })
      locked = true
    } catch {
      // Another test file is compiling: wait for it. A lock left by a killed run is taken over after 4 minutes.
      const held = fs.statSync(lock, { throwIfNoEntry: false })
      if (held !== undefined && Date.now() - held.mtimeMs > 240_000) fs.rmSync(lock, { recursive: true, force: true })
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (another test file compiling the command)`)
      await sleep(250)
      continue
    }
    try {
      if (fs.existsSync(built)) break
      fs.rmSync(dir, { recursive: true, force: true })
      fs.mkdirSync(dir, { recursive: true })
      fs.copyFileSync(path.join(root, "package.json"), path.join(dir, "package.json"))
      fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir")
      const compiled = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json"), "--outDir", path.join(dir, "dist")], {
        cwd: root,
        encoding: "utf8",
        timeout: 240_000
      })
      if (compiled.status !== 0) throw new Error(`tsc failed:\n${compiled.stdout}${compiled.stderr}`)
      fs.writeFileSync(built, "")
      // Packages of older sources are of no further use.
      for (const old of fs.readdirSync(path.dirname(dir))) {
        if (old.startsWith("cli-build-") && path.join(path.dirname(dir), old) !== dir && !old.endsWith(".lock")) {
          fs.rmSync(path.join(path.dirname(dir), old), { recursive: true, force: true })
        }
      }
    } finally {
      if (locked) fs.rmSync(lock, { recursive: true, force: true })
    }
  }
  const mine: Array<string> = []
  let apps = 0
  return {
    dir,
    bin: path.join(dir, "dist", "bin.js"),
    app: (name) => {
      const app = path.join(dir, `app-${label}-${process.pid}-${apps++}-${name}`)
      fs.mkdirSync(app)
      mine.push(app)
      return app
    },
    remove: () => {
      for (const app of mine) fs.rmSync(app, { recursive: true, force: true })
    }
  }
}

export interface Ran {
  readonly code: number | null
  /** The signal that ended it, when one did (then `code` is null). */
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** The environment of a run: this process's, without a DATABASE_URL that would leak into it. */
const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: "1" }
  delete env["DATABASE_URL"]
  return env
}

export interface Running {
  readonly child: ChildProcess
  /** What it has written to stderr so far. */
  readonly stderr: () => string
  readonly done: Promise<Ran>
}

/** Starts the built command in `cwd` (killed after a minute). */
export const start = (
  pkg: BuiltPackage,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env?: Record<string, string> }
): Running => {
  const child = spawn(process.execPath, [pkg.bin, ...args], {
    cwd: options.cwd,
    env: { ...baseEnv(), ...options.env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000)
  const done = new Promise<Ran>((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  )
  return { child, stderr: () => stderr, done }
}

/** Runs the built command in `cwd` to its end; never blocks this worker. */
export const cli = (
  pkg: BuiltPackage,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env?: Record<string, string> }
): Promise<Ran> => start(pkg, args, options).done

/** The JSON a `--json` run printed on stdout, with its whole output in the error when it is not JSON. */
export const jsonOf = (ran: Ran): any => {
  try {
    return JSON.parse(ran.stdout)
  } catch {
    throw new Error(`not JSON (exit ${ran.code}):\n${ran.stdout}\n${ran.stderr}`)
  }
}

/** One database per test group: a SQLite file in the app, or a fresh PostgreSQL schema. */
export interface TestDatabase {
  readonly url: (app: string) => string
  readonly dispose: () => Promise<void>
}

export const sqliteDatabase = (): TestDatabase => ({
  url: () => "sqlite:///test.db",
  dispose: async () => {}
})

let schemas = 0

const admin = adminStatement

/** A schema of its own, first on the search path of the command's connections; dropped by `dispose`. */
export const pgDatabase = async (): Promise<TestDatabase> => {
  const schema = `cli_${process.pid}_${Date.now().toString(36)}_${schemas++}`
  await admin(`CREATE SCHEMA "${schema}"`)
  const url = new URL(pgUrl)
  url.searchParams.set("options", `-c search_path=${schema}`)
  return {
    url: () => url.toString(),
    dispose: () => admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  }
}

/** The tables module the tests use: two tables, a foreign key, an index. */
export const tablesModule = `import { Schema } from "effect"
import { Column, Table } from "effect-sqlservice"

export const User = Table.make("users", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  email: Schema.String.pipe(Column.unique),
  name: Schema.NullOr(Schema.String)
})

export const Post = Table.make("posts", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  authorId: Schema.Int.pipe(Column.references(() => User.columns.id)),
  title: Schema.String
}, { indexes: [{ columns: ["authorId"] }] })

export const notATable = "ignored"
`
