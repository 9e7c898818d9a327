/**
 * The package as someone else's app gets it. A copy of the library (its
 * package.json, src, build configuration, README and LICENSE; no dist) is
 * packed with `npm pack`, whose `prepare` script builds dist; the tarball is
 * installed into a fresh app in a temporary directory beside effect 4.1 from
 * the npm registry. Then: one copy of effect (`npm ls`), dependencies that are
 * exactly what dist imports, an exports map that opens the public modules and
 * nothing else, and a small program type-checked (strict, ESM, NodeNext, no
 * skipLibCheck) against the installed declarations and run with plain node:
 * no tsx, no `source` condition; and the `effect-sqlservice` command through npx.
 *
 * It runs everywhere, CI included, and is never skipped: it needs the npm
 * registry, as `npm ci` does. The app's install runs better-sqlite3's install
 * script, building it from source against this Node's headers
 * (`npm_config_build_from_source`, so prebuild-install never tries to download
 * a binary from GitHub, which needs more network than the registry), without
 * optimization to keep the compile short.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const root = path.resolve(import.meta.dirname, "..")
const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  readonly name: string
  readonly version: string
  readonly dependencies: Record<string, string>
  readonly peerDependencies: Record<string, string>
}

/** The public modules: what src/index.ts re-exports. */
const publicModules = [
  ...fs.readFileSync(path.join(root, "src", "index.ts"), "utf8").matchAll(/^export \* as (\w+) from "\.\/(\w+)\.js"/gm)
].map((m) => m[2]!)

/** The effect this test installs beside the package: the newest 4.1 release. */
const effectSpec = "effect@~4.1.0"

const minutes = (n: number) => n * 60_000

/**
 * The environment of the npm and node processes: this one's, without what an
 * enclosing `npm test` adds about this repository (its package, its script,
 * its prefix), which would otherwise leak into the app's npm.
 */
const childEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_(package|lifecycle)_|^npm_config_(local_prefix|loglevel)$|^npm_command$|^INIT_CWD$/i.test(key)) continue
    env[key] = value
  }
  return { ...env, NODE_NO_WARNINGS: "1", ...extra }
}

interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Commands still running, each with a way to stop it and wait for its end. */
const running = new Set<() => Promise<void>>()

/**
 * Runs a command to its end, without blocking this worker. It runs in a
 * process group of its own, so that stopping it (after `timeout`, or when a
 * timed-out test left it behind and the temporary directory it writes into is
 * about to be removed) also stops what it started: npm's scripts, node-gyp,
 * the compiler.
 */
const run = (file: string, args: ReadonlyArray<string>, cwd: string, timeout: number, env = childEnv()) =>
  new Promise<Ran>((resolve) => {
    const child = spawn(file, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    let timedOut = false
    const exit = new Promise<void>((exited) => {
      const done = (code: number) => {
        clearTimeout(timer)
        running.delete(stop)
        exited()
        resolve({ code, stdout, stderr: `${stderr}${timedOut ? `\n(stopped after ${timeout / 1000} s)` : ""}` })
      }
      child.on("error", (error) => done((stderr += `${error}\n`, -1)))
      child.on("close", (code) => done(code ?? -1))
    })
    const stop = () => {
      try {
        process.kill(-child.pid!, "SIGKILL")
      } catch {
        // the group has already ended
      }
      return exit
    }
    const timer = setTimeout(() => {
      timedOut = true
      void stop()
    }, timeout)
    running.add(stop)
  })

/** Runs a command that must succeed; its output is in the error when it does not. */
const must = async (file: string, args: ReadonlyArray<string>, cwd: string, timeout: number, env?: NodeJS.ProcessEnv) => {
  const ran = await run(file, args, cwd, timeout, env)
  if (ran.code !== 0) {
    throw new Error(`${file} ${args.join(" ")} (in ${cwd}) exited with ${ran.code}\n${ran.stdout}\n${ran.stderr}`)
  }
  return ran
}

const npm = "npm"
const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc")

/** The app's program: tables, a layer, a write in `begin`, a read in a session. */
const program = `import { Console, Effect, Schema } from "effect"
import { Column, Database, Query, Session, Table } from "effect-sqlservice"
import * as DatabaseModule from "effect-sqlservice/Database"
// @ts-expect-error internal modules are not part of the package's exports
import type * as Internal from "effect-sqlservice/internal/database"

const Note = Table.make("notes", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  body: Schema.String
})

const program = Effect.gen(function*() {
  const db = yield* Database.Database
  yield* db.createAll()
  const saved = yield* db.begin(
    Effect.flatMap(Session.Session, (session) => session.save(Note, { body: "written by an app" }))
  )
  const notes = yield* Effect.scoped(Effect.flatMap(db.session, (session) => session.all(Query.select(Note))))
  yield* Console.log(JSON.stringify({ saved, notes, oneModule: DatabaseModule.layer === Database.layer }))
})

program.pipe(
  Effect.provide(Database.layer({ url: "sqlite://:memory:", tables: [Note] })),
  Effect.runPromise
).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
`

/** Plain JavaScript run by node in the app: how the package resolves at run time. */
const resolution = `import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

const entry = import.meta.resolve("effect-sqlservice")
const root = await import("effect-sqlservice")
const modules = {}
for (const name of ${JSON.stringify(publicModules)}) {
  const module = await import("effect-sqlservice/" + name)
  modules[name] = root[name] === undefined
    ? "missing from the root"
    : Object.keys(module).every((key) => module[key] === root[name][key]) ? "same" : "different"
}
const blocked = {}
for (const specifier of ["effect-sqlservice/internal/database", "effect-sqlservice/internal/database.js", "effect-sqlservice/index"]) {
  blocked[specifier] = await import(specifier).then(() => "loaded", (error) => error.code)
}
const effectOfPackage = createRequire(fileURLToPath(entry)).resolve("effect")
const effectOfApp = createRequire(import.meta.url).resolve("effect")
console.log(JSON.stringify({ entry, rootKeys: Object.keys(root).sort(), modules, blocked, effectOfPackage, effectOfApp }))
`

/**
 * Bare module specifiers a built file imports (static, side-effect only,
 * dynamic with a literal, re-exports). A static one is a statement that
 * starts a line and has no string before its `from`, so text such as a
 * flag's description ending in "from" followed by a string, or generated
 * code held in a string, is not read as an import.
 */
const importsOf = (code: string): Array<string> =>
  [
    ...code.matchAll(/^\s*(?:import|export)\b[^;"'`]*?(?:\s|\})from\s*["']([^"']+)["']/gm),
    ...code.matchAll(/^\s*import\s*["']([^"']+)["']/gm),
    ...code.matchAll(/\bimport\s*\(\s*["']([^"']+)["']\s*\)/g)
  ].map((m) => m[1]!).filter((specifier) => !specifier.startsWith("."))

const packageOf = (specifier: string) =>
  specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!

const filesUnder = (dir: string): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)]
  )

describe("the packed package in a fresh app", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "effect-sqlservice-package-"))
  const lib = path.join(work, "lib")
  const app = path.join(work, "app")
  const installed = path.join(app, "node_modules", manifest.name)
  let packedFiles: Array<string> = []
  const timings: Record<string, number> = {}

  const timed = async <A>(step: string, f: () => Promise<A>): Promise<A> => {
    const start = performance.now()
    try {
      return await f()
    } finally {
      timings[step] = Math.round((performance.now() - start) / 100) / 10
    }
  }

  beforeAll(async () => {
    // The library as a fresh clone has it: sources and configuration, no dist.
    fs.mkdirSync(lib)
    for (const file of ["package.json", "tsconfig.json", "tsconfig.build.json", "README.md", "LICENSE"]) {
      fs.copyFileSync(path.join(root, file), path.join(lib, file))
    }
    fs.cpSync(path.join(root, "src"), path.join(lib, "src"), { recursive: true })
    // Its dev tools (tsc, for prepare) are this repository's.
    fs.symlinkSync(path.join(root, "node_modules"), path.join(lib, "node_modules"), "dir")

    const packed = await timed("npm pack (prepare builds dist)", () =>
      must(npm, ["pack", "--json", "--pack-destination", work], lib, minutes(5)))
    const report = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as Array<
      { readonly filename: string; readonly files: ReadonlyArray<{ readonly path: string }> }
    >
    packedFiles = report[0]!.files.map((f) => f.path)
    const tarball = path.join(work, report[0]!.filename)

    fs.mkdirSync(app)
    fs.writeFileSync(
      path.join(app, "package.json"),
      JSON.stringify({
        name: "an-app",
        private: true,
        type: "module",
        // npm 11 lists dependencies whose install scripts nobody approved; better-sqlite3 needs its build.
        allowScripts: { "better-sqlite3": true }
      }, null, 2)
    )
    await timed("npm install (builds better-sqlite3 at -O0)", () =>
      must(
        npm,
        ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, effectSpec, "@types/node@^22"],
        app,
        minutes(12),
        // -O0: what this checks is that better-sqlite3's own install script builds and the
        // result loads, not how fast SQLite runs; unoptimized, sqlite3.c compiles in about
        // 10 s of CPU instead of 90 (the flags come after node-gyp's -O3, so they win).
        childEnv({ npm_config_build_from_source: "true", CFLAGS: "-O0", CXXFLAGS: "-O0" })
      ))
  }, minutes(20))

  afterAll(async () => {
    console.log(`package test timings (s): ${JSON.stringify(timings)}`)
    await Promise.all([...running].map((stop) => stop()))
    fs.rmSync(work, { recursive: true, force: true })
  })

  it("the tarball holds the built public modules with their types, the sources for the maps, and the licence", () => {
    for (const name of ["index", ...publicModules]) {
      expect(packedFiles).toContain(`dist/${name}.js`)
      expect(packedFiles).toContain(`dist/${name}.d.ts`)
      expect(packedFiles).toContain(`src/${name}.ts`)
    }
    expect(packedFiles).toEqual(expect.arrayContaining(["package.json", "README.md", "LICENSE", "dist/index.js.map"]))
    expect(packedFiles.filter((f) => !/^(dist|src)\//.test(f)).sort()).toEqual(["LICENSE", "README.md", "package.json"])
    // Every module the build emitted is packed, and nothing that src does not have.
    const sources = new Set(packedFiles.filter((f) => f.startsWith("src/")).map((f) => f.slice(4, -3)))
    for (const f of packedFiles.filter((f) => f.startsWith("dist/") && f.endsWith(".js"))) {
      expect(sources, f).toContain(f.slice(5, -3))
    }
  })

  it("effect is a peer: the app has exactly one copy, the one it installed", async () => {
    const listed = await must(npm, ["ls", "effect", "--all", "--parseable"], app, minutes(1))
    expect(listed.stdout.trim().split("\n").filter((line) => line.trim() !== "")).toEqual([
      path.join(fs.realpathSync(app), "node_modules", "effect")
    ])
    const tree = JSON.parse((await must(npm, ["ls", "effect", "--all", "--json"], app, minutes(1))).stdout) as {
      readonly dependencies: Record<string, { readonly version: string; readonly dependencies?: Record<string, unknown> }>
    }
    expect(tree.dependencies["effect"]?.version).toMatch(/^4\.1\.\d+$/)
    expect(installedManifest().peerDependencies).toEqual({ effect: manifest.peerDependencies["effect"] })
  }, minutes(3))

  const installedManifest = () =>
    JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8")) as {
      readonly dependencies?: Record<string, string>
      readonly peerDependencies?: Record<string, string>
    }

  it("its dependencies are exactly what the built code imports, besides effect", () => {
    const imported = new Set(
      filesUnder(path.join(installed, "dist"))
        .filter((f) => f.endsWith(".js"))
        .flatMap((f) => importsOf(fs.readFileSync(f, "utf8")))
        .filter((s) => !s.startsWith("node:"))
        .map(packageOf)
    )
    expect(imported).toContain("effect")
    imported.delete("effect")
    expect(Object.keys(installedManifest().dependencies ?? {}).sort()).toEqual([...imported].sort())
  })

  it("the exports map opens the public modules, built, and blocks internal ones", async () => {
    fs.writeFileSync(path.join(app, "resolution.mjs"), resolution)
    const out = JSON.parse((await must(process.execPath, ["resolution.mjs"], app, minutes(1))).stdout) as {
      readonly entry: string
      readonly rootKeys: ReadonlyArray<string>
      readonly modules: Record<string, string>
      readonly blocked: Record<string, string>
      readonly effectOfPackage: string
      readonly effectOfApp: string
    }
    expect(out.entry).toMatch(/\/node_modules\/effect-sqlservice\/dist\/index\.js$/)
    expect(out.rootKeys).toEqual([...publicModules].sort())
    expect(out.modules).toEqual(Object.fromEntries(publicModules.map((m) => [m, "same"])))
    expect(out.blocked).toEqual({
      "effect-sqlservice/internal/database": "ERR_PACKAGE_PATH_NOT_EXPORTED",
      "effect-sqlservice/internal/database.js": "ERR_PACKAGE_PATH_NOT_EXPORTED",
      "effect-sqlservice/index": "ERR_PACKAGE_PATH_NOT_EXPORTED"
    })
    expect(out.effectOfPackage).toBe(out.effectOfApp)
  }, minutes(2))

  it("a strict NodeNext program type-checks against the installed declarations and runs with plain node", async () => {
    fs.mkdirSync(path.join(app, "src"), { recursive: true })
    fs.writeFileSync(path.join(app, "src", "main.ts"), program)
    fs.writeFileSync(
      path.join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          // effect 4.1's Schema declarations name Web Crypto types (CryptoKey, JsonWebKey) that
          // @types/node does not declare globally: an app either skips library checks (tsc --init's
          // default) or adds the DOM lib. This adds the lib, so every declaration file, ours included,
          // is checked.
          lib: ["ES2022", "DOM"],
          types: ["node"],
          strict: true,
          skipLibCheck: false,
          noEmitOnError: true,
          rootDir: "src",
          outDir: "build"
        },
        include: ["src"]
      }, null, 2)
    )
    await timed("tsc in the app", () => must(process.execPath, [tsc, "-p", "tsconfig.json"], app, minutes(3)))
    const ran = await must(process.execPath, [path.join("build", "main.js")], app, minutes(1))
    const row = { id: 1, body: "written by an app" }
    expect(JSON.parse(ran.stdout)).toEqual({ saved: row, notes: [row], oneModule: true })
  }, minutes(6))

  it("npx effect-sqlservice runs the installed command: --help, ping, and create-all from a TypeScript tables module", async () => {
    const help = await must(npm, ["exec", "--no", "--", "effect-sqlservice", "--help"], app, minutes(1))
    expect(help.stdout).toMatch(/^ {2}ping {2,}/m)
    expect(help.stdout).toMatch(/^ {2}create-all {2,}/m)
    const npx = await must("npx", ["--no-install", "effect-sqlservice", "ping", "--url", "sqlite:///app.db", "--json"], app, minutes(1))
    expect(JSON.parse(npx.stdout)).toEqual({ ok: true, url: "sqlite:///app.db", dialect: "sqlite" })
    fs.mkdirSync(path.join(app, "db"), { recursive: true })
    fs.writeFileSync(
      path.join(app, "db", "tables.ts"),
      `import { Schema } from "effect"\nimport { Column, Table } from "effect-sqlservice"\n` +
        `export const Note = Table.make("cli_notes", { id: Schema.Int.pipe(Column.primaryKey), body: Schema.String })\n`
    )
    const created = await must(
      "npx",
      ["--no-install", "effect-sqlservice", "create-all", "--url", "sqlite:///app.db", "--tables", "db/tables.ts", "--json"],
      app,
      minutes(1)
    )
    expect(JSON.parse(created.stdout)).toEqual({ created: ["cli_notes"], existing: [] })
    const failed = await run("npx", ["--no-install", "effect-sqlservice", "ping", "--url", "postgres://u:pw-in-url@127.0.0.1:1/db"], app, minutes(1))
    expect(failed.code).toBe(1)
    expect(failed.stderr).toContain("postgres://u:****@127.0.0.1:1/db")
    expect(`${failed.stdout}${failed.stderr}`).not.toContain("pw-in-url")
  }, minutes(4))
})
