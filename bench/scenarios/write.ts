/**
 * Insert 10k rows in one transaction, and upsert 10k rows of which half
 * exist (`INSERT ... ON CONFLICT (id) DO UPDATE SET ... = excluded....`).
 *
 * Every implementation writes the same row objects in multi-row statements of
 * CHUNK_ROWS rows (4000 parameters). raw is the best raw batched insert: one
 * statement per chunk, prepared once (pg: a named statement; SQLite: its
 * values passed as arguments, which better-sqlite3 binds faster than an
 * array). "raw per-row"
 * is the loop people write first: one prepared single-row INSERT per row.
 */
import { sql as dsql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import { Session } from "effect-sqlservice"
import { drizzlePgLib, drizzleSqliteLib, effectSql, kysely, ours, rawPg, rawSqlite } from "../clients.js"
import { pgUsers, sqliteUsers } from "../drizzleSchema.js"
import { chunks, createUsers, flatUsers, makeUsers, seedUsers, template, type UserRow, valuesList } from "../fixtures.js"
import { type Ctx, implementation, type Implementation, type Lib, type Scenario } from "../harness.js"

export const ROWS = 10_000

export interface Variant {
  readonly name: string
  readonly upsert: boolean
  readonly table: (ctx: Ctx) => string
}

const ON_CONFLICT = " ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email, age = excluded.age"

const insertText = (ctx: Ctx, v: Variant, rows: number, columns = 4) =>
  `INSERT INTO ${v.table(ctx)} (id, name, email, age) VALUES ${valuesList(ctx.target.kind, rows, columns)}${
    v.upsert ? ON_CONFLICT : ""
  }`

/**
 * The INSERT text of every chunk size in `batches` (all 1000 rows with 10k
 * rows), built before the clock starts: ours caches its compiled statements,
 * so raw does not pay for building 4000 placeholders per chunk either.
 */
const insertTexts = (ctx: Ctx, v: Variant, batches: ReadonlyArray<ReadonlyArray<unknown>>): Map<number, string> =>
  new Map(batches.map((batch) => [batch.length, insertText(ctx, v, batch.length)]))

/** Empties the table, and for the upsert seeds the odd ids 1, 3, ..., 9999 (half of the rows written). */
const reset = (ctx: Ctx, v: Variant) => {
  const t = v.table(ctx)
  const empty = ctx.target.kind === "sqlite" ? `DELETE FROM ${t}` : `TRUNCATE ${t}`
  return v.upsert ? [empty, seedUsers(ctx.target.kind, t, ROWS - 1, 1, 2)] : [empty]
}

/**
 * `before`: reset the table through the implementation's own client.
 * `check`: after a batch, all 10k rows are there, and with the upsert the existing ones were updated.
 */
export const hooks = <C>(lib: Lib<C>, client: C, ctx: Ctx, v: Variant) => ({
  before: async () => {
    for (const statement of reset(ctx, v)) await lib.exec(client, statement)
  },
  check: () => check(lib, client, ctx, v)
})

const check = async <C>(lib: Lib<C>, client: C, ctx: Ctx, v: Variant) => {
  const rows = await lib.query(
    client,
    `SELECT count(*) AS n, sum(CASE WHEN name LIKE '${v.name} %' THEN 1 ELSE 0 END) AS written FROM ${v.table(ctx)}`
  )
  const n = Number(rows[0]?.n)
  const written = Number(rows[0]?.written)
  if (n !== ROWS || written !== ROWS) throw new Error(`expected ${ROWS} rows written, found ${n} rows, ${written} written`)
}

const drizzleSqlite = drizzleSqliteLib()
const drizzlePg = drizzlePgLib()

const implementationsFor = (v: Variant): Array<Implementation> => {
  const rowsFor = (tag: string) => chunks(makeUsers(ROWS, tag))
  return [
    implementation({
      name: "raw",
      kind: "sqlite",
      lib: rawSqlite,
      make: (db, ctx) => {
        const batches = rowsFor(v.name)
        // Prepared before the clock starts, one per chunk size.
        const statements = new Map([...insertTexts(ctx, v, batches)].map(([rows, text]) => [rows, db.prepare(text)]))
        const write = db.transaction(() => {
          // Spread: better-sqlite3 binds 4000 arguments faster than one array of them (3.8 vs 4.9 ms per 10k rows).
          for (const batch of batches) statements.get(batch.length)!.run(...flatUsers(batch))
        })
        return { ...hooks(rawSqlite, db, ctx, v), run: async () => write.immediate() }
      }
    }),
    implementation({
      name: "raw",
      kind: "pg",
      lib: rawPg,
      make: (pool, ctx) => {
        const batches = rowsFor(v.name)
        const texts = insertTexts(ctx, v, batches)
        const names = new Map([...texts.keys()].map((rows) => [rows, `${ctx.target.prefix}${v.name}_${rows}`]))
        return {
          ...hooks(rawPg, pool, ctx, v),
          run: async () => {
            const client = await pool.connect()
            try {
              await client.query("BEGIN")
              for (const batch of batches) {
                await client.query({ name: names.get(batch.length)!, text: texts.get(batch.length)!, values: flatUsers(batch) })
              }
              await client.query("COMMIT")
            } finally {
              client.release()
            }
          }
        }
      }
    }),
    implementation({
      // The same statements without a name: parsed and planned again for every chunk.
      name: "raw unnamed",
      kind: "pg",
      lib: rawPg,
      make: (pool, ctx) => {
        const batches = rowsFor(v.name)
        const texts = insertTexts(ctx, v, batches)
        return {
          ...hooks(rawPg, pool, ctx, v),
          run: async () => {
            const client = await pool.connect()
            try {
              await client.query("BEGIN")
              for (const batch of batches) await client.query({ text: texts.get(batch.length)!, values: flatUsers(batch) })
              await client.query("COMMIT")
            } finally {
              client.release()
            }
          }
        }
      }
    }),
    implementation({
      name: "raw per-row",
      kind: "sqlite",
      lib: rawSqlite,
      make: (db, ctx) => {
        const rows = makeUsers(ROWS, v.name)
        const statement = db.prepare(insertText(ctx, v, 1))
        const write = db.transaction(() => {
          for (const r of rows) statement.run(r.id, r.name, r.email, r.age)
        })
        return { ...hooks(rawSqlite, db, ctx, v), run: async () => write.immediate() }
      }
    }),
    implementation({
      name: "raw per-row",
      kind: "pg",
      // 10k round trips: seconds on a busy machine, so only in the full run.
      skip: (ctx) => ctx.mode.quick,
      lib: rawPg,
      make: (pool, ctx) => {
        const rows = makeUsers(ROWS, v.name)
        const name = `${ctx.target.prefix}${v.name}_row`
        const text = insertText(ctx, v, 1)
        return {
          ...hooks(rawPg, pool, ctx, v),
          run: async () => {
            const client = await pool.connect()
            try {
              await client.query("BEGIN")
              for (const r of rows) await client.query({ name, text, values: [r.id, r.name, r.email, r.age] })
              await client.query("COMMIT")
            } finally {
              client.release()
            }
          }
        }
      }
    }),
    implementation({
      name: "@effect/sql-pg",
      lib: effectSql,
      make: (c, ctx) => {
        const { runtime, sql } = c
        const batches = rowsFor(v.name)
        const q = template(`INSERT INTO ${v.table(ctx)} `, v.upsert ? ON_CONFLICT : "")
        const write = sql.withTransaction(Effect.gen(function*() {
          for (const batch of batches) yield* sql(q, sql.insert(batch))
        }))
        return {
          ...hooks(effectSql, c, ctx, v),
          run: () => runtime.runPromise(write)
        }
      }
    }),
    implementation({
      name: "ours",
      lib: ours,
      make: (c, ctx) => {
        const { runtime, db, sql } = c
        const batches = rowsFor(v.name)
        const q = template(`INSERT INTO ${v.table(ctx)} `, v.upsert ? ON_CONFLICT : "")
        const write = db.begin(Effect.gen(function*() {
          const session = yield* Session.Session
          for (const batch of batches) yield* session.execute(sql(q, sql.insert(batch)))
        }))
        return {
          ...hooks(ours, c, ctx, v),
          run: () => runtime.runPromise(write)
        }
      }
    }),
    implementation({
      name: "drizzle",
      kind: "sqlite",
      lib: drizzleSqlite,
      make: (c, ctx) => {
        const { db } = c
        const batches = rowsFor(v.name)
        const users = sqliteUsers(v.table(ctx))
        const set = { name: dsql`excluded.name`, email: dsql`excluded.email`, age: dsql`excluded.age` }
        return {
          ...hooks(drizzleSqlite, c, ctx, v),
          run: async () =>
            db.transaction((tx) => {
              for (const batch of batches) {
                const insert = tx.insert(users).values(batch as Array<UserRow>)
                if (v.upsert) insert.onConflictDoUpdate({ target: users.id, set }).run()
                else insert.run()
              }
            }, { behavior: "immediate" })
        }
      }
    }),
    implementation({
      name: "drizzle",
      kind: "pg",
      lib: drizzlePg,
      make: (c, ctx) => {
        const { db } = c
        const batches = rowsFor(v.name)
        const users = pgUsers(v.table(ctx))
        const set = { name: dsql`excluded.name`, email: dsql`excluded.email`, age: dsql`excluded.age` }
        return {
          ...hooks(drizzlePg, c, ctx, v),
          run: () =>
            db.transaction(async (tx) => {
              for (const batch of batches) {
                const insert = tx.insert(users).values(batch as Array<UserRow>)
                if (v.upsert) await insert.onConflictDoUpdate({ target: users.id, set })
                else await insert
              }
            })
        }
      }
    }),
    implementation({
      name: "kysely",
      lib: kysely,
      make: (c, ctx) => {
        const { db } = c
        const batches = rowsFor(v.name)
        const t = v.table(ctx)
        return {
          ...hooks(kysely, c, ctx, v),
          run: () =>
            db.transaction().execute(async (trx) => {
              for (const batch of batches) {
                const insert = trx.insertInto(t).values(batch as Array<UserRow>)
                if (v.upsert) {
                  await insert.onConflict((oc) =>
                    oc.column("id").doUpdateSet((eb) => ({
                      name: eb.ref("excluded.name"),
                      email: eb.ref("excluded.email"),
                      age: eb.ref("excluded.age")
                    }))
                  ).execute()
                } else {
                  await insert.execute()
                }
              }
            })
        }
      }
    })
  ]
}

const makeScenario = (v: Variant, implementations: ReadonlyArray<Implementation>): Scenario => ({
  name: v.upsert ? "upsert 10k, half existing" : "insert 10k in one transaction",
  unit: "10k rows",
  dialects: ["sqlite-memory", "sqlite-wal", "pg"],
  sizing: ({ mode, target }) =>
    target.kind === "pg"
      ? (mode.quick ? { opsPerBatch: 1, warmup: 1, rounds: 1 } : { opsPerBatch: 1, warmup: 2, rounds: 10 })
      : (mode.quick ? { opsPerBatch: 1, warmup: 1, rounds: 2 } : { opsPerBatch: 1, warmup: 3, rounds: 20 }),
  prepare: async (exec, ctx) => {
    await exec(createUsers(ctx.target.kind, v.table(ctx)))
  },
  cleanup: (exec, ctx) => exec(`DROP TABLE IF EXISTS ${v.table(ctx)}`),
  implementations
})

export const insertVariant: Variant = { name: "insert", upsert: false, table: (ctx) => `${ctx.target.prefix}insert` }
export const upsertVariant: Variant = { name: "upsert", upsert: true, table: (ctx) => `${ctx.target.prefix}upsert` }

/** Extension points: push further implementations (e.g. ours `saveAll`) onto these lists. */
export const insertImplementations: Array<Implementation> = implementationsFor(insertVariant)
export const upsertImplementations: Array<Implementation> = implementationsFor(upsertVariant)

export const insert = makeScenario(insertVariant, insertImplementations)
export const upsert = makeScenario(upsertVariant, upsertImplementations)
