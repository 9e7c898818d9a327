/**
 * Eager loading: 1k users, each with 3 devices, each with 2 keys, loaded as
 * nested objects `{ id, name, devices: [{ id, name, keys: [{ id, value }] }] }`.
 *
 * raw and "ours manual IN" run three statements (users; devices WHERE
 * user_id IN (1000 ids); keys WHERE device_id IN (3000 ids)) and assemble the
 * tree in JS. Drizzle runs its relational query (`db.query.users.findMany({
 * with })`, one statement with JSON subqueries), Kysely `jsonArrayFrom`
 * (one statement). Ours `with(...)` will join this list when it lands.
 */
import * as Effect from "effect/Effect"
import { type Kysely, ParseJSONResultsPlugin } from "kysely"
import { jsonArrayFrom as pgJsonArrayFrom } from "kysely/helpers/postgres"
import { jsonArrayFrom as sqliteJsonArrayFrom } from "kysely/helpers/sqlite"
import { drizzlePgLib, drizzleSqliteLib, effectSql, kysely, ours, rawPg, rawSqlite } from "../clients.js"
import { pgEager, sqliteEager } from "../drizzleSchema.js"
import { template } from "../fixtures.js"
import { type Ctx, implementation, type Implementation, type Kind, type Scenario } from "../harness.js"

export const USERS = 1000
const DEVICES_PER_USER = 3
const KEYS_PER_DEVICE = 2

export const names = (ctx: Ctx) => ({
  users: `${ctx.target.prefix}eu_users`,
  devices: `${ctx.target.prefix}eu_devices`,
  keys: `${ctx.target.prefix}eu_keys`
})

const ddl = (kind: Kind, t: ReturnType<typeof names>): Array<string> => {
  const int = kind === "sqlite" ? "INTEGER" : "integer"
  const series = (n: number, select: string, into: string) =>
    kind === "sqlite"
      ? `INSERT INTO ${into} WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n}) SELECT ${select} FROM s`
      : `INSERT INTO ${into} SELECT ${select} FROM generate_series(1, ${n}) i`
  const devices = USERS * DEVICES_PER_USER
  return [
    `CREATE TABLE ${t.users} (id ${int} PRIMARY KEY, name TEXT NOT NULL)`,
    `CREATE TABLE ${t.devices} (id ${int} PRIMARY KEY, user_id ${int} NOT NULL REFERENCES ${t.users} (id), name TEXT NOT NULL)`,
    `CREATE TABLE ${t.keys} (id ${int} PRIMARY KEY, device_id ${int} NOT NULL REFERENCES ${t.devices} (id), value TEXT NOT NULL)`,
    `CREATE INDEX ${t.devices}_user_id ON ${t.devices} (user_id)`,
    `CREATE INDEX ${t.keys}_device_id ON ${t.keys} (device_id)`,
    series(USERS, `i, 'user ' || i`, `${t.users} (id, name)`),
    series(devices, `i, (i - 1) / ${DEVICES_PER_USER} + 1, 'device ' || i`, `${t.devices} (id, user_id, name)`),
    series(devices * KEYS_PER_DEVICE, `i, (i - 1) / ${KEYS_PER_DEVICE} + 1, 'key ' || i`, `${t.keys} (id, device_id, value)`),
    ...(kind === "pg" ? [`ANALYZE ${t.users}`, `ANALYZE ${t.devices}`, `ANALYZE ${t.keys}`] : [])
  ]
}

// ------------------------------------------------------------ three statements, assembled in JS

interface KeyRow { readonly id: unknown; readonly device_id: unknown; readonly value: unknown }
interface DeviceRow { readonly id: unknown; readonly user_id: unknown; readonly name: unknown }
interface UserRow { readonly id: unknown; readonly name: unknown }

const sqlUsers = (t: ReturnType<typeof names>) => `SELECT id, name FROM ${t.users} ORDER BY id`
const placeholders = (kind: Kind, n: number) =>
  Array.from({ length: n }, (_, i) => (kind === "sqlite" ? "?" : `$${i + 1}`)).join(", ")
const sqlDevices = (kind: Kind, t: ReturnType<typeof names>, n: number) =>
  `SELECT id, user_id, name FROM ${t.devices} WHERE user_id IN (${placeholders(kind, n)})`
const sqlKeys = (kind: Kind, t: ReturnType<typeof names>, n: number) =>
  `SELECT id, device_id, value FROM ${t.keys} WHERE device_id IN (${placeholders(kind, n)})`

const assemble = (
  users: ReadonlyArray<UserRow>,
  devices: ReadonlyArray<DeviceRow>,
  keys: ReadonlyArray<KeyRow>
) => {
  type Device = { id: unknown; name: unknown; keys: Array<unknown> }
  const byUser = new Map<unknown, Array<Device>>()
  const out = users.map((u) => {
    const list: Array<Device> = []
    byUser.set(u.id, list)
    return { id: u.id, name: u.name, devices: list }
  })
  const byDevice = new Map<unknown, Array<unknown>>()
  for (const d of devices) {
    const list: Array<unknown> = []
    byDevice.set(d.id, list)
    byUser.get(d.user_id)?.push({ id: d.id, name: d.name, keys: list })
  }
  for (const k of keys) byDevice.get(k.device_id)?.push({ id: k.id, value: k.value })
  return out
}

/** Throws unless the tree is complete: 1k users, 3k devices, 6k keys. */
export const expectTree = (users: ReadonlyArray<{ readonly devices: ReadonlyArray<{ readonly keys: ReadonlyArray<unknown> }> }>) => {
  let devices = 0
  let keys = 0
  for (const u of users) {
    devices += u.devices.length
    for (const d of u.devices) keys += d.keys.length
  }
  if (users.length !== USERS || devices !== USERS * DEVICES_PER_USER || keys !== devices * KEYS_PER_DEVICE) {
    throw new Error(`incomplete tree: ${users.length} users, ${devices} devices, ${keys} keys`)
  }
}

const drizzleSqlite = drizzleSqliteLib((ctx) => sqliteEager(ctx.target.prefix))
const drizzlePg = drizzlePgLib((ctx) => pgEager(ctx.target.prefix))

/** Extension point: push ours `Query.select(User).with(...)` here when it lands. */
export const implementations: Array<Implementation> = [
  implementation({
    name: "raw",
    kind: "sqlite",
    lib: rawSqlite,
    make: (db, ctx) => {
      const t = names(ctx)
      const users = db.prepare(sqlUsers(t))
      const devices = db.prepare(sqlDevices("sqlite", t, USERS))
      const keys = db.prepare(sqlKeys("sqlite", t, USERS * DEVICES_PER_USER))
      return {
        run: async () => {
          const u = users.all() as Array<UserRow>
          const d = devices.all(u.map((r) => r.id)) as Array<DeviceRow>
          const k = keys.all(d.map((r) => r.id)) as Array<KeyRow>
          expectTree(assemble(u, d, k))
        }
      }
    }
  }),
  implementation({
    name: "raw",
    kind: "pg",
    lib: rawPg,
    make: (pool, ctx) => {
      const t = names(ctx)
      const p = ctx.target.prefix
      // Texts built before the clock starts (ours caches its compiled statements), for the tree's known sizes.
      const users = { name: `${p}eu_u`, text: sqlUsers(t) }
      const devices = { name: `${p}eu_d`, text: sqlDevices("pg", t, USERS) }
      const keys = { name: `${p}eu_k`, text: sqlKeys("pg", t, USERS * DEVICES_PER_USER) }
      return {
        run: async () => {
          const client = await pool.connect()
          try {
            const u = (await client.query(users)).rows as Array<UserRow>
            const d = (await client.query({ ...devices, values: u.map((r) => r.id) })).rows as Array<DeviceRow>
            const k = (await client.query({ ...keys, values: d.map((r) => r.id) })).rows as Array<KeyRow>
            expectTree(assemble(u, d, k))
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
    make: ({ runtime, sql }, ctx) => {
      const t = names(ctx)
      const qUsers = template(sqlUsers(t))
      const qDevices = template(`SELECT id, user_id, name FROM ${t.devices} WHERE user_id IN `, "")
      const qKeys = template(`SELECT id, device_id, value FROM ${t.keys} WHERE device_id IN `, "")
      const load = Effect.gen(function*() {
        const u = yield* sql<UserRow>(qUsers)
        const d = yield* sql<DeviceRow>(qDevices, sql.in(u.map((r) => r.id)))
        const k = yield* sql<KeyRow>(qKeys, sql.in(d.map((r) => r.id)))
        expectTree(assemble(u, d, k))
      })
      return { run: () => runtime.runPromise(load) }
    }
  }),
  implementation({
    name: "ours manual IN",
    lib: ours,
    make: ({ runtime, db, sql }, ctx) => {
      const t = names(ctx)
      const qUsers = template(sqlUsers(t))
      const qDevices = template(`SELECT id, user_id, name FROM ${t.devices} WHERE user_id IN `, "")
      const qKeys = template(`SELECT id, device_id, value FROM ${t.keys} WHERE device_id IN `, "")
      const load = Effect.scoped(Effect.gen(function*() {
        const session = yield* db.session
        const u = (yield* session.all(sql(qUsers))) as unknown as ReadonlyArray<UserRow>
        const d = (yield* session.all(sql(qDevices, sql.in(u.map((r) => r.id))))) as unknown as ReadonlyArray<DeviceRow>
        const k = (yield* session.all(sql(qKeys, sql.in(d.map((r) => r.id))))) as unknown as ReadonlyArray<KeyRow>
        expectTree(assemble(u, d, k))
      }))
      return { run: () => runtime.runPromise(load) }
    }
  }),
  implementation({
    name: "drizzle relational",
    kind: "sqlite",
    lib: drizzleSqlite,
    make: ({ db }) => {
      const query = (db as unknown as { query: DrizzleQuery }).query
      return {
        run: async () => {
          const users = await query.users.findMany({
            columns: { id: true, name: true },
            with: { devices: { columns: { id: true, name: true }, with: { keys: { columns: { id: true, value: true } } } } }
          })
          expectTree(users)
        }
      }
    }
  }),
  implementation({
    name: "drizzle relational",
    kind: "pg",
    lib: drizzlePg,
    make: ({ db }) => {
      const query = (db as unknown as { query: DrizzleQuery }).query
      return {
        run: async () => {
          const users = await query.users.findMany({
            columns: { id: true, name: true },
            with: { devices: { columns: { id: true, name: true }, with: { keys: { columns: { id: true, value: true } } } } }
          })
          expectTree(users)
        }
      }
    }
  }),
  implementation({
    name: "kysely jsonArrayFrom",
    lib: kysely,
    make: ({ db }, ctx) => {
      const t = names(ctx)
      const jsonArrayFrom = ctx.target.kind === "sqlite" ? sqliteJsonArrayFrom : pgJsonArrayFrom
      // SQLite returns the JSON as text: Kysely's documented plugin parses it.
      const k: Kysely<any> = ctx.target.kind === "sqlite" ? db.withPlugin(new ParseJSONResultsPlugin()) : db
      return {
        run: async () => {
          const users = await k.selectFrom(`${t.users} as u`)
            .select(["u.id", "u.name"])
            .select((eb) =>
              jsonArrayFrom(
                eb.selectFrom(`${t.devices} as d`)
                  .select(["d.id", "d.name"])
                  .select((eb2) =>
                    jsonArrayFrom(
                      eb2.selectFrom(`${t.keys} as k`).select(["k.id", "k.value"]).whereRef("k.device_id", "=", "d.id")
                    ).as("keys")
                  )
                  .whereRef("d.user_id", "=", "u.id")
              ).as("devices")
            )
            .orderBy("u.id")
            .execute()
          expectTree(users as unknown as Parameters<typeof expectTree>[0])
        }
      }
    }
  })
]

/** The part of Drizzle's `db.query` this scenario uses (its schema is built per run, so untyped here). */
interface DrizzleQuery {
  readonly users: {
    readonly findMany: (config: unknown) => Promise<
      Array<{ readonly devices: ReadonlyArray<{ readonly keys: ReadonlyArray<unknown> }> }>
    >
  }
}

export const scenario: Scenario = {
  name: "eager load 1k users × 3 devices × 2 keys",
  unit: "1 tree",
  dialects: ["sqlite-memory", "sqlite-wal", "pg"],
  sizing: ({ mode }) => mode.quick ? { opsPerBatch: 1, warmup: 1, rounds: 3 } : { opsPerBatch: 1, warmup: 3, rounds: 20 },
  prepare: async (exec, ctx) => {
    for (const statement of ddl(ctx.target.kind, names(ctx))) await exec(statement)
  },
  cleanup: async (exec, ctx) => {
    const t = names(ctx)
    for (const name of [t.keys, t.devices, t.users]) await exec(`DROP TABLE IF EXISTS ${name}`)
  },
  implementations
}
