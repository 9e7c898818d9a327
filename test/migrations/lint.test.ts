import { describe, expect, it } from "@effect/vitest"
import { Migrations } from "../../src/index.js"
import * as Effect from "effect/Effect"
import { schemaDialects } from "../../src/internal/dialect/schemaDialects.js"
import { lintMigrations } from "../../src/internal/migrations/lint.js"
import type { Migration } from "../../src/internal/migrations/model.js"

// Stands in for Migrations.statements / statementsOf: an Effect remembered with its statements.
const registry = new WeakMap<object, ReadonlyArray<string>>()
const statements = (list: ReadonlyArray<string>) => {
  const copy = Effect.asVoid(Effect.void)
  registry.set(copy, list)
  return copy
}
const statementsOf = (effect: unknown) => (typeof effect === "object" && effect !== null ? registry.get(effect) : undefined)

const migration = (id: string, up: ReadonlyArray<string>, down: ReadonlyArray<string>, extra: Partial<Migration> = {}): Migration => ({
  id,
  name: `m${id}`,
  up: statements(up),
  down: statements(down),
  ...extra
})

describe("lint", () => {
  for (const dialect of ["sqlite", "pg"] as const) {
    const rules = schemaDialects[dialect].lexRules
    it(`${dialect}: reads DROP TABLE, DROP COLUMN, type changes and SET NOT NULL from the statements`, () => {
      const found = lintMigrations([
        migration("1", [`CREATE TABLE "users" ("id" INTEGER)`], [`DROP TABLE "users"`]),
        migration("2", [
          `ALTER TABLE "users" DROP COLUMN "age"`,
          `ALTER TABLE IF EXISTS users ALTER COLUMN Name TYPE VARCHAR(10), ALTER "email" SET NOT NULL`,
          `ALTER TABLE "users" ALTER COLUMN "x" SET DATA TYPE BIGINT`,
          `-- DROP TABLE users in a comment\nSELECT 'DROP TABLE users'`
        ], [])
      ], statementsOf, rules)
      expect(found).toEqual([
        { id: "1", name: "m1", findings: [{ direction: "down", step: "drop table users", statement: `DROP TABLE "users"` }] },
        {
          id: "2",
          name: "m2",
          findings: [
            { direction: "up", step: "drop column users.age", statement: `ALTER TABLE "users" DROP COLUMN "age"` },
            { direction: "up", step: "change type of column users.name", statement: `ALTER TABLE IF EXISTS users ALTER COLUMN Name TYPE VARCHAR(10), ALTER "email" SET NOT NULL` },
            { direction: "up", step: "set NOT NULL on column users.email", statement: `ALTER TABLE IF EXISTS users ALTER COLUMN Name TYPE VARCHAR(10), ALTER "email" SET NOT NULL` },
            { direction: "up", step: "change type of column users.x", statement: `ALTER TABLE "users" ALTER COLUMN "x" SET DATA TYPE BIGINT` }
          ]
        }
      ])
    })

    it(`${dialect}: a SQLite rebuild (drop, then a rename to the dropped name) is not reported; a drop without it is`, () => {
      const rebuild = [
        `CREATE TABLE "__new_users" ("id" INTEGER, "age" TEXT)`,
        `INSERT INTO "__new_users" ("id", "age") SELECT "id", "age" FROM "users"`,
        `DROP TABLE "users"`,
        `ALTER TABLE "__new_users" RENAME TO "users"`
      ]
      expect(lintMigrations([migration("1", rebuild, [])], statementsOf, rules)).toEqual([])
      expect(lintMigrations([migration("1", rebuild.slice(0, 3), [])], statementsOf, rules)).toEqual([
        { id: "1", name: "m1", findings: [{ direction: "up", step: "drop table users", statement: `DROP TABLE "users"` }] }
      ])
    })
  }

  it("declared steps come first, with the statement that does them when it is found; hand-written Effects only by declaration", () => {
    const found = lintMigrations([
      migration("3", [`ALTER TABLE "users" DROP COLUMN "age"`, `DROP TABLE "old"`], [], {
        destructive: { up: ["drop column users.age", "delete rows of users"] },
        source: "3_m3.ts"
      }),
      { id: "4", name: "hand", up: Effect.void, destructive: { down: ["drop table posts"] } }
    ], statementsOf, schemaDialects.pg.lexRules)
    expect(found).toEqual([
      {
        id: "3",
        name: "m3",
        source: "3_m3.ts",
        findings: [
          { direction: "up", step: "drop column users.age", statement: `ALTER TABLE "users" DROP COLUMN "age"` },
          { direction: "up", step: "delete rows of users" },
          { direction: "up", step: "drop table old", statement: `DROP TABLE "old"` }
        ]
      },
      { id: "4", name: "hand", findings: [{ direction: "down", step: "drop table posts" }] }
    ])
  })

  it("a declared step takes the statement that names its column; a declared direction's type changes are not read again", () => {
    const found = lintMigrations([
      migration("5", [`ALTER TABLE "users" ALTER COLUMN "age" TYPE TEXT USING "age"::TEXT`, `ALTER TABLE "users" DROP COLUMN "ab"`], [
        `ALTER TABLE "users" ALTER COLUMN "age" TYPE integer USING "age"::integer`
      ], { destructive: { up: ["drop column users.a"], down: ["narrow column users.age from TEXT to integer"] } })
    ], statementsOf, schemaDialects.pg.lexRules)
    expect(found).toEqual([{
      id: "5",
      name: "m5",
      findings: [
        { direction: "up", step: "drop column users.a" },
        { direction: "up", step: "drop column users.ab", statement: `ALTER TABLE "users" DROP COLUMN "ab"` },
        {
          direction: "down",
          step: "narrow column users.age from TEXT to integer",
          statement: `ALTER TABLE "users" ALTER COLUMN "age" TYPE integer USING "age"::integer`
        }
      ]
    }])
  })

  it.effect("Migrations.lint reads Migrations.statements of a source; an unknown dialect is a ConfigError", () =>
    Effect.gen(function*() {
      const found = yield* Migrations.lint({
        migrations: [{ id: "7", name: "drop", up: Migrations.statements([`DROP TABLE "old"`]) }],
        dialect: "sqlite"
      })
      expect(found).toEqual([{ id: "7", name: "drop", findings: [{ direction: "up", step: "drop table old", statement: `DROP TABLE "old"` }] }])
      const error = yield* Effect.flip(Migrations.lint({ migrations: [], dialect: "mysql" as "pg" }))
      expect(error.reason._tag).toBe("ConfigError")
    }))
})
