/**
 * A focused profile of ours on the eager-load scenario (1k users × 3 devices
 * × 2 keys), SQLite :memory: or PostgreSQL:
 *
 *   npm run build   # ours is loaded from dist, as in the benchmark
 *   node --import tsx bench/profile/eagerLoad.ts [sqlite|pg] [with|txn|raw] [seconds] [--profile]
 *   node bench/profile/summarize.mjs bench/profile/out/eager-<dialect>-<variant>.cpuprofile
 *
 * `with` loads through `Query.with` in a `db.session` per load, as the
 * benchmark does; `txn` is that session's BEGIN / one-row SELECT / ROLLBACK
 * alone; `raw` is the driver's three statements. With --profile it
 * records a CPU profile of the timed part only. It also prints the statements
 * one load sends (through `onStatement`).
 */
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Schema from "effect/Schema"
import Sqlite from "better-sqlite3"
import Pg from "pg"
import { Column, Database, Query, Relation, Table } from "effect-sqlservice"
import { startProfile } from "./cpuProfile.js"

const dialect = process.argv[2] ?? "sqlite"
const variant = process.argv[3] ?? "with"
const seconds = Number(process.argv[4] ?? 5)
const prefix = `prof_${process.pid}_`
const t = { users: `${prefix}eu_users`, devices: `${prefix}eu_devices`, keys: `${prefix}eu_keys` }
const pgUrl = process.env.DATABASE_URL_PG ?? "postgres://postgres@127.0.0.1:5432/test"

const ddl = (kind: "sqlite" | "pg"): Array<string> => {
  const series = (n: number, select: string, into: string) =>
    kind === "sqlite"
      ? `INSERT INTO ${into} WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n}) SELECT ${select} FROM s`
      : `INSERT INTO ${into} SELECT ${select} FROM generate_series(1, ${n}) i`
  return [
    `CREATE TABLE ${t.users} (id integer PRIMARY KEY, name TEXT NOT NULL)`,
    `CREATE TABLE ${t.devices} (id integer PRIMARY KEY, user_id integer NOT NULL REFERENCES ${t.users} (id), name TEXT NOT NULL)`,
    `CREATE TABLE ${t.keys} (id integer PRIMARY KEY, device_id integer NOT NULL REFERENCES ${t.devices} (id), value TEXT NOT NULL)`,
    `CREATE INDEX ${t.devices}_user_id ON ${t.devices} (user_id)`,
    `CREATE INDEX ${t.keys}_device_id ON ${t.keys} (device_id)`,
    series(1000, `i, 'user ' || i`, `${t.users} (id, name)`),
    series(3000, `i, (i - 1) / 3 + 1, 'device ' || i`, `${t.devices} (id, user_id, name)`),
    series(6000, `i, (i - 1) / 2 + 1, 'key ' || i`, `${t.keys} (id, device_id, value)`),
    ...(kind === "pg" ? [`ANALYZE ${t.users}`, `ANALYZE ${t.devices}`, `ANALYZE ${t.keys}`] : [])
  ]
}

const User = Table.make(t.users, { id: Schema.Int.pipe(Column.primaryKey), name: Schema.String })
const Device = Table.make(t.devices, {
  id: Schema.Int.pipe(Column.primaryKey),
  userId: Schema.Int.pipe(Column.references(() => User.columns.id)),
  name: Schema.String
}, { columnNames: "snake_case" })
const Key = Table.make(t.keys, {
  id: Schema.Int.pipe(Column.primaryKey),
  deviceId: Schema.Int.pipe(Column.references(() => Device.columns.id)),
  value: Schema.String
}, { columnNames: "snake_case" })
const query = Query.select(User).pipe(
  Query.orderBy(User.columns.id),
  Query.with({ devices: Relation.with(Relation.many(User, Device), { keys: Relation.many(Device, Key) }) })
)

let counting = false
const statements: Array<string> = []
const runtime = ManagedRuntime.make(Database.layer({
  url: dialect === "sqlite" ? "sqlite://:memory:" : pgUrl,
  onStatement: (sql) => {
    if (counting) statements.push(sql)
  }
}))
const db = await runtime.runPromise(Database.Database)
for (const s of ddl(dialect === "sqlite" ? "sqlite" : "pg")) await runtime.runPromise(db.sql.unsafe(s))

const rawSqlite = dialect === "sqlite" ? new Sqlite(":memory:") : undefined
if (rawSqlite !== undefined) for (const s of ddl("sqlite")) rawSqlite.exec(s)
const pool = dialect === "pg" ? new Pg.Pool({ connectionString: pgUrl }) : undefined
const ph = (n: number) => Array.from({ length: n }, (_, i) => (dialect === "sqlite" ? "?" : `$${i + 1}`)).join(", ")
const rawTexts = [
  `SELECT id, name FROM ${t.users} ORDER BY id`,
  `SELECT id, user_id, name FROM ${t.devices} WHERE user_id IN (${ph(1000)})`,
  `SELECT id, device_id, value FROM ${t.keys} WHERE device_id IN (${ph(3000)})`
]

let sink = 0
const count = (users: ReadonlyArray<any>) => {
  for (const u of users) for (const d of u.devices) sink += d.keys.length
}
const load = (): Promise<void> => {
  switch (variant) {
    case "raw":
      if (rawSqlite !== undefined) {
        const [u, d, k] = rawTexts.map((s) => rawSqlite.prepare(s))
        const users = u!.all() as Array<any>
        const devices = d!.all(users.map((r) => r.id)) as Array<any>
        sink += (k!.all(devices.map((r) => r.id)) as Array<any>).length
        return Promise.resolve()
      }
      return (async () => {
        const client = await pool!.connect()
        try {
          const users = (await client.query({ name: "u", text: rawTexts[0]! })).rows
          const devices = (await client.query({ name: "d", text: rawTexts[1]!, values: users.map((r) => r.id) })).rows
          sink += (await client.query({ name: "k", text: rawTexts[2]!, values: devices.map((r) => r.id) })).rows.length
        } finally {
          client.release()
        }
      })()
    case "txn":
      // What the session's implicit BEGIN and scope-end ROLLBACK cost alone.
      return runtime.runPromise(Effect.scoped(Effect.flatMap(db.session, (s) => Effect.asVoid(s.all("SELECT 1")))))
    default:
      return runtime.runPromise(Effect.scoped(Effect.flatMap(db.session, (s) => Effect.map(s.all(query), count))))
  }
}

counting = true
await load()
counting = false
console.log(`statements of one load (${statements.length}):\n${statements.map((s) => `  ${s.slice(0, 160)}`).join("\n")}`)

for (let i = 0; i < 50; i++) await load()
const stopProfile = await startProfile(`eager-${dialect}-${variant}`)
// CPU time of this process per load (median over loads): less disturbed by a busy machine than wall time.
const start = performance.now()
const cpu: Array<number> = []
const wall: Array<number> = []
while (performance.now() - start < seconds * 1000) {
  const c0 = process.cpuUsage()
  const w0 = performance.now()
  await load()
  wall.push(performance.now() - w0)
  const c = process.cpuUsage(c0)
  cpu.push((c.user + c.system) / 1000)
}
const median = (xs: Array<number>) => xs.sort((a, b) => a - b)[xs.length >> 1]!
console.log(`${dialect} ${variant}: ${cpu.length} loads, median ${median(wall).toFixed(3)} ms wall, ${median(cpu).toFixed(3)} ms CPU per load`)
await stopProfile()
if (dialect === "pg") for (const s of [t.keys, t.devices, t.users]) await runtime.runPromise(db.sql.unsafe(`DROP TABLE IF EXISTS ${s}`))
await runtime.dispose()
await pool?.end()
