/**
 * Every supported Schema type survives insert → select → decode, on both
 * dialects, through the table's own codecs.
 */
import { describe, expect, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import { createAll } from "../../src/internal/schema/ddl.js"
import * as Query from "../../src/Query.js"
import * as Table from "../../src/Table.js"
import { pgAvailable, pgIsolated, sqliteMemory } from "../support/layers.js"
import { dialects, placeholders } from "./harness.js"

const tempFile = Effect.acquireRelease(
  Effect.sync(() => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "effect-sqlservice-values-")), "test.db")),
  (file) => Effect.sync(() => fs.rmSync(path.dirname(file), { recursive: true, force: true }))
)

enum Color {
  Red = "red",
  Green = "green"
}

// Effect 3's Schema.Uint8Array (number[] ⇄ Uint8Array), which Effect 4 no longer ships.
const Uint8ArrayFromNumbers = Schema.Array(Schema.Number).pipe(
  Schema.decodeTo(
    Schema.Uint8Array,
    SchemaTransformation.transform({
      decode: (ns): Uint8Array => Uint8Array.from(ns),
      encode: (bytes): ReadonlyArray<number> => Array.from(bytes)
    })
  )
)

// Each Effect 3 column in its Effect 4 spelling (same stored data), plus the Effect 4 instance schemas.
const Everything = Table.make("everything", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  int: Schema.Int,
  num: Schema.Number,
  text: Schema.String,
  varchar: Schema.String.check(Schema.isMaxLength(20)),
  bool: Schema.Boolean,
  bigint: Schema.BigIntFromString,
  bigintSelf: Schema.BigInt,
  date: Schema.DateFromString,
  dateFromSelf: Schema.Date,
  dateTimeUtc: Schema.DateTimeUtcFromString,
  dateTimeUtcSelf: Schema.DateTimeUtc,
  bytes: Uint8ArrayFromNumbers,
  bytesSelf: Schema.Uint8Array,
  uuid: Schema.String.check(Schema.isUUID()),
  status: Schema.Literals(["draft", "published"]),
  level: Schema.Literals([1, 2, 3]),
  color: Schema.Enum(Color),
  struct: Schema.Struct({ a: Schema.Number, b: Schema.Array(Schema.String), c: Schema.optionalKey(Schema.NullOr(Schema.Boolean)) }),
  array: Schema.Array(Schema.Int),
  record: Schema.Record(Schema.String, Schema.Boolean),
  tuple: Schema.Tuple([Schema.String, Schema.Number]),
  nullable: Schema.NullOr(Schema.String),
  nullableDate: Schema.NullOr(Schema.Date),
  optional: Schema.optionalKey(Schema.Number),
  optionalOrUndefined: Schema.optional(Schema.String),
  branded: Schema.Int.pipe(Schema.brand("UserId")),
  numberFromString: Schema.NumberFromString,
  option: Schema.OptionFromNullOr(Schema.String),
  unknown: Schema.Unknown
}, { columnNames: "snake_case" })

type Row = Table.Type<typeof Everything>

const full: Table.Insert<typeof Everything> = {
  int: -2147483648,
  num: 0.1 + 0.2,
  text: "it's \"quoted\" — ünïcödé 🎉\nnew line",
  varchar: "exactly twenty chars",
  bool: true,
  bigint: 9007199254740991n,
  bigintSelf: -9007199254740991n,
  date: new Date("2024-02-29T12:34:56.789Z"),
  dateFromSelf: new Date("1999-12-31T23:59:59.999Z"),
  dateTimeUtc: DateTime.makeUnsafe("2030-01-01T00:00:00.001Z"),
  dateTimeUtcSelf: DateTime.makeUnsafe("1970-01-01T00:00:00.000Z"),
  bytes: new Uint8Array([0, 1, 2, 254, 255]),
  bytesSelf: new Uint8Array([]),
  uuid: "123e4567-e89b-12d3-a456-426614174000",
  status: "published",
  level: 3,
  color: Color.Green,
  struct: { a: 1.5, b: ["x", "y"], c: null },
  array: [1, 2, 3],
  record: { yes: true, no: false },
  tuple: ["t", 42],
  nullable: null,
  nullableDate: null,
  branded: Schema.decodeSync(Schema.Int.pipe(Schema.brand("UserId")))(7),
  numberFromString: 12.5,
  option: Option.some("some"),
  unknown: { anything: [1, "two", { three: null }] }
}

const sparse: Table.Insert<typeof Everything> = {
  ...full,
  int: 0,
  num: -0.5,
  text: "",
  bool: false,
  bigint: 0n,
  bigintSelf: 9223372036854775807n,
  nullable: "not null",
  nullableDate: new Date(0),
  optional: 3,
  optionalOrUndefined: "present",
  bytesSelf: new Uint8Array([1]),
  array: [],
  record: {},
  option: Option.none(),
  unknown: "just a string"
}

const withoutOption = (v: object): object => {
  const { option: _option, ...rest } = v as Record<string, unknown>
  return rest
}

const pgUp = await pgAvailable()

/**
 * Through the public API: a Database on each dialect, SQLite with
 * `safeIntegers` so the whole 64-bit range reads back exactly.
 */
const databases: ReadonlyArray<{ readonly name: string; readonly skip: boolean; readonly layer: Layer.Layer<Database.Database, unknown> }> = [
  { name: "sqlite", skip: false, layer: sqliteMemory({ tables: [Everything], safeIntegers: true }) },
  { name: "pg", skip: !pgUp, layer: pgIsolated({ tables: [Everything] }) }
]

describe.each(databases)("round trip through a Database ($name)", ({ layer, skip }) => {
  it.effect.skipIf(skip)("every supported type survives save and a decoded select, 64-bit integers included", () =>
    Effect.gen(function*() {
      const db = yield* Database.Database
      yield* db.createAll()
      const values = [full, sparse]
      const decoded: ReadonlyArray<Row> = yield* Effect.scoped(Effect.gen(function*() {
        const s = yield* db.session
        yield* s.insertAll(Everything, values)
        yield* s.commit
        return yield* s.all(Query.select(Everything).pipe(Query.orderBy(Everything.columns.id)))
      }))
      expect(decoded).toHaveLength(2)
      expect(decoded.map((r) => r.id)).toEqual([1, 2])
      decoded.forEach((row, i) => {
        expect(withoutOption(row)).toEqual({ id: i + 1, ...withoutOption(values[i]!) })
        expect(row.bytes).toBeInstanceOf(Uint8Array)
        expect(row.date).toBeInstanceOf(Date)
        expect(DateTime.isDateTime(row.dateTimeUtc)).toBe(true)
        expect(DateTime.isDateTime(row.dateTimeUtcSelf)).toBe(true)
      })
      expect(decoded[1]!.bigintSelf).toBe(9223372036854775807n)
      expect(decoded[0]!.option).toEqual(Option.some("some"))
      expect(Option.isNone(decoded[1]!.option)).toBe(true)
      expect("optional" in decoded[0]!).toBe(false)
      expect(decoded[1]!.optional).toBe(3)
      expect("optionalOrUndefined" in decoded[0]!).toBe(false)
      expect(decoded[1]!.optionalOrUndefined).toBe("present")
    }).pipe(Effect.provide(layer)))
})

describe.each(dialects)("round trip ($name)", ({ make, name }) => {
  it.effect("a row the Schema rejects is a DecodeError naming table and column", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* make
      const T = Table.make("strict", {
        id: Schema.Int.pipe(Column.primaryKey),
        status: Schema.String.check(Schema.isPattern(/^[a-z]+$/))
      })
      yield* createAll(db.run, db.schemaDialect, [T])
      // Written behind the Schema's back: the column allows it, the Schema does not.
      yield* db.run(`INSERT INTO "strict" ("id", "status") VALUES (${placeholders(db.dialect, 2)})`, [1, "ok"])
      yield* db.run(`INSERT INTO "strict" ("id", "status") VALUES (${placeholders(db.dialect, 2)})`, [2, "Not Lowercase!"])
      const rows = yield* db.run(`SELECT * FROM "strict" ORDER BY "id"`)
      const decode = Table.decodeRow(T, db.dialect)
      expect(yield* decode(rows[0])).toEqual({ id: 1, status: "ok" })
      const error = yield* Effect.flip(decode(rows[1]))
      expect(DatabaseError.hasReason(error, "DecodeError")).toBe(true)
      expect(error.reason.message).toContain("table strict, column status")
      expect((error.reason as DatabaseError.DecodeError).table).toBe("strict")
    })))

  it.effect("dates stored as TEXT with Column.dbType read back as the same instants", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* make
      const T = Table.make("text_dates", {
        id: Schema.Int.pipe(Column.primaryKey),
        iso: Schema.DateFromString.pipe(Column.dbType("TEXT")),
        date: Schema.Date.pipe(Column.dbType("TEXT")),
        utc: Schema.DateTimeUtc.pipe(Column.dbType("TEXT"))
      })
      yield* createAll(db.run, db.schemaDialect, [T])
      const value = {
        id: 1,
        iso: new Date("2024-02-29T12:34:56.789Z"),
        date: new Date("1999-12-31T23:59:59.999Z"),
        utc: DateTime.makeUnsafe("2030-01-01T00:00:00.001Z")
      }
      const encoded = yield* Table.encodeRow(T, db.dialect)(value)
      const cols = Object.keys(encoded)
      yield* db.run(
        `INSERT INTO "text_dates" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${placeholders(db.dialect, cols.length)})`,
        cols.map((c) => encoded[c])
      )
      const [raw] = yield* db.run(`SELECT * FROM "text_dates"`)
      expect(raw).toEqual({ id: 1, iso: "2024-02-29T12:34:56.789Z", date: "1999-12-31T23:59:59.999Z", utc: "2030-01-01T00:00:00.001Z" })
      expect(yield* Table.decodeRow(T, db.dialect)(raw)).toEqual(value)
    })))

  it.effect("encoding a value the Schema rejects is an InputError naming table and column, not a defect", () =>
    Effect.scoped(Effect.gen(function*() {
      yield* make
      const error = yield* Effect.flip(Table.encodeRow(Everything, name)({ ...full, id: 1, int: 1.5 } as any))
      expect(error.reason).toMatchObject({ _tag: "InputError", table: "everything", column: "int" })
      expect(error.reason.message).toContain("column int")
    })))
})

describe("round trip (sqlite specifics, through a Database)", () => {
  const sqlite = (options: { readonly safeIntegers?: boolean } = {}) =>
    Effect.gen(function*() {
      const statements: Array<string> = []
      const db = yield* Database.make({
        url: "sqlite://:memory:",
        tables: [Everything],
        onStatement: (sql) => statements.push(sql),
        ...options
      })
      yield* db.createAll()
      statements.length = 0
      return { db, statements }
    })

  const saveAndRead = (db: Database.Database, value: Table.Insert<typeof Everything>) =>
    Effect.scoped(Effect.gen(function*() {
      const s = yield* db.session
      const saved = yield* s.save(Everything, value)
      yield* s.commit
      return { saved, read: yield* s.getOrFail(Everything, saved.id) }
    }))

  it.effect("with safeIntegers, 64-bit integers round-trip exactly and number columns still decode to numbers", () =>
    Effect.gen(function*() {
      const { db } = yield* sqlite({ safeIntegers: true })
      for (const big of [9223372036854775807n, -9223372036854775808n, 9007199254740993n]) {
        const { read, saved } = yield* saveAndRead(db, { ...sparse, bigintSelf: big, bigint: big })
        expect(read.bigintSelf).toBe(big)
        expect(read).toEqual(saved)
      }
      const { read } = yield* saveAndRead(db, full)
      expect(read.int).toBe(-2147483648)
      expect(read.level).toBe(3)
      expect(read.id).toBeTypeOf("number")
      // Raw statements see SQLite's integers as bigints.
      const [raw] = yield* Effect.scoped(Effect.flatMap(db.session, (s) => s.all(`SELECT "int", "bigint_self" FROM "everything" WHERE "id" = ?`, [read.id])))
      expect(raw).toEqual({ int: -2147483648n, bigint_self: -9007199254740991n })
    }))

  it.effect("without safeIntegers, a bigint beyond 2^53 is an InputError naming the column and the option, before any SQL", () =>
    Effect.gen(function*() {
      const { db, statements } = yield* sqlite()
      const error = yield* Effect.flip(saveAndRead(db, sparse))
      expect(error.reason._tag).toBe("InputError")
      expect(error.message).toContain("table everything, column bigint_self: 9223372036854775807n")
      expect(error.message).toContain("safeIntegers: true")
      expect(statements).toEqual([])
      // Within ±(2^53 - 1) they round-trip without the option.
      const { read } = yield* saveAndRead(db, full)
      expect(read.bigint).toBe(9007199254740991n)
      expect(read.bigintSelf).toBe(-9007199254740991n)
    }))

  it.effect("a 64-bit integer stored by other means reads as a DecodeError without safeIntegers, and exactly with it", () =>
    Effect.gen(function*() {
      const file = yield* tempFile
      const statements: Array<string> = []
      const plain = yield* Database.make({ url: `sqlite:///${file}`, tables: [Everything], onStatement: (sql) => statements.push(sql) })
      yield* plain.createAll()
      const { read } = yield* saveAndRead(plain, full)
      yield* Effect.scoped(Effect.flatMap(plain.session, (s) =>
        Effect.andThen(
          s.execute(`UPDATE "everything" SET "bigint_self" = ? WHERE "id" = ?`, [9223372036854775807n, read.id]),
          s.commit
        )))
      const error = yield* Effect.flip(Effect.scoped(Effect.flatMap(plain.session, (s) => s.get(Everything, read.id))))
      expect(error.reason._tag).toBe("DecodeError")
      expect(error.message).toContain("bigint_self")
      expect(error.message).toContain("lost precision")
      expect(error.message).toContain("safeIntegers: true")
      const exact = yield* Database.make({ url: `sqlite:///${file}`, tables: [Everything], safeIntegers: true })
      const again = yield* Effect.scoped(Effect.flatMap(exact.session, (s) => s.getOrFail(Everything, read.id)))
      expect(again.bigintSelf).toBe(9223372036854775807n)
    }))

  it.effect("values are stored in SQLite's native shapes", () =>
    Effect.gen(function*() {
      const { db } = yield* sqlite()
      const { read } = yield* saveAndRead(db, full)
      const [raw] = yield* Effect.scoped(Effect.flatMap(db.session, (s) =>
        s.all(`SELECT "bool", "date", "struct", "bytes", "bigint" FROM "everything" WHERE "id" = ?`, [read.id])))
      expect(raw).toEqual({
        bool: 1,
        date: "2024-02-29 12:34:56.789",
        struct: JSON.stringify({ a: 1.5, b: ["x", "y"], c: null }),
        bytes: Buffer.from([0, 1, 2, 254, 255]),
        bigint: 9007199254740991
      })
    }))
})
