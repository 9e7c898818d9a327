/**
 * Schema → column type mapping, column annotations, table construction
 * (`make`, `fromModel`) and their types. No database needed.
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Model from "effect/schema/Model"
import * as SchemaTransformation from "effect/SchemaTransformation"
import * as Column from "../../src/Column.js"
import * as Metadata from "../../src/Metadata.js"
import * as Table from "../../src/Table.js"
import { User, UserDevice } from "../fixtures/sqlservice.js"

const columnOf = (schema: Schema.Top, dialect: Metadata.Dialect): Metadata.ColumnMetadata => {
  const m = Metadata.fromTables([Table.make("t", { c: schema })], dialect)
  if (Result.isFailure(m)) throw new Error(m.failure.message)
  return m.success.tables[0]!.columns[0]!
}

const Shape = Schema.Struct({ a: Schema.Number })

// Codecs Effect 4 no longer ships, written as users would.
const BigIntFromNumber = Schema.Number.pipe(
  Schema.decodeTo(Schema.BigInt, SchemaTransformation.transform({ decode: (n) => BigInt(n), encode: (b) => Number(b) }))
)
const Uint8ArrayFromNumbers = Schema.Array(Schema.Number).pipe(
  Schema.decodeTo(
    Schema.Uint8Array,
    SchemaTransformation.transform({
      decode: (ns): Uint8Array => Uint8Array.from(ns),
      encode: (bytes): ReadonlyArray<number> => Array.from(bytes)
    })
  )
)

// Effect 4 spellings; a title names the Effect 3 schema a row replaces when the name changed meaning.
const mapping: ReadonlyArray<[string, Schema.Top, Partial<Metadata.ColumnMetadata>, string, string]> = [
  ["Int", Schema.Int, { type: "integer" }, "INTEGER", "INTEGER"],
  ["branded non-negative Int", Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)).pipe(Schema.brand("Id")), { type: "integer" }, "INTEGER", "INTEGER"],
  ["Int32 (a filter group)", Schema.Number.check(Schema.isInt32()), { type: "integer" }, "INTEGER", "INTEGER"],
  ["Number", Schema.Number, { type: "double" }, "REAL", "DOUBLE PRECISION"],
  ["String", Schema.String, { type: "text" }, "TEXT", "TEXT"],
  ["maxLength", Schema.String.check(Schema.isMaxLength(100)), { type: "varchar", length: 100 }, "VARCHAR(100)", "VARCHAR(100)"],
  ["NonEmpty + maxLength", Schema.Trimmed.check(Schema.isNonEmpty(), Schema.isMaxLength(8), Schema.isMaxLength(20)), { type: "varchar", length: 8 }, "VARCHAR(8)", "VARCHAR(8)"],
  ["length between", Schema.String.check(Schema.isBetweenLength(1, 12)), { type: "varchar", length: 12 }, "VARCHAR(12)", "VARCHAR(12)"],
  ["Boolean", Schema.Boolean, { type: "boolean" }, "BOOLEAN", "BOOLEAN"],
  ["BigIntFromString (v3 BigInt)", Schema.BigIntFromString, { type: "bigint" }, "BIGINT", "BIGINT"],
  ["BigInt (v3 BigIntFromSelf)", Schema.BigInt, { type: "bigint" }, "BIGINT", "BIGINT"],
  ["bigint from a number (v3 BigIntFromNumber)", BigIntFromNumber, { type: "bigint" }, "BIGINT", "BIGINT"],
  ["DateFromString (v3 Date)", Schema.DateFromString, { type: "timestamp" }, "TIMESTAMP", "TIMESTAMPTZ"],
  ["DateFromString with a check on the decoded side", Schema.DateFromString.check(Schema.isGreaterThanDate(new Date(0))), { type: "timestamp" }, "TIMESTAMP", "TIMESTAMPTZ"],
  ["Date (v3 DateFromSelf)", Schema.Date, { type: "timestamp" }, "TIMESTAMP", "TIMESTAMPTZ"],
  ["DateFromMillis (v3 DateFromNumber)", Schema.DateFromMillis, { type: "timestamp" }, "TIMESTAMP", "TIMESTAMPTZ"],
  ["DateTimeUtcFromString (v3 DateTimeUtc)", Schema.DateTimeUtcFromString, { type: "timestamp" }, "TIMESTAMP", "TIMESTAMPTZ"],
  ["DateTimeUtc (the instance)", Schema.DateTimeUtc, { type: "timestamp" }, "TIMESTAMP", "TIMESTAMPTZ"],
  ["DateTimeUtcFromDate", Schema.DateTimeUtcFromDate, { type: "timestamp" }, "TIMESTAMP", "TIMESTAMPTZ"],
  ["bytes from numbers (v3 Uint8Array)", Uint8ArrayFromNumbers, { type: "blob" }, "BLOB", "BYTEA"],
  ["Uint8Array (v3 Uint8ArrayFromSelf)", Schema.Uint8Array, { type: "blob" }, "BLOB", "BYTEA"],
  ["Uint8ArrayFromBase64 (stored as its encoded text)", Schema.Uint8ArrayFromBase64, { type: "text" }, "TEXT", "TEXT"],
  ["UUID", Schema.String.check(Schema.isUUID()), { type: "uuid" }, "UUID", "UUID"],
  ["string literals", Schema.Literals(["a", "b"]), { type: "text", check: ["a", "b"] }, "TEXT", "TEXT"],
  ["int literals", Schema.Literals([1, 2]), { type: "integer", check: [1, 2] }, "INTEGER", "INTEGER"],
  ["Enum", Schema.Enum({ Red: "red", Green: "green" }), { type: "text", check: ["red", "green"] }, "TEXT", "TEXT"],
  ["Struct", Shape, { type: "json" }, "JSON", "JSONB"],
  ["Array of structs", Schema.Array(Shape), { type: "json" }, "JSON", "JSONB"],
  ["Record", Schema.Record(Schema.String, Schema.Number), { type: "json" }, "JSON", "JSONB"],
  ["union of structs", Schema.Union([Shape, Schema.Struct({ b: Schema.String })]), { type: "json" }, "JSON", "JSONB"],
  ["Class", class C extends Schema.Class<C>("C")({ a: Schema.Number }) {}, { type: "json" }, "JSON", "JSONB"],
  ["Defect (JSON on the encoded side)", Schema.Defect(), { type: "json" }, "JSON", "JSONB"],
  ["NullOr", Schema.NullOr(Schema.Int), { type: "integer", nullable: true }, "INTEGER", "INTEGER"],
  ["optional", Schema.optional(Schema.String), { type: "text", nullable: true }, "TEXT", "TEXT"],
  ["optionalKey", Schema.optionalKey(Schema.String), { type: "text", nullable: true }, "TEXT", "TEXT"],
  ["OptionFromNullOr (v3 OptionFromNullOr(Date))", Schema.OptionFromNullOr(Schema.DateFromString), { type: "timestamp", nullable: true }, "TIMESTAMP", "TIMESTAMPTZ"],
  ["OptionFromNullOr of a Date", Schema.OptionFromNullOr(Schema.Date), { type: "timestamp", nullable: true }, "TIMESTAMP", "TIMESTAMPTZ"],
  ["NumberFromString (stored as text)", Schema.NumberFromString, { type: "text" }, "TEXT", "TEXT"],
  ["dbType override", Schema.Number.pipe(Column.dbType("NUMERIC(10, 2)")), { type: "numeric" }, "NUMERIC(10, 2)", "NUMERIC(10, 2)"]
]

describe("column types", () => {
  for (const [title, schema, expected, sqlite, pg] of mapping) {
    it(title, () => {
      const s = columnOf(schema, "sqlite")
      const p = columnOf(schema, "pg")
      expect(s).toMatchObject({ nullable: false, ...expected, dbType: sqlite })
      expect(p).toMatchObject({ nullable: false, ...expected, dbType: pg })
    })
  }

  it("arrays of strings, integers, numbers and booleans are native arrays on PostgreSQL and JSON on SQLite", () => {
    const arrays: ReadonlyArray<[Schema.Top, string, Metadata.NeutralType]> = [
      [Schema.Array(Schema.String), "TEXT[]", "text"],
      [Schema.Array(Schema.Int), "INTEGER[]", "integer"],
      [Schema.Array(Schema.Number), "DOUBLE PRECISION[]", "double"],
      [Schema.NullOr(Schema.Array(Schema.Boolean)), "BOOLEAN[]", "boolean"]
    ]
    for (const [schema, pg, element] of arrays) {
      expect(columnOf(schema, "sqlite")).toMatchObject({ type: "json", dbType: "JSON" })
      expect(columnOf(schema, "pg")).toMatchObject({ type: "other", dbType: pg })
      const normalized = Metadata.normalize({ tables: [{ name: "t", columns: [columnOf(schema, "pg")], primaryKey: [], uniques: [], indexes: [], foreignKeys: [] }] }, "pg")
      expect(normalized.tables[0]!.columns[0]!.array).toEqual({ element, elementDbType: element })
    }
    // Elements that are not plain (literal unions, nullable, structs) stay JSON on both.
    for (const schema of [Schema.Array(Schema.Literals(["a", "b"])), Schema.Array(Schema.NullOr(Schema.Int)), Schema.Array(Shape)]) {
      expect(columnOf(schema, "pg")).toMatchObject({ type: "json", dbType: "JSONB" })
    }
    expect(columnOf(Schema.Array(Schema.Int).pipe(Column.default([1, 2])), "pg").default).toBe("'{1,2}'")
    expect(columnOf(Schema.Array(Schema.String).pipe(Column.default(["a", "b c", "", "x\"y"])), "pg").default).toBe(`E'{a,"b c","","x\\\\"y"}'`)
  })

  it("renders defaults as literals per dialect", () => {
    const defaults: ReadonlyArray<[Schema.Top, string, string]> = [
      [Schema.Boolean.pipe(Column.default(true)), "1", "TRUE"],
      [Schema.String.pipe(Column.default("it's")), "'it''s'", "'it''s'"],
      [Schema.Int.pipe(Column.default(-3)), "-3", "-3"],
      [Schema.BigInt.pipe(Column.default(12n)), "12", "12"],
      [Schema.BigIntFromString.pipe(Column.default(12n)), "12", "12"],
      [Schema.Date.pipe(Column.default(new Date(0))), "'1970-01-01 00:00:00'", "'1970-01-01T00:00:00.000Z'"],
      [Schema.DateFromString.pipe(Column.default(new Date(0))), "'1970-01-01 00:00:00'", "'1970-01-01T00:00:00.000Z'"],
      [Shape.pipe(Column.default({ a: 1 })), "'{\"a\":1}'", "'{\"a\":1}'::jsonb"],
      [Schema.NullOr(Schema.String).pipe(Column.default(null)), "NULL", "NULL"],
      [Schema.Date.pipe(Column.default(Column.sqlDefault("CURRENT_TIMESTAMP"))), "CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"]
    ]
    for (const [schema, sqlite, pg] of defaults) {
      expect(columnOf(schema, "sqlite").default).toBe(sqlite)
      expect(columnOf(schema, "pg").default).toBe(pg)
    }
  })
})

describe("column annotations", () => {
  // Effect 4 stores an annotation on a schema's last check when it has
  // checks, on the node otherwise, on the key for annotateKey, and on the
  // decoded side of a transformation: each must still be found.
  const uniqueColumns = (field: Schema.Top): ReadonlyArray<ReadonlyArray<string>> =>
    Result.getOrThrow(Metadata.fromTables([Table.make("t", { id: Schema.Int, c: field })], "pg")).tables[0]!.uniques.map((u) => u.columns)

  it("are found wherever Effect 4 stores them", () => {
    const placements: ReadonlyArray<[string, Schema.Top]> = [
      ["on the node, a check added later", Schema.String.pipe(Column.unique, Schema.check(Schema.isMaxLength(10)))],
      ["on the last check", Schema.String.check(Schema.isMaxLength(10)).pipe(Column.unique)],
      ["on a check inside a group", Schema.Number.check(Schema.isInt32()).pipe(Column.unique)],
      ["on a union member", Schema.NullOr(Schema.String.pipe(Column.unique))],
      ["on the union", Schema.NullOr(Schema.String).pipe(Column.unique)],
      ["on the decoded side of a transformation", Schema.DateFromString.pipe(Column.unique)],
      ["inside an encoding", Schema.String.pipe(Column.unique, Schema.decodeTo(Schema.String))],
      ["on an optionalKey", Schema.optionalKey(Schema.String).pipe(Column.unique)],
      ["on an optional", Schema.optional(Schema.String).pipe(Column.unique)],
      ["after a brand", Schema.Int.pipe(Schema.brand("Id"), Column.unique)],
      ["before a brand", Schema.Int.pipe(Column.unique, Schema.brand("Id"))],
      ["on the key (annotateKey)", Schema.String.annotateKey({ [Column.UniqueId]: true })]
    ]
    for (const [where, field] of placements) expect(uniqueColumns(field), where).toEqual([["c"]])
    expect(uniqueColumns(Schema.String)).toEqual([])
  })

  it("a later annotation overrides an earlier one, and shared schemas are not changed", () => {
    const field = Schema.String.pipe(Column.dbType("TEXT")).check(Schema.isMaxLength(3)).pipe(Column.dbType("CHAR(3)"))
    expect(columnOf(field, "pg")).toMatchObject({ dbType: "CHAR(3)", type: "char", length: 3 })
    const again = Schema.String.check(Schema.isMaxLength(3)).pipe(Column.dbType("TEXT"), Schema.check(Schema.isMinLength(1)), Column.dbType("CHAR(3)"))
    expect(columnOf(again, "pg")).toMatchObject({ dbType: "CHAR(3)" })
    expect(Table.make("k", { id: Schema.Int.pipe(Column.primaryKey) }).primaryKey).toEqual(["id"])
    expect(Table.make("k", { id: Schema.Int }).primaryKey).toEqual([])
    expect(columnOf(Schema.Int, "pg").autoIncrement).toBe(false)
  })

  it("keep the field's types", () => {
    const field = Schema.optionalKey(Schema.NullOr(Schema.Int)).pipe(Column.unique, Column.index)
    expectTypeOf<typeof field["Type"]>().toEqualTypeOf<number | null>()
    expectTypeOf<typeof field["~type.optionality"]>().toEqualTypeOf<"optional">()
    const T = Table.make("t", { id: Schema.Int.pipe(Column.primaryKey), n: field })
    expectTypeOf<Table.Type<typeof T>>().toEqualTypeOf<{ readonly id: number; readonly n?: number | null }>()
  })
})

describe("Table.make", () => {
  it("keeps the Schema's types and exposes column references", () => {
    expect(User.name).toBe("users")
    expect(User.primaryKey).toEqual(["id"])
    expect(UserDevice.columns.userId).toMatchObject({ table: "user_devices", field: "userId", name: "user_id" })
    expect(Column.isColumnRef(User.columns.email)).toBe(true)
    expect(Schema.decodeUnknownSync(User.schema)({ id: 1, name: "a", email: "e", phone: null })).toEqual({
      id: 1,
      name: "a",
      email: "e",
      phone: null
    })
    expectTypeOf<Table.Type<typeof User>>().toEqualTypeOf<{
      readonly id: number
      readonly name: string
      readonly email: string
      readonly phone: string | null
    }>()
    expectTypeOf<Table.Insert<typeof User>>().toEqualTypeOf<{
      readonly name: string
      readonly email: string
      readonly phone?: string | null
      readonly id?: number
    }>()
    expectTypeOf(User.columns.email).toEqualTypeOf<Column.ColumnRef<"users", "email", string>>()
  })

  it("Column.name and snake_case decide database names", () => {
    const T = Table.make("people", {
      firstName: Schema.String,
      lastName: Schema.String.pipe(Column.name("surname")),
      HTTPServer: Schema.String
    }, { columnNames: "snake_case" })
    expect(Object.values(T.columns).map((c) => c.name)).toEqual(["first_name", "surname", "http_server"])
    const m = Metadata.fromTables([T], "pg")
    expect(Result.getOrThrow(m).tables[0]!.columns.map((c) => c.name)).toEqual(["first_name", "surname", "http_server"])
  })

  it("defaults make fields optional on insert", () => {
    const T = Table.make("posts", {
      id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
      status: Schema.Literals(["draft", "done"]).pipe(Column.default("draft")),
      title: Schema.String
    })
    expectTypeOf<Table.Insert<typeof T>>().toEqualTypeOf<{
      readonly title: string
      readonly id?: number
      readonly status?: "draft" | "done"
    }>()
  })
})

class Group extends Model.Class<Group>("Group")({
  id: Model.GeneratedByDb(Schema.Int.pipe(Column.primaryKey)),
  name: Schema.String.pipe(Column.unique),
  createdAt: Model.DateTimeInsertFromDate
}) {}

describe("Table.fromModel", () => {
  const GroupTable = Table.fromModel("groups", Group, { columnNames: "snake_case" })

  it("uses the select variant, makes the generated key auto-increment and decodes instances", () =>
    Effect.gen(function*() {
      const m = Result.getOrThrow(Metadata.fromTables([GroupTable], "sqlite")).tables[0]!
      expect(m.columns.map((c) => [c.name, c.type, c.autoIncrement])).toEqual([
        ["id", "integer", true],
        ["name", "text", false],
        ["created_at", "timestamp", false]
      ])
      expect(m.uniques).toEqual([{ columns: ["name"] }])
      const row = yield* Table.decodeRow(GroupTable, "sqlite")({ id: 1, name: "g", created_at: "2024-01-01T00:00:00.000Z" })
      expect(row).toBeInstanceOf(Group)
      expect(row.name).toBe("g")
      expectTypeOf<Table.Insert<typeof GroupTable>>().toMatchTypeOf<{ readonly name: string; readonly id?: number }>()
      const encoded = yield* Table.encodeInsert(GroupTable, "pg")({ name: "g", createdAt: row.createdAt } as any)
      expect(encoded).toEqual({ name: "g", created_at: new Date("2024-01-01T00:00:00.000Z") })
    }).pipe(Effect.runPromise))
})

describe("Metadata.normalize", () => {
  it("canonicalizes defaults, checks and constraint order", () => {
    const meta: Metadata.Metadata = {
      tables: [{
        name: "t",
        columns: [
          { name: "a", type: "integer", dbType: "integer", nullable: true, autoIncrement: false, default: "'-1'::integer", check: [3, 1, 2] },
          { name: "b", type: "text", dbType: "text", nullable: true, autoIncrement: false, default: "('x'::text)" },
          { name: "c", type: "timestamp", dbType: "timestamptz", nullable: true, autoIncrement: false, default: "'2020-01-01 01:00:00+01'::timestamp with time zone" }
        ],
        primaryKey: ["a"],
        uniques: [{ columns: ["b"] }, { columns: ["a"] }],
        indexes: [],
        foreignKeys: []
      }]
    }
    const [t] = Metadata.normalize(meta, "pg").tables
    expect(t!.columns.map((c) => [c.default, c.nullable, c.check])).toEqual([
      ["-1", false, [1, 2, 3]],
      ["'x'", true, undefined],
      ["'2020-01-01T00:00:00.000Z'", true, undefined]
    ])
    expect(t!.uniques.map((u) => u.columns)).toEqual([["a"], ["b"]])
    expect(JSON.parse(JSON.stringify(Metadata.normalize(meta, "pg")))).toEqual(Metadata.normalize(meta, "pg"))
  })
})
