/**
 * Point select by primary key on a 10k-row table, one statement at a time:
 * `SELECT id, name, email, age FROM users WHERE id = ?`.
 *
 * raw is a statement prepared once (better-sqlite3 `prepare().get()`; pg a
 * named prepared query through `pool.query`). Everything else runs the
 * library's ordinary path.
 *
 * PostgreSQL has two raw references, and each of ours is divided by its like
 * (`baseline`): `raw` checks a connection out of the pool for every statement,
 * like `db.sql`; `raw held` sends every statement on one `pg.Client`, like a
 * held Connection (`db.connect`) or a session, which keep theirs for the batch.
 */
import { eq, sql as dsql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import { drizzlePgLib, drizzleSqliteLib, effectSql, kysely, ours, oursPooler, rawPg, rawPgHeld, rawSqlite } from "../clients.js"
import { pgUsers, sqliteUsers } from "../drizzleSchema.js"
import { createUsers, seedUsers, template } from "../fixtures.js"
import { type Ctx, idSequence, implementation, type Implementation, type Scenario } from "../harness.js"

export const ROWS = 10_000

const table = (ctx: Ctx) => `${ctx.target.prefix}users`
const selectText = (ctx: Ctx) =>
  `SELECT id, name, email, age FROM ${table(ctx)} WHERE id = ${ctx.target.kind === "sqlite" ? "?" : "$1"}`
/** `sql\`SELECT ... FROM <table> WHERE id = ${id}\`` with the table name inline. */
const selectTemplate = (ctx: Ctx) => template(`SELECT id, name, email, age FROM ${table(ctx)} WHERE id = `, "")

/** Every implementation walks the same id sequence, batch by batch. */
const ids = () => {
  const sequence = idSequence(1 << 16, ROWS)
  let at = 0
  return () => sequence[at++ & 0xffff]!
}

let sink = 0
const consume = (row: unknown) => {
  if (row === undefined || row === null) throw new Error("point select found no row")
  sink ^= (row as { id: number }).id
}
export const pointSelectSink = () => sink

/**
 * What ours on a held connection (a session, `db.connect`) is compared with:
 * `raw held` on PostgreSQL; on SQLite every client holds its one connection.
 */
export const heldBaseline = (ctx: Ctx) => ctx.target.kind === "pg" ? "raw held" : "raw"

const drizzleSqlite = drizzleSqliteLib()
const drizzlePg = drizzlePgLib()

/** A held connection in autocommit: the same transaction regime as raw. */
const connectAll = (name: string, lib: typeof ours): Implementation =>
  implementation({
    name,
    baseline: heldBaseline,
    lib,
    make: ({ runtime, db, sql }, ctx) => {
      const q = selectTemplate(ctx)
      const next = ids()
      return {
        run: (n) =>
          runtime.runPromise(Effect.scoped(Effect.gen(function*() {
            const conn = yield* db.connect
            for (let i = 0; i < n; i++) consume((yield* conn.all(sql(q, next())))[0])
          })))
      }
    }
  })

/** Our `SqlClient`: each statement takes a pooled connection and gives it back, like `pool.query`. */
const dbSql = (name: string, lib: typeof ours): Implementation =>
  implementation({
    name,
    lib,
    make: ({ runtime, sql }, ctx) => {
      const q = selectTemplate(ctx)
      const next = ids()
      return {
        run: (n) =>
          runtime.runPromise(Effect.gen(function*() {
            for (let i = 0; i < n; i++) consume((yield* sql(q, next()))[0])
          }))
      }
    }
  })

/** Extension point: push further implementations (e.g. ours `session.get`) onto this list. */
export const implementations: Array<Implementation> = [
  implementation({
    name: "raw",
    kind: "sqlite",
    lib: rawSqlite,
    make: (db, ctx) => {
      const statement = db.prepare(selectText(ctx))
      const next = ids()
      return {
        run: async (n) => {
          for (let i = 0; i < n; i++) consume(statement.get(next()))
        }
      }
    }
  }),
  implementation({
    name: "raw",
    kind: "pg",
    lib: rawPg,
    make: (pool, ctx) => {
      const text = selectText(ctx)
      const name = `${ctx.target.prefix}point`
      const next = ids()
      return {
        run: async (n) => {
          for (let i = 0; i < n; i++) consume((await pool.query({ name, text, values: [next()] })).rows[0])
        }
      }
    }
  }),
  implementation({
    // The same named statement on one connection held for the scenario: no pool checkout per statement.
    name: "raw held",
    lib: rawPgHeld,
    make: (client, ctx) => {
      const text = selectText(ctx)
      const name = `${ctx.target.prefix}point_held`
      const next = ids()
      return {
        run: async (n) => {
          for (let i = 0; i < n; i++) consume((await client.query({ name, text, values: [next()] })).rows[0])
        }
      }
    }
  }),
  implementation({
    // What a named prepared statement saves: the same query through pg's unnamed statement (parse every time).
    name: "raw unnamed",
    kind: "pg",
    lib: rawPg,
    make: (pool, ctx) => {
      const text = selectText(ctx)
      const next = ids()
      return {
        run: async (n) => {
          for (let i = 0; i < n; i++) consume((await pool.query({ text, values: [next()] })).rows[0])
        }
      }
    }
  }),
  implementation({
    name: "@effect/sql-pg",
    lib: effectSql,
    make: ({ runtime, sql }, ctx) => {
      const q = selectTemplate(ctx)
      const next = ids()
      return {
        run: (n) =>
          runtime.runPromise(Effect.gen(function*() {
            for (let i = 0; i < n; i++) consume((yield* sql(q, next()))[0])
          }))
      }
    }
  }),
  implementation({
    name: "ours session.one",
    baseline: heldBaseline,
    lib: ours,
    make: ({ runtime, db, sql }, ctx) => {
      const q = selectTemplate(ctx)
      const next = ids()
      // One session per batch (BEGIN at the first statement, ROLLBACK when the scope closes).
      return {
        run: (n) =>
          runtime.runPromise(Effect.scoped(Effect.gen(function*() {
            const session = yield* db.session
            for (let i = 0; i < n; i++) consume(yield* session.one(sql(q, next())))
          })))
      }
    }
  }),
  connectAll("ours connect.all", ours),
  dbSql("ours db.sql", ours),
  // Pooler mode (every statement unnamed), reported, not targeted.
  connectAll("ours pooler connect.all", oursPooler),
  dbSql("ours pooler db.sql", oursPooler),
  implementation({
    name: "drizzle",
    kind: "sqlite",
    lib: drizzleSqlite,
    make: ({ db }, ctx) => {
      const users = sqliteUsers(table(ctx))
      const next = ids()
      return {
        run: async (n) => {
          for (let i = 0; i < n; i++) consume(db.select().from(users).where(eq(users.id, next())).get())
        }
      }
    }
  }),
  implementation({
    name: "drizzle prepared",
    kind: "sqlite",
    lib: drizzleSqlite,
    make: ({ db }, ctx) => {
      const users = sqliteUsers(table(ctx))
      const prepared = db.select().from(users).where(eq(users.id, dsql.placeholder("id"))).prepare()
      const next = ids()
      return {
        run: async (n) => {
          for (let i = 0; i < n; i++) consume(prepared.get({ id: next() }))
        }
      }
    }
  }),
  implementation({
    name: "drizzle",
    kind: "pg",
    lib: drizzlePg,
    make: ({ db }, ctx) => {
      const users = pgUsers(table(ctx))
      const next = ids()
      return {
        run: async (n) => {
          for (let i = 0; i < n; i++) consume((await db.select().from(users).where(eq(users.id, next())))[0])
        }
      }
    }
  }),
  implementation({
    name: "drizzle prepared",
    kind: "pg",
    lib: drizzlePg,
    make: ({ db }, ctx) => {
      const users = pgUsers(table(ctx))
      const prepared = db.select().from(users).where(eq(users.id, dsql.placeholder("id"))).prepare(
        `${ctx.target.prefix}point_drizzle`
      )
      const next = ids()
      return {
        run: async (n) => {
          for (let i = 0; i < n; i++) consume((await prepared.execute({ id: next() }))[0])
        }
      }
    }
  }),
  implementation({
    name: "kysely",
    lib: kysely,
    make: ({ db }, ctx) => {
      const t = table(ctx)
      const next = ids()
      return {
        run: async (n) => {
          for (let i = 0; i < n; i++) {
            consume(await db.selectFrom(t).select(["id", "name", "email", "age"]).where("id", "=", next()).executeTakeFirst())
          }
        }
      }
    }
  })
]

export const scenario: Scenario = {
  name: "point select",
  unit: "1 select",
  dialects: ["sqlite-memory", "sqlite-wal", "pg"],
  sizing: ({ mode, target }) =>
    target.kind === "pg"
      ? (mode.quick ? { opsPerBatch: 30, warmup: 2, rounds: 6 } : { opsPerBatch: 200, warmup: 5, rounds: 30 })
      : (mode.quick ? { opsPerBatch: 200, warmup: 3, rounds: 8 } : { opsPerBatch: 1000, warmup: 10, rounds: 50 }),
  prepare: async (exec, ctx) => {
    await exec(createUsers(ctx.target.kind, table(ctx)))
    await exec(seedUsers(ctx.target.kind, table(ctx), ROWS))
  },
  cleanup: (exec, ctx) => exec(`DROP TABLE IF EXISTS ${table(ctx)}`),
  implementations
}
