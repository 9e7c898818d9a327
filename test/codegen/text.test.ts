/**
 * The text Codegen writes for a small PostgreSQL schema: the lines that
 * matter (imports, names, Schemas, annotations, options, relations, notes,
 * the header), the options, determinism and refusals. The round trip
 * (roundtrip.test.ts) proves the text compiles and recreates the schema.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as Codegen from "../../src/Codegen.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import type * as Metadata from "../../src/Metadata.js"

const users: Metadata.TableMetadata = {
  name: "users",
  columns: [
    { name: "id", type: "integer", dbType: "integer", nullable: false, autoIncrement: true, identity: "always" },
    { name: "email", type: "varchar", length: 120, dbType: "character varying(120)", nullable: false, autoIncrement: false },
    { name: "display_name", type: "text", dbType: "text", nullable: true, autoIncrement: false },
    { name: "status", type: "text", dbType: "text", nullable: false, default: "'active'::text", autoIncrement: false, check: ["active", "banned"] },
    { name: "nights", type: "smallint", dbType: "smallint", nullable: false, default: "0", autoIncrement: false },
    { name: "joined", type: "timestamp", dbType: "timestamp with time zone", nullable: false, default: "now()", autoIncrement: false },
    { name: "mood", type: "text", dbType: "mood", nullable: true, autoIncrement: false, enum: { name: "mood", labels: ["sad", "happy"] } },
    {
      name: "score",
      type: "integer",
      dbType: "positive_int",
      nullable: true,
      autoIncrement: false,
      domain: { name: "positive_int", baseType: "integer", checks: ["CHECK ((VALUE > 0))"] }
    },
    { name: "nick", type: "other", dbType: "public.citext", nullable: true, autoIncrement: false }
  ],
  primaryKey: ["id"],
  uniques: [{ columns: ["email"] }],
  indexes: [],
  foreignKeys: [],
  triggers: [{ name: "users_touch", timing: "before", events: ["update"], forEach: "row", action: "touch()", definition: "CREATE TRIGGER ..." }]
}

const devices: Metadata.TableMetadata = {
  name: "user_devices",
  columns: [
    { name: "user_id", type: "integer", dbType: "integer", nullable: false, autoIncrement: false },
    { name: "label", type: "varchar", length: 20, dbType: "character varying(20)", nullable: false, autoIncrement: false },
    { name: "seen", type: "datetime", dbType: "timestamp(3) without time zone", nullable: true, autoIncrement: false }
  ],
  primaryKey: ["user_id", "label"],
  uniques: [{ name: "uq_label", columns: ["label", "user_id"] }],
  indexes: [
    { name: "ix_seen", columns: ["seen"], unique: false, method: "brin" },
    { name: "ix_label_lower", columns: [], unique: true, expressions: ["lower((label)::text)"], where: "seen IS NOT NULL" }
  ],
  foreignKeys: [{
    name: "user_devices_user_id_fkey",
    columns: ["user_id"],
    references: { table: "users", columns: ["id"] },
    onDelete: "cascade",
    onUpdate: "no action"
  }]
}

const events: Metadata.TableMetadata = {
  name: "table",
  schema: "audit",
  columns: [{ name: "id", type: "uuid", dbType: "uuid", nullable: false, autoIncrement: false }],
  primaryKey: ["id"],
  uniques: [],
  indexes: [],
  foreignKeys: []
}

const metadata: Metadata.Metadata = {
  tables: [users, devices, events],
  views: [{ name: "active_users", definition: "SELECT * FROM users WHERE status = 'active'" }]
}

const generate = (m: Metadata.Metadata, options: Partial<Codegen.FromMetadataOptions> = {}) =>
  Result.getOrThrow(Codegen.fromMetadata(m, { dialect: "pg", ...options }))

describe("Codegen text", () => {
  const code = generate(metadata)
  const lines = code.split("\n")

  it("imports Schema from effect and the rest from the package", () => {
    expect(lines).toContain(`import { Schema } from "effect"`)
    expect(lines).toContain(`import { Column, Relation, Table } from "effect-sqlservice"`)
  })

  it("names tables in PascalCase, unique and clear of the imports; fields in camelCase under snake_case column names", () => {
    expect(lines).toContain(`export const Users = Table.make("users", {`)
    expect(lines).toContain(`export const UserDevices = Table.make("user_devices", {`)
    // "table" in schema "audit": the schema is part of the name, the table name stays a string.
    expect(lines).toContain(`export const AuditTable = Table.make("table", {`)
    expect(lines).toContain(`  schema: "audit"`)
    expect(lines).toContain(`  displayName: Schema.NullOr(Schema.String),`)
    expect(code).toContain(`columnNames: "snake_case"`)
  })

  it("says types, keys, identity, defaults, checks, enums and domains with Schemas and Column annotations", () => {
    expect(lines).toContain(`  id: Schema.Int.pipe(Column.primaryKey, Column.identity("always")),`)
    expect(lines).toContain(`  email: Schema.String.check(Schema.isMaxLength(120)).pipe(Column.unique),`)
    expect(lines).toContain(`  status: Schema.Literals(["active", "banned"]).pipe(Column.default("active")),`)
    expect(lines).toContain(`  nights: Schema.Int.pipe(Column.dbType("smallint"), Column.default(0)),`)
    expect(lines).toContain(`  joined: Schema.Date.pipe(Column.default(Column.sqlDefault("now()"))),`)
    expect(lines).toContain(`  mood: Schema.NullOr(Schema.Literals(["sad", "happy"])).pipe(Column.pgEnum("mood")),`)
    expect(code).toContain(`Column.pgDomain({ name: "positive_int", baseType: "integer", checks: ["CHECK ((VALUE > 0))"] })`)
    // A precision the neutral type cannot say is kept in the spelling.
    expect(lines).toContain(`  seen: Schema.NullOr(Schema.Date).pipe(Column.dbType("timestamp(3) without time zone"))`)
    expect(lines).toContain(`  id: Schema.String.check(Schema.isUUID()).pipe(Column.primaryKey)`)
  })

  it("writes composite keys, named uniques, indexes and foreign keys with their actions and names", () => {
    expect(lines).toContain(`  primaryKey: ["userId", "label"],`)
    expect(lines).toContain(`    { name: "uq_label", columns: ["label", "userId"] }`)
    // Too long for one line: one property a line.
    expect(code).toContain(
      `      name: "ix_label_lower",\n      columns: [],\n      unique: true,\n      expressions: ["lower((label)::text)"],\n      where: "seen IS NOT NULL"\n`
    )
    expect(lines).toContain(`    { name: "ix_seen", columns: ["seen"], method: "brin" }`)
    expect(code).toContain(`Column.references(() => Users.columns.id, { onDelete: "cascade", name: "user_devices_user_id_fkey" })`)
  })

  it("declares both sides of a foreign key as Relations, after the tables", () => {
    expect(lines).toContain(`export const userDevicesUser = Relation.belongsTo(UserDevices, Users)`)
    expect(lines).toContain(`export const usersUserDevices = Relation.many(Users, UserDevices)`)
    expect(code.indexOf("Relation.belongsTo")).toBeGreaterThan(code.lastIndexOf("Table.make"))
  })

  it("notes what it cannot say exactly and lists views and triggers as not generated", () => {
    expect(lines).toContain(`  // note: public.citext is not a type the library models: values are read and written as text`)
    expect(lines).toContain(`  // note: public.citext cannot be written with Column.dbType; created with the type of its Schema`)
    expect(lines).toContain(` * - view active_users`)
    expect(lines).toContain(` * - trigger users_touch on users`)
  })

  it("notes names createAll would refuse, and still writes them as the database has them", () => {
    const { schema: _schema, ...inDefaultSchema } = events
    const odd = generate({ tables: [{ ...inDefaultSchema, name: "my table", columns: [{ ...events.columns[0]!, name: "the id" }], primaryKey: ["the id"] }] })
    expect(odd).toContain(`// note: createAll refuses this table as it is: identifier "my table" is not allowed`)
    expect(odd).toContain(`export const MyTable = Table.make("my table", {`)
    expect(odd).toContain(`  theId: Schema.String.check(Schema.isUUID()).pipe(Column.primaryKey, Column.name("the id"))`)
  })

  it("notes a foreign key between columns of different Schemas (eager loading compares their values)", () => {
    const owners: Metadata.TableMetadata = { ...devices, name: "owners", foreignKeys: [{ ...devices.foreignKeys[0]!, name: "owners_user" }] }
    const wide = { ...users, columns: users.columns.map((c) => (c.name === "id" ? { ...c, type: "bigint" as const, dbType: "bigint" } : c)) }
    expect(generate({ tables: [wide, owners] })).toContain(
      `// note: user_id (Schema.Int) references users.id (Schema.BigInt): relations that join them compare values of different types`
    )
    expect(code).not.toContain("relations that join them")
  })

  it("is deterministic: the order of tables and lists in the metadata does not change the text", () => {
    const shuffled: Metadata.Metadata = {
      ...metadata,
      tables: [events, { ...devices, indexes: [...devices.indexes].reverse(), uniques: [...devices.uniques].reverse() }, users]
    }
    expect(generate(shuffled)).toBe(code)
  })

  it("takes importFrom, and leaves Relations out with relations: false", () => {
    const other = generate(metadata, { importFrom: "#db/lib", relations: false })
    expect(other.split("\n")).toContain(`import { Column, Table } from "#db/lib"`)
    expect(other).not.toContain("Relation")
  })

  it("refuses an unknown dialect and an empty importFrom with a SchemaError", () => {
    for (const options of [{ dialect: "mysql" as Metadata.Dialect }, { dialect: "pg" as const, importFrom: "" }]) {
      const result = Codegen.fromMetadata(metadata, options)
      expect(Result.isFailure(result) && DatabaseError.hasReason(result.failure, "SchemaError")).toBe(true)
    }
  })
})
