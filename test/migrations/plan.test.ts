/**
 * The migration planner on real databases: for each kind of change, a
 * database created from v1 and seeded is migrated up (it then matches v2,
 * rows kept) and down (it matches v1 again), on SQLite and PostgreSQL.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as Metadata from "../../src/Metadata.js"
import * as Table from "../../src/Table.js"
import { pgAvailable, pgIsolated } from "../support/layers.js"
import { apply, differences as differencesOf, planTo, roundTrip, run } from "./support.js"

type Layered = (tables: ReadonlyArray<Table.Any>) => ReturnType<typeof Database.layer>

const available = await pgAvailable()

const num = (v: unknown) => Number(v)

const body = (label: string, layerFor: Layered) => {
  // A case about one dialect is registered only on it: a skipped test would show as skipped in CI, where nothing may be.
  const on = (dialect: "SQLite" | "PostgreSQL"): typeof it.effect =>
    label === dialect ? it.effect : ((() => undefined) as unknown as typeof it.effect)
  describe(label, () => {
    it.effect("equal metadata plans nothing", () => {
      const User = Table.make("users", {
        id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
        email: Schema.String.pipe(Column.unique),
        status: Schema.Literals(["active", "gone"]).pipe(Column.default("active")),
        age: Schema.NullOr(Schema.Int).pipe(Column.index)
      })
      return Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        const plan = yield* planTo([User])
        expect(plan).toEqual({ up: [], down: [], destructive: { up: [], down: [] }, irreversible: [], transactional: true, summary: [] })
      }).pipe(Effect.provide(layerFor([User])))
    })

    it.effect("added table, NOT NULL column with default, widened type, renamed column", () => {
      const v1User = Table.make("users", {
        id: Schema.Int.pipe(Column.primaryKey),
        name: Schema.String,
        score: Schema.Int
      })
      const v2User = Table.make("users", {
        id: Schema.Int.pipe(Column.primaryKey),
        fullName: Schema.String.pipe(Column.name("full_name"), Column.renamedFrom("name")),
        score: Schema.Int.pipe(Column.dbType("BIGINT")),
        active: Schema.Boolean.pipe(Column.default(true))
      })
      const Post = Table.make("posts", {
        id: Schema.Int.pipe(Column.primaryKey),
        title: Schema.String
      })
      return Effect.gen(function*() {
        const plan = yield* roundTrip({
          v1: [v1User],
          v2: [v2User, Post],
          seed: ["INSERT INTO users (id, name, score) VALUES (1, 'ada', 10), (2, 'bob', 20)"],
          afterUp: Effect.gen(function*() {
            const rows = yield* run("SELECT id, full_name, score, active FROM users ORDER BY id")
            expect(rows.map((r) => [num(r["id"]), r["full_name"], num(r["score"]), Boolean(r["active"])])).toEqual([
              [1, "ada", 10, true],
              [2, "bob", 20, true]
            ])
          }),
          afterDown: Effect.gen(function*() {
            const rows = yield* run("SELECT id, name, score FROM users ORDER BY id")
            expect(rows.map((r) => [num(r["id"]), r["name"], num(r["score"])])).toEqual([[1, "ada", 10], [2, "bob", 20]])
          })
        })
        expect(plan.destructive.up).toEqual([])
        expect(plan.irreversible).toEqual([])
        expect(plan.destructive.down).toContain("drop table posts")
        expect(plan.destructive.down).toContain("drop column users.active")
        expect(plan.destructive.down).toContain("narrow column users.score from bigint to integer")
      }).pipe(Effect.provide(layerFor([v1User])))
    })

    it.effect("renamed table keeps its rows; dropped index; changed unique", () => {
      const v1 = Table.make("people", {
        id: Schema.Int.pipe(Column.primaryKey),
        email: Schema.String.pipe(Column.unique),
        handle: Schema.String,
        city: Schema.String.pipe(Column.index)
      })
      const v2 = Table.make("members", {
        id: Schema.Int.pipe(Column.primaryKey),
        email: Schema.String,
        handle: Schema.String.pipe(Column.unique),
        city: Schema.String
      }, { renamedFrom: "people" })
      return Effect.gen(function*() {
        const plan = yield* roundTrip({
          v1: [v1],
          v2: [v2],
          seed: ["INSERT INTO people (id, email, handle, city) VALUES (1, 'a@x', 'a', 'Oslo'), (2, 'b@x', 'b', 'Rome')"],
          afterUp: Effect.gen(function*() {
            const rows = yield* run("SELECT id, email, handle, city FROM members ORDER BY id")
            expect(rows.map((r) => [num(r["id"]), r["email"], r["handle"], r["city"]])).toEqual([[1, "a@x", "a", "Oslo"], [2, "b@x", "b", "Rome"]])
            // The new unique holds, the old one is gone.
            const dupHandle = yield* Effect.exit(run("INSERT INTO members (id, email, handle, city) VALUES (3, 'c@x', 'a', 'Oslo')"))
            expect(dupHandle._tag).toBe("Failure")
            yield* run("INSERT INTO members (id, email, handle, city) VALUES (3, 'a@x', 'c', 'Oslo')")
            yield* run("DELETE FROM members WHERE id = 3")
          }),
          afterDown: Effect.gen(function*() {
            const rows = yield* run("SELECT id, email FROM people ORDER BY id")
            expect(rows.map((r) => [num(r["id"]), r["email"]])).toEqual([[1, "a@x"], [2, "b@x"]])
          })
        })
        expect(plan.summary).toContain("rename table people to members")
        expect(plan.summary.some((l) => l.startsWith("drop index"))).toBe(true)
        expect(plan.destructive.up).toEqual([])
        expect(plan.irreversible).toEqual([])
      }).pipe(Effect.provide(layerFor([v1])))
    })

    it.effect("a table and a column renamed in one migration, then its primary key and check changed in the next", () => {
      const v1 = Table.make("authors", {
        id: Schema.Int.pipe(Column.primaryKey),
        status: Schema.Literals(["draft", "live"]),
        code: Schema.String
      })
      const v2 = Table.make("writers", {
        id: Schema.Int.pipe(Column.primaryKey),
        state: Schema.Literals(["draft", "live"]).pipe(Column.renamedFrom("status")),
        code: Schema.String
      }, { renamedFrom: "authors" })
      const v3 = Table.make("writers", {
        id: Schema.Int,
        state: Schema.Literals(["draft", "live", "gone"]),
        code: Schema.String
      }, { primaryKey: ["id", "code"] })
      return Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        yield* run("INSERT INTO authors (id, status, code) VALUES (1, 'draft', 'a'), (2, 'live', 'b')")
        const second = yield* planTo([v2])
        yield* apply(second.up)
        expect(yield* differencesOf([v2])).toEqual([])
        // Planned against the renamed table: PostgreSQL kept the constraints' names unless the rename renamed them.
        const third = yield* planTo([v3])
        yield* apply(third.up)
        expect(yield* differencesOf([v3])).toEqual([])
        yield* run("INSERT INTO writers (id, state, code) VALUES (1, 'gone', 'c')")
        const rows = yield* run("SELECT id, state, code FROM writers ORDER BY id, code")
        expect(rows.map((r) => [num(r["id"]), r["state"], r["code"]])).toEqual([[1, "draft", "a"], [1, "gone", "c"], [2, "live", "b"]])
        yield* run("DELETE FROM writers WHERE code = 'c'")
        yield* apply(third.down)
        expect(yield* differencesOf([v2])).toEqual([])
        yield* apply(second.down)
        expect(yield* differencesOf([v1])).toEqual([])
      }).pipe(Effect.provide(layerFor([v1])))
    })

    it.effect("new foreign key with ON DELETE CASCADE; narrowing and nullability changes", () => {
      const v1Author = Table.make("authors", { id: Schema.Int.pipe(Column.primaryKey), name: Schema.String })
      const v1Book = Table.make("books", {
        id: Schema.Int.pipe(Column.primaryKey),
        authorId: Schema.Int.pipe(Column.name("author_id")),
        code: Schema.String.pipe(Column.dbType("VARCHAR(100)")),
        note: Schema.NullOr(Schema.String)
      })
      const v2Author = v1Author
      const v2Book = Table.make("books", {
        id: Schema.Int.pipe(Column.primaryKey),
        authorId: Schema.Int.pipe(Column.name("author_id"), Column.references(() => v2Author.columns.id, { onDelete: "cascade" })),
        code: Schema.String.pipe(Column.dbType("VARCHAR(50)")),
        note: Schema.String.pipe(Column.default("none"))
      })
      return Effect.gen(function*() {
        const plan = yield* roundTrip({
          v1: [v1Author, v1Book],
          v2: [v2Author, v2Book],
          seed: [
            "INSERT INTO authors (id, name) VALUES (1, 'ann'), (2, 'ben')",
            "INSERT INTO books (id, author_id, code, note) VALUES (10, 1, 'x1', NULL), (11, 2, 'x2', 'kept')"
          ],
          afterUp: Effect.gen(function*() {
            const rows = yield* run("SELECT id, author_id, code, note FROM books ORDER BY id")
            expect(rows.map((r) => [num(r["id"]), num(r["author_id"]), r["code"], r["note"]])).toEqual([[10, 1, "x1", "none"], [11, 2, "x2", "kept"]])
            yield* run("DELETE FROM authors WHERE id = 1")
            const left = yield* run("SELECT id FROM books ORDER BY id")
            expect(left.map((r) => num(r["id"]))).toEqual([11])
          })
        })
        expect(plan.summary.some((l) => l.startsWith("add foreign key (author_id) → authors"))).toBe(true)
        expect(plan.destructive.up).toContain("narrow column books.code from varchar(100) to varchar(50)")
        expect(plan.destructive.up).toContain("set NOT NULL on column books.note")
        expect(plan.destructive.down).toEqual([])
      }).pipe(Effect.provide(layerFor([v1Author, v1Book])))
    })

    it.effect("a renamedFrom hint does not count as a difference", () => {
      const v1 = Table.make("things", { id: Schema.Int.pipe(Column.primaryKey), label: Schema.String })
      const hinted = Table.make("things", {
        id: Schema.Int.pipe(Column.primaryKey),
        label: Schema.String.pipe(Column.renamedFrom("title", "name"))
      }, { renamedFrom: ["stuff"] })
      return Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        const declared = Result.getOrThrow(Metadata.fromTables([hinted], db.dialect))
        expect(declared.tables[0]!.renamedFrom).toEqual(["stuff"])
        expect(declared.tables[0]!.columns[1]!.renamedFrom).toEqual(["title", "name"])
        expect(Metadata.diff(declared, yield* db.reflect(), db.dialect)).toEqual([])
        expect((yield* planTo([hinted])).up).toEqual([])
        // A former name is an identifier like any other: refused before any SQL is planned.
        const bad = Table.make("things", { id: Schema.Int.pipe(Column.primaryKey), label: Schema.String.pipe(Column.renamedFrom("x\"; DROP TABLE things; --")) })
        const refused = yield* Effect.flip(planTo([bad]))
        expect(refused.reason._tag).toBe("SchemaError")
        expect(refused.message).toMatch(/Column\.renamedFrom: identifier .* is not allowed/)
        const badTable = Table.make("things", { id: Schema.Int.pipe(Column.primaryKey) }, { renamedFrom: "1st" })
        expect((yield* Effect.flip(planTo([badTable]))).message).toMatch(/renamedFrom: identifier "1st" is not allowed/)
      }).pipe(Effect.provide(layerFor([v1])))
    })

    it.effect("a parent table rebuilt with children keeps rows, rowids and enforced foreign keys", () => {
      const v1Team = Table.make("teams", {
        id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
        name: Schema.String,
        budget: Schema.NullOr(Schema.Int)
      })
      const v2Team = Table.make("teams", {
        id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
        name: Schema.String.pipe(Column.unique),
        budget: Schema.Int.pipe(Column.default(0))
      })
      const player = (team: typeof v1Team | typeof v2Team) =>
        Table.make("players", {
          id: Schema.Int.pipe(Column.primaryKey),
          teamId: Schema.Int.pipe(Column.name("team_id"), Column.references(() => team.columns.id, { onDelete: "cascade" }))
        })
      const v1Player = player(v1Team)
      const v2Player = player(v2Team)
      const enforced = Effect.gen(function*() {
        const db = yield* Database.Database
        expect(db.dialect === "sqlite" ? yield* run("PRAGMA foreign_key_check") : []).toEqual([])
        const orphan = yield* Effect.exit(run("INSERT INTO players (id, team_id) VALUES (99, 12345)"))
        expect(orphan._tag).toBe("Failure")
      })
      const checkChildren = Effect.gen(function*() {
        yield* enforced
        yield* run("DELETE FROM teams WHERE id = 1")
        expect((yield* run("SELECT id FROM players ORDER BY id")).map((r) => num(r["id"]))).toEqual([21])
      })
      return Effect.gen(function*() {
        const db = yield* Database.Database
        const plan = yield* roundTrip({
          v1: [v1Team, v1Player],
          v2: [v2Team, v2Player],
          seed: [
            "INSERT INTO teams (id, name, budget) VALUES (1, 'red', NULL), (7, 'blue', 50)",
            "INSERT INTO players (id, team_id) VALUES (20, 1), (21, 7)"
          ],
          afterUp: Effect.gen(function*() {
            const rows = yield* run("SELECT id, name, budget FROM teams ORDER BY id")
            expect(rows.map((r) => [num(r["id"]), r["name"], num(r["budget"])])).toEqual([[1, "red", 0], [7, "blue", 50]])
            yield* enforced
          }),
          afterDown: checkChildren
        })
        expect(plan.destructive.up).toContain("set NOT NULL on column teams.budget")
        expect(plan.up.includes("ALTER TABLE \"teams__rebuild\" RENAME TO \"teams\"")).toBe(db.dialect === "sqlite")
      }).pipe(Effect.provide(layerFor([v1Team, v1Player])))
    })

    on("SQLite")("a table without an integer key keeps its rowids through a rebuild; triggers come back, views still read it", () => {
      const v1 = Table.make("notes", { code: Schema.String.pipe(Column.primaryKey), body: Schema.NullOr(Schema.String) })
      const v2 = Table.make("notes", { code: Schema.String.pipe(Column.primaryKey), body: Schema.String.pipe(Column.default("")) })
      return Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        yield* run("INSERT INTO notes (rowid, code, body) VALUES (40, 'b', 'x'), (41, 'a', NULL)")
        yield* run("CREATE TABLE log (code TEXT)")
        yield* run("CREATE TRIGGER notes_log AFTER INSERT ON notes BEGIN INSERT INTO log (code) VALUES (new.code); END")
        yield* run("CREATE VIEW note_codes AS SELECT code FROM notes")
        const plan = yield* planTo([v2])
        // The log table is not declared: the plan would drop it, which this test does not want.
        const up = plan.up.filter((s) => !s.includes("\"log\""))
        expect(plan.destructive.up).toContain("drop table log")
        yield* apply(up)
        expect(yield* run("SELECT rowid AS r, code, body FROM notes ORDER BY rowid")).toEqual([
          { r: 40, code: "b", body: "x" },
          { r: 41, code: "a", body: "" }
        ])
        yield* run("INSERT INTO notes (code, body) VALUES ('c', 'y')")
        expect(yield* run("SELECT code FROM log")).toEqual([{ code: "c" }])
        expect(yield* run("SELECT code FROM note_codes ORDER BY code")).toEqual([{ code: "a" }, { code: "b" }, { code: "c" }])
        // An AUTOINCREMENT counter survives a rebuild: ids are not reused.
        yield* run("CREATE TABLE counted (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER)")
        yield* run("INSERT INTO counted (id, n) VALUES (8, NULL)")
        yield* run("DELETE FROM counted")
        const Counted = Table.make("counted", {
          id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
          n: Schema.Int.pipe(Column.default(0))
        })
        // A plain INTEGER PRIMARY KEY stays without AUTOINCREMENT (normalized metadata cannot tell them apart).
        yield* run("CREATE TABLE plain_keys (id INTEGER PRIMARY KEY, n INTEGER)")
        const PlainKeys = Table.make("plain_keys", { id: Schema.Int.pipe(Column.primaryKey), n: Schema.Int.pipe(Column.default(0)) })
        const counted = yield* planTo([v2, Counted, PlainKeys])
        expect(counted.up.includes("ALTER TABLE \"counted__rebuild\" RENAME TO \"counted\"")).toBe(true)
        expect(counted.up.includes("ALTER TABLE \"plain_keys__rebuild\" RENAME TO \"plain_keys\"")).toBe(true)
        yield* apply(counted.up.filter((s) => !s.includes("\"log\"")))
        yield* run("INSERT INTO counted (n) VALUES (1)")
        expect(yield* run("SELECT id FROM counted")).toEqual([{ id: 9 }])
        const sql = (name: string) => run(`SELECT sql FROM sqlite_master WHERE name = '${name}'`).pipe(Effect.map((r) => String(r[0]!["sql"])))
        expect(yield* sql("counted")).toMatch(/AUTOINCREMENT/)
        expect(yield* sql("plain_keys")).not.toMatch(/AUTOINCREMENT/)
      }).pipe(Effect.provide(layerFor([v1])))
    })

    it.effect("indexes with method, predicate and expressions; check lists", () => {
      const v1 = Table.make("items", {
        id: Schema.Int.pipe(Column.primaryKey),
        name: Schema.String,
        size: Schema.Literals(["s", "m"])
      })
      const v2 = Table.make("items", {
        id: Schema.Int.pipe(Column.primaryKey),
        name: Schema.String,
        size: Schema.Literals(["s", "m", "l"])
      }, {
        indexes: [
          { name: "ix_items_lower_name", columns: [], expressions: ["lower(name)"] },
          { name: "ix_items_big", columns: ["id"], where: "id > 100" }
        ]
      })
      return Effect.gen(function*() {
        const plan = yield* roundTrip({
          v1: [v1],
          v2: [v2],
          seed: ["INSERT INTO items (id, name, size) VALUES (1, 'A', 's')"],
          afterUp: Effect.gen(function*() {
            yield* run("INSERT INTO items (id, name, size) VALUES (2, 'B', 'l')")
            const bad = yield* Effect.exit(run("INSERT INTO items (id, name, size) VALUES (3, 'C', 'xl')"))
            expect(bad._tag).toBe("Failure")
            yield* run("DELETE FROM items WHERE id = 2")
          })
        })
        expect(plan.summary).toContain("add index ix_items_lower_name on items")
        expect(plan.summary.some((l) => l.startsWith("alter column items.size: check"))).toBe(true)
      }).pipe(Effect.provide(layerFor([v1])))
    })

    it.effect("enum label added (PostgreSQL: ALTER TYPE ... ADD VALUE; down recreates the type)", () => {
      const v1 = Table.make("moods", {
        id: Schema.Int.pipe(Column.primaryKey),
        mood: Schema.Literals(["sad", "happy"]).pipe(Column.pgEnum("mig_mood"), Column.default("sad"))
      })
      const v2 = Table.make("moods", {
        id: Schema.Int.pipe(Column.primaryKey),
        mood: Schema.Literals(["sad", "ok", "happy"]).pipe(Column.pgEnum("mig_mood"), Column.default("sad"))
      })
      return Effect.gen(function*() {
        const db = yield* Database.Database
        const plan = yield* roundTrip({
          v1: [v1],
          v2: [v2],
          seed: ["INSERT INTO moods (id, mood) VALUES (1, 'happy'), (2, 'sad')"],
          afterUp: Effect.gen(function*() {
            yield* run("INSERT INTO moods (id, mood) VALUES (3, 'ok')")
            expect((yield* run("SELECT id, mood FROM moods ORDER BY mood, id")).map((r) => [num(r["id"]), r["mood"]]))
              .toEqual(db.dialect === "pg" ? [[2, "sad"], [3, "ok"], [1, "happy"]] : [[1, "happy"], [3, "ok"], [2, "sad"]])
            yield* run("DELETE FROM moods WHERE id = 3")
          }),
          afterDown: Effect.gen(function*() {
            expect((yield* run("SELECT id, mood FROM moods ORDER BY id")).map((r) => [num(r["id"]), r["mood"]])).toEqual([[1, "happy"], [2, "sad"]])
          })
        })
        expect(plan.destructive.up).toEqual([])
        // SQLite: the CHECK list changes, by a rebuild; PostgreSQL: the enum type.
        expect(plan.up.filter((s) => s.startsWith("ALTER TYPE"))).toEqual(db.dialect === "pg" ? [`ALTER TYPE "mig_mood" ADD VALUE 'ok' AFTER 'sad'`] : [])
        expect(plan.destructive.down).toEqual(db.dialect === "pg" ? [`remove "ok" from enum mig_mood`] : [])
      }).pipe(Effect.provide(layerFor([v1])))
    })

    // SQLite has no identity kinds and auto-increments only its integer primary key.
    on("PostgreSQL")("identity added, changed in kind, removed", () => {
      const v1 = Table.make("tickets", {
        id: Schema.Int.pipe(Column.primaryKey),
        serialNo: Schema.Int.pipe(Column.name("serial_no"), Column.identity("byDefault"), Column.unique)
      })
      const v2 = Table.make("tickets", {
        id: Schema.Int.pipe(Column.primaryKey, Column.identity("always")),
        serialNo: Schema.Int.pipe(Column.name("serial_no"), Column.unique)
      })
      return Effect.gen(function*() {
        const plan = yield* roundTrip({
          v1: [v1],
          v2: [v2],
          seed: ["INSERT INTO tickets (id) VALUES (5), (9)"],
          afterUp: Effect.gen(function*() {
            // The new identity continues after the kept rows.
            yield* run("INSERT INTO tickets (serial_no) VALUES (100)")
            expect((yield* run("SELECT id, serial_no FROM tickets ORDER BY id")).map((r) => [num(r["id"]), num(r["serial_no"])]))
              .toEqual([[5, 1], [9, 2], [10, 100]])
            yield* run("DELETE FROM tickets WHERE id = 10")
          })
        })
        expect(plan.summary).toEqual([
          "alter column tickets.id: identity always",
          "alter column tickets.serial_no: no identity"
        ])
      }).pipe(Effect.provide(layerFor([v1])))
    })

    it.effect("primary key changed; parent and child tables dropped together", () => {
      const v1Order = Table.make("orders", {
        id: Schema.Int.pipe(Column.primaryKey),
        shop: Schema.String,
        number: Schema.Int
      })
      const v1Parent = Table.make("parents", { id: Schema.Int.pipe(Column.primaryKey) })
      const v1Child = Table.make("children", {
        id: Schema.Int.pipe(Column.primaryKey),
        parentId: Schema.Int.pipe(Column.name("parent_id"), Column.references(() => v1Parent.columns.id))
      })
      const v2Order = Table.make("orders", {
        id: Schema.Int,
        shop: Schema.String,
        number: Schema.Int
      }, { primaryKey: ["shop", "number"] })
      return Effect.gen(function*() {
        const plan = yield* roundTrip({
          v1: [v1Order, v1Parent, v1Child],
          v2: [v2Order],
          seed: [
            "INSERT INTO orders (id, shop, number) VALUES (1, 'a', 1), (2, 'a', 2), (3, 'b', 1)",
            "INSERT INTO parents (id) VALUES (1)",
            "INSERT INTO children (id, parent_id) VALUES (1, 1)"
          ],
          afterUp: Effect.gen(function*() {
            const dup = yield* Effect.exit(run("INSERT INTO orders (id, shop, number) VALUES (4, 'a', 1)"))
            expect(dup._tag).toBe("Failure")
            expect((yield* run("SELECT count(*) AS n FROM orders"))[0]!["n"]).toSatisfy((n) => Number(n) === 3)
          }),
          afterDown: Effect.gen(function*() {
            // Re-created empty, with their foreign key back.
            expect(yield* run("SELECT * FROM children")).toEqual([])
            const orphan = yield* Effect.exit(run("INSERT INTO children (id, parent_id) VALUES (1, 42)"))
            expect(orphan._tag).toBe("Failure")
          })
        })
        expect(plan.summary).toContain("change primary key of orders to (shop, number)")
        expect(plan.destructive.up).toEqual(["drop table children", "drop table parents"])
        expect(plan.irreversible).toEqual([
          "table children is dropped by up; down re-creates it empty",
          "table parents is dropped by up; down re-creates it empty"
        ])
      }).pipe(Effect.provide(layerFor([v1Order, v1Parent, v1Child])))
    })

    on("PostgreSQL")("domains: created for a column, then recreated with another check", () => {
      const v1 = Table.make("prices", { id: Schema.Int.pipe(Column.primaryKey), cents: Schema.Int })
      const v2 = Table.make("prices", {
        id: Schema.Int.pipe(Column.primaryKey),
        cents: Schema.Int.pipe(Column.pgDomain({ name: "mig_cents", baseType: "integer", checks: ["CHECK (VALUE >= 0)"] }))
      })
      const v3 = Table.make("prices", {
        id: Schema.Int.pipe(Column.primaryKey),
        cents: Schema.Int.pipe(Column.pgDomain({ name: "mig_cents", baseType: "integer", checks: ["CHECK (VALUE >= 0)", "CHECK (VALUE < 1000000)"] }))
      })
      return Effect.gen(function*() {
        const plan = yield* roundTrip({
          v1: [v1],
          v2: [v2],
          seed: ["INSERT INTO prices (id, cents) VALUES (1, 250)"],
          afterUp: Effect.gen(function*() {
            const negative = yield* Effect.exit(run("INSERT INTO prices (id, cents) VALUES (2, -1)"))
            expect(negative._tag).toBe("Failure")
          })
        })
        expect(plan.destructive.up).toEqual(["narrow column prices.cents from integer to domain mig_cents"])
        // v2 for real, then to v3: the domain is set aside, recreated and the column converted.
        yield* apply((yield* planTo([v2])).up)
        const next = yield* planTo([v3])
        expect(next.summary).toContain("recreate domain mig_cents")
        yield* apply(next.up)
        expect(yield* differencesOf([v3])).toEqual([])
        expect((yield* run("SELECT cents FROM prices"))[0]!["cents"]).toBe(250)
        const big = yield* Effect.exit(run("INSERT INTO prices (id, cents) VALUES (3, 2000000)"))
        expect(big._tag).toBe("Failure")
      }).pipe(Effect.provide(layerFor([v1])))
    })

    const cycle = () => {
      const base = Table.make("base", { id: Schema.Int.pipe(Column.primaryKey) })
      const Egg: Table.Any = Table.make("eggs", {
        id: Schema.Int.pipe(Column.primaryKey),
        henId: Schema.NullOr(Schema.Int).pipe(Column.name("hen_id"), Column.references((): Column.ColumnRef => Hen.columns.id))
      })
      const Hen = Table.make("hens", {
        id: Schema.Int.pipe(Column.primaryKey),
        eggId: Schema.NullOr(Schema.Int).pipe(Column.name("egg_id"), Column.references((): Column.ColumnRef => (Egg.columns as Record<string, Column.ColumnRef>)["id"]!))
      })
      return { v1: [base], v2: [base, Egg, Hen] }
    }

    on("PostgreSQL")("new tables referencing each other: the closing foreign key is added after both exist", () => {
      const { v1, v2 } = cycle()
      return Effect.gen(function*() {
        const plan = yield* roundTrip({
          v1,
          v2,
          afterUp: Effect.gen(function*() {
            yield* run("INSERT INTO hens (id, egg_id) VALUES (1, NULL)")
            yield* run("INSERT INTO eggs (id, hen_id) VALUES (1, 1)")
            const orphan = yield* Effect.exit(run("INSERT INTO hens (id, egg_id) VALUES (2, 99)"))
            expect(orphan._tag).toBe("Failure")
          })
        })
        expect(plan.up.filter((s) => s.startsWith("ALTER TABLE") && s.includes("FOREIGN KEY")).length).toBe(1)
      }).pipe(Effect.provide(layerFor(v1)))
    })

    on("SQLite")("new tables referencing each other are refused, as createAll refuses them", () => {
      const { v1, v2 } = cycle()
      return Effect.gen(function*() {
        yield* (yield* Database.Database).createAll()
        const failure = yield* Effect.flip(planTo(v2))
        expect(failure.reason._tag).toBe("SchemaError")
        expect(failure.message).toMatch(/cycle/)
      }).pipe(Effect.provide(layerFor(v1)))
    })

    it.effect("the runner's table is left alone; a NOT NULL column without a default is destructive", () => {
      const v1 = Table.make("plain", { id: Schema.Int.pipe(Column.primaryKey) })
      const v2 = Table.make("plain", { id: Schema.Int.pipe(Column.primaryKey), code: Schema.String })
      return Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        yield* run("CREATE TABLE effect_sqlservice_migrations (id TEXT PRIMARY KEY)")
        const plan = yield* planTo([v2])
        expect(plan.up.some((s) => s.includes("effect_sqlservice_migrations"))).toBe(false)
        expect(plan.destructive.up).toEqual(["add NOT NULL column plain.code without a default (fails on a table with rows)"])
        expect(plan.destructive.down).toEqual(["drop column plain.code"])
        expect(plan.irreversible).toEqual([])
        yield* apply(plan.up)
        expect(yield* differencesOf([v2]).pipe(Effect.map((d) => d.filter((m) => !m.includes("effect_sqlservice_migrations"))))).toEqual([])
      }).pipe(Effect.provide(layerFor([v1])))
    })

    on("PostgreSQL")("a label added and used as a default in one migration is not transactional", () => {
      const v1 = Table.make("lights", {
        id: Schema.Int.pipe(Column.primaryKey),
        color: Schema.Literals(["red", "green"]).pipe(Column.pgEnum("mig_color"), Column.default("red"))
      })
      const v2 = Table.make("lights", {
        id: Schema.Int.pipe(Column.primaryKey),
        color: Schema.Literals(["red", "amber", "green"]).pipe(Column.pgEnum("mig_color"), Column.default("amber"))
      })
      return Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        const plan = yield* planTo([v2])
        expect(plan.transactional).toBe(false)
        // In one transaction PostgreSQL refuses the new label (55P04); statement by statement it works.
        const inOne = yield* Effect.exit(apply(plan.up))
        expect(inOne._tag).toBe("Failure")
        for (const s of plan.up) yield* run(s)
        expect(yield* differencesOf([v2])).toEqual([])
      }).pipe(Effect.provide(layerFor([v1])))
    })

    on("SQLite")("a rebuild that would recreate triggers over renamed columns is refused", () => {
      const v1 = Table.make("events", { id: Schema.Int.pipe(Column.primaryKey), kind: Schema.String, note: Schema.NullOr(Schema.String) })
      const v2 = Table.make("events", {
        id: Schema.Int.pipe(Column.primaryKey),
        category: Schema.String.pipe(Column.renamedFrom("kind")),
        note: Schema.String.pipe(Column.default(""))
      })
      return Effect.gen(function*() {
        yield* (yield* Database.Database).createAll()
        yield* run("CREATE TRIGGER events_touch AFTER INSERT ON events BEGIN UPDATE events SET kind = kind WHERE id = new.id; END")
        const failure = yield* Effect.flip(planTo([v2]))
        expect(failure.reason._tag).toBe("SchemaError")
        expect(failure.message).toMatch(/triggers and its columns are renamed/)
      }).pipe(Effect.provide(layerFor([v1])))
    })

    on("SQLite")("a created table's key is AUTOINCREMENT only when declared, as createAll creates it and a rebuild keeps it", () => {
      const plain = Table.make("plain_keys", { id: Schema.Int.pipe(Column.primaryKey), label: Schema.String })
      const counted = Table.make("counted_keys", { id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement), label: Schema.String })
      const created = (name: string) =>
        Effect.map(run(`SELECT sql FROM sqlite_master WHERE name = '${name}'`), (rows) => String(rows[0]?.sql))
      return Effect.gen(function*() {
        const plan = yield* planTo([plain, counted])
        yield* apply(plan.up)
        expect(yield* created("plain_keys")).not.toMatch(/AUTOINCREMENT/)
        expect(yield* created("counted_keys")).toMatch(/AUTOINCREMENT/)
        // A later rebuild (a type change) keeps each key as it was created.
        const plainV2 = Table.make("plain_keys", { id: Schema.Int.pipe(Column.primaryKey), label: Schema.NullOr(Schema.String) })
        const countedV2 = Table.make("counted_keys", { id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement), label: Schema.NullOr(Schema.String) })
        yield* apply((yield* planTo([plainV2, countedV2])).up)
        expect(yield* created("plain_keys")).not.toMatch(/AUTOINCREMENT/)
        expect(yield* created("counted_keys")).toMatch(/AUTOINCREMENT/)
      }).pipe(Effect.provide(layerFor([])))
    })

    it.effect("a table and its columns renamed in one migration, referenced by another table", () => {
      const v1Shop = Table.make("shops", { id: Schema.Int.pipe(Column.primaryKey), title: Schema.String.pipe(Column.index) })
      const v1Sale = Table.make("sales", {
        id: Schema.Int.pipe(Column.primaryKey),
        shopId: Schema.Int.pipe(Column.name("shop_id"), Column.references(() => v1Shop.columns.id))
      })
      const v2Store = Table.make("stores", {
        storeId: Schema.Int.pipe(Column.name("store_id"), Column.primaryKey, Column.renamedFrom("id")),
        name: Schema.String.pipe(Column.index, Column.renamedFrom("title"))
      }, { renamedFrom: ["shops"] })
      const v2Sale = Table.make("sales", {
        id: Schema.Int.pipe(Column.primaryKey),
        shopId: Schema.Int.pipe(Column.name("shop_id"), Column.references(() => v2Store.columns.storeId))
      })
      return Effect.gen(function*() {
        const plan = yield* roundTrip({
          v1: [v1Shop, v1Sale],
          v2: [v2Store, v2Sale],
          seed: ["INSERT INTO shops (id, title) VALUES (1, 'corner'), (2, 'mall')", "INSERT INTO sales (id, shop_id) VALUES (10, 2)"],
          afterUp: Effect.gen(function*() {
            const rows = yield* run("SELECT store_id, name FROM stores ORDER BY store_id")
            expect(rows.map((r) => [num(r["store_id"]), r["name"]])).toEqual([[1, "corner"], [2, "mall"]])
            const orphan = yield* Effect.exit(run("INSERT INTO sales (id, shop_id) VALUES (11, 3)"))
            expect(orphan._tag).toBe("Failure")
          }),
          afterDown: Effect.gen(function*() {
            const rows = yield* run("SELECT id, title FROM shops ORDER BY id")
            expect(rows.map((r) => [num(r["id"]), r["title"]])).toEqual([[1, "corner"], [2, "mall"]])
          })
        })
        expect(plan.summary.slice(0, 3)).toEqual([
          "rename table shops to stores",
          "rename column stores.id to store_id",
          "rename column stores.title to name"
        ])
        expect(plan.destructive).toEqual({ up: [], down: [] })
      }).pipe(Effect.provide(layerFor([v1Shop, v1Sale])))
    })

    it.effect("a foreign key's action changes", () => {
      const Folder = Table.make("folders", { id: Schema.Int.pipe(Column.primaryKey) })
      const file = (onDelete: "restrict" | "set null") =>
        Table.make("files", {
          id: Schema.Int.pipe(Column.primaryKey),
          folderId: Schema.NullOr(Schema.Int).pipe(Column.name("folder_id"), Column.references(() => Folder.columns.id, { onDelete }))
        })
      const v1File = file("restrict")
      const v2File = file("set null")
      return Effect.gen(function*() {
        const plan = yield* roundTrip({
          v1: [Folder, v1File],
          v2: [Folder, v2File],
          seed: ["INSERT INTO folders (id) VALUES (1), (2)", "INSERT INTO files (id, folder_id) VALUES (5, 1), (6, 2)"],
          afterUp: Effect.gen(function*() {
            yield* run("DELETE FROM folders WHERE id = 1")
            expect((yield* run("SELECT id, folder_id FROM files ORDER BY id")).map((r) => [num(r["id"]), r["folder_id"] === null ? null : num(r["folder_id"])]))
              .toEqual([[5, null], [6, 2]])
          }),
          afterDown: Effect.gen(function*() {
            const refused = yield* Effect.exit(run("DELETE FROM folders WHERE id = 2"))
            expect(refused._tag).toBe("Failure")
          })
        })
        expect(plan.summary).toEqual([
          "drop foreign key (folder_id) → folders on files",
          "add foreign key (folder_id) → folders on files"
        ])
      }).pipe(Effect.provide(layerFor([Folder, v1File])))
    })

    on("PostgreSQL")("an index's access method changes", () => {
      const v1 = Table.make("tags", { id: Schema.Int.pipe(Column.primaryKey), word: Schema.String }, {
        indexes: [{ name: "ix_tags_word", columns: ["word"] }]
      })
      const v2 = Table.make("tags", { id: Schema.Int.pipe(Column.primaryKey), word: Schema.String }, {
        indexes: [{ name: "ix_tags_word", columns: ["word"], method: "hash" }]
      })
      return Effect.gen(function*() {
        const plan = yield* roundTrip({ v1: [v1], v2: [v2], seed: ["INSERT INTO tags (id, word) VALUES (1, 'a')"] })
        expect(plan.up).toEqual([`DROP INDEX "ix_tags_word"`, `CREATE INDEX "ix_tags_word" ON "tags" USING hash ("word")`])
      }).pipe(Effect.provide(layerFor([v1])))
    })
  })
}

body("SQLite", (tables) => Database.layer({ url: "sqlite://:memory:", tables }))
describe.skipIf(!available)("PostgreSQL", () => {
  body("PostgreSQL", (tables) => pgIsolated({ tables }))
})
