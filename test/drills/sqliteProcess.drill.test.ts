/**
 * Drill 4 — SQLite across processes.
 *
 * - Crash safety: a child process commits batches through `Database.layer`
 *   on a WAL file and prints each batch id after `begin` returned; the
 *   parent kill -9s it at a (seeded) random moment. Reopening shows every
 *   reported batch, complete, no partial batch at all, and
 *   `PRAGMA integrity_check` = ok. Three rounds on the same file, so later
 *   children also recover the WAL their predecessor left behind.
 * - Busy database: two processes write to one file at once, each holding the
 *   write lock a moment per transaction. With the busy timeout alone, and
 *   with a 1 ms busy timeout plus a `retry` schedule, every write lands and
 *   neither process crashes.
 */
import { describe, expect, it } from "@effect/vitest"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Database from "../../src/Database.js"
import { noHang, prng, waitUntil } from "./support/helpers.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")
const childScript = path.join(root, "test/drills/support/sqliteChild.ts")

interface Child {
  readonly process: ChildProcess
  readonly lines: Array<string>
  readonly stderr: Array<string>
  /** Resolves with the exit code (null when killed by a signal), after stdout is drained. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

const spawnChild = (...args: Array<string>) =>
  Effect.acquireRelease(
    Effect.sync((): Child => {
      const child = spawn(process.execPath, ["--import", "tsx", "--conditions=source", childScript, ...args], {
        cwd: root,
        stdio: ["pipe", "pipe", "pipe"]
      })
      const lines: Array<string> = []
      const stderr: Array<string> = []
      let partial = ""
      child.stdout!.on("data", (chunk: Buffer) => {
        partial += chunk.toString()
        const parts = partial.split("\n")
        partial = parts.pop()!
        lines.push(...parts)
      })
      child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk.toString()))
      // "close" fires once the process exited and its stdio streams ended.
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on("close", (code, signal) => resolve({ code, signal }))
      )
      return { process: child, lines, stderr, exited }
    }),
    (child) => Effect.sync(() => child.process.exitCode === null && child.process.kill("SIGKILL"))
  )

const describeChild = (child: Child) => `stdout:\n${child.lines.join("\n")}\nstderr:\n${child.stderr.join("")}`

const waitForLine = (child: Child, line: string, bound: Duration.Input = "30 seconds") =>
  waitUntil(`child to print "${line}"`, Effect.sync(() => {
    if (child.lines.some((l) => l.startsWith("error"))) throw new Error(describeChild(child))
    return child.lines.includes(line)
  }), bound)

const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "effect-sqlservice-drill-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

/** Opens the file with the library in this process and reads it back. */
const inspectFile = (file: string) =>
  Effect.scoped(Effect.gen(function*() {
    const db = yield* Database.make({ url: `sqlite:///${file}` })
    const conn = yield* db.connect
    const integrity = yield* conn.all("PRAGMA integrity_check")
    const journal = yield* conn.all("PRAGMA journal_mode")
    const batches = yield* conn.all("SELECT batch, COUNT(*) AS n FROM batches GROUP BY batch ORDER BY batch")
    return {
      integrity: integrity.map((r) => r.integrity_check),
      journal: journal[0]?.journal_mode,
      batches: new Map(batches.map((r) => [r.batch as number, r.n as number]))
    }
  }))

describe("drill: SQLite crash safety (kill -9)", () => {
  it.live("every batch a killed child reported committed is there, complete, and the file is intact", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "crash.db")
      const rowsPerBatch = 25
      const random = prng(20240607)
      const reported = new Set<number>()
      for (let round = 0; round < 3; round++) {
        const child = yield* spawnChild("crash", file, String(rowsPerBatch))
        yield* waitForLine(child, "ready")
        // Kill it at a random moment once it is writing.
        yield* waitUntil("a first committed batch", Effect.sync(() => child.lines.some((l) => l.startsWith("committed "))))
        yield* Effect.sleep(random.int(0, 500))
        child.process.kill("SIGKILL")
        const { signal } = yield* Effect.promise(() => child.exited).pipe(noHang("the killed child to exit", "10 seconds"))
        expect(signal, describeChild(child)).toBe("SIGKILL")
        const committed = child.lines.filter((l) => l.startsWith("committed ")).map((l) => Number(l.slice(10)))
        expect(committed.length, `round ${round}: the child committed nothing before it was killed`).toBeGreaterThan(0)
        for (const b of committed) reported.add(b)

        const seen = yield* inspectFile(file)
        expect(seen.integrity).toEqual(["ok"])
        expect(seen.journal).toBe("wal")
        // Every reported batch, complete.
        for (const b of reported) expect(seen.batches.get(b), `batch ${b}`).toBe(rowsPerBatch)
        // No partial batch anywhere (one committed but not yet reported is fine, whole).
        for (const [b, n] of seen.batches) expect(n, `batch ${b}`).toBe(rowsPerBatch)
        // At most the one batch whose report the kill cut off is unreported.
        expect(seen.batches.size - reported.size).toBeLessThanOrEqual(round + 1)
      }
    }), 90_000)
})

describe("drill: SQLite busy database, two processes", () => {
  const cases = [
    { title: "busy timeout alone (5 s), no retry", busyTimeout: 5000, retry: false },
    { title: "1 ms busy timeout and a retry schedule", busyTimeout: 1, retry: true }
  ] as const
  for (const { title, busyTimeout, retry } of cases) {
    it.live(`${title}: all writes land, no crash`, () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const file = path.join(dir, "busy.db")
        const perWriter = 60
        // The table exists before either writer starts.
        yield* Effect.scoped(Effect.flatMap(
          Database.make({ url: `sqlite:///${file}` }),
          (db) => Effect.scoped(Effect.flatMap(db.connect, (c) => c.execute("CREATE TABLE writes (writer TEXT NOT NULL, i INTEGER NOT NULL, PRIMARY KEY (writer, i))")))
        ))
        const children = yield* Effect.all(["a", "b"].map((name) =>
          spawnChild("writer", file, name, String(perWriter), String(busyTimeout), retry ? "1" : "0", "3")
        ))
        for (const child of children) yield* waitForLine(child, "ready")
        for (const child of children) child.process.stdin!.write("go\n")
        const exits = yield* Effect.promise(() => Promise.all(children.map((c) => c.exited))).pipe(
          noHang("both writers to finish", "60 seconds")
        )
        const begins: Array<number> = []
        children.forEach((child, i) => {
          expect(exits[i]!.code, describeChild(child)).toBe(0)
          const done = child.lines.find((l) => l.startsWith("done "))
          expect(done, describeChild(child)).toBeDefined()
          begins.push(Number(done!.split(" ")[2]))
        })
        const counts = yield* Effect.scoped(Effect.gen(function*() {
          const db = yield* Database.make({ url: `sqlite:///${file}` })
          const conn = yield* db.connect
          return {
            integrity: (yield* conn.all("PRAGMA integrity_check")).map((r) => r.integrity_check),
            rows: yield* conn.all("SELECT writer, COUNT(*) AS n FROM writes GROUP BY writer ORDER BY writer")
          }
        }))
        expect(counts.integrity).toEqual(["ok"])
        expect(counts.rows).toEqual([{ writer: "a", n: perWriter }, { writer: "b", n: perWriter }])
        if (retry) {
          // With a 1 ms busy timeout the processes did collide: BEGINs were retried.
          expect(begins[0]! + begins[1]!).toBeGreaterThan(2 * perWriter)
        }
        if (process.env.DRILL_VERBOSE) console.log({ title, begins })
      }), 90_000)
  }
})
