/**
 * Databases we did not create (`test/fixtures/existingDatabases.ts`):
 * reflect → `createAll` of the reflected tables into an empty database →
 * reflect compares equal, and a copy that lost an index method, a predicate,
 * partitioning, a trigger or a view is reported by `diff`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Metadata from "../../src/Metadata.js"
import * as Table from "../../src/Table.js"
import type { ExistingDatabase } from "../fixtures/existingDatabases.js"
import type { LayerOptions, MakeLayer } from "../support/layers.js"

/** Runs `body` in a fresh database of its own, made by `makeLayer`, with `statements` run first. */
export const inFreshDatabase = <A, E>(
  makeLayer: MakeLayer,
  statements: ReadonlyArray<string>,
  body: (db: Database.Database) => Effect.Effect<A, E>,
  options: LayerOptions = {}
) =>
  Effect.gen(function*() {
    const db = yield* Database.Database
    for (const s of statements) yield* db.sql.unsafe(s)
    return yield* body(db)
  }).pipe(Effect.provide(makeLayer(options)))

/** The paths of the differences createAll leaves by design: it creates neither views nor triggers. */
const notCreated = (d: Metadata.Difference) => d.path === "views" || d.path.endsWith(".triggers")

export const suite = (name: string, makeLayer: MakeLayer, fixture: ExistingDatabase) => {
  describe(`existing databases (${name})`, () => {
    const reflectFixture = (ddl: ReadonlyArray<string>) => inFreshDatabase(makeLayer, ddl, (db) => db.reflect())
    const dialectOf = inFreshDatabase(makeLayer, [], (db) => Effect.succeed(db.dialect))

    it.effect("reflect → createAll → reflect is identical once the views and triggers are made by hand", () =>
      Effect.gen(function*() {
        const source = yield* reflectFixture(fixture.ddl)
        // The fixture's view and trigger are in the source's metadata, so the comparisons below can see them.
        expect((source.views ?? []).length).toBe(1)
        expect(source.tables.flatMap((t) => t.triggers ?? []).length).toBe(1)
        const tables = source.tables.map(Table.fromMetadata)
        const { afterCreate, afterByHand, dialect } = yield* inFreshDatabase(makeLayer, [], (db) =>
          Effect.gen(function*() {
            yield* db.createAll()
            const afterCreate = yield* db.reflect()
            for (const s of fixture.byHand) yield* db.sql.unsafe(s)
            return { afterCreate, afterByHand: yield* db.reflect(), dialect: db.dialect }
          }), { tables })
        const differences = Metadata.diff(source, afterCreate, dialect)
        expect(differences.filter((d) => !notCreated(d))).toEqual([])
        // What createAll does not make is reported, never silently equal.
        expect(differences.map((d) => `${d.path} ${d.kind}`).sort()).toEqual(
          [
            ...source.tables.filter((t) => (t.triggers ?? []).length > 0).map((t) => `${t.name}.triggers missing`),
            ...(source.views ?? []).map(() => "views missing")
          ].sort()
        )
        expect(Metadata.diff(source, afterByHand, dialect)).toEqual([])
      }))

    for (const loss of fixture.losses) {
      it.effect(`a copy that lost ${loss.what} is reported`, () =>
        Effect.gen(function*() {
          const source = yield* reflectFixture(fixture.ddl)
          const lossy = yield* reflectFixture(loss.ddl)
          const dialect = yield* dialectOf
          const differences = Metadata.diff(source, lossy, dialect)
          expect(new Set(differences.map((d) => d.path))).toEqual(new Set(loss.paths))
          // What the source has is reported missing from the copy (not merely something unexpected in it).
          expect(differences.some((d) => d.kind === "missing")).toBe(true)
        }))
    }

    it.effect("index methods, predicates and keys and partition SQL from Table options are vetted: a second statement is a SchemaError before any SQL", () =>
      Effect.gen(function*() {
        const fields = { id: Schema.Int.pipe(Column.primaryKey), note: Schema.String }
        const hostile: ReadonlyArray<Table.TableOptions<"id" | "note">> = [
          { indexes: [{ columns: ["note"], method: "gist (note); DROP TABLE victim; --" }] },
          { indexes: [{ columns: ["note"], where: "note <> ''; DROP TABLE victim" }] },
          { indexes: [{ columns: [], expressions: ["lower(note)); DROP TABLE victim; --"] }] },
          { indexes: [{ columns: ["note"], where: "note <> '' /* ; */" }] },
          { partitionBy: "RANGE (id); DROP TABLE victim" },
          { partitionBy: "RANGE (id)", partitions: [{ name: "evil_1", bound: "DEFAULT; DROP TABLE victim" }] }
        ]
        for (const options of hostile) {
          let ran = false
          const error = yield* Effect.flip(
            inFreshDatabase(makeLayer, [], () => Effect.sync(() => (ran = true)), { tables: [Table.make("evil", fields, options)] })
          )
          expect(DatabaseError.hasReason(error, "SchemaError"), JSON.stringify(options)).toBe(true)
          expect(String((error as { message?: unknown }).message)).toMatch(/is rejected: |is not an index method name/)
          expect(ran).toBe(false)
        }
      }))

    it.effect("partial and expression indexes are recorded as written, triggers and views by what they do", () =>
      Effect.gen(function*() {
        const live = yield* reflectFixture(fixture.ddl)
        const indexes = live.tables.flatMap((t) => t.indexes)
        expect(indexes.some((i) => i.where !== undefined)).toBe(true)
        expect(indexes.some((i) => i.expressions !== undefined && i.columns.length === 0)).toBe(true)
        const triggers = live.tables.flatMap((t) => t.triggers ?? [])
        expect(triggers.length).toBe(1)
        expect(triggers[0]!.forEach).toBe("row")
        expect(triggers[0]!.events).toEqual(["update"])
        expect((live.views ?? []).length).toBe(1)
        // Reflecting a list of tables leaves the views out.
        const some = yield* inFreshDatabase(makeLayer, fixture.ddl, (db) => db.reflect({ tables: [...fixture.portableTables] }))
        expect(some.views).toBeUndefined()
        expect(JSON.parse(JSON.stringify(live))).toEqual(live)
      }))
  })
}

/** PostgreSQL only: index methods and partitions are created; the recorded forms. */
export const pgOnly = (makeLayer: MakeLayer, fixture: ExistingDatabase) => {
  describe("existing databases (postgres features)", () => {
    it.effect("GiST indexes, partition keys and bounds are recorded and recreated", () =>
      Effect.gen(function*() {
        const live = yield* inFreshDatabase(makeLayer, fixture.ddl, (db) => db.reflect())
        const bookings = Metadata.findTable(live, "bookings")!
        expect(bookings.indexes.find((i) => i.name === "bookings_during")?.method).toBe("gist")
        expect(bookings.triggers?.[0]).toMatchObject({ name: "bookings_touch", timing: "before", action: "touch_updated_at()" })
        const payments = Metadata.findTable(live, "payments")!
        expect(payments.partitionBy).toBe("RANGE (paid_on)")
        expect(payments.partitions?.map((p) => p.name)).toEqual(["payments_2020", "payments_2021"])
        // Partitions are part of their parent, not tables of their own.
        expect(live.tables.map((t) => t.name)).not.toContain("payments_2020")

        const copy = yield* inFreshDatabase(makeLayer, [], (db) =>
          Effect.gen(function*() {
            yield* db.createAll()
            yield* db.sql.unsafe(`INSERT INTO payments (id, paid_on, amount) VALUES (1, '2021-03-04', 10)`)
            return yield* db.sql.unsafe<{ readonly n: string }>(`SELECT tableoid::regclass::text AS n FROM payments`)
          }), { tables: live.tables.map(Table.fromMetadata) })
        expect(copy.map((r) => r.n)).toEqual(["payments_2021"])
      }))
  })
}

/** SQLite has one index method and no partitioning: declaring them is a SchemaError, and nothing is written. */
export const sqliteRefuses = (makeLayer: MakeLayer) => {
  describe("existing databases (sqlite: not applicable)", () => {
    const cases: ReadonlyArray<readonly [string, Table.Any]> = [
      ["a GiST index", Table.fromMetadata({
        name: "spots",
        columns: [{ name: "id", type: "integer", dbType: "INTEGER", nullable: false, autoIncrement: false }],
        primaryKey: ["id"],
        uniques: [],
        indexes: [{ name: "spots_id", columns: ["id"], unique: false, method: "gist" }],
        foreignKeys: []
      })],
      ["a partitioned table", Table.fromMetadata({
        name: "spots",
        columns: [{ name: "id", type: "integer", dbType: "INTEGER", nullable: false, autoIncrement: false }],
        primaryKey: ["id"],
        uniques: [],
        indexes: [],
        foreignKeys: [],
        partitionBy: "RANGE (id)",
        partitions: [{ name: "spots_low", bound: "FOR VALUES FROM (0) TO (10)" }]
      })]
    ]
    for (const [what, table] of cases) {
      it.effect(`${what} is a SchemaError when the layer is built, before any SQL`, () =>
        Effect.gen(function*() {
          let ran = false
          const error = yield* Effect.flip(inFreshDatabase(makeLayer, [], () => Effect.sync(() => (ran = true)), { tables: [table] }))
          expect(DatabaseError.isDatabaseError(error) && error.reason._tag).toBe("SchemaError")
          expect(String((error as { message?: unknown }).message)).toMatch(/SQLite has (only B-tree indexes|no partitioned tables)/)
          expect(ran).toBe(false)
        }))
    }
  })
}
