/**
 * Copying a schema and its rows from one dialect to the other through
 * reflection: `createAll` of tables reflected from SQLite creates
 * PostgreSQL types of the same meaning (and back), rows read back typed
 * (dates as `Date`, booleans as booleans), and `Metadata.diff` across the two
 * dialects compares by meaning.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Database from "../../src/Database.js"
import * as Metadata from "../../src/Metadata.js"
import * as Query from "../../src/Query.js"
import * as Session from "../../src/Session.js"
import * as Table from "../../src/Table.js"
import * as existingDatabases from "../fixtures/existingDatabases.js"
import { inFreshDatabase } from "../suites/existingDatabases.js"
import { type MakeLayer, pgAvailable, pgIsolated, sqliteMemory } from "../support/layers.js"

const available = await pgAvailable()

type Row = Record<string, unknown>

const readAll = (db: Database.Database, tables: ReadonlyArray<Table.Any>) =>
  Effect.scoped(Effect.gen(function*() {
    const session = yield* db.session
    const out: Record<string, Array<Row>> = {}
    for (const t of tables) {
      const rows = (yield* session.all(Query.select(t))) as ReadonlyArray<Row>
      out[t.name] = [...rows].sort((a, b) => Number(a["id"]) - Number(b["id"]))
    }
    return out
  }))

/**
 * NUMERIC values compare as numbers: PostgreSQL keeps the declared scale
 * (`12.50`), SQLite stores the number (`12.5`).
 */
const byMeaning = (table: Metadata.TableMetadata, rows: ReadonlyArray<Row>) =>
  rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => {
      const column = table.columns.find((c) => c.name === k)
      return [k, column?.type === "numeric" && typeof v === "string" ? Number(v) : v]
    }))
  )

const copy = (
  from: { readonly make: MakeLayer; readonly fixture: existingDatabases.ExistingDatabase },
  to: MakeLayer
) =>
  Effect.gen(function*() {
    const source = yield* inFreshDatabase(from.make, [...from.fixture.ddl, ...from.fixture.rows], (db) =>
      Effect.gen(function*() {
        const metadata = yield* db.reflect({ tables: [...from.fixture.portableTables] })
        const tables = metadata.tables.map(Table.fromMetadata)
        return { metadata, tables, rows: yield* readAll(db, tables), dialect: db.dialect }
      }))
    const target = yield* inFreshDatabase(to, [], (db) =>
      Effect.gen(function*() {
        yield* db.createAll()
        // Parents first: the tables were reflected in name order, which the fixtures keep parent-first.
        yield* db.begin(Effect.gen(function*() {
          const session = yield* Session.Session
          for (const t of source.tables) yield* session.insertAll(t, source.rows[t.name] as never)
        }))
        const metadata = yield* db.reflect({ tables: [...from.fixture.portableTables] })
        // Read through tables reflected from the target itself, as a user of the copy would.
        return { metadata, rows: yield* readAll(db, metadata.tables.map(Table.fromMetadata)), dialect: db.dialect }
      }), { tables: source.tables })
    return { source, target }
  })

describe.skipIf(!available)("copying a schema across dialects", () => {
  it.effect("SQLite → PostgreSQL: NVARCHAR, DATETIME, BOOLEAN, DOUBLE become their PostgreSQL meaning; rows read back typed", () =>
    Effect.gen(function*() {
      const { source, target } = yield* copy({ make: sqliteMemory, fixture: existingDatabases.sqlite }, pgIsolated)
      const customers = Metadata.findTable(target.metadata, "customers")!
      const typeOf = (name: string) => customers.columns.find((c) => c.name === name)!
      expect(typeOf("name")).toMatchObject({ type: "varchar", length: 40, dbType: "character varying(40)" })
      expect(typeOf("joined")).toMatchObject({ type: "datetime", dbType: "timestamp without time zone" })
      expect(typeOf("active")).toMatchObject({ type: "boolean", dbType: "boolean" })
      expect(typeOf("score")).toMatchObject({ type: "double" })

      // createAll does not create triggers, and says so: the trigger is the one difference.
      expect(Metadata.diff(source.metadata, target.metadata, { expected: "sqlite", actual: "pg" }).map((d) => d.message)).toEqual([
        "customers.triggers: missing customers_touch: after update for each row"
      ])
      for (const t of source.metadata.tables) {
        expect(byMeaning(t, target.rows[t.name]!)).toEqual(byMeaning(t, source.rows[t.name]!))
      }
      const grace = target.rows["customers"]!.find((r) => r["name"] === "Grace")!
      expect(grace["joined"]).toEqual(new Date("2021-02-03T04:05:06.789Z"))
      expect(grace["updated_at"]).toEqual(new Date("2021-03-01T10:00:00Z"))
      expect(grace["active"]).toBe(false)
      expect(target.rows["invoices"]!.map((r) => r["issued"] instanceof Date)).toEqual([true, true])
    }))

  it.effect("PostgreSQL → SQLite: timestamp stays a wall-clock datetime and timestamptz an instant; rows read back typed", () =>
    Effect.gen(function*() {
      const { source, target } = yield* copy({ make: pgIsolated, fixture: existingDatabases.pg }, sqliteMemory)
      const guests = Metadata.findTable(target.metadata, "guests")!
      const typeOf = (name: string) => guests.columns.find((c) => c.name === name)!
      expect(typeOf("checked_in").type).toBe("datetime")
      expect(typeOf("last_seen").type).toBe("timestamp")
      expect(typeOf("vip").type).toBe("boolean")
      expect(typeOf("balance").type).toBe("numeric")

      expect(Metadata.diff(source.metadata, target.metadata, { expected: "pg", actual: "sqlite" })).toEqual([])
      const t = source.metadata.tables[0]!
      expect(byMeaning(t, target.rows["guests"]!)).toEqual(byMeaning(t, source.rows["guests"]!))
      const [ada, grace] = target.rows["guests"]!
      expect(ada!["checked_in"]).toEqual(new Date("2021-01-01T00:00:00Z"))
      expect(ada!["last_seen"]).toEqual(new Date("2021-06-01T12:30:00Z"))
      expect(ada!["vip"]).toBe(true)
      expect(grace!["checked_in"]).toEqual(new Date("2021-02-03T04:05:06.789Z"))
    }))

  it.effect("diff across dialects still reports a real difference", () =>
    Effect.gen(function*() {
      const { source, target } = yield* copy({ make: sqliteMemory, fixture: existingDatabases.sqlite }, pgIsolated)
      const narrowed: Metadata.Metadata = {
        tables: target.metadata.tables.map((t) =>
          t.name !== "customers" ? t : {
            ...t,
            columns: t.columns.map((c) => (c.name === "name" ? { ...c, length: 20 } : c)),
            indexes: t.indexes.filter((i) => i.name !== "customers_email_lower")
          }
        )
      }
      const differences = Metadata.diff(source.metadata, narrowed, { expected: "sqlite", actual: "pg" })
      expect(differences.map((d) => d.path).sort()).toEqual(["customers.indexes", "customers.name.length", "customers.triggers"])
    }))
})
