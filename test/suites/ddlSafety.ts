/**
 * DDL safety on any database: `Column.sqlDefault` text that would smuggle a
 * second statement into createAll is refused when the layer is built, before
 * any SQL; benign defaults (the dialect's own string syntaxes included) work;
 * and every DDL path sends exactly one statement per query.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import { schemaDialects } from "../../src/internal/dialect/schemaDialects.js"
import { isSingleStatement } from "../../src/internal/schema/sqlText.js"
import * as Session from "../../src/Session.js"
import * as Table from "../../src/Table.js"
import { tables as fixtureTables } from "../fixtures/sqlservice.js"
import type { LayerOptions, MakeLayer } from "../support/layers.js"

type Dialect = Database.Dialect

const Victim = Table.make("victim", { id: Schema.Int.pipe(Column.primaryKey) })

const evilTable = (sql: string) =>
  Table.make("evil", {
    id: Schema.Int.pipe(Column.primaryKey),
    note: Schema.String.pipe(Column.default(Column.sqlDefault(sql)))
  })

/**
 * Each text tries to end the DEFAULT expression early and run a second
 * statement, by a quoting rule one of the dialects has and a naive reader
 * misses. `refused`: the layer fails with a SchemaError before any SQL.
 * `harmless`: it is one expression (a string that merely contains SQL, or
 * nonsense the server rejects), so createAll may run, and the victim table
 * and its row survive either way.
 */
const hostile: ReadonlyArray<{ readonly sql: string; readonly pg: "refused" | "harmless"; readonly sqlite: "refused" | "harmless" }> = [
  { sql: "1); DROP TABLE victim; --", pg: "refused", sqlite: "refused" },
  { sql: "1); DROP TABLE victim; SELECT (1", pg: "refused", sqlite: "refused" },
  // PostgreSQL reads E'\'' as one quote; a reader without E'' sees one long string.
  { sql: "E'\\'')); DROP TABLE victim; SELECT (1 --'", pg: "refused", sqlite: "harmless" },
  // A string continued on the next line stays an E'' string.
  { sql: "E'x'\n'\\''); DROP TABLE victim; SELECT (1 --'", pg: "refused", sqlite: "harmless" },
  { sql: "E'\\'; DROP TABLE victim; --'", pg: "harmless", sqlite: "refused" },
  { sql: "$$'$$); DROP TABLE victim; SELECT ('$$", pg: "refused", sqlite: "refused" },
  { sql: "$t$ $$ $t$); DROP TABLE victim; SELECT ($t$ $$ $t$", pg: "refused", sqlite: "refused" },
  { sql: "$$; DROP TABLE victim; $$", pg: "harmless", sqlite: "refused" },
  // U+00A0 is an identifier character to both servers, so "$$" after it opens no string.
  { sql: "\u00a0$$; DROP TABLE victim; SELECT (1 --$$", pg: "refused", sqlite: "refused" },
  // SQLite's Tcl-style parameter $a(...) swallows the quote.
  { sql: "$a(') ; DROP TABLE victim; SELECT (')", pg: "harmless", sqlite: "refused" },
  // Nested on PostgreSQL, ended by the first */ on SQLite.
  { sql: "/* /* */ 1); DROP TABLE victim; SELECT (1 /* */ */ 2", pg: "refused", sqlite: "refused" },
  { sql: "'x' /* c */", pg: "refused", sqlite: "refused" },
  { sql: "1 -- c\n); DROP TABLE victim; SELECT (1", pg: "refused", sqlite: "refused" },
  { sql: "N'\\'); DROP TABLE victim; SELECT ('", pg: "refused", sqlite: "refused" },
  { sql: "'\\'); DROP TABLE victim; SELECT ('", pg: "refused", sqlite: "refused" },
  { sql: "\"x\"\"); DROP TABLE victim; --\"", pg: "harmless", sqlite: "harmless" },
  { sql: "'it''s'); DROP TABLE victim; SELECT ('", pg: "refused", sqlite: "refused" },
  { sql: "'; DROP TABLE victim; --'", pg: "harmless", sqlite: "harmless" },
  { sql: "1) CHECK (false", pg: "refused", sqlite: "refused" },
  { sql: "(SELECT 1); DELETE FROM victim", pg: "refused", sqlite: "refused" },
  { sql: "$1", pg: "refused", sqlite: "refused" },
  { sql: "?", pg: "harmless", sqlite: "refused" },
  { sql: ";", pg: "refused", sqlite: "refused" },
  { sql: "  ", pg: "refused", sqlite: "refused" },
  { sql: "'a\u0000'", pg: "refused", sqlite: "refused" },
  { sql: "'unterminated", pg: "refused", sqlite: "refused" }
]

/** Defaults every dialect must accept, create and apply, with the value a row then gets. */
const benign: Record<Dialect, ReadonlyArray<readonly [sql: string, value: string]>> = {
  pg: [
    ["'it''s'", "it's"],
    ["'a;b'", "a;b"],
    ["'-- not a comment'", "-- not a comment"],
    ["'/* not a comment */'", "/* not a comment */"],
    ["lower('ABC')", "abc"],
    ["'back\\slash'", "back\\slash"],
    ["'ends with \\'", "ends with \\"],
    ["E'tab\\there'", "tab\there"],
    ["E'quote\\'s'", "quote's"],
    ["E'a'\n'b\\\\c'", "ab\\c"],
    ["$$dollar; 'quoted'$$", "dollar; 'quoted'"],
    ["$tag$it's $$ nested$tag$", "it's $$ nested"],
    ["U&'\\0041'", "A"],
    ["N'x\\y'", "x\\y"],
    ["'a' || 'b'", "ab"]
  ],
  sqlite: [
    ["'it''s'", "it's"],
    ["'a;b'", "a;b"],
    ["'-- not a comment'", "-- not a comment"],
    ["'/* not a comment */'", "/* not a comment */"],
    ["lower('ABC')", "abc"],
    ["'back\\slash'", "back\\slash"],
    ["'ends with \\'", "ends with \\"],
    ["'a' || 'b'", "ab"]
  ]
}

const capture = () => {
  const statements: Array<string> = []
  return { statements, onStatement: (sql: string) => void statements.push(sql) }
}

const dialectOf = (makeLayer: MakeLayer) => Effect.provide(Effect.map(Database.Database, (db) => db.dialect), makeLayer())

/** A database of its own for `body`, built from `options`. */
const withDatabase = <A, E>(
  makeLayer: MakeLayer,
  options: LayerOptions,
  body: (db: Database.Database) => Effect.Effect<A, E>
) => Effect.scoped(Effect.flatMap(Layer.build(makeLayer(options)), (ctx) => body(Context.get(ctx, Database.Database))))

const singleStatements = (dialect: Dialect, statements: ReadonlyArray<string>) =>
  statements.filter((s) => !isSingleStatement(s, schemaDialects[dialect].lexRules))

export const suite = (name: string, makeLayer: MakeLayer) => {
  describe(`DDL safety (${name})`, () => {
    it.effect("a Column.sqlDefault that smuggles a second statement fails the layer with a SchemaError before any SQL", () =>
      Effect.gen(function*() {
        const dialect = yield* dialectOf(makeLayer)
        const cases = hostile.filter((c) => c[dialect] === "refused")
        expect(cases.length).toBeGreaterThan(15)
        for (const { sql } of cases) {
          const { onStatement, statements } = capture()
          const error = yield* Effect.flip(withDatabase(makeLayer, { tables: [Victim, evilTable(sql)], onStatement }, () => Effect.void))
          expect(DatabaseError.hasReason(error, "SchemaError"), sql).toBe(true)
          expect(error.message, sql).toMatch(/table evil, field note: the SQL default .* is rejected: \w/)
          expect(statements, sql).toEqual([])
        }
      }))

    it.effect("a hostile Column.sqlDefault that is let through is one expression: the other tables survive createAll", () =>
      Effect.gen(function*() {
        const dialect = yield* dialectOf(makeLayer)
        for (const { sql } of hostile.filter((c) => c[dialect] === "harmless")) {
          const { onStatement, statements } = capture()
          const rows = yield* withDatabase(makeLayer, { tables: [Victim, evilTable(sql)], onStatement }, (db) =>
            Effect.gen(function*() {
              yield* db.createAll({ tables: [Victim] })
              yield* db.begin(Effect.flatMap(Session.Session, (s) => s.execute("INSERT INTO victim (id) VALUES (1)")))
              // Some of these are nonsense the server rejects; what matters is what else ran.
              yield* Effect.result(db.createAll({ tables: ["evil"] }))
              return yield* db.begin(Effect.flatMap(Session.Session, (s) => s.all("SELECT id FROM victim")))
            }))
          expect(rows, sql).toEqual([{ id: 1 }])
          expect(singleStatements(dialect, statements), sql).toEqual([])
        }
      }))

    it.effect("benign defaults, in the dialect's own string syntaxes, are created and applied", () =>
      Effect.gen(function*() {
        const dialect = yield* dialectOf(makeLayer)
        const defaults = benign[dialect]
        const fields: Record<string, Schema.Top> = { id: Schema.Int.pipe(Column.primaryKey) }
        defaults.forEach(([sql], i) => {
          fields[`c${i}`] = Schema.String.pipe(Column.default(Column.sqlDefault(sql)))
        })
        const Defaults = Table.make("defaults", fields)
        const { onStatement, statements } = capture()
        const row = yield* withDatabase(makeLayer, { tables: [Defaults], onStatement }, (db) =>
          Effect.gen(function*() {
            yield* db.createAll()
            const row = yield* db.begin(Effect.flatMap(Session.Session, (s) => s.save(Defaults, { id: 1 } as Table.Insert<typeof Defaults>)))
            yield* db.dropAll()
            return row as Record<string, unknown>
          }))
        expect(defaults.map((_, i) => row[`c${i}`])).toEqual(defaults.map(([, value]) => value))
        expect(singleStatements(dialect, statements)).toEqual([])
      }))

    it.effect("createAll and dropAll send one statement per query, indexes and foreign keys included", () =>
      Effect.gen(function*() {
        const dialect = yield* dialectOf(makeLayer)
        const { onStatement, statements } = capture()
        yield* withDatabase(makeLayer, { tables: fixtureTables, onStatement }, (db) =>
          Effect.andThen(db.createAll(), db.dropAll()))
        const ddl = statements.filter((s) => /^\s*(CREATE|DROP|ALTER)\b/.test(s))
        expect(ddl.filter((s) => s.startsWith("CREATE TABLE"))).toHaveLength(fixtureTables.length)
        expect(ddl.filter((s) => s.startsWith("CREATE INDEX"))).toHaveLength(1)
        expect(ddl.filter((s) => s.startsWith("DROP TABLE"))).toHaveLength(fixtureTables.length)
        expect(singleStatements(dialect, statements)).toEqual([])
      }))

    it.effect("a text of two statements is refused by the database itself, and neither runs", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const error = yield* Effect.flip(db.begin(Effect.flatMap(
          Session.Session,
          (s) => s.execute("CREATE TABLE first_half (x INTEGER); CREATE TABLE second_half (x INTEGER)")
        )))
        expect(error.message).toMatch(/more than one statement|multiple commands/)
        const live = yield* db.reflect({ tables: ["first_half", "second_half"] })
        expect(live.tables).toEqual([])
      }).pipe(Effect.provide(makeLayer())))
  })
}
