/**
 * createAll / dropAll / reflect against real SQLite and PostgreSQL.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Column from "../../src/Column.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import { createAll, dropAll, reflect } from "../../src/internal/schema/ddl.js"
import * as Metadata from "../../src/Metadata.js"
import * as Table from "../../src/Table.js"
import { tables, User, UserAbout, UserDeviceKey } from "../fixtures/sqlservice.js"
import { dialects, placeholders, type TestDb } from "./harness.js"

const isCreate = (sql: string) => /^\s*(CREATE|ALTER|DROP)\b/i.test(sql)

const insert = (db: TestDb, table: string, row: Record<string, unknown>) => {
  const cols = Object.keys(row)
  return db.run(
    `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${placeholders(db.dialect, cols.length)})`,
    cols.map((c) => row[c])
  )
}

const seed = (db: TestDb) =>
  Effect.gen(function*() {
    yield* insert(db, "users", { id: 1, name: "Ada", email: "ada@example.com" })
    yield* insert(db, "user_about", { user_id: 1, about: "first programmer" })
    yield* insert(db, "user_devices", { id: 1, user_id: 1, name: "laptop" })
    yield* insert(db, "user_device_keys", { id: 1, device_id: 1, key: "k" })
  })

describe.each(dialects)("schema DDL ($name)", ({ make, name: dialect }) => {
  it.effect("creates the sqlservice fixture and reflects it back equal to the declaration", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* make
      yield* createAll(db.run, db.schemaDialect, tables)
      const live = yield* reflect(db.run, db.schemaDialect)
      const declared = yield* Effect.fromResult(Metadata.fromTables(tables, dialect))
      expect(Metadata.diff(declared, live, dialect)).toEqual([])
      expect(Metadata.equals(declared, live, dialect)).toBe(true)

      expect(live.tables.map((t) => t.name).sort()).toEqual(["user_about", "user_device_keys", "user_devices", "users"])
      const users = Metadata.findTable(live, "users")!
      expect(users.primaryKey).toEqual(["id"])
      expect(users.columns.map((c) => [c.name, c.type, c.nullable, c.autoIncrement])).toEqual([
        ["id", "integer", false, true],
        ["name", "text", false, false],
        ["email", "text", false, false],
        ["phone", "text", true, false]
      ])
      expect(users.uniques.map((u) => u.columns)).toEqual([["email"]])
      const about = Metadata.findTable(live, "user_about")!
      expect(about.primaryKey).toEqual(["user_id"])
      expect(about.foreignKeys).toMatchObject([{
        columns: ["user_id"],
        references: { table: "users", columns: ["id"] },
        onDelete: "cascade",
        onUpdate: "no action"
      }])
      const devices = Metadata.findTable(live, "user_devices")!
      expect(devices.columns.find((c) => c.name === "user_id")!.nullable).toBe(false)
      expect(devices.indexes).toEqual([{ name: "ix_user_devices_user_id", columns: ["user_id"], unique: false }])
      const keys = Metadata.findTable(live, "user_device_keys")!
      expect(keys.foreignKeys.map((fk) => fk.references.table)).toEqual(["user_devices"])
    })))

  it.effect("the declared metadata tells apart a database that differs", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* make
      yield* createAll(db.run, db.schemaDialect, tables)
      yield* db.run(`ALTER TABLE "users" ADD COLUMN "nickname" TEXT`)
      yield* db.run(`DROP TABLE "user_device_keys"`)
      const live = yield* reflect(db.run, db.schemaDialect)
      const declared = yield* Effect.fromResult(Metadata.fromTables(tables, dialect))
      const differences = Metadata.diff(declared, live, dialect)
      expect(differences.map((d) => [d.path, d.kind])).toEqual([
        ["user_device_keys", "missing"],
        ["users.nickname", "unexpected"]
      ])
    })))

  it.effect("createAll twice is a no-op; without checkFirst it fails with a typed error", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* make
      yield* createAll(db.run, db.schemaDialect, tables)
      yield* seed(db)
      const before = db.log.length
      yield* createAll(db.run, db.schemaDialect, tables)
      expect(db.log.slice(before).filter(isCreate)).toEqual([])
      const rows = yield* db.run(`SELECT count(*) AS n FROM "users"`)
      expect(Number(rows[0]!["n"])).toBe(1)
      const error = yield* Effect.flip(createAll(db.run, db.schemaDialect, tables, { checkFirst: false }))
      expect(DatabaseError.hasReason(error, "StatementError")).toBe(true)
    })))

  it.effect("createAll fills in only the missing tables", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* make
      yield* createAll(db.run, db.schemaDialect, tables, { tables: [User, "user_devices"] })
      expect((yield* reflect(db.run, db.schemaDialect)).tables.map((t) => t.name)).toEqual(["user_devices", "users"])
      const before = db.log.length
      yield* createAll(db.run, db.schemaDialect, tables)
      const created = db.log.slice(before).filter((s) => s.startsWith("CREATE TABLE"))
      expect(created.map((s) => /CREATE TABLE "(\w+)"/.exec(s)![1])).toEqual(["user_device_keys", "user_about"])
    })))

  it.effect("dropAll drops children before parents and leaves nothing, even with rows present", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* make
      yield* createAll(db.run, db.schemaDialect, tables)
      yield* seed(db)
      const before = db.log.length
      yield* dropAll(db.run, db.schemaDialect, tables)
      const drops = db.log.slice(before).filter((s) => s.startsWith("DROP TABLE")).map((s) => /"(\w+)"$/.exec(s)![1])
      expect(drops.indexOf("user_device_keys")).toBeLessThan(drops.indexOf("user_devices"))
      expect(drops.indexOf("user_devices")).toBeLessThan(drops.indexOf("users"))
      expect(drops.indexOf("user_about")).toBeLessThan(drops.indexOf("users"))
      expect((yield* reflect(db.run, db.schemaDialect)).tables).toEqual([])
      // checkFirst: nothing left to drop is not an error
      yield* dropAll(db.run, db.schemaDialect, tables)
      const error = yield* Effect.flip(dropAll(db.run, db.schemaDialect, tables, { checkFirst: false }))
      expect(DatabaseError.hasReason(error, "StatementError")).toBe(true)
    })))

  it.effect("dropAll of a subset keeps the rest", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* make
      yield* createAll(db.run, db.schemaDialect, tables)
      yield* dropAll(db.run, db.schemaDialect, tables, { tables: [UserDeviceKey, UserAbout] })
      expect((yield* reflect(db.run, db.schemaDialect)).tables.map((t) => t.name)).toEqual(["user_devices", "users"])
    })))

  it.effect("self-referencing tables are created, reflected and dropped", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* make
      const Node: Table.Table<"nodes", any> = Table.make("nodes", {
        id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
        parentId: Schema.NullOr(Schema.Int).pipe(Column.references(() => Node.columns.id, { onDelete: "set null" }))
      }, { columnNames: "snake_case" })
      yield* createAll(db.run, db.schemaDialect, [Node])
      yield* insert(db, "nodes", { id: 1, parent_id: null })
      yield* insert(db, "nodes", { id: 2, parent_id: 1 })
      const live = yield* reflect(db.run, db.schemaDialect)
      expect(Metadata.diff(yield* Effect.fromResult(Metadata.fromTables([Node], dialect)), live, dialect)).toEqual([])
      yield* dropAll(db.run, db.schemaDialect, [Node])
      expect((yield* reflect(db.run, db.schemaDialect)).tables).toEqual([])
    })))

  it.effect("composite keys, composite foreign keys, uniques and named indexes", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* make
      const Tenant = Table.make("tenants", {
        tenant: Schema.String.check(Schema.isMaxLength(10)),
        code: Schema.Int,
        label: Schema.String
      }, {
        primaryKey: ["tenant", "code"],
        uniques: [{ name: "uq_tenant_label", columns: ["tenant", "label"] }],
        indexes: [{ columns: ["label", "code"], name: "tenants_by_label" }, { columns: ["code"], unique: true }]
      })
      const Membership = Table.make("memberships", {
        tenant: Schema.String.check(Schema.isMaxLength(10)),
        code: Schema.Int,
        member: Schema.String
      }, {
        primaryKey: ["tenant", "code", "member"],
        foreignKeys: [{
          columns: ["tenant", "code"],
          references: () => [Tenant.columns.tenant, Tenant.columns.code],
          onDelete: "cascade",
          onUpdate: "restrict"
        }]
      })
      yield* createAll(db.run, db.schemaDialect, [Membership, Tenant])
      const live = yield* reflect(db.run, db.schemaDialect)
      expect(Metadata.diff(yield* Effect.fromResult(Metadata.fromTables([Tenant, Membership], dialect)), live, dialect)).toEqual([])
      const m = Metadata.findTable(live, "memberships")!
      expect(m.primaryKey).toEqual(["tenant", "code", "member"])
      expect(m.foreignKeys).toMatchObject([{ columns: ["tenant", "code"], onDelete: "cascade", onUpdate: "restrict" }])
    })))
})

describe("foreign key cycles", () => {
  const A: Table.Table<"cycle_a", any> = Table.make("cycle_a", {
    id: Schema.Int.pipe(Column.primaryKey),
    bId: Schema.NullOr(Schema.Int).pipe(Column.references(() => B.columns.id))
  })
  const B: Table.Table<"cycle_b", any> = Table.make("cycle_b", {
    id: Schema.Int.pipe(Column.primaryKey),
    aId: Schema.NullOr(Schema.Int).pipe(Column.references(() => A.columns.id))
  })

  it.effect("are created with ALTER TABLE on PostgreSQL, reflected, and dropped", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* dialects[1]!.make
      yield* createAll(db.run, db.schemaDialect, [A, B])
      expect(db.log.filter((s) => s.startsWith("ALTER TABLE"))).toHaveLength(1)
      yield* insert(db, "cycle_a", { id: 1, bId: null })
      yield* insert(db, "cycle_b", { id: 1, aId: 1 })
      yield* db.run(`UPDATE "cycle_a" SET "bId" = 1`)
      const live = yield* reflect(db.run, db.schemaDialect)
      expect(Metadata.diff(yield* Effect.fromResult(Metadata.fromTables([A, B], "pg")), live, "pg")).toEqual([])
      yield* createAll(db.run, db.schemaDialect, [A, B])
      yield* dropAll(db.run, db.schemaDialect, [A, B])
      expect((yield* reflect(db.run, db.schemaDialect)).tables).toEqual([])
    })))

  it.effect("are a SchemaError on SQLite, before anything runs", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* dialects[0]!.make
      const error = yield* Effect.flip(createAll(db.run, db.schemaDialect, [A, B]))
      expect(DatabaseError.hasReason(error, "SchemaError")).toBe(true)
      expect(error.reason.message).toContain("cycle between tables cycle_a, cycle_b")
      expect(db.log).toEqual([])
      const dropError = yield* Effect.flip(dropAll(db.run, db.schemaDialect, [A, B]))
      expect(DatabaseError.hasReason(dropError, "SchemaError")).toBe(true)
    })))
})
