/**
 * The migrations runner on any database: up (all, to a target), down (steps,
 * to a target), status, each refusal with nothing written, a failing
 * statement rolled back and named, a hand-written migration's own failure
 * passed through, interruption mid-migration, migrations loaded from a
 * directory, concurrent runs in one process, and `Migrations.layer`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Migrations from "../../src/Migrations.js"
import { failureOf, reasonOf } from "../support/failures.js"
import type { LayerOptions, MakeLayer } from "../support/layers.js"
import { expectMessageFormat } from "../support/messages.js"

const TABLE = "effect_sqlservice_migrations"

const create = (id: string, name: string, table: string, extra: Partial<Migrations.Migration> = {}): Migrations.Migration => ({
  id,
  name,
  up: Migrations.statements([`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, title TEXT)`]),
  down: Migrations.statements([`DROP TABLE ${table}`]),
  ...extra
})

// Ids compare as integers: 9 runs before 10.
const three = [create("10", "third", "m_c"), create("2", "first", "m_a"), create("9", "second", "m_b")]

const rowsOf = (db: Database.Database, sql: string) => Effect.scoped(Effect.flatMap(db.connect, (conn) => conn.all(sql)))

const appliedIds = (db: Database.Database, table = TABLE) =>
  Effect.map(rowsOf(db, `SELECT id FROM ${table}`), (rows) => rows.map((r) => String(r.id)).sort((a, b) => Number(a) - Number(b)))

const tableNames = (db: Database.Database) =>
  Effect.map(db.reflect(), (m) => m.tables.map((t) => t.name).filter((n) => n !== TABLE).sort())

const migrationErrorOf = <A>(exit: Exit.Exit<A, unknown>) => {
  const reason = reasonOf(failureOf(exit))
  if (reason._tag !== "MigrationError") throw new Error(`expected a MigrationError, got ${reason._tag}: ${reason.message}`)
  expectMessageFormat(reason)
  return reason
}

class Boom extends Data.TaggedError("Boom")<{ readonly note: string }> {}

const repoRoot = path.resolve(import.meta.dirname, "../..")
let scratchCounter = 0
const scratchDir = () => {
  const dir = path.join(repoRoot, ".scratch", `migrations-${process.pid}-${Date.now().toString(36)}-${scratchCounter++}`)
  fs.mkdirSync(dir, { recursive: true })
  return dir
}
const migrationFile = (table: string) =>
  [
    `import * as Migrations from "../../src/Migrations.js"`,
    `export const up = Migrations.statements(["CREATE TABLE ${table} (id INTEGER PRIMARY KEY)"])`,
    `export const down = Migrations.statements(["DROP TABLE ${table}"])`,
    ``
  ].join("\n")

export const suite = (name: string, makeLayer: MakeLayer) => {
  const test = <A, E>(title: string, body: (db: Database.Database) => Effect.Effect<A, E, Database.Database>, options: LayerOptions = {}) =>
    it.effect(title, () =>
      Effect.gen(function*() {
        return yield* body(yield* Database.Database)
      }).pipe(
        Effect.provide(makeLayer(options)),
        Effect.scoped
      ) as Effect.Effect<A, unknown>)

  describe(`migrations runner (${name})`, () => {
    test("up applies every pending migration in id order, once, and records it", (db) =>
      Effect.gen(function*() {
        const applied = yield* Migrations.up({ migrations: three })
        expect(applied.map((a) => [a.id, a.direction])).toEqual([["2", "up"], ["9", "up"], ["10", "up"]])
        expect(yield* tableNames(db)).toEqual(["m_a", "m_b", "m_c"])
        expect(yield* appliedIds(db)).toEqual(["2", "9", "10"])
        expect(yield* Migrations.up({ migrations: three })).toEqual([])
        const status = yield* Migrations.status({ migrations: three })
        expect(status.map((s) => [s.id, s.name, s.state])).toEqual([["2", "first", "applied"], ["9", "second", "applied"], ["10", "third", "applied"]])
        expect(status.every((s) => s.appliedAt instanceof Date && typeof s.durationMs === "number" && typeof s.checksum === "string")).toBe(true)
      }))

    test("up to a target stops after it; down takes steps or a target to leave applied", (db) =>
      Effect.gen(function*() {
        expect((yield* Migrations.up({ migrations: three, to: "9" })).map((a) => a.id)).toEqual(["2", "9"])
        expect((yield* Migrations.status({ migrations: three })).map((s) => s.state)).toEqual(["applied", "applied", "pending"])
        yield* Migrations.up({ migrations: three })
        const one = yield* Migrations.down({ migrations: three })
        expect(one.map((a) => [a.id, a.direction])).toEqual([["10", "down"]])
        expect(yield* tableNames(db)).toEqual(["m_a", "m_b"])
        yield* Migrations.up({ migrations: three })
        expect((yield* Migrations.down({ migrations: three, to: "2" })).map((a) => a.id)).toEqual(["10", "9"])
        expect(yield* appliedIds(db)).toEqual(["2"])
        expect((yield* Migrations.down({ migrations: three, steps: 5 })).map((a) => a.id)).toEqual(["2"])
        expect(yield* tableNames(db)).toEqual([])
        expect((yield* Migrations.status({ migrations: three })).map((s) => s.state)).toEqual(["pending", "pending", "pending"])
      }))

    test("status reports applied, pending, missing and modified, and writes nothing", (db) =>
      Effect.gen(function*() {
        expect((yield* Migrations.status({ migrations: three })).map((s) => s.state)).toEqual(["pending", "pending", "pending"])
        expect((yield* db.reflect()).tables.map((t) => t.name)).not.toContain(TABLE)
        yield* Migrations.up({ migrations: three, to: "9" })
        const changed = [
          create("9", "second", "m_b", { up: Migrations.statements(["CREATE TABLE m_b (id INTEGER PRIMARY KEY)"]) }),
          create("10", "third", "m_c")
        ]
        const status = yield* Migrations.status({ migrations: changed })
        expect(status.map((s) => [s.id, s.name, s.state])).toEqual([["2", "first", "missing"], ["9", "second", "modified"], ["10", "third", "pending"]])
      }))

    test("an applied migration that changed is refused as modified, naming it, and nothing runs", (db) =>
      Effect.gen(function*() {
        yield* Migrations.up({ migrations: three, to: "2" })
        const edited = [create("2", "first", "m_a", { up: Migrations.statements(["CREATE TABLE m_a (id INTEGER)"]) }), ...three.slice(0, 1), three[2]!]
        const reason = migrationErrorOf(yield* Effect.exit(Migrations.up({ migrations: edited })))
        expect(reason.kind).toBe("modified")
        expect(reason.migrations).toEqual(["2_first"])
        expect(reason.message).toContain("2_first")
        expect(reason.message).toContain("new migration")
        expect(yield* appliedIds(db)).toEqual(["2"])
        expect(yield* tableNames(db)).toEqual(["m_a"])
        const downExit = yield* Effect.exit(Migrations.down({ migrations: edited }))
        expect(migrationErrorOf(downExit).kind).toBe("modified")
        expect(yield* appliedIds(db)).toEqual(["2"])
      }))

    test("an applied migration missing from the source is refused, and nothing runs", (db) =>
      Effect.gen(function*() {
        yield* Migrations.up({ migrations: three, to: "2" })
        const reason = migrationErrorOf(yield* Effect.exit(Migrations.up({ migrations: three.filter((m) => m.id !== "2") })))
        expect(reason.kind).toBe("missing")
        expect(reason.migrations).toEqual(["2_first"])
        expect(reason.message).toContain("restore")
        expect(yield* tableNames(db)).toEqual(["m_a"])
      }))

    test("a pending migration before the latest applied one is refused unless allowOutOfOrder", (db) =>
      Effect.gen(function*() {
        yield* Migrations.up({ migrations: three.filter((m) => m.id !== "9") })
        const reason = migrationErrorOf(yield* Effect.exit(Migrations.up({ migrations: three })))
        expect(reason.kind).toBe("outOfOrder")
        expect(reason.migrations).toEqual(["9_second"])
        expect(reason.message).toContain("allowOutOfOrder")
        expect(yield* tableNames(db)).toEqual(["m_a", "m_c"])
        expect((yield* Migrations.up({ migrations: three, allowOutOfOrder: true })).map((a) => a.id)).toEqual(["9"])
        expect(yield* tableNames(db)).toEqual(["m_a", "m_b", "m_c"])
      }))

    test("destructive steps need allowDestructive in the direction that has them; a missing down is irreversible", (db) =>
      Effect.gen(function*() {
        const dropping = [
          create("1", "make", "m_a"),
          {
            id: "2",
            name: "drop",
            up: Migrations.statements(["DROP TABLE m_a"]),
            destructive: { up: ["drop table m_a"] },
            irreversible: ["m_a's rows are gone"]
          }
        ]
        const refused = migrationErrorOf(yield* Effect.exit(Migrations.up({ migrations: dropping })))
        expect(refused.kind).toBe("destructive")
        expect(refused.migrations).toEqual(["2_drop"])
        expect(refused.message).toContain("drop table m_a")
        expect(refused.message).toContain("allowDestructive")
        // Refused before anything ran: not even the harmless first one, nor the migrations table.
        expect((yield* db.reflect()).tables).toEqual([])
        expect(yield* Migrations.up({ migrations: dropping, allowDestructive: true })).toHaveLength(2)
        expect(yield* tableNames(db)).toEqual([])
        const oneWay = migrationErrorOf(yield* Effect.exit(Migrations.down({ migrations: dropping, steps: 2 })))
        expect(oneWay.kind).toBe("irreversible")
        expect(oneWay.migrations).toEqual(["2_drop"])
        expect(yield* appliedIds(db)).toEqual(["1", "2"])

        const destructiveDown = [create("3", "undo_drops", "m_d", { destructive: { down: ["drop table m_d"] } })]
        yield* Migrations.up({ migrations: [...dropping, ...destructiveDown], allowDestructive: true })
        const down = migrationErrorOf(yield* Effect.exit(Migrations.down({ migrations: [...dropping, ...destructiveDown] })))
        expect(down.kind).toBe("destructive")
        expect(yield* tableNames(db)).toEqual(["m_d"])
        yield* Migrations.down({ migrations: [...dropping, ...destructiveDown], allowDestructive: true })
        expect(yield* tableNames(db)).toEqual([])
      }))

    test("a failing statement rolls its migration back, names the statement, and keeps the earlier migrations", (db) =>
      Effect.gen(function*() {
        const failing = [
          create("1", "ok", "m_a"),
          {
            id: "2",
            name: "broken",
            up: Migrations.statements([
              "CREATE TABLE m_b (id INTEGER PRIMARY KEY)",
              "INSERT INTO m_a (id, title) VALUES (1, 'kept?')",
              "INSERT INTO no_such_table (id) VALUES (1)"
            ])
          }
        ]
        yield* Migrations.up({ migrations: failing, to: "1" })
        const before = yield* db.reflect()
        const error = failureOf(yield* Effect.exit(Migrations.up({ migrations: failing })))
        const reason = reasonOf(error)
        if (reason._tag !== "MigrationError") throw new Error(`expected a MigrationError, got ${reason._tag}`)
        expect(reason.kind).toBe("failed")
        expectMessageFormat(reason)
        expect(reason.statement).toBe("INSERT INTO no_such_table (id) VALUES (1)")
        expect(reason.migrations).toEqual(["2_broken"])
        expect(reason.message).toContain("statement 3 of 3")
        expect(DatabaseError.isDatabaseError(error.cause)).toBe(true)
        expect(yield* db.reflect()).toEqual(before)
        expect(yield* rowsOf(db, "SELECT * FROM m_a")).toEqual([])
        expect(yield* appliedIds(db)).toEqual(["1"])
      }))

    test("a hand-written migration's own failure passes through unwrapped, rolled back", (db) =>
      Effect.gen(function*() {
        const failing = [{
          id: "1",
          name: "custom",
          up: Effect.andThen(Migrations.statements(["CREATE TABLE m_a (id INTEGER PRIMARY KEY)"]), Effect.fail(new Boom({ note: "no" })))
        }]
        const error = failureOf(yield* Effect.exit(Migrations.up({ migrations: failing })))
        expect(error).toBeInstanceOf(Boom)
        expect(yield* tableNames(db)).toEqual([])
        expect(yield* appliedIds(db)).toEqual([])
      }))

    test("an interrupted migration is rolled back and the next run applies it", (db) =>
      Effect.gen(function*() {
        const started = yield* Deferred.make<void>()
        const slow = [{
          id: "1",
          name: "slow",
          up: Effect.gen(function*() {
            yield* Migrations.statements(["CREATE TABLE m_a (id INTEGER PRIMARY KEY)"])
            yield* Deferred.succeed(started, undefined)
            yield* Effect.never
          })
        }]
        const fiber = yield* Effect.forkChild(Migrations.up({ migrations: slow }))
        yield* Deferred.await(started)
        yield* Fiber.interrupt(fiber)
        expect(yield* tableNames(db)).toEqual([])
        expect(yield* appliedIds(db)).toEqual([])
        const quick = [{ ...create("1", "slow", "m_a") }]
        expect((yield* Migrations.up({ migrations: quick })).map((a) => a.id)).toEqual(["1"])
        expect(yield* tableNames(db)).toEqual(["m_a"])
      }))

    test("concurrent up calls in one process apply each migration once", (db) =>
      Effect.gen(function*() {
        const logged = (id: string) => ({
          id,
          name: `log_${id}`,
          up: Effect.gen(function*() {
            yield* Migrations.statements([`INSERT INTO m_log (id) VALUES (${id})`])
            // Real time (it.effect's clock is a test clock): the others must wait it out.
            yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 30)))
          })
        })
        const list = [
          create("1", "log", "m_log"),
          logged("2"),
          logged("3"),
          logged("4")
        ]
        const runs = yield* Effect.all([1, 2, 3, 4].map(() => Migrations.up({ migrations: list })), { concurrency: 4 })
        expect(runs.flat().map((a) => a.id).sort()).toEqual(["1", "2", "3", "4"])
        expect((yield* rowsOf(db, "SELECT id FROM m_log ORDER BY id")).map((r) => Number(r.id))).toEqual([2, 3, 4])
        expect(yield* appliedIds(db)).toEqual(["1", "2", "3", "4"])
      }))

    test("another migrations table can be named; an unusable name or target is refused", (db) =>
      Effect.gen(function*() {
        yield* Migrations.up({ migrations: three, table: "schema_history", to: "2" })
        expect(yield* appliedIds(db, "schema_history")).toEqual(["2"])
        const badTable = migrationErrorOf(yield* Effect.exit(Migrations.up({ migrations: three, table: "x; DROP TABLE m_a" })))
        expect(badTable.kind).toBe("invalid")
        const badTarget = migrationErrorOf(yield* Effect.exit(Migrations.up({ migrations: three, to: "7" })))
        expect(badTarget.kind).toBe("invalid")
        expect(badTarget.message).toContain("\"7\"")
        const duplicate = migrationErrorOf(yield* Effect.exit(Migrations.up({ migrations: [...three, create("02", "again", "m_x")] })))
        expect(duplicate.kind).toBe("invalid")
        expect(duplicate.migrations).toEqual(["02_again", "2_first"])
        expect(yield* tableNames(db)).toEqual(["m_a", "schema_history"])
      }))

    test("statementsOf gives back a statements Effect's list, and nothing for other Effects", () =>
      Effect.sync(() => {
        const list = ["CREATE TABLE a (id INTEGER)", "DROP TABLE a"]
        expect(Migrations.statementsOf(Migrations.statements(list))).toEqual(list)
        expect(Migrations.statementsOf(Effect.void)).toBeUndefined()
      }))

    it.effect("Migrations.layer applies pending migrations when the application starts", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        expect(yield* appliedIds(db)).toEqual(["2", "9", "10"])
      }).pipe(
        Effect.provide(Layer.provideMerge(Migrations.layer({ migrations: three }), makeLayer())),
        Effect.scoped
      ))

    test("migrations load from a directory; a changed file is modified, a malformed one refused", (db) =>
      Effect.scoped(Effect.gen(function*() {
        const dir = scratchDir()
        yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
        fs.writeFileSync(path.join(dir, "20261201000001_first.ts"), migrationFile("d_a"))
        fs.writeFileSync(path.join(dir, "20261201000002_second.ts"), migrationFile("d_b"))
        fs.writeFileSync(path.join(dir, "README.md"), "notes\n")
        fs.writeFileSync(path.join(dir, ".keep"), "")
        const applied = yield* Migrations.up({ directory: dir })
        expect(applied.map((a) => [a.id, a.name])).toEqual([["20261201000001", "first"], ["20261201000002", "second"]])
        expect(yield* tableNames(db)).toEqual(["d_a", "d_b"])

        // CRLF line endings are the same file.
        fs.writeFileSync(path.join(dir, "20261201000002_second.ts"), migrationFile("d_b").replace(/\n/g, "\r\n"))
        expect((yield* Migrations.status({ directory: dir })).map((s) => s.state)).toEqual(["applied", "applied"])

        fs.writeFileSync(path.join(dir, "20261201000001_first.ts"), migrationFile("d_a") + "// edited\n")
        const modified = migrationErrorOf(yield* Effect.exit(Migrations.up({ directory: dir })))
        expect(modified.kind).toBe("modified")
        expect(modified.migrations).toEqual(["20261201000001_first.ts"])
        fs.writeFileSync(path.join(dir, "20261201000001_first.ts"), migrationFile("d_a"))

        fs.writeFileSync(path.join(dir, "2026_bad name.ts"), migrationFile("d_x"))
        const malformed = migrationErrorOf(yield* Effect.exit(Migrations.up({ directory: dir })))
        expect(malformed.kind).toBe("invalid")
        expect(malformed.migrations).toEqual(["2026_bad name.ts"])
        fs.rmSync(path.join(dir, "2026_bad name.ts"))

        fs.writeFileSync(path.join(dir, "20261201000003_noup.ts"), "export const down = 1\n")
        const noUp = migrationErrorOf(yield* Effect.exit(Migrations.up({ directory: dir })))
        expect(noUp.kind).toBe("invalid")
        expect(noUp.message).toContain("20261201000003_noup.ts")
        expect(yield* appliedIds(db)).toEqual(["20261201000001", "20261201000002"])

        const missingDir = migrationErrorOf(yield* Effect.exit(Migrations.up({ directory: path.join(dir, "nope") })))
        expect(missingDir.kind).toBe("invalid")
      })))
  })
}

/** SQLite only: foreign keys off while a migration runs, checked before COMMIT; every migration transactional. */
export const sqliteOnly = (makeLayer: MakeLayer) => {
  const test = <A, E>(title: string, body: (db: Database.Database) => Effect.Effect<A, E, Database.Database>) =>
    it.effect(title, () =>
      Effect.gen(function*() {
        return yield* body(yield* Database.Database)
      }).pipe(Effect.provide(makeLayer()), Effect.scoped) as Effect.Effect<A, unknown>)

  const foreignKeys = (db: Database.Database) => Effect.map(rowsOf(db, "PRAGMA foreign_keys"), (rows) => Number(rows[0]!.foreign_keys))

  describe("migrations runner (sqlite only)", () => {
    const parentChild = create("1", "parent_child", "parent", {
      up: Migrations.statements([
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT)",
        "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id) ON DELETE CASCADE)",
        "INSERT INTO parent (id, name) VALUES (1, 'p')",
        "INSERT INTO child (id, parent_id) VALUES (10, 1)"
      ])
    })

    test("a table rebuild that drops the parent table does not cascade to its children", (db) =>
      Effect.gen(function*() {
        const rebuild = {
          id: "2",
          name: "rebuild_parent",
          up: Migrations.statements([
            "CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '')",
            "INSERT INTO parent_new (id, name) SELECT id, name FROM parent",
            "DROP TABLE parent",
            "ALTER TABLE parent_new RENAME TO parent"
          ])
        }
        yield* Migrations.up({ migrations: [parentChild, rebuild] })
        expect(yield* rowsOf(db, "SELECT id, parent_id FROM child")).toEqual([{ id: 10, parent_id: 1 }])
        expect(yield* foreignKeys(db)).toBe(1)
      }))

    test("rows left without their parent fail the migration before COMMIT, rolled back, foreign keys back on", (db) =>
      Effect.gen(function*() {
        yield* Migrations.up({ migrations: [parentChild] })
        const orphaning = { id: "2", name: "orphans", up: Migrations.statements(["DELETE FROM parent"]) }
        const reason = migrationErrorOf(yield* Effect.exit(Migrations.up({ migrations: [parentChild, orphaning] })))
        expect(reason.kind).toBe("failed")
        expect(reason.migrations).toEqual(["2_orphans"])
        expect(reason.message).toContain("table child row 10")
        expect(yield* rowsOf(db, "SELECT id FROM parent")).toEqual([{ id: 1 }])
        expect(yield* foreignKeys(db)).toBe(1)
        expect(yield* appliedIds(db)).toEqual(["1"])
      }))

    test("an interrupted migration leaves foreign keys enforced again", (db) =>
      Effect.gen(function*() {
        const started = yield* Deferred.make<void>()
        const stuck = {
          id: "1",
          name: "stuck",
          up: Effect.andThen(Deferred.succeed(started, undefined), Effect.never)
        }
        const fiber = yield* Effect.forkChild(Migrations.up({ migrations: [stuck] }))
        yield* Deferred.await(started)
        yield* Fiber.interrupt(fiber)
        expect(yield* foreignKeys(db)).toBe(1)
        expect(yield* appliedIds(db)).toEqual([])
      }))

    test("transactional: false is refused: SQLite DDL is transactional", (db) =>
      Effect.gen(function*() {
        const reason = migrationErrorOf(yield* Effect.exit(Migrations.up({ migrations: [create("1", "outside", "m_a", { transactional: false })] })))
        expect(reason.kind).toBe("invalid")
        expect(reason.migrations).toEqual(["1_outside"])
        expect(yield* tableNames(db)).toEqual([])
      }))
  })
}

/** PostgreSQL only: migrations outside a transaction. */
export const pgOnly = (makeLayer: MakeLayer) => {
  describe("migrations runner (postgres only)", () => {
    const concurrently = [
      create("1", "table", "m_a"),
      {
        id: "2",
        name: "index_concurrently",
        transactional: false,
        up: Migrations.statements(["CREATE INDEX CONCURRENTLY ix_m_a_title ON m_a (title)"]),
        down: Migrations.statements(["DROP INDEX CONCURRENTLY ix_m_a_title"])
      }
    ]

    it.effect("a non-transactional migration runs outside a transaction, under the lock, and is recorded", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        expect((yield* Migrations.up({ migrations: concurrently })).map((a) => a.id)).toEqual(["1", "2"])
        expect((yield* rowsOf(db, "SELECT indexname FROM pg_indexes WHERE indexname = 'ix_m_a_title'"))).toHaveLength(1)
        expect(yield* appliedIds(db)).toEqual(["1", "2"])
        expect((yield* Migrations.down({ migrations: concurrently })).map((a) => a.id)).toEqual(["2"])
        expect((yield* rowsOf(db, "SELECT indexname FROM pg_indexes WHERE indexname = 'ix_m_a_title'"))).toHaveLength(0)
      }).pipe(Effect.provide(makeLayer()), Effect.scoped))

    it.effect("with a single connection a non-transactional migration fails typed instead of hanging", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const reason = migrationErrorOf(yield* Effect.exit(Migrations.up({ migrations: concurrently })))
        expect(reason.kind).toBe("failed")
        expect(reason.migrations).toEqual(["2_index_concurrently"])
        expect(reason.message).toContain("poolSize")
        expect(yield* appliedIds(db)).toEqual(["1"])
      }).pipe(Effect.provide(makeLayer({ poolSize: 1, connectTimeout: "500 millis" })), Effect.scoped))
  })
}
