/**
 * Dates and times on databases we did not create: rows written by raw SQL
 * (and by the database's own clock) in the database's text shape, read,
 * compared, ordered and written back through the library; reflected
 * tables; DATE columns; Date defaults; unix-time columns; naive timestamps
 * that do not depend on the process time zone; values the database refuses
 * as invalid input (an `InputError` with the database's code).
 *
 * The fixture table is created by raw DDL, as an existing database would
 * have it: naive `TIMESTAMP` columns (SQLite stores them as text, PostgreSQL
 * as `timestamp without time zone`), one filled in by the database clock,
 * and unix seconds / milliseconds in integer and real columns.
 *
 * The suite also runs in other time zones (the `tz-*` vitest projects, see
 * `test/zones/`): nothing here may depend on the process time zone.
 */
import { describe, expect, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Metadata from "../../src/Metadata.js"
import * as Query from "../../src/Query.js"
import * as Result from "effect/Result"
import type * as Session from "../../src/Session.js"
import * as Table from "../../src/Table.js"
import type { MakeLayer } from "../support/layers.js"

/** The existing table, as each dialect's own DDL spells it. */
const fixtureDdl: Record<Database.Dialect, ReadonlyArray<string>> = {
  sqlite: [
    `CREATE TABLE invoices (
      id INTEGER PRIMARY KEY,
      invoice_date TIMESTAMP NOT NULL,
      created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
      paid_at DATETIME,
      due DATE
    )`,
    `CREATE TABLE unix_events (
      id INTEGER PRIMARY KEY,
      at_s INTEGER NOT NULL,
      at_ms INTEGER NOT NULL,
      at_real REAL
    )`
  ],
  pg: [
    // The clock as naive UTC wall-clock time, to the second, as SQLite's CURRENT_TIMESTAMP writes it.
    `CREATE TABLE invoices (
      id INTEGER PRIMARY KEY,
      invoice_date TIMESTAMP NOT NULL,
      created_at TIMESTAMP(0) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
      paid_at TIMESTAMP,
      due DATE
    )`,
    `CREATE TABLE unix_events (
      id INTEGER PRIMARY KEY,
      at_s BIGINT NOT NULL,
      at_ms BIGINT NOT NULL,
      at_real DOUBLE PRECISION
    )`
  ]
}

/** How the existing rows were written: the text a database tool or the application's own SQL stored. */
const existingRows = [
  [1, "2020-12-31 23:59:59"],
  [2, "2021-01-01 00:00:00"],
  [3, "2021-01-01 00:00:00.500"],
  [4, "2021-01-01 12:00:00"]
] as const

const Invoice = Table.make("invoices", {
  id: Schema.Int.pipe(Column.primaryKey),
  invoiceDate: Schema.Date.pipe(Column.dbType("TIMESTAMP")),
  createdAt: Schema.Date.pipe(Column.dbType("TIMESTAMP"), Column.default(Column.sqlDefault("CURRENT_TIMESTAMP"))),
  paidAt: Schema.NullOr(Schema.DateTimeUtc).pipe(Column.dbType("TIMESTAMP"))
}, { columnNames: "snake_case" })

const realType: Record<Database.Dialect, string> = { sqlite: "REAL", pg: "DOUBLE PRECISION" }

const unixEvents = (dialect: Database.Dialect) =>
  Table.make("unix_events", {
    id: Schema.Int.pipe(Column.primaryKey),
    atS: Schema.Date.pipe(Column.unixTime("seconds")),
    atMs: Schema.DateTimeUtc.pipe(Column.unixTime("milliseconds")),
    atReal: Schema.NullOr(Schema.Date).pipe(Column.unixTime("seconds"), Column.dbType(realType[dialect]))
  }, { columnNames: "snake_case" })

/** A DATE through raw SQL: SQLite's text; pg's Date, at UTC midnight of that day. */
const rawDate: Record<Database.Dialect, string> = { sqlite: "2021-01-01", pg: "2021-01-01T00:00:00.000Z" }

/** SQLite keeps the declared name (TIMESTAMP is an instant, DATETIME wall-clock); PostgreSQL has one naive type. */
const reflectedTypes: Record<Database.Dialect, ReadonlyArray<Metadata.NeutralType>> = {
  sqlite: ["timestamp", "datetime", "datetime"],
  pg: ["datetime", "datetime", "datetime"]
}

/** A column that holds only integers: PostgreSQL's INTEGER, a STRICT table on SQLite (others convert or keep any value). */
const typedColumnDdl: Record<Database.Dialect, string> = {
  sqlite: "CREATE TABLE typed_values (n INTEGER) STRICT",
  pg: "CREATE TABLE typed_values (n INTEGER)"
}
const invalidInputCode: Record<Database.Dialect, string> = { sqlite: "SQLITE_CONSTRAINT_DATATYPE", pg: "22P02" }
const sqlClientReason: Record<Database.Dialect, string> = { sqlite: "ConstraintError", pg: "UnknownError" }

/** What becomes of text that is no date-time in a naive timestamp column. */
const notADate: Record<Database.Dialect, { readonly written: string; readonly read: string }> = {
  sqlite: { written: "stored", read: "DecodeError" },
  pg: { written: "InputError", read: "read" }
}

/** How a Date default is spelled: SQLite's own text; PostgreSQL reads ISO 8601 (the zone ignored for TIMESTAMP). */
const defaultLiteral: Record<Database.Dialect, string> = {
  sqlite: "'2021-01-01 00:00:00'",
  pg: "'2021-01-01T00:00:00.000Z'"
}

/** Tables the library creates (the declared tables of the layer). */
const Declared = Table.make("unix_declared", {
  id: Schema.Int.pipe(Column.primaryKey),
  at: Schema.Date.pipe(Column.unixTime("milliseconds"))
})

const Defaulted = Table.make("defaulted_dates", {
  id: Schema.Int.pipe(Column.primaryKey),
  since: Schema.Date.pipe(Column.dbType("TIMESTAMP"), Column.default(new Date("2021-01-01T00:00:00Z"))),
  sinceUnix: Schema.Date.pipe(Column.unixTime("seconds"), Column.default(new Date("2021-01-01T00:00:00Z")))
}, { columnNames: "snake_case" })

const utc = (iso: string) => new Date(iso)

const inSession = <A, E, R>(db: Database.Database, f: (s: Session.Session) => Effect.Effect<A, E, R>) =>
  Effect.scoped(Effect.flatMap(db.session, (s) => Effect.tap(f(s), () => s.commit)))

const ids = (rows: ReadonlyArray<{ readonly id: number }>) => rows.map((r) => r.id)

export const suite = (name: string, makeLayer: MakeLayer) => {
  const test = <A, E>(
    title: string,
    body: (db: Database.Database, statements: Array<string>) => Effect.Effect<A, E, Database.Database>
  ) =>
    it.effect(title, () => {
      const statements: Array<string> = []
      return Effect.gen(function*() {
        const db = yield* Database.Database
        yield* inSession(db, (s) =>
          Effect.gen(function*() {
            for (const ddl of fixtureDdl[db.dialect]) yield* s.execute(ddl)
            for (const [id, text] of existingRows) {
              yield* s.execute(`INSERT INTO invoices (id, invoice_date) VALUES (${id}, '${text}')`)
            }
          }))
        statements.length = 0
        return yield* body(db, statements)
      }).pipe(
        Effect.provide(makeLayer({ tables: [Declared, Defaulted], onStatement: (sql) => statements.push(sql) })),
        Effect.scoped
      ) as Effect.Effect<A, unknown>
    })

  describe(`dates and times on existing data (${name})`, () => {
    test("a value read from raw SQL text decodes to that UTC wall-clock instant", (db) =>
      Effect.gen(function*() {
        const rows = yield* inSession(db, (s) => s.all(Query.select(Invoice).pipe(Query.orderBy(Invoice.columns.id))))
        expect(rows.map((r) => r.invoiceDate.toISOString())).toEqual([
          "2020-12-31T23:59:59.000Z",
          "2021-01-01T00:00:00.000Z",
          "2021-01-01T00:00:00.500Z",
          "2021-01-01T12:00:00.000Z"
        ])
      }))

    test("eq, gte, lt and inArray with a Date find the rows raw SQL finds", (db) =>
      Effect.gen(function*() {
        const midnight = utc("2021-01-01T00:00:00Z")
        const found = yield* inSession(db, (s) =>
          Effect.all({
            eq: s.all(Query.select(Invoice).pipe(Query.where(Query.eq(Invoice.columns.invoiceDate, midnight)))),
            eqMillis: s.all(
              Query.select(Invoice).pipe(Query.where(Query.eq(Invoice.columns.invoiceDate, utc("2021-01-01T00:00:00.500Z"))))
            ),
            gte: s.all(Query.select(Invoice).pipe(Query.where(Query.gte(Invoice.columns.invoiceDate, midnight)))),
            lt: s.all(Query.select(Invoice).pipe(Query.where(Query.lt(Invoice.columns.invoiceDate, midnight)))),
            gt: s.all(Query.select(Invoice).pipe(Query.where(Query.gt(Invoice.columns.invoiceDate, midnight)))),
            inArray: s.all(
              Query.select(Invoice).pipe(
                Query.where(Query.inArray(Invoice.columns.invoiceDate, [midnight, utc("2021-01-01T12:00:00Z")]))
              )
            ),
            raw: s.all("SELECT id FROM invoices WHERE invoice_date >= '2021-01-01 00:00:00' ORDER BY id")
          }))
        expect(ids(found.eq)).toEqual([2])
        expect(ids(found.eqMillis)).toEqual([3])
        expect(ids(found.gte).sort()).toEqual([2, 3, 4])
        expect(ids(found.gte).sort()).toEqual(found.raw.map((r) => Number(r["id"])))
        expect(ids(found.lt)).toEqual([1])
        expect(ids(found.gt).sort()).toEqual([3, 4])
        expect(ids(found.inArray).sort()).toEqual([2, 4])
      }))

    test("the comparison binds the value and leaves the column bare (an index on it stays usable)", (db, statements) =>
      Effect.gen(function*() {
        yield* inSession(db, (s) =>
          s.all(Query.select(Invoice).pipe(Query.where(Query.gte(Invoice.columns.invoiceDate, utc("2021-01-01T00:00:00Z"))))))
        const select = statements.find((sql) => sql.startsWith("SELECT"))
        expect(select).toMatch(/WHERE "invoice_date" >= (\?|\$1)$/)
      }))

    test("rows written through the library are stored in the database's own text shape and sort among existing ones", (db) =>
      Effect.gen(function*() {
        // From concurrent sessions: the conversion holds no shared state.
        yield* Effect.forEach(
          [[10, "2021-01-01T06:00:00Z"], [11, "2021-01-01T00:00:00.123Z"], [12, "2021-01-01T23:59:59.999Z"]] as const,
          ([id, at]) => inSession(db, (s) => s.save(Invoice, { id, invoiceDate: utc(at), paidAt: null })),
          { concurrency: "unbounded" }
        )
        const stored = yield* inSession(db, (s) =>
          s.all("SELECT id, CAST(invoice_date AS TEXT) AS t FROM invoices WHERE id >= 10 ORDER BY id"))
        expect(stored.map((r) => r["t"])).toEqual(["2021-01-01 06:00:00", "2021-01-01 00:00:00.123", "2021-01-01 23:59:59.999"])
        const ordered = yield* inSession(db, (s) => s.all(Query.select(Invoice).pipe(Query.orderBy(Invoice.columns.invoiceDate))))
        expect(ids(ordered)).toEqual([1, 2, 11, 3, 10, 4, 12])
        const rawOrder = yield* inSession(db, (s) => s.all("SELECT id FROM invoices ORDER BY invoice_date"))
        expect(rawOrder.map((r) => Number(r["id"]))).toEqual([1, 2, 11, 3, 10, 4, 12])
      }))

    test("a value the database clock wrote is found again with the value read (filterBy, eq, update)", (db) =>
      Effect.gen(function*() {
        const before = Date.now()
        yield* inSession(db, (s) => s.execute("INSERT INTO invoices (id, invoice_date) VALUES (20, '2021-06-01 00:00:00')"))
        const read = yield* inSession(db, (s) => s.getOrFail(Invoice, 20))
        // The clock's time in UTC: a value shifted by a zone offset (30 minutes at least) is off by more.
        expect(Math.abs(read.createdAt.getTime() - before)).toBeLessThan(20 * 60 * 1000)
        const again = yield* inSession(db, (s) =>
          Effect.all({
            byFilter: s.all(Query.select(Invoice).pipe(Query.filterBy({ createdAt: read.createdAt, invoiceDate: read.invoiceDate }))),
            byEq: s.all(Query.select(Invoice).pipe(Query.where(Query.eq(Invoice.columns.createdAt, read.createdAt)))),
            updated: s.update(
              Query.select(Invoice).pipe(Query.filterBy({ id: 20, createdAt: read.createdAt })),
              { paidAt: DateTime.makeUnsafe("2021-06-02T10:00:00Z") }
            )
          }))
        expect(ids(again.byFilter)).toEqual([20])
        expect(ids(again.byEq)).toContain(20)
        expect(again.updated).toBe(1)
        const paid = yield* inSession(db, (s) => s.getOrFail(Invoice, 20))
        expect(paid.paidAt === null ? null : DateTime.formatIso(paid.paidAt)).toBe("2021-06-02T10:00:00.000Z")
      }))

    test("save of a row just read finds its own row and changes nothing else (DateTimeUtc and Date)", (db) =>
      Effect.gen(function*() {
        const row = yield* inSession(db, (s) => s.getOrFail(Invoice, 3))
        const saved = yield* inSession(db, (s) => s.save(Invoice, { ...row, paidAt: DateTime.makeUnsafe("2021-01-02T00:00:00.123Z") }))
        expect(saved.invoiceDate.toISOString()).toBe("2021-01-01T00:00:00.500Z")
        const stored = yield* inSession(db, (s) => s.all("SELECT CAST(paid_at AS TEXT) AS t FROM invoices WHERE id = 3"))
        expect(stored[0]?.["t"]).toBe("2021-01-02 00:00:00.123")
        expect(yield* inSession(db, (s) => s.count(Query.select(Invoice)))).toBe(4)
      }))

    test("naive timestamps do not depend on the process time zone (raw SQL reads included)", (db) =>
      Effect.gen(function*() {
        yield* inSession(db, (s) => s.save(Invoice, { id: 30, invoiceDate: utc("2021-03-04T05:06:07Z"), paidAt: null }))
        const text = yield* inSession(db, (s) => s.all("SELECT CAST(invoice_date AS TEXT) AS t FROM invoices WHERE id = 30"))
        expect(text[0]?.["t"]).toBe("2021-03-04 05:06:07")
        const viaSqlClient = yield* db.sql<{ readonly invoice_date: unknown }>`SELECT invoice_date FROM invoices WHERE id = 2`
        // SQLite returns the stored text, PostgreSQL a Date: both the same UTC wall-clock time.
        const raw = viaSqlClient[0]?.invoice_date
        expect(raw instanceof Date ? raw.toISOString() : raw).toBe(
          db.dialect === "pg" ? "2021-01-01T00:00:00.000Z" : "2021-01-01 00:00:00"
        )
      }))

    test("a DATE is the same day in every time zone, read through the library or raw, and written back raw", (db) =>
      Effect.gen(function*() {
        yield* inSession(db, (s) => s.execute("UPDATE invoices SET due = '2021-01-01' WHERE id = 2"))
        const Due = Table.make("invoices", {
          id: Schema.Int.pipe(Column.primaryKey),
          due: Schema.NullOr(Schema.String).pipe(Column.dbType("DATE"))
        })
        const viaLibrary = yield* inSession(db, (s) => s.getOrFail(Due, 2))
        expect(viaLibrary.due).toBe("2021-01-01")
        const [raw] = yield* db.sql<{ readonly due: unknown }>`SELECT due FROM invoices WHERE id = 2`
        expect(raw?.due instanceof Date ? raw.due.toISOString() : raw?.due).toBe(rawDate[db.dialect])
        yield* db.sql`UPDATE invoices SET due = ${raw?.due} WHERE id = 3`
        yield* inSession(db, (s) => s.update(Query.select(Due).pipe(Query.filterBy({ id: 4 })), { due: "2021-01-02" }))
        const text = yield* inSession(db, (s) => s.all("SELECT CAST(due AS TEXT) AS t FROM invoices WHERE id IN (3, 4) ORDER BY id"))
        expect(text.map((r) => r["t"])).toEqual(["2021-01-01", "2021-01-02"])
      }))

    test("a table reflected from the database binds and stores its TIMESTAMP / DATETIME columns in the same shape", (db) =>
      Effect.gen(function*() {
        const live = yield* db.reflect({ tables: ["invoices"] })
        const columns = Metadata.findTable(live, "invoices")?.columns ?? []
        const types = Object.fromEntries(columns.map((c) => [c.name, c.type]))
        expect([types["invoice_date"], types["created_at"], types["paid_at"]]).toEqual(reflectedTypes[db.dialect])
        const Reflected = (yield* db.tables).find((t) => t.name === "invoices")!
        const midnight = utc("2021-01-01T00:00:00Z")
        const found = yield* inSession(db, (s) =>
          s.all(Query.select(Reflected).pipe(Query.where(Query.gte(Reflected.columns["invoice_date"]!, midnight)))))
        expect(found.map((r) => (r as Record<string, unknown>)["id"]).sort()).toEqual([2, 3, 4])
        yield* inSession(db, (s) => s.save(Reflected, { id: 50, invoice_date: utc("2021-01-01T00:00:00.007Z"), paid_at: null, due: null }))
        const stored = yield* inSession(db, (s) => s.all("SELECT CAST(invoice_date AS TEXT) AS t FROM invoices WHERE id = 50"))
        expect(stored[0]?.["t"]).toBe("2021-01-01 00:00:00.007")
      }))
  })

  describe(`declared date-time columns (${name})`, () => {
    test("a Date default is written in the values' own shape, and found by the value it means", (db) =>
      Effect.gen(function*() {
        const metadata = yield* Effect.fromResult(Metadata.fromTables([Defaulted], db.dialect))
        const defaults = metadata.tables[0]?.columns.map((c) => c.default)
        expect(defaults?.slice(1)).toEqual([defaultLiteral[db.dialect], "1609459200"])
        yield* db.createAll()
        yield* inSession(db, (s) => s.save(Defaulted, { id: 1 }))
        const midnight = utc("2021-01-01T00:00:00Z")
        const found = yield* inSession(db, (s) =>
          s.all(Query.select(Defaulted).pipe(Query.filterBy({ since: midnight, sinceUnix: midnight }))))
        expect(ids(found)).toEqual([1])
        const text = yield* inSession(db, (s) => s.all("SELECT CAST(since AS TEXT) AS t FROM defaulted_dates"))
        expect(text[0]?.["t"]).toBe("2021-01-01 00:00:00")
      }))

    test("Column.unixTime on a field that is no date-time is a SchemaError naming the field", (db) =>
      Effect.gen(function*() {
        const Wrong = Table.make("wrong_unix", { id: Schema.Int.pipe(Column.primaryKey), at: Schema.String.pipe(Column.unixTime("seconds")) })
        const error = yield* Effect.flip(Effect.fromResult(Metadata.fromTables([Wrong], db.dialect)))
        expect(error.reason).toMatchObject({ _tag: "SchemaError", table: "wrong_unix" })
        expect(error.message).toContain("field at: Column.unixTime applies to date-time fields (Schema.Date, Schema.DateTimeUtc)")
      }))
  })

  describe(`values the database refuses as invalid input (${name})`, () => {
    test("a value of the wrong type for a typed column is an InputError with the database's code; nothing is written", (db) =>
      Effect.gen(function*() {
        yield* inSession(db, (s) => s.execute(typedColumnDdl[db.dialect]))
        const error = yield* Effect.flip(inSession(db, (s) => s.execute(db.sql`INSERT INTO typed_values (n) VALUES (${"abc"})`)))
        expect(error.reason).toMatchObject({ _tag: "InputError", code: invalidInputCode[db.dialect] })
        expect(error.message).toMatch(/^InputError: invalid input value: /)
        expect(yield* inSession(db, (s) => s.all("SELECT n FROM typed_values"))).toEqual([])
        // effect/sql's own reasons on the SqlClient stay as its upstream clients classify them.
        const viaSqlClient = yield* Effect.flip(db.sql`INSERT INTO typed_values (n) VALUES (${"abc"})`)
        expect(viaSqlClient.reason._tag).toBe(sqlClientReason[db.dialect])
      }))

    test("text that is no date-time: PostgreSQL refuses it on write (InputError), SQLite stores it and reading it is a DecodeError", (db) =>
      Effect.gen(function*() {
        const written = yield* Effect.result(
          inSession(db, (s) => s.execute(db.sql`INSERT INTO invoices (id, invoice_date) VALUES (40, ${"next tuesday"})`))
        )
        const read = yield* Effect.result(inSession(db, (s) => s.all(Query.select(Invoice))))
        expect({
          written: Result.isFailure(written) ? written.failure.reason._tag : "stored",
          read: Result.isFailure(read) ? read.failure.reason._tag : "read"
        }).toEqual(notADate[db.dialect])
      }))
  })

  describe(`unix-time columns (${name})`, () => {
    test("integer seconds and milliseconds, real seconds: read, compare and write", (db) =>
      Effect.gen(function*() {
        const Events = unixEvents(db.dialect)
        yield* inSession(db, (s) =>
          s.execute("INSERT INTO unix_events (id, at_s, at_ms, at_real) VALUES (1, 1609459200, 1609459200123, 1609459200.25)"))
        const read = yield* inSession(db, (s) => s.getOrFail(Events, 1))
        expect(read.atS.toISOString()).toBe("2021-01-01T00:00:00.000Z")
        expect(DateTime.formatIso(read.atMs)).toBe("2021-01-01T00:00:00.123Z")
        expect(read.atReal?.toISOString()).toBe("2021-01-01T00:00:00.250Z")

        yield* inSession(db, (s) =>
          s.save(Events, {
            id: 2,
            atS: utc("2021-01-02T00:00:00Z"),
            atMs: DateTime.makeUnsafe("2021-01-02T00:00:00.007Z"),
            atReal: utc("2021-01-02T00:00:00.125Z")
          }))
        const stored = yield* inSession(db, (s) => s.all("SELECT at_s, at_ms, at_real FROM unix_events WHERE id = 2"))
        expect([Number(stored[0]?.["at_s"]), Number(stored[0]?.["at_ms"]), Number(stored[0]?.["at_real"])]).toEqual([
          1609545600,
          1609545600007,
          1609545600.125
        ])
        const found = yield* inSession(db, (s) =>
          Effect.all([
            s.all(Query.select(Events).pipe(Query.where(Query.gte(Events.columns.atS, utc("2021-01-01T00:00:01Z"))))),
            s.all(Query.select(Events).pipe(Query.filterBy({ atMs: read.atMs }))),
            s.all(Query.select(Events).pipe(Query.where(Query.eq(Events.columns.atReal, utc("2021-01-02T00:00:00.125Z")))))
          ]))
        expect(found.map(ids)).toEqual([[2], [1], [2]])
      }))

    test("a Date with milliseconds for whole seconds is refused before any SQL", (db, statements) =>
      Effect.gen(function*() {
        const Events = unixEvents(db.dialect)
        const error = yield* Effect.flip(
          inSession(db, (s) => s.save(Events, { id: 3, atS: utc("2021-01-01T00:00:00.001Z"), atMs: DateTime.makeUnsafe(0), atReal: null }))
        )
        expect(DatabaseError.hasReason(error, "InputError")).toBe(true)
        expect(error.message).toMatch(/table unix_events, column at_s: .*whole seconds/)
        expect(statements.filter((sql) => /unix_events/.test(sql))).toEqual([])
        expect(Option.isNone(yield* inSession(db, (s) => s.get(Events, 3)))).toBe(true)
      }))

    test("createAll declares unix-time columns as integers (bigint on PostgreSQL)", (db) =>
      Effect.gen(function*() {
        const metadata = yield* Effect.fromResult(Metadata.fromTables([Declared], db.dialect))
        expect(metadata.tables[0]?.columns.find((c) => c.name === "at")?.type).toBe("bigint")
        yield* db.createAll()
        yield* inSession(db, (s) => s.save(Declared, { id: 1, at: utc("2100-01-01T00:00:00.001Z") }))
        const raw = yield* inSession(db, (s) => s.all("SELECT at FROM unix_declared"))
        expect(String(raw[0]?.["at"])).toBe("4102444800001")
        const live = yield* db.reflect({ tables: ["unix_declared"] })
        expect(Metadata.diff(metadata, live, db.dialect)).toEqual([])
      }))
  })
}
