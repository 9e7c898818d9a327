import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as Query from "../../src/Query.js"
import * as Session from "../../src/Session.js"
import * as Table from "../../src/Table.js"

const Note = Table.make("notes", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  body: Schema.String
})

const tempFile = Effect.acquireRelease(
  Effect.sync(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-sqlservice-"))
    return path.join(dir, "test.db")
  }),
  (file) => Effect.sync(() => fs.rmSync(path.dirname(file), { recursive: true, force: true }))
)

describe("SQLite specifics", () => {
  it.effect("a file database uses WAL and enforces foreign keys", () =>
    Effect.gen(function*() {
      const file = yield* tempFile
      const db = yield* Database.make({ url: `sqlite:///${file}` })
      const conn = yield* db.connect
      expect(yield* conn.all("PRAGMA journal_mode")).toEqual([{ journal_mode: "wal" }])
      expect(yield* conn.all("PRAGMA foreign_keys")).toEqual([{ foreign_keys: 1 }])
      expect(fs.existsSync(file)).toBe(true)
    }))

  it.effect("a file that cannot be opened is a ConnectionError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Database.make({ url: "sqlite:////no/such/dir/x.db" }))
      expect(error.reason._tag).toBe("ConnectionError")
      expect(error.message).toContain("/no/such/dir/x.db")
    }))

  it.effect("a failed BEGIN is reported as such, and no ROLLBACK is issued for it", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const db = yield* Database.make({ url: "sqlite://:memory:", onStatement: (sql) => seen.push(sql) })
      const conn = yield* db.connect
      // A transaction opened by hand makes our BEGIN fail for real.
      yield* conn.execute("BEGIN")
      const error = yield* Effect.flip(db.begin(Effect.void))
      expect(error.reason).toMatchObject({ _tag: "TransactionError", phase: "begin" })
      expect(error.message).toContain("cannot start a transaction within a transaction")
      expect(seen.filter((s) => s.startsWith("ROLLBACK"))).toEqual([])
    }))

  it.effect("opening a second session from inside begin fails fast instead of waiting for itself", () =>
    Effect.gen(function*() {
      const db = yield* Database.make({ url: "sqlite://:memory:" })
      const error = yield* Effect.flip(db.begin(Effect.scoped(db.session)))
      expect(error.reason._tag).toBe("ConnectionError")
      expect(error.message).toMatch(/single connection/)
    }))

  it.live("two processes' worth of connections on one file: BUSY is a retryable TransactionError, and retry gets through", () =>
    Effect.gen(function*() {
      const file = yield* tempFile
      const url = `sqlite:///${file}`
      const first = yield* Database.make({ url, busyTimeout: 50 })
      const second = yield* Database.make({ url, busyTimeout: 50 })
      yield* Effect.scoped(Effect.flatMap(first.connect, (c) => c.execute("CREATE TABLE counter (n INTEGER)")))

      const holding = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const holder = yield* Effect.forkChild(first.begin(Effect.gen(function*() {
        const s = yield* Session.Session
        yield* s.execute("INSERT INTO counter (n) VALUES (1)")
        yield* Deferred.succeed(holding, undefined)
        yield* Deferred.await(release)
      })))
      yield* Deferred.await(holding)

      const busy = yield* Effect.flip(second.begin(Effect.flatMap(Session.Session, (s) => s.execute("INSERT INTO counter (n) VALUES (2)"))))
      expect(busy.reason).toMatchObject({ _tag: "TransactionError", retryable: true })

      const retried = yield* Effect.forkChild(second.begin(
        Effect.flatMap(Session.Session, (s) => s.execute("INSERT INTO counter (n) VALUES (2)")),
        { retry: Schedule.max([Schedule.spaced("20 millis"), Schedule.recurs(50)]) }
      ))
      yield* Effect.sleep("100 millis")
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      yield* Fiber.join(retried)
      const rows = yield* Effect.scoped(Effect.flatMap(first.connect, (c) => c.all("SELECT n FROM counter ORDER BY n")))
      expect(rows).toEqual([{ n: 1 }, { n: 2 }])
    }))

  it.effect("a write the connection refuses (PRAGMA query_only) is a ReadOnlyError; reads still work", () =>
    Effect.gen(function*() {
      const db = yield* Database.make({ url: "sqlite://:memory:" })
      yield* db.sql`CREATE TABLE notes (body TEXT)`
      yield* db.sql`PRAGMA query_only = ON`
      const error = yield* Effect.flip(Effect.scoped(Effect.flatMap(db.connect, (c) => c.execute("INSERT INTO notes VALUES ('x')"))))
      expect(error.reason).toMatchObject({ _tag: "ReadOnlyError", code: "SQLITE_READONLY" })
      expect(error.reason.message).toMatch(/^database is read-only: attempt to write a readonly database \(/)
      expect(yield* db.sql`SELECT COUNT(*) AS n FROM notes`).toEqual([{ n: 0 }])
    }))

  it.effect("a database that runs out of pages (PRAGMA max_page_count) is a StorageFullError; the transaction rolls back", () =>
    Effect.gen(function*() {
      const db = yield* Database.make({ url: "sqlite://:memory:" })
      yield* db.sql`CREATE TABLE big (body TEXT)`
      yield* db.sql`PRAGMA max_page_count = 4`
      const error = yield* Effect.flip(db.begin(Effect.flatMap(Session.Session, (s) =>
        Effect.forEach(Array.from({ length: 50 }, (_, i) => i), () =>
          s.execute("INSERT INTO big VALUES (?)", ["x".repeat(2000)]), { discard: true })
      )))
      expect(error.reason).toMatchObject({ _tag: "StorageFullError", code: "SQLITE_FULL" })
      expect(error.reason.message).toMatch(/^storage full: database or disk is full \(/)
      expect(yield* db.sql`SELECT COUNT(*) AS n FROM big`).toEqual([{ n: 0 }])
    }))

  it.effect("layerTest: the declared tables exist, and one in-memory database is shared by every session of the layer", () =>
    Effect.gen(function*() {
      const db = yield* Database.Database
      const sql = yield* SqlClient.SqlClient
      // Created by the layer: no createAll here.
      expect(yield* db.reflect()).toMatchObject({ tables: [{ name: "notes" }] })
      yield* Effect.scoped(Effect.gen(function*() {
        const s = yield* Database.session
        yield* s.save(Note, { body: "hello" })
        yield* s.commit
      }))
      // Every other way in sees the committed row of the first session.
      const viaSession = yield* Effect.scoped(Effect.flatMap(Database.session, (s) => s.all(Query.select(Note))))
      const viaConnection = yield* Effect.scoped(Effect.flatMap(db.connect, (c) => c.all("SELECT body FROM notes")))
      const viaSqlClient = yield* sql`SELECT body FROM notes`
      expect(viaSession).toEqual([{ id: 1, body: "hello" }])
      expect(viaConnection).toEqual([{ body: "hello" }])
      expect(viaSqlClient).toEqual([{ body: "hello" }])
    }).pipe(Effect.provide(Database.layerTest({ tables: [Note] }))))
})
