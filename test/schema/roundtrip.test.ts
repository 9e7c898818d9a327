/**
 * Every supported Schema type survives insert → select → decode, on both
 * dialects, through the table's own codecs.
 */
import { describe, expect, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Column from "../../src/Column.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import { createAll } from "../../src/internal/schema/ddl.js"
import * as Table from "../../src/Table.js"
import { dialects, placeholders, sqliteDb, type TestDb } from "./harness.js"

enum Color {
  Red = "red",
  Green = "green"
}

const Everything = Table.make("everything", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  int: Schema.Int,
  num: Schema.Number,
  text: Schema.String,
  varchar: Schema.String.pipe(Schema.maxLength(20)),
  bool: Schema.Boolean,
  bigint: Schema.BigInt,
  bigintSelf: Schema.BigIntFromSelf,
  date: Schema.Date,
  dateFromSelf: Schema.DateFromSelf,
  dateTimeUtc: Schema.DateTimeUtc,
  bytes: Schema.Uint8Array,
  bytesSelf: Schema.Uint8ArrayFromSelf,
  uuid: Schema.UUID,
  status: Schema.Literal("draft", "published"),
  level: Schema.Literal(1, 2, 3),
  color: Schema.Enums(Color),
  struct: Schema.Struct({ a: Schema.Number, b: Schema.Array(Schema.String), c: Schema.optional(Schema.NullOr(Schema.Boolean)) }),
  array: Schema.Array(Schema.Int),
  record: Schema.Record({ key: Schema.String, value: Schema.Boolean }),
  tuple: Schema.Tuple(Schema.String, Schema.Number),
  nullable: Schema.NullOr(Schema.String),
  nullableDate: Schema.NullOr(Schema.DateFromSelf),
  optional: Schema.optional(Schema.Number),
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
  dateTimeUtc: DateTime.unsafeMake("2030-01-01T00:00:00.001Z"),
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
  bytesSelf: new Uint8Array([1]),
  array: [],
  record: {},
  option: Option.none(),
  unknown: "just a string"
}

const insertAndSelect = (db: TestDb, values: ReadonlyArray<Table.Insert<typeof Everything>>) =>
  Effect.gen(function*() {
    yield* createAll(db.run, db.schemaDialect, [Everything])
    const encode = Table.encodeInsert(Everything, db.dialect)
    for (const value of values) {
      const row = yield* encode(value)
      const columns = Object.keys(row)
      yield* db.run(
        `INSERT INTO "everything" (${columns.map((c) => `"${c}"`).join(", ")}) VALUES (${placeholders(db.dialect, columns.length)})`,
        columns.map((c) => row[c])
      )
    }
    const rows = yield* db.run(`SELECT * FROM "everything" ORDER BY "id"`)
    return yield* Effect.forEach(rows, Table.decodeRow(Everything, db.dialect))
  })

const withoutOption = (v: object): object => {
  const { option: _option, ...rest } = v as Record<string, unknown>
  return rest
}

describe.each(dialects)("round trip ($name)", ({ make, name }) => {
  it.effect("every supported type survives insert and decoded select", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* make
      // SQLite hands back plain numbers by default; 64-bit values need safeIntegers.
      const usable = name === "sqlite" ? [full, { ...sparse, bigintSelf: 42n }] : [full, sparse]
      const decoded: ReadonlyArray<Row> = yield* insertAndSelect(db, usable)
      expect(decoded).toHaveLength(2)
      expect(decoded.map((r) => r.id)).toEqual([1, 2])
      decoded.forEach((row, i) => {
        const expected = usable[i]!
        expect(withoutOption(row)).toEqual({ id: i + 1, ...withoutOption(expected) })
        expect(row.bytes).toBeInstanceOf(Uint8Array)
        expect(row.date).toBeInstanceOf(Date)
        expect(DateTime.isDateTime(row.dateTimeUtc)).toBe(true)
      })
      expect(decoded[0]!.option).toEqual(Option.some("some"))
      expect(Option.isNone(decoded[1]!.option)).toBe(true)
      expect("optional" in decoded[0]!).toBe(false)
      expect(decoded[1]!.optional).toBe(3)
    })))

  it.effect("a row the Schema rejects is a DecodeError naming table and column", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* make
      const T = Table.make("strict", {
        id: Schema.Int.pipe(Column.primaryKey),
        status: Schema.String.pipe(Schema.pattern(/^[a-z]+$/))
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

  it.effect("encoding a value the Schema rejects is an InputError naming table and column, not a defect", () =>
    Effect.scoped(Effect.gen(function*() {
      yield* make
      const error = yield* Effect.flip(Table.encodeRow(Everything, name)({ ...full, id: 1, int: 1.5 } as any))
      expect(error.reason).toMatchObject({ _tag: "InputError", table: "everything", column: "int" })
      expect(error.reason.message).toContain("column int")
    })))
})

describe("round trip (sqlite specifics)", () => {
  it.effect("64-bit integers round-trip when the driver returns bigints", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* sqliteDb({ safeIntegers: true })
      const decoded = yield* insertAndSelect(db, [sparse])
      expect(decoded[0]!.bigintSelf).toBe(9223372036854775807n)
      expect(decoded[0]!.int).toBe(0)
      expect(decoded[0]!.id).toBe(1)
    })))

  it.effect("a 64-bit integer rounded by the driver is a DecodeError, not a wrong value", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* sqliteDb()
      const error = yield* Effect.flip(insertAndSelect(db, [sparse]))
      expect(DatabaseError.hasReason(error, "DecodeError")).toBe(true)
      expect(error.reason.message).toContain("bigint_self")
      expect(error.reason.message).toContain("lost precision")
    })))

  it.effect("values are stored in SQLite's native shapes", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* sqliteDb()
      yield* insertAndSelect(db, [full])
      const [raw] = yield* db.run(`SELECT "bool", "date", "struct", "bytes", "bigint" FROM "everything"`)
      expect(raw).toEqual({
        bool: 1,
        date: "2024-02-29T12:34:56.789Z",
        struct: JSON.stringify({ a: 1.5, b: ["x", "y"], c: null }),
        bytes: Buffer.from([0, 1, 2, 254, 255]),
        bigint: 9007199254740991
      })
    })))
})
