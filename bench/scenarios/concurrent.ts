/**
 * PostgreSQL only: 3000 point selects issued at once through a pool of 10
 * connections. Promise.all for the Promise libraries, Effect.all with
 * unbounded concurrency for the Effect ones. One operation = all 3000.
 *
 * `raw fibers` is the floor of one Effect fiber per select: the same
 * `Effect.all` over 3000 bare `Effect.callback`s into `pool.query`, with
 * nothing of a library in between. The Effect rows are divided by it
 * (`baseline`), the Promise rows by `raw`.
 */
import { eq, sql as dsql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Column, Table } from "effect-sqlservice"
import { drizzlePgLib, type EffectClient, effectSql, kysely, ours, oursPooler, rawPg } from "../clients.js"
import { pgUsers } from "../drizzleSchema.js"
import { createUsers, seedUsers, template } from "../fixtures.js"
import { type Ctx, idSequence, implementation, type Implementation, type Lib, type Scenario } from "../harness.js"

export const ROWS = 10_000
export const CONCURRENT = 3000

const table = (ctx: Ctx) => `${ctx.target.prefix}cusers`
const selectText = (ctx: Ctx) => `SELECT id, name, email, age FROM ${table(ctx)} WHERE id = $1`
const selectTemplate = (ctx: Ctx) => template(`SELECT id, name, email, age FROM ${table(ctx)} WHERE id = `, "")

const ids = idSequence(CONCURRENT, ROWS, 7)

const expectAll = (rows: ReadonlyArray<unknown>) => {
  let found = 0
  for (const r of rows) if (r !== undefined && r !== null) found++
  if (found !== CONCURRENT) throw new Error(`expected ${CONCURRENT} rows, got ${found}`)
}

const drizzle = drizzlePgLib()

/** What the Effect rows are compared with: one fiber per select, nothing else. */
const FIBER_FLOOR = "raw fibers"

/** `sql` of an `effect/sql` client (ours `db.sql`, `@effect/sql-pg`): each select takes a pooled connection and gives it back. */
const dbSql = <C extends EffectClient<any>>(name: string, lib: Lib<C>): Implementation =>
  implementation<C>({
    name,
    baseline: FIBER_FLOOR,
    lib,
    make: ({ runtime, sql }, ctx) => {
      const q = selectTemplate(ctx)
      const all = Effect.map(
        Effect.all(ids.map((id) => Effect.map(sql(q, id), (rows) => rows[0])), { concurrency: "unbounded" }),
        expectAll
      )
      return { run: () => runtime.runPromise(all) }
    }
  })

/** One connection per select, no transaction (a session would add BEGIN and ROLLBACK). */
const connectAll = (name: string, lib: typeof ours): Implementation =>
  implementation({
    name,
    baseline: FIBER_FLOOR,
    lib,
    make: ({ runtime, db, sql }, ctx) => {
      const q = selectTemplate(ctx)
      const all = Effect.map(
        Effect.all(
          ids.map((id) => Effect.scoped(Effect.flatMap(db.connect, (conn) => Effect.map(conn.all(sql(q, id)), (rows) => rows[0])))),
          { concurrency: "unbounded" }
        ),
        expectAll
      )
      return { run: () => runtime.runPromise(all) }
    }
  })

/** Ours `db.get`: the 3000 lookups by key of concurrent fibers, batched into one statement. */
const batchedGet = (name: string, lib: typeof ours): Implementation =>
  implementation({
    name,
    lib,
    make: ({ runtime, db }, ctx) => {
      const users = Table.make(table(ctx), {
        id: Schema.Int.pipe(Column.primaryKey),
        name: Schema.String,
        email: Schema.String,
        age: Schema.Int
      })
      const all = Effect.map(
        Effect.all(ids.map((id) => Effect.map(db.get(users, id), Option.getOrUndefined)), { concurrency: "unbounded" }),
        expectAll
      )
      return { run: () => runtime.runPromise(all) }
    }
  })

/** Extension point: push further implementations onto this list. */
export const implementations: Array<Implementation> = [
  implementation({
    name: "raw",
    lib: rawPg,
    make: (pool, ctx) => {
      const name = `${ctx.target.prefix}cpoint`
      const text = selectText(ctx)
      return {
        run: async () =>
          expectAll(await Promise.all(ids.map(async (id) => (await pool.query({ name, text, values: [id] })).rows[0])))
      }
    }
  }),
  implementation({
    name: FIBER_FLOOR,
    lib: rawPg,
    make: (pool, ctx) => {
      const name = `${ctx.target.prefix}cpoint`
      const text = selectText(ctx)
      const select = (id: number) =>
        Effect.callback<unknown, Error>((resume) => {
          pool.query({ name, text, values: [id] }, (error, result) =>
            resume(error ? Effect.fail(error) : Effect.succeed(result.rows[0])))
        })
      const all = Effect.map(Effect.all(ids.map(select), { concurrency: "unbounded" }), expectAll)
      return { run: () => Effect.runPromise(all) }
    }
  }),
  implementation({
    name: "raw unnamed",
    skip: (ctx) => ctx.mode.quick,
    lib: rawPg,
    make: (pool, ctx) => {
      const text = selectText(ctx)
      return {
        run: async () =>
          expectAll(await Promise.all(ids.map(async (id) => (await pool.query({ text, values: [id] })).rows[0])))
      }
    }
  }),
  dbSql("@effect/sql-pg", effectSql),
  dbSql("ours db.sql", ours),
  connectAll("ours connect.all", ours),
  batchedGet("ours db.get batched", ours),
  // Pooler mode (every statement unnamed), reported, not targeted.
  dbSql("ours pooler db.sql", oursPooler),
  connectAll("ours pooler connect.all", oursPooler),
  implementation({
    name: "drizzle",
    lib: drizzle,
    make: ({ db }, ctx) => {
      const users = pgUsers(table(ctx))
      return {
        run: async () =>
          expectAll(await Promise.all(ids.map(async (id) => (await db.select().from(users).where(eq(users.id, id)))[0])))
      }
    }
  }),
  implementation({
    name: "drizzle prepared",
    skip: (ctx) => ctx.mode.quick,
    lib: drizzle,
    make: ({ db }, ctx) => {
      const users = pgUsers(table(ctx))
      const prepared = db.select().from(users).where(eq(users.id, dsql.placeholder("id"))).prepare(
        `${ctx.target.prefix}cpoint_drizzle`
      )
      return { run: async () => expectAll(await Promise.all(ids.map(async (id) => (await prepared.execute({ id }))[0]))) }
    }
  }),
  implementation({
    name: "kysely",
    lib: kysely,
    make: ({ db }, ctx) => {
      const t = table(ctx)
      return {
        run: async () =>
          expectAll(
            await Promise.all(
              ids.map((id) => db.selectFrom(t).select(["id", "name", "email", "age"]).where("id", "=", id).executeTakeFirst())
            )
          )
      }
    }
  })
]

export const scenario: Scenario = {
  name: "3000 concurrent point selects, pool 10",
  unit: "3000 selects",
  dialects: ["pg"],
  sizing: ({ mode }) => mode.quick ? { opsPerBatch: 1, warmup: 1, rounds: 1 } : { opsPerBatch: 1, warmup: 3, rounds: 15 },
  prepare: async (exec, ctx) => {
    await exec(createUsers(ctx.target.kind, table(ctx)))
    await exec(seedUsers(ctx.target.kind, table(ctx), ROWS))
  },
  cleanup: (exec, ctx) => exec(`DROP TABLE IF EXISTS ${table(ctx)}`),
  implementations
}
