/**
 * Bad table definitions are typed `SchemaError`s with a useful message, found
 * before any statement runs.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Column from "../../src/Column.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import { createAll } from "../../src/internal/schema/ddl.js"
import * as Metadata from "../../src/Metadata.js"
import * as Table from "../../src/Table.js"
import { expectMessageFormat } from "../support/messages.js"
import { dialects } from "./harness.js"

const Target = Table.make("targets", {
  id: Schema.Int.pipe(Column.primaryKey),
  code: Schema.String
})

interface Case {
  readonly title: string
  readonly tables: () => ReadonlyArray<Table.Any>
  /** Substrings the message must contain. */
  readonly message: ReadonlyArray<string>
  readonly table?: string
  readonly column?: string
  readonly only?: Metadata.Dialect
}

const cases: ReadonlyArray<Case> = [
  {
    title: "an unsupported Schema type",
    tables: () => [Table.make("things", { id: Schema.Int, sym: Schema.Symbol })],
    message: ["table things, field sym", "unsupported Schema type", "symbol"],
    table: "things",
    column: "sym"
  },
  {
    title: "a union that is neither literals nor JSON",
    tables: () => [Table.make("things", { id: Schema.Int, v: Schema.Union([Schema.String, Schema.Number]) })],
    message: ["table things, field v", "a union of string | number"],
    column: "v"
  },
  {
    title: "a JSON column with non-JSON members",
    tables: () => [Table.make("things", { id: Schema.Int, v: Schema.Struct({ n: Schema.BigInt }) })],
    message: ["table things, field v", "not JSON"]
  },
  {
    title: "a table name that is SQL",
    tables: () => [Table.make("a\"b; DROP TABLE x", { id: Schema.Int })],
    message: ["table name", "is not allowed"],
    table: "a\"b; DROP TABLE x"
  },
  {
    title: "an empty table name",
    tables: () => [Table.make("", { id: Schema.Int })],
    message: ["table name", "must not be empty"]
  },
  {
    title: "a column name that is SQL",
    tables: () => [Table.make("things", { id: Schema.Int.pipe(Column.name("id\" INT); DROP TABLE x; --")) })],
    message: ["column name", "is not allowed"],
    column: "id"
  },
  {
    title: "a NUL byte in a name",
    tables: () => [Table.make("th\u0000ings", { id: Schema.Int })],
    message: ["NUL"]
  },
  {
    title: "a name PostgreSQL would truncate",
    tables: () => [Table.make("t".repeat(64), { id: Schema.Int })],
    message: ["longer than 63 bytes"],
    only: "pg"
  },
  {
    title: "a foreign key to a table that is not declared",
    tables: () => [Table.make("things", { id: Schema.Int, targetId: Schema.Int.pipe(Column.references(() => Target.columns.id)) })],
    message: ["foreign key (targetId)", "references targets.id", "not among the declared tables"],
    column: "targetId"
  },
  {
    title: "a foreign key to a column that is not a key",
    tables: () => [Target, Table.make("things", { id: Schema.Int, code: Schema.String.pipe(Column.references(() => Target.columns.code)) })],
    message: ["targets(code)", "not its primary key or unique"]
  },
  {
    title: "a foreign key whose target cannot be evaluated",
    tables: () => [Table.make("things", { id: Schema.Int, x: Schema.Int.pipe(Column.references(() => (undefined as any).columns.id)) })],
    message: ["could not be evaluated"]
  },
  {
    title: "a nullable primary key",
    tables: () => [Table.make("things", { id: Schema.NullOr(Schema.Int).pipe(Column.primaryKey) })],
    message: ["primary key column cannot be nullable"],
    column: "id"
  },
  {
    title: "auto increment on a text column",
    tables: () => [Table.make("things", { id: Schema.String.pipe(Column.primaryKey, Column.autoIncrement) })],
    message: ["auto-increment"],
    column: "id"
  },
  {
    title: "auto increment outside a single-column key",
    tables: () => [Table.make("things", { id: Schema.Int.pipe(Column.autoIncrement), other: Schema.Int.pipe(Column.primaryKey) })],
    message: ["SQLite can only auto-increment a single-column integer PRIMARY KEY"],
    only: "sqlite"
  },
  {
    title: "a dbType that is not a type name",
    tables: () => [Table.make("things", { id: Schema.String.pipe(Column.dbType("TEXT); DROP TABLE x; --")) })],
    message: ["Column.dbType", "is not a type name"]
  },
  {
    title: "a raw default with a statement separator",
    tables: () => [Table.make("things", { id: Schema.Int.pipe(Column.default(Column.sqlDefault("1); DROP TABLE x; --"))) })],
    message: ["SQL default", "rejected"]
  },
  {
    title: "a default that does not match the field's Schema",
    tables: () => [Table.make("things", { id: Schema.Int.pipe(Column.default(1.5 as any)) })],
    message: ["the default 1.5 does not match", "integer"]
  },
  {
    title: "an options entry naming an unknown field",
    tables: () => [Table.make("things", { id: Schema.Int }, { indexes: [{ columns: ["nope" as any] }] })],
    message: ["indexes names unknown field \"nope\""]
  },
  {
    title: "two fields mapped to one column",
    tables: () => [Table.make("things", { userId: Schema.Int, user_id: Schema.Int }, { columnNames: "snake_case" })],
    message: ["fields userId and user_id both map to column user_id"]
  },
  {
    title: "the same table declared twice",
    tables: () => [Target, Table.make("targets", { id: Schema.Int })],
    message: ["table targets: it is declared twice"]
  },
  {
    title: "a schema on SQLite",
    tables: () => [Table.make("things", { id: Schema.Int }, { schema: "other" })],
    message: ["no schemas"],
    only: "sqlite"
  }
]

describe.each(dialects)("definition errors ($name)", ({ make, name: dialect }) => {
  for (const c of cases.filter((c) => c.only === undefined || c.only === dialect)) {
    it.effect(c.title, () =>
      Effect.scoped(Effect.gen(function*() {
        const db = yield* make
        const metadata = Metadata.fromTables(c.tables(), dialect)
        expect(Result.isFailure(metadata)).toBe(true)
        const error = yield* Effect.flip(createAll(db.run, db.schemaDialect, c.tables()))
        expect(DatabaseError.hasReason(error, "SchemaError")).toBe(true)
        for (const m of c.message) expect(error.reason.message).toContain(m)
        expectMessageFormat(error.reason)
        const reason = error.reason as DatabaseError.SchemaError
        if (c.table !== undefined) expect(reason.table).toBe(c.table)
        if (c.column !== undefined) expect(reason.column).toBe(c.column)
        // validated before anything reached the database
        expect(db.log).toEqual([])
      })))
  }
})

describe("Table.validate", () => {
  it.effect("succeeds for a good table and fails with a SchemaError for a bad one", () =>
    Effect.gen(function*() {
      yield* Table.validate(Target)
      const error = yield* Effect.flip(Table.validate(Table.make("bad", { f: Schema.Never })))
      expect(DatabaseError.hasReason(error, "SchemaError")).toBe(true)
      expect(error.reason.message).toContain("table bad, field f")
    }))

  it.effect("a row codec of a bad table fails instead of throwing", () =>
    Effect.gen(function*() {
      const decode = Table.decodeRow(Table.make("bad", { f: Schema.Never }), "sqlite")
      const error = yield* Effect.flip(decode({ f: 1 }))
      expect(DatabaseError.hasReason(error, "SchemaError")).toBe(true)
    }))
})
