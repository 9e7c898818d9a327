/**
 * A focused profile of ours on the SQLite :memory: point select:
 *
 *   npm run build   # ours is loaded from dist, as in the benchmark
 *   node --import tsx bench/profile/pointSelect.ts [session|connect|dbsql|get|eq|getPerSession|raw] [seconds] [--profile]
 *   node bench/profile/summarize.mjs bench/profile/out/<variant>.cpuprofile
 *
 * Runs point selects in batches of 1000 inside one runPromise, like the
 * benchmark, for a few seconds after a warm-up. With --profile it records a
 * CPU profile (the same V8 profiler as `node --cpu-prof`) of the timed part
 * only, so module loading and JIT warm-up stay out of it.
 * (`node --cpu-prof --cpu-prof-dir=... --import tsx ...` works too, with the
 * start-up included.)
 */
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import Sqlite from "better-sqlite3"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Column, Database, Query, Table } from "effect-sqlservice"
import { createUsers, seedUsers, template } from "../fixtures.js"
import { idSequence } from "../harness.js"
import { startProfile } from "./cpuProfile.js"

const variant = process.argv[2] ?? "session"
const seconds = Number(process.argv[3] ?? 5)
const ROWS = 10_000
const table = "bench_users"
const ids = idSequence(1 << 16, ROWS)
let sink = 0

const runtime = ManagedRuntime.make(Database.layer({ url: "sqlite://:memory:" }))
const db = await runtime.runPromise(Database.Database)
const sql = db.sql
await runtime.runPromise(sql.unsafe(createUsers("sqlite", table)))
await runtime.runPromise(sql.unsafe(seedUsers("sqlite", table, ROWS)))
const User = Table.make(table, {
  id: Schema.Int.pipe(Column.primaryKey),
  name: Schema.String,
  email: Schema.String,
  age: Schema.Int
})
const q = template(`SELECT id, name, email, age FROM ${table} WHERE id = `, "")

const raw = new Sqlite(":memory:")
raw.exec(createUsers("sqlite", table))
raw.exec(seedUsers("sqlite", table, ROWS))
const rawStatement = raw.prepare(`SELECT id, name, email, age FROM ${table} WHERE id = ?`)

let at = 0
const batch = (n: number): Promise<void> => {
  switch (variant) {
    case "raw":
      for (let i = 0; i < n; i++) sink ^= (rawStatement.get(ids[at++ & 0xffff]) as { id: number }).id
      return Promise.resolve()
    case "session":
      return runtime.runPromise(Effect.scoped(Effect.gen(function*() {
        const session = yield* db.session
        for (let i = 0; i < n; i++) sink ^= (yield* session.one(sql(q, ids[at++ & 0xffff]))).id as number
      })))
    case "connect":
      return runtime.runPromise(Effect.scoped(Effect.gen(function*() {
        const conn = yield* db.connect
        for (let i = 0; i < n; i++) sink ^= (yield* conn.all(sql(q, ids[at++ & 0xffff])))[0]!.id as number
      })))
    case "get":
      return runtime.runPromise(Effect.scoped(Effect.gen(function*() {
        const session = yield* db.session
        for (let i = 0; i < n; i++) sink ^= Option.getOrThrow(yield* session.get(User, ids[at++ & 0xffff]!)).id
      })))
    case "eq":
      return runtime.runPromise(Effect.scoped(Effect.gen(function*() {
        const session = yield* db.session
        for (let i = 0; i < n; i++) sink ^= (yield* session.one(Query.select(User).pipe(Query.where(Query.eq(User.columns.id, ids[at++ & 0xffff]!))))).id
      })))
    case "getPerSession":
      return runtime.runPromise(Effect.gen(function*() {
        for (let i = 0; i < n; i++) {
          const id = ids[at++ & 0xffff]!
          sink ^= Option.getOrThrow(
            yield* Effect.scoped(Effect.flatMap(db.sessionWith({ readOnly: true }), (session) => session.get(User, id)))
          ).id
        }
      }))
    case "dbsql":
      return runtime.runPromise(Effect.gen(function*() {
        for (let i = 0; i < n; i++) sink ^= (yield* sql(q, ids[at++ & 0xffff]))[0]!.id as number
      }))
    default:
      throw new Error(`unknown variant ${variant}`)
  }
}

for (let i = 0; i < 50; i++) await batch(1000)
const stopProfile = await startProfile(variant)
const until = performance.now() + seconds * 1000
let ops = 0
const cpuStart = process.cpuUsage()
const start = performance.now()
while (performance.now() < until) {
  await batch(1000)
  ops += 1000
}
const us = ((performance.now() - start) * 1000) / ops
const cpu = process.cpuUsage(cpuStart)
// CPU time per op is steadier than wall time on a shared machine.
console.log(
  `${variant}: ${us.toFixed(2)} µs/op wall, ${((cpu.user + cpu.system) / ops).toFixed(2)} µs/op CPU over ${ops} ops (sink ${sink})`
)
await stopProfile()
await runtime.dispose()
