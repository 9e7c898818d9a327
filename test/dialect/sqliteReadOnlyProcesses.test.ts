import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as readline from "node:readline"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Query from "../../src/Query.js"
import * as Table from "../../src/Table.js"

const Note = Table.make("notes", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  body: Schema.String
})

const worker = path.join(import.meta.dirname, "readOnlyWorker.ts")

const tempFile = Effect.acquireRelease(
  Effect.sync(() => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "effect-sqlservice-ro-")), "test.db")),
  (file) => Effect.sync(() => fs.rmSync(path.dirname(file), { recursive: true, force: true }))
)

/**
 * A session in another process on `file`: its first line (`holding <n>` once
 * it has read and holds the session open, or `failed <reason>`), and the
 * process is ended with the scope (closing its stdin ends the session).
 */
const otherProcess = (file: string, mode: "readOnly" | "default") =>
  Effect.acquireRelease(
    Effect.callback<{ readonly line: string; readonly end: () => void }>((resume) => {
      const child = spawn(process.execPath, ["--import", "tsx", "--conditions=source", worker, file, mode], {
        stdio: ["pipe", "pipe", "inherit"]
      })
      const lines = readline.createInterface({ input: child.stdout })
      lines.once("line", (line) => resume(Effect.succeed({ line, end: () => child.stdin.end() })))
    }),
    ({ end }) => Effect.sync(end)
  )

const isBusy = (e: unknown) => DatabaseError.hasReason(e, "TransactionError") && e.reason.retryable

describe("SQLite read-only sessions across processes (WAL)", () => {
  it.live("two read-only sessions in two processes read while a writer holds a write transaction; default sessions queue", () =>
    Effect.scoped(Effect.gen(function*() {
      const file = yield* tempFile
      const writer = yield* Database.make({ url: `sqlite:///${file}`, tables: [Note] })
      yield* writer.createAll()
      const reader = yield* Database.make({ url: `sqlite:///${file}`, tables: [Note], busyTimeout: "100 millis" })

      // A write transaction stays open in this process...
      const writing = yield* writer.sessionWith()
      yield* writing.save(Note, { body: "uncommitted" })

      // ...while a read-only session of another process reads and holds its
      // transaction open, and a read-only session here reads too.
      const other = yield* otherProcess(file, "readOnly")
      expect(other.line).toBe("holding 0")
      const here = yield* Effect.scoped(Effect.flatMap(reader.sessionWith({ readOnly: true }), (s) => s.count(Query.select(Note))))
      expect(here).toBe(0)

      // Default sessions take the write lock at BEGIN: with the writer still
      // open, neither gets it within the busy timeout.
      const otherDefault = yield* otherProcess(file, "default")
      expect(otherDefault.line).toBe("failed TransactionError")
      const hereDefault = yield* Effect.flip(Effect.scoped(Effect.flatMap(reader.session, (s) => s.count(Query.select(Note)))))
      expect(isBusy(hereDefault)).toBe(true)

      yield* writing.commit
      expect(yield* Effect.scoped(Effect.flatMap(reader.sessionWith({ readOnly: true }), (s) => s.count(Query.select(Note))))).toBe(1)
    })), 30_000)

  it.live("a default session holding the write lock in another process blocks default sessions, not read-only ones", () =>
    Effect.scoped(Effect.gen(function*() {
      const file = yield* tempFile
      const setup = yield* Database.make({ url: `sqlite:///${file}`, tables: [Note] })
      yield* setup.createAll()
      const reader = yield* Database.make({ url: `sqlite:///${file}`, tables: [Note], busyTimeout: "100 millis" })

      const other = yield* otherProcess(file, "default")
      expect(other.line).toBe("holding 0")
      const readOnly = yield* Effect.scoped(Effect.flatMap(reader.sessionWith({ readOnly: true }), (s) => s.count(Query.select(Note))))
      expect(readOnly).toBe(0)
      const blocked = yield* Effect.flip(Effect.scoped(Effect.flatMap(reader.session, (s) => s.count(Query.select(Note)))))
      expect(isBusy(blocked)).toBe(true)
    })), 30_000)
})
