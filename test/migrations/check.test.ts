import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import { Column, Database, Migrations, Table } from "../../src/index.js"
import type * as DatabaseError from "../../src/DatabaseError.js"
import { pgAvailable, pgIsolated, pgUrl, sqliteMemory } from "../support/layers.js"

const migrations: ReadonlyArray<Migrations.Migration> = [
  {
    id: "1",
    name: "users",
    up: Migrations.statements([`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`]),
    down: Migrations.statements([`DROP TABLE users`])
  },
  {
    id: "2",
    name: "posts",
    up: Migrations.statements([`CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL)`]),
    down: Migrations.statements([`DROP TABLE posts`])
  }
]

const User = Table.make("users", { id: Schema.Int.pipe(Column.primaryKey), name: Schema.String })
const Post = Table.make("posts", { id: Schema.Int.pipe(Column.primaryKey), title: Schema.String })

const exec = (sql: string) =>
  Effect.flatMap(Database.Database, (db) => Effect.scoped(Effect.flatMap(db.connect, (c) => c.execute(sql))))

const reasonOf = <A, R>(effect: Effect.Effect<A, DatabaseError.DatabaseError, R>) =>
  Effect.map(Effect.flip(effect), (e) => e.reason)

type Live = Layer.Layer<Database.Database | SqlClient.SqlClient, DatabaseError.DatabaseError>

const suite = (label: string, live: () => Live, scratchUrl: string | undefined) =>
  describe(`${label}: Migrations.check`, () => {
    const scratch = scratchUrl === undefined ? {} : { scratchUrl }

    it.effect("passes on what the applied migrations make; pending ones are not drift, but are compared with the tables", () =>
      Effect.gen(function*() {
        yield* Migrations.check({ migrations, ...scratch })
        yield* Migrations.up({ migrations, to: "1" })
        yield* Migrations.check({ migrations, ...scratch })
        yield* Migrations.check({ migrations, tables: [User, Post], ...scratch })
        // The declared tables lack posts, which the migrations create.
        const extra = yield* reasonOf(Migrations.check({ migrations, tables: [User], ...scratch }))
        expect(extra).toMatchObject({ _tag: "MigrationError", kind: "drift" })
        expect(extra.message).toContain("the declared tables differ from what the migrations produce")
        expect(extra.message).toContain("posts")
        expect(extra.message).not.toContain("the live database differs")
      }).pipe(Effect.provide(live())))

    it.effect("a manual change of the live database is drift; an applied migration gone is missing", () =>
      Effect.gen(function*() {
        yield* Migrations.up({ migrations })
        yield* exec(`CREATE INDEX users_name ON users (name)`)
        yield* exec(`ALTER TABLE posts ADD COLUMN body TEXT`)
        const drift = yield* reasonOf(Migrations.check({ migrations, ...scratch }))
        expect(drift).toMatchObject({ _tag: "MigrationError", kind: "drift" })
        expect(drift.message).toContain("the live database differs from what its 2 applied migrations produce")
        expect(drift.message).toContain("posts.body")
        expect(drift.message).toContain("users")
        // The migrations table is not part of the comparison, and nothing was written.
        expect(drift.message).not.toContain("effect_sqlservice_migrations")
        const missing = yield* reasonOf(Migrations.check({ migrations: migrations.slice(0, 1), ...scratch }))
        expect(missing).toMatchObject({ _tag: "MigrationError", kind: "missing", migrations: ["2_posts"] })
      }).pipe(Effect.provide(live())))

    it.effect("a migration that fails in the replay says so", () =>
      Effect.gen(function*() {
        const broken: ReadonlyArray<Migrations.Migration> = [
          { id: "1", name: "broken", up: Migrations.statements([`CREATE TABLE t (x INTEGER)`, `CREATE TABLE t (x INTEGER)`]) }
        ]
        // Pending on the live database; given tables, check replays every migration.
        const error = yield* reasonOf(Migrations.check({ migrations: broken, tables: [], ...scratch }))
        expect(error).toMatchObject({ _tag: "MigrationError", kind: "failed" })
        expect(error.message).toMatch(/^replaying the migrations into a scratch database: /)
      }).pipe(Effect.provide(live())))
  })

suite("SQLite", sqliteMemory, undefined)

const available = await pgAvailable()
describe.skipIf(!available)("PostgreSQL", () => {
  suite("PostgreSQL", () => pgIsolated(), pgUrl)
})
