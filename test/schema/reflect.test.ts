/**
 * Reflection of schemas written by hand, in each dialect's own idioms, and
 * `Table.fromMetadata` turning reflected tables back into usable ones.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { createAll, reflect } from "../../src/internal/schema/ddl.js"
import * as Metadata from "../../src/Metadata.js"
import * as Table from "../../src/Table.js"
import { pgDb, sqliteDb, type TestDb } from "./harness.js"

const col = (
  name: string,
  type: Metadata.NeutralType,
  rest: Partial<Metadata.ColumnMetadata> = {}
): Metadata.ColumnMetadata => ({ name, type, dbType: "", nullable: false, autoIncrement: false, ...rest })

/** What both hand-written schemas below mean, in neutral terms (names of implicit constraints left out). */
const expected = (dialect: Metadata.Dialect): Metadata.Metadata => ({
  tables: [
    {
      name: "authors",
      columns: [
        // PostgreSQL's `serial` and identity kinds; SQLite has neither (its metadata leaves them out).
        col("id", "integer", { autoIncrement: true, ...(dialect === "pg" ? { serial: true } : {}) }),
        col("name", "varchar", { length: 50 }),
        col("born", "date", { nullable: true }),
        col("active", "boolean", { default: dialect === "pg" ? "true" : "1" }),
        col("kind", "text", { default: "'person'", check: ["person", "org"] }),
        col("rating", "integer", { nullable: true, check: [-1, 0, 1] })
      ],
      primaryKey: ["id"],
      uniques: [{ columns: ["name"] }],
      indexes: [],
      foreignKeys: []
    },
    {
      name: "books",
      columns: [
        col("id", dialect === "pg" ? "bigint" : "integer", { autoIncrement: true, ...(dialect === "pg" ? { identity: "always" as const } : {}) }),
        col("author_id", "integer", { nullable: true }),
        col("title", "text"),
        col("isbn", "char", { length: 13, nullable: true }),
        col("data", "json", { nullable: true }),
        col("price", "double", { nullable: true, default: "-1.5" }),
        col("created_at", "timestamp", { nullable: true, default: dialect === "pg" ? "now()" : "CURRENT_TIMESTAMP" })
      ],
      primaryKey: ["id"],
      uniques: [{ columns: ["author_id", "title"] }],
      indexes: [
        { name: "books_isbn_idx", columns: ["isbn"], unique: true },
        { name: "books_title_idx", columns: ["title", "id"], unique: false },
        { name: "books_lower_title", columns: [], unique: false, expressions: ["lower(title)"] },
        { name: "books_partial", columns: ["isbn"], unique: false, where: "isbn IS NOT NULL" }
      ],
      foreignKeys: [{
        columns: ["author_id"],
        references: { table: "authors", columns: ["id"] },
        onDelete: "set null",
        onUpdate: "cascade"
      }]
    }
  ]
})

const sqliteDdl = [
  `CREATE TABLE authors (
     id INTEGER PRIMARY KEY,
     name VARCHAR(50) NOT NULL UNIQUE,
     born DATE,
     active BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
     kind TEXT NOT NULL DEFAULT 'person' CHECK (kind IN ('person','org')),
     rating INTEGER CHECK ("rating" IN (-1, 0, 1))
   )`,
  `CREATE TABLE books (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     author_id INTEGER REFERENCES authors ON DELETE SET NULL ON UPDATE CASCADE,
     title TEXT NOT NULL,
     isbn CHAR(13),
     data JSON,
     price REAL DEFAULT -1.5,
     created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
     UNIQUE (author_id, title)
   )`,
  `CREATE UNIQUE INDEX books_isbn_idx ON books (isbn)`,
  `CREATE INDEX books_title_idx ON books (title, id)`,
  // an expression index and a partial index: recorded as expressions / a predicate
  `CREATE INDEX books_lower_title ON books (lower(title))`,
  `CREATE INDEX books_partial ON books (isbn) WHERE isbn IS NOT NULL`
]

const pgDdl = [
  `CREATE TABLE authors (
     id serial PRIMARY KEY,
     name varchar(50) NOT NULL UNIQUE,
     born date,
     active boolean NOT NULL DEFAULT true,
     kind text NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'org')),
     rating int CHECK (rating IN (-1, 0, 1))
   )`,
  `CREATE TABLE books (
     id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     author_id integer REFERENCES authors ON DELETE SET NULL ON UPDATE CASCADE,
     title text NOT NULL,
     isbn char(13),
     data jsonb,
     price double precision DEFAULT -1.5,
     created_at timestamptz DEFAULT now(),
     UNIQUE (author_id, title)
   )`,
  `CREATE UNIQUE INDEX books_isbn_idx ON books (isbn)`,
  `CREATE INDEX books_title_idx ON books (title, id)`,
  `CREATE INDEX books_lower_title ON books (lower(title))`,
  `CREATE INDEX books_partial ON books (isbn) WHERE isbn IS NOT NULL`
]

const cases: ReadonlyArray<{ name: Metadata.Dialect; make: Effect.Effect<TestDb, never, any>; ddl: ReadonlyArray<string> }> = [
  { name: "sqlite", make: sqliteDb(), ddl: sqliteDdl },
  { name: "pg", make: pgDb, ddl: pgDdl }
]

describe.each(cases)("reflect ($name)", ({ ddl, make, name: dialect }) => {
  it.effect("reads a hand-written schema", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* make
      for (const s of ddl) yield* db.run(s)
      const live = yield* reflect(db.run, db.schemaDialect)
      expect(Metadata.diff(expected(dialect), live, dialect)).toEqual([])
      // Things diff does not look at
      const books = Metadata.findTable(live, "books")!
      expect(books.columns.find((c) => c.name === "isbn")!.dbType.toLowerCase()).toMatch(/^(char|character)\(13\)$/)
      if (dialect === "pg") {
        expect(books.foreignKeys[0]!.name).toBe("books_author_id_fkey")
        expect(Metadata.findTable(live, "authors")!.uniques[0]!.name).toBe("authors_name_key")
      }
      expect(JSON.parse(JSON.stringify(live))).toEqual(live)
    })))

  it.effect("reflects only the requested tables", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* make
      for (const s of ddl) yield* db.run(s)
      const live = yield* reflect(db.run, db.schemaDialect, { tables: ["authors", "nope"] })
      expect(live.tables.map((t) => t.name)).toEqual(["authors"])
    })))

  it.effect("Table.fromMetadata recreates an equivalent schema and decodes its rows", () =>
    Effect.scoped(Effect.gen(function*() {
      const source = yield* make
      for (const s of ddl) yield* source.run(s)
      const live = yield* reflect(source.run, source.schemaDialect)
      const rebuilt = live.tables.map(Table.fromMetadata)

      const copy = yield* make
      yield* createAll(copy.run, copy.schemaDialect, rebuilt)
      const copied = yield* reflect(copy.run, copy.schemaDialect)
      expect(Metadata.diff(live, copied, dialect)).toEqual([])

      yield* source.run(`INSERT INTO authors (name, born, kind, rating) VALUES ('Ursula', '1929-10-21', 'person', 1)`)
      yield* source.run(`INSERT INTO books (author_id, title, data) VALUES (1, 'Earthsea', '{"pages": [1, 2]}')`)
      const Authors = rebuilt.find((t) => t.name === "authors")!
      const Books = rebuilt.find((t) => t.name === "books")!
      const [author] = yield* Effect.forEach(yield* source.run(`SELECT * FROM authors`), Table.decodeRow(Authors, dialect))
      expect(author).toEqual({ id: 1, name: "Ursula", born: "1929-10-21", active: true, kind: "person", rating: 1 })
      const [book] = yield* Effect.forEach(yield* source.run(`SELECT * FROM books`), Table.decodeRow(Books, dialect))
      expect(book).toMatchObject({ author_id: 1, title: "Earthsea", isbn: null, data: { pages: [1, 2] }, price: -1.5 })
      expect((book as any).id).toBe(dialect === "pg" ? 1n : 1)
      expect((book as any).created_at).toBeInstanceOf(Date)
      expect(Math.abs((book as any).created_at.getTime() - Date.now())).toBeLessThan(60_000)
    })))
})

describe("reflect (pg schemas)", () => {
  it.effect("an explicit schema is reported on every table and cross-schema references", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* pgDb
      for (const s of pgDdl) yield* db.run(s)
      const live = yield* reflect(db.run, db.schemaDialect, { schema: db.schema! })
      expect(live.tables.map((t) => t.schema)).toEqual([db.schema, db.schema])
      expect(live.tables[1]!.foreignKeys[0]!.references).toEqual({ table: "authors", columns: ["id"] })
      const inPublic = yield* reflect(db.run, db.schemaDialect, { schema: "pg_catalog", tables: ["pg_class"] })
      expect(inPublic.tables.map((t) => t.name)).toEqual(["pg_class"])
    })))
})
