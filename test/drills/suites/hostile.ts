/**
 * Drill 5 — hostile input through the value paths.
 *
 * An SQL-injection corpus (quotes, comments, statement separators, dollar
 * quoting, placeholders, unicode with emoji / RTL / zero-width / BOM, control
 * characters, ~1 MB strings) goes through raw `SqlClient` fragments and
 * through `session.execute(text, params)`, in value and WHERE positions and
 * through `sql.in`. Each value is stored and read back exactly, every
 * statement that ran is one of the statements we wrote (the listener sees no
 * extra statement and no statement text containing the value), and neither
 * the table list nor a canary table changes.
 *
 * NUL bytes: SQLite stores and returns them; PostgreSQL text cannot hold them,
 * which must be a typed `StatementError`, not a crash, leaving nothing behind.
 *
 * Identifier paths (Table.make and friends) belong to the schema drills.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as SqlClient from "effect/sql/SqlClient"
import * as Database from "../../../src/Database.js"
import * as DatabaseError from "../../../src/DatabaseError.js"
import * as Session from "../../../src/Session.js"
import type { MakeLayer } from "../../support/layers.js"
import { databaseFailure } from "../support/helpers.js"

export const injections = [
  "'",
  "''",
  "\"",
  "`",
  "\\",
  "\\'",
  "'; DROP TABLE victims; --",
  "'); DROP TABLE victims; --",
  "1); DROP TABLE victims; --",
  "x'); DELETE FROM victims; SELECT ('",
  "' OR '1'='1",
  "' OR 1=1 --",
  "\" OR \"\"=\"",
  "admin'--",
  "/* comment */",
  "*/ DROP TABLE victims; /*",
  "'/*",
  "-- comment",
  "--\nDROP TABLE victims",
  "#",
  ";",
  "; DROP TABLE victims",
  "ROLLBACK; DROP TABLE victims; BEGIN",
  "COMMIT",
  "$1",
  "$2 $1",
  "?",
  "?1 ?2",
  ":name",
  "@p1",
  "%s %d %%",
  "$$ DROP TABLE victims $$",
  "$tag$; DROP TABLE victims; $tag$",
  "E'\\x27'",
  "\\x27; DROP TABLE victims",
  "' UNION SELECT name, sql FROM sqlite_master --",
  "' UNION SELECT table_name FROM information_schema.tables --",
  "'||(SELECT 1)||'",
  "${1}",
  ""
]

export const unicode = [
  "héllo wörld",
  "日本語のテキスト",
  "😀🎉🚀",
  "👩‍👩‍👧‍👦 family (ZWJ sequence)",
  "🏳️‍🌈",
  "مرحبا بالعالم",
  "שָׁלוֹם",
  "\u202Egnp.exe (RTL override)",
  "a\u200Bb zero width space",
  "\uFEFFbyte order mark",
  "e\u0301 combining accent",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 (astral plane)",
  "\u2028line separator\u2029",
  "tab\there\nnewline\r\ncrlf",
  "\u0001\u0002\u001f\u007f control characters",
  " leading and trailing spaces "
]

const MB = 1_000_000

const longValues: ReadonlyArray<readonly [string, string]> = [
  ["1 MB of ASCII", "x".repeat(MB)],
  ["100k quotes", "'".repeat(100_000)],
  ["~1 MB of injection attempts", "'; DROP TABLE victims; -- ".repeat(Math.ceil(MB / 26))],
  ["250k emoji (1 MB of UTF-8)", "😀".repeat(250_000)]
]

const nulValues = ["a\u0000b", "\u0000", "'\u0000; DROP TABLE victims; --"]

const setup = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(`CREATE TABLE hostile (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`)
  yield* sql.unsafe(`CREATE TABLE victims (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`)
  yield* sql.unsafe(`INSERT INTO victims (id, v) VALUES (1, 'one'), (2, 'two'), (3, 'three')`)
})

/** The schema as the database itself describes it, to compare before and after. */
const schemaSnapshot = Effect.gen(function*() {
  const db = yield* Database.Database
  const sql = yield* SqlClient.SqlClient
  const tables = db.dialect === "sqlite"
    ? yield* sql<{ name: string }>`SELECT type || ':' || name AS name FROM sqlite_master ORDER BY name`
    : yield* sql<{ name: string }>`
      SELECT table_type || ':' || table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() ORDER BY table_name`
  const victims = yield* sql<{ id: number; v: string }>`SELECT id, v FROM victims ORDER BY id`
  return { tables: tables.map((t) => t.name), victims }
})

interface Seen {
  readonly sql: string
  readonly params: ReadonlyArray<unknown>
}

export const suite = (name: string, makeLayer: MakeLayer) => {
  describe(`drill: hostile input (${name})`, () => {
    const withListener = <A, E>(
      body: (seen: Array<Seen>) => Effect.Effect<A, E, Database.Database | SqlClient.SqlClient>
    ) => {
      const seen: Array<Seen> = []
      return body(seen).pipe(
        Effect.provide(makeLayer({ onStatement: (sql, params) => seen.push({ sql, params: [...params] }) }))
      )
    }

    // The only statements the value drills may run, per dialect (texts as compiled).
    const allowed = (dialect: "sqlite" | "pg") => {
      const p = (i: number) => dialect === "pg" ? `$${i}` : "?"
      return new Set([
        "BEGIN",
        "BEGIN IMMEDIATE",
        "COMMIT",
        "ROLLBACK",
        `INSERT INTO hostile (id, v) VALUES (${p(1)}, ${p(2)})`,
        `SELECT v FROM hostile WHERE id = ${p(1)}`,
        `SELECT COUNT(*) AS n FROM hostile WHERE v = ${p(1)}`,
        `SELECT COUNT(*) AS n FROM hostile WHERE v IN (${p(1)},${p(2)})`,
        `SELECT COUNT(*) AS n FROM hostile WHERE id = ${p(1)}`
      ])
    }

    const roundTrip = (value: string, id: number) =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const sql = yield* SqlClient.SqlClient
        const p = (i: number) => db.dialect === "pg" ? `$${i}` : "?"
        return yield* db.begin(Effect.gen(function*() {
          const s = yield* Session.Session
          // Fragment path and text-with-parameters path, one row each.
          yield* s.execute(sql`INSERT INTO hostile (id, v) VALUES (${id}, ${value})`)
          yield* s.execute(`INSERT INTO hostile (id, v) VALUES (${p(1)}, ${p(2)})`, [id + 1, value])
          const viaFragment = yield* s.one(sql`SELECT v FROM hostile WHERE id = ${id}`)
          const viaText = yield* s.one(`SELECT v FROM hostile WHERE id = ${p(1)}`, [id + 1])
          // The value in WHERE position and in an IN list matches exactly its two rows.
          const equal = yield* s.scalar(sql`SELECT COUNT(*) AS n FROM hostile WHERE v = ${value}`)
          const inList = yield* s.scalar(sql`SELECT COUNT(*) AS n FROM hostile WHERE v IN ${sql.in([value, "\u0007never"])}`)
          return { viaFragment: viaFragment.v, viaText: viaText.v, equal, inList }
        }))
      })

    it.live("injection and unicode corpus: stored and returned exactly, no extra statement, no table changed", () =>
      withListener((seen) =>
        Effect.gen(function*() {
          const db = yield* Database.Database
          yield* setup
          const before = yield* schemaSnapshot
          const corpus = [...injections, ...unicode]
          let id = 1
          for (const value of corpus) {
            const from = seen.length
            const result = yield* roundTrip(value, id)
            expect(result.viaFragment, JSON.stringify(value)).toBe(value)
            expect(result.viaText, JSON.stringify(value)).toBe(value)
            expect(Number(Option.getOrThrow(result.equal as Option.Option<number>))).toBe(2)
            expect(Number(Option.getOrThrow(result.inList as Option.Option<number>))).toBe(2)
            const ran = seen.slice(from)
            // BEGIN, 2 INSERTs, 4 SELECTs, COMMIT: nothing else.
            expect(ran.length, JSON.stringify(value)).toBe(8)
            for (const statement of ran) {
              expect(allowed(db.dialect).has(statement.sql), statement.sql).toBe(true)
            }
            // The value only ever travels as a bound parameter, unchanged.
            expect(ran.filter((s) => s.params.includes(value)).length).toBe(4)
            // Delete the rows again so the WHERE counts stay exact for the next value.
            yield* db.begin(Effect.flatMap(Session.Session, (s) => s.execute(`DELETE FROM hostile`)))
            id += 2
          }
          expect(yield* schemaSnapshot).toEqual(before)
        })
      ), 60_000)

    it.live("~1 MB values (ASCII, quotes, injection text, emoji) round-trip exactly", () =>
      withListener((seen) =>
        Effect.gen(function*() {
          const db = yield* Database.Database
          yield* setup
          const before = yield* schemaSnapshot
          let id = 1
          for (const [label, value] of longValues) {
            const from = seen.length
            const result = yield* roundTrip(value, id)
            // Compare lengths first so a failure does not print a megabyte.
            expect(typeof result.viaFragment, label).toBe("string")
            expect((result.viaFragment as string).length, label).toBe(value.length)
            expect(result.viaFragment === value, label).toBe(true)
            expect(result.viaText === value, label).toBe(true)
            expect(Number(Option.getOrThrow(result.equal as Option.Option<number>)), label).toBe(2)
            const ran = seen.slice(from)
            expect(ran.length, label).toBe(8)
            for (const statement of ran) expect(allowed(db.dialect).has(statement.sql), statement.sql).toBe(true)
            id += 2
          }
          expect(yield* schemaSnapshot).toEqual(before)
        })
      ), 60_000)

    it.live("NUL bytes: exact round-trip on SQLite, a typed InputError (22021) on PostgreSQL; nothing half-written", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const sql = yield* SqlClient.SqlClient
        yield* setup
        const before = yield* schemaSnapshot
        let id = 1
        for (const value of nulValues) {
          const exit = yield* Effect.exit(roundTrip(value, id))
          if (db.dialect === "sqlite") {
            expect(exit._tag, JSON.stringify(value)).toBe("Success")
            if (exit._tag === "Success") {
              expect(exit.value.viaFragment).toBe(value)
              expect(exit.value.viaText).toBe(value)
              expect(Number(Option.getOrThrow(exit.value.equal as Option.Option<number>))).toBe(2)
            }
          } else {
            const error = databaseFailure(exit)
            expect(error.reason._tag).toBe("InputError")
            expect(error.reason).toMatchObject({ code: "22021" })
            expect(error.message).toMatch(/0x00/)
            const rows = yield* sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM hostile`
            expect(Number(rows[0]!.n)).toBe(0)
          }
          id += 2
        }
        // The connection is fine afterwards and nothing else changed.
        yield* db.begin(Effect.flatMap(Session.Session, (s) => s.execute(sql`INSERT INTO hostile (id, v) VALUES (${999}, ${"after"})`)))
        expect(yield* schemaSnapshot).toEqual(before)
      }).pipe(Effect.provide(makeLayer())), 30_000)

    it.live("a hostile value in a numeric position is a typed error or matches nothing, never every row", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const sql = yield* SqlClient.SqlClient
        yield* setup
        const before = yield* schemaSnapshot
        for (const value of ["1 OR 1=1", "1; DROP TABLE victims", "1) OR (1=1", "0x1", "1e1000", "' OR ''='"]) {
          const exit = yield* Effect.exit(
            db.begin(Effect.flatMap(Session.Session, (s) => s.all(sql`SELECT id FROM victims WHERE id = ${value}`)))
          )
          if (exit._tag === "Success") {
            expect(exit.value, value).toEqual([])
          } else {
            const error = databaseFailure(exit)
            // PostgreSQL refuses text that is no integer (22P02) or out of range (22003): the value is wrong.
            expect(DatabaseError.hasReason(error, "InputError"), value).toBe(true)
          }
        }
        expect(yield* schemaSnapshot).toEqual(before)
      }).pipe(Effect.provide(makeLayer())), 30_000)
  })
}
