import { describe, expect, it } from "@effect/vitest"
import Sqlite from "better-sqlite3"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"

const setup = [
  "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
  "INSERT INTO notes (body) VALUES ('a')"
]

// Statements a read-only session might be handed: reads, writes of every
// kind, DDL, pragmas that read or write, transaction control.
const statements = [
  "SELECT * FROM notes",
  "WITH t AS (SELECT 1 AS x) SELECT x FROM t",
  "INSERT INTO notes (body) VALUES ('b')",
  "INSERT INTO notes (body) VALUES ('c') RETURNING id",
  "REPLACE INTO notes (id, body) VALUES (1, 'r')",
  "UPDATE notes SET body = 'u'",
  "DELETE FROM notes",
  "CREATE TABLE other (id INTEGER)",
  "CREATE TEMP TABLE scratch (id INTEGER)",
  "CREATE INDEX notes_body ON notes (body)",
  "DROP TABLE notes",
  "ALTER TABLE notes ADD COLUMN extra TEXT",
  "PRAGMA table_info(notes)",
  "PRAGMA user_version",
  "PRAGMA user_version = 7",
  "ANALYZE",
  "SAVEPOINT s1"
]

/** What SQLite itself does with `sql` in a deferred transaction under PRAGMA query_only. */
const underQueryOnly = (sql: string): "ok" | "ReadOnlyError" | "other" => {
  const db = new Sqlite(":memory:")
  try {
    for (const s of setup) db.exec(s)
    db.exec("BEGIN DEFERRED")
    db.pragma("query_only = ON")
    const statement = db.prepare(sql)
    if (statement.reader) statement.all()
    else statement.run()
    return "ok"
  } catch (error) {
    return String((error as { code?: unknown }).code).startsWith("SQLITE_READONLY") ? "ReadOnlyError" : "other"
  } finally {
    db.close()
  }
}

describe("SQLite read-only transactions refuse what PRAGMA query_only refuses", () => {
  it.effect("each statement: accepted or refused with ReadOnlyError exactly as under query_only", () =>
    Effect.gen(function*() {
      for (const sql of statements) {
        const outcome = yield* Effect.scoped(Effect.gen(function*() {
          const db = yield* Database.make({ url: "sqlite://:memory:" })
          yield* Effect.scoped(Effect.flatMap(db.connect, (c) => Effect.forEach(setup, (s) => c.execute(s))))
          const exit = yield* Effect.exit(Effect.scoped(Effect.flatMap(db.sessionWith({ readOnly: true }), (s) => s.execute(sql))))
          // The connection writes again afterwards.
          yield* Effect.scoped(Effect.flatMap(db.connect, (c) => c.execute("INSERT INTO notes (body) VALUES ('after')")))
          return Exit.isSuccess(exit)
            ? "ok"
            : Exit.isFailure(exit) && DatabaseError.hasReason(Exit.findErrorOption(exit).pipe((o) => o._tag === "Some" ? o.value : undefined), "ReadOnlyError")
            ? "ReadOnlyError"
            : "other"
        }))
        expect([sql, outcome]).toEqual([sql, underQueryOnly(sql)])
      }
    }))
})
