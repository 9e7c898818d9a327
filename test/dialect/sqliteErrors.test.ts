/**
 * How SQLite's errors are classified: every case is an error better-sqlite3
 * really throws, provoked here on a real database, never a hand-built object.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import Sqlite from "better-sqlite3"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { classify } from "../../src/internal/dialect/sqlite/errors.js"
import { expectMessageFormat } from "../support/messages.js"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-sqlservice-errors-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

let files = 0
/** A fresh database file with a table `t (x)`. */
const freshFile = () => {
  const file = path.join(dir, `db${files++}.sqlite`)
  const db = new Sqlite(file)
  db.exec("CREATE TABLE t (x)")
  db.close()
  return file
}

/** The error `f` throws; fails the test when it throws nothing. */
const thrown = (f: () => unknown): unknown => {
  try {
    f()
  } catch (error) {
    return error
  }
  throw new Error("expected the driver to throw")
}

const withDb = <A>(db: Sqlite.Database, f: (db: Sqlite.Database) => A): A => {
  try {
    return f(db)
  } finally {
    if (db.open) db.close()
  }
}

const constraints = () => {
  const db = new Sqlite(":memory:")
  db.pragma("foreign_keys = ON")
  db.exec(`
    CREATE TABLE parents (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
      qty INTEGER NOT NULL DEFAULT 0 CONSTRAINT qty_not_negative CHECK (qty >= 0));
    CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parents (id));
    INSERT INTO parents (id, name) VALUES (1, 'a');
  `)
  return db
}

const cases: ReadonlyArray<{
  readonly name: string
  readonly error: () => unknown
  readonly expected: Record<string, unknown>
  readonly headline: string
}> = [
  {
    name: "a write to a file opened read-only (SQLITE_READONLY)",
    error: () => withDb(new Sqlite(freshFile(), { readonly: true }), (db) => thrown(() => db.exec("INSERT INTO t VALUES (1)"))),
    expected: { _tag: "ReadOnlyError", code: "SQLITE_READONLY" },
    headline: "database is read-only"
  },
  {
    name: "a write with PRAGMA query_only on (SQLITE_READONLY)",
    error: () =>
      withDb(new Sqlite(":memory:"), (db) => {
        db.pragma("query_only = ON")
        return thrown(() => db.exec("CREATE TABLE u (x)"))
      }),
    expected: { _tag: "ReadOnlyError", code: "SQLITE_READONLY" },
    headline: "database is read-only"
  },
  {
    name: "a write past PRAGMA max_page_count (SQLITE_FULL)",
    error: () =>
      withDb(new Sqlite(":memory:"), (db) => {
        db.exec("CREATE TABLE big (x TEXT)")
        db.pragma("max_page_count = 3")
        const insert = db.prepare("INSERT INTO big VALUES (?)")
        return thrown(() => {
          for (let i = 0; i < 100; i++) insert.run("x".repeat(2000))
        })
      }),
    expected: { _tag: "StorageFullError", code: "SQLITE_FULL" },
    headline: "storage full"
  },
  {
    name: "a statement on a closed connection",
    error: () => {
      const db = new Sqlite(":memory:")
      db.close()
      return thrown(() => db.exec("SELECT 1"))
    },
    expected: { _tag: "ConnectionError", kind: "closed" },
    headline: "database is closed"
  },
  {
    name: "a statement prepared before its connection was closed",
    error: () => {
      const db = new Sqlite(":memory:")
      const statement = db.prepare("SELECT 1")
      db.close()
      return thrown(() => statement.all())
    },
    expected: { _tag: "ConnectionError", kind: "closed" },
    headline: "database is closed"
  },
  {
    name: "a write lock held by another connection (SQLITE_BUSY)",
    error: () => {
      const file = freshFile()
      return withDb(new Sqlite(file), (holder) => {
        holder.exec("BEGIN IMMEDIATE")
        return withDb(new Sqlite(file, { timeout: 0 }), (other) => thrown(() => other.exec("BEGIN IMMEDIATE")))
      })
    },
    expected: { _tag: "TransactionError", phase: "serialization", retryable: true },
    headline: "transaction conflict"
  },
  {
    name: "a path that is a directory (SQLITE_CANTOPEN)",
    error: () => thrown(() => new Sqlite(dir)),
    expected: { _tag: "ConnectionError", kind: "unreachable" },
    headline: "cannot open database"
  },
  {
    name: "a file in a directory that does not exist (better-sqlite3's own check)",
    error: () => thrown(() => new Sqlite(path.join(dir, "no", "such", "dir.db"))),
    expected: { _tag: "ConnectionError", kind: "unreachable" },
    headline: "cannot open database"
  },
  {
    name: "a file that is not a database (SQLITE_NOTADB)",
    error: () => {
      const file = path.join(dir, "not-a-database.txt")
      fs.writeFileSync(file, "this is plain text, long enough to fill a header. ".repeat(20))
      return withDb(new Sqlite(file), (db) => thrown(() => db.exec("SELECT * FROM sqlite_master")))
    },
    expected: { _tag: "ConnectionError", kind: "unreachable" },
    headline: "cannot open database"
  },
  {
    name: "a duplicate key (SQLITE_CONSTRAINT_UNIQUE)",
    error: () => withDb(constraints(), (db) => thrown(() => db.exec("INSERT INTO parents (id, name) VALUES (2, 'a')"))),
    expected: { _tag: "ConstraintError", kind: "unique", table: "parents", column: "name" },
    headline: "unique constraint violated"
  },
  {
    name: "a duplicate primary key (SQLITE_CONSTRAINT_PRIMARYKEY)",
    error: () => withDb(constraints(), (db) => thrown(() => db.exec("INSERT INTO parents (id, name) VALUES (1, 'b')"))),
    expected: { _tag: "ConstraintError", kind: "unique", table: "parents", column: "id" },
    headline: "unique constraint violated"
  },
  {
    name: "a NULL in a NOT NULL column (SQLITE_CONSTRAINT_NOTNULL)",
    error: () => withDb(constraints(), (db) => thrown(() => db.exec("INSERT INTO parents (id, name) VALUES (2, NULL)"))),
    expected: { _tag: "ConstraintError", kind: "not_null", table: "parents", column: "name" },
    headline: "not-null constraint violated"
  },
  {
    name: "a CHECK violation (SQLITE_CONSTRAINT_CHECK)",
    error: () => withDb(constraints(), (db) => thrown(() => db.exec("INSERT INTO parents (id, name, qty) VALUES (2, 'b', -1)"))),
    expected: { _tag: "ConstraintError", kind: "check", constraint: "qty_not_negative" },
    headline: "check constraint violated"
  },
  {
    name: "a missing parent (SQLITE_CONSTRAINT_FOREIGNKEY)",
    error: () => withDb(constraints(), (db) => thrown(() => db.exec("INSERT INTO children (id, parent_id) VALUES (1, 42)"))),
    expected: { _tag: "ConstraintError", kind: "foreign_key" },
    headline: "foreign key constraint violated"
  },
  {
    name: "a syntax error (SQLITE_ERROR)",
    error: () => withDb(new Sqlite(":memory:"), (db) => thrown(() => db.exec("SELEKT 1"))),
    expected: { _tag: "StatementError", code: "SQLITE_ERROR" },
    headline: "statement failed"
  }
]

describe("SQLite error classification", () => {
  for (const c of cases) {
    it(c.name, () => {
      const reason = classify(c.error())
      expect(reason).toMatchObject(c.expected)
      expect(reason.message.startsWith(`${c.headline}: `), reason.message).toBe(true)
      expectMessageFormat(reason)
    })
  }
})
