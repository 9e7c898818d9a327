/**
 * A focused profile of the concurrency scenario on PostgreSQL: 3000 point
 * selects issued at once through a pool of 10, as one operation.
 *
 *   npm run build   # ours is loaded from dist, as in the benchmark
 *   node --import tsx bench/profile/concurrent.ts [dbsql|fibers|raw|versus] [seconds] [--profile]
 *   node bench/profile/summarize.mjs bench/profile/out/concurrent-<variant>.cpuprofile
 *
 * `dbsql` is ours `db.sql` per select, `fibers` the benchmark's floor (one
 * fiber per select around `pool.query`), `raw` Promise.all over `pool.query`.
 * It prints wall and client CPU time per operation; with --profile it
 * records a CPU profile of the timed part only. `versus` alternates `dbsql`
 * and `fibers` operations and prints their median wall times and ratio
 * (steadier on a busy machine than two separate runs).
 */
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import Pg from "pg"
import { Database } from "effect-sqlservice"
import { createUsers, seedUsers, template } from "../fixtures.js"
import { idSequence } from "../harness.js"
import { startProfile } from "./cpuProfile.js"

const variant = process.argv[2] ?? "dbsql"
const seconds = Number(process.argv[3] ?? 5)
const ROWS = 10_000
const CONCURRENT = 3000
const table = `prof_${process.pid}_cusers`
const ids = idSequence(CONCURRENT, ROWS, 7)
const pgUrl = process.env.DATABASE_URL_PG ?? "postgres://postgres@127.0.0.1:5432/test"
const text = `SELECT id, name, email, age FROM ${table} WHERE id = $1`
const q = template(`SELECT id, name, email, age FROM ${table} WHERE id = `, "")

const pool = new Pg.Pool({ connectionString: pgUrl, max: 10 })
await pool.query(createUsers("pg", table))
await pool.query(seedUsers("pg", table, ROWS))
const runtime = ManagedRuntime.make(Database.layer({ url: pgUrl, poolSize: 10 }))
const db = await runtime.runPromise(Database.Database)

let sink = 0
const count = (rows: ReadonlyArray<unknown>) => {
  for (const row of rows) if (row !== undefined) sink++
}
const fiberSelect = (id: number) =>
  Effect.callback<unknown, Error>((resume) => {
    pool.query({ name: "cpoint", text, values: [id] }, (error, result) =>
      resume(error ? Effect.fail(error) : Effect.succeed(result.rows[0])))
  })
const fibers = Effect.map(Effect.all(ids.map(fiberSelect), { concurrency: "unbounded" }), count)
const dbSql = Effect.map(
  Effect.all(ids.map((id) => Effect.map(db.sql(q, id), (rows) => rows[0])), { concurrency: "unbounded" }),
  count
)

const operation = async (which = variant): Promise<void> => {
  switch (which) {
    case "raw":
      return count(await Promise.all(ids.map(async (id) => (await pool.query({ name: "cpoint", text, values: [id] })).rows[0])))
    case "fibers":
      return Effect.runPromise(fibers)
    case "dbsql":
      return runtime.runPromise(dbSql)
    default:
      throw new Error(`unknown variant ${variant}`)
  }
}

const versus = async () => {
  const times: Record<"dbsql" | "fibers", Array<number>> = { dbsql: [], fibers: [] }
  for (let i = 0; i < 5; i++) {
    await operation("dbsql")
    await operation("fibers")
  }
  const until = performance.now() + seconds * 1000
  while (performance.now() < until) {
    for (const which of ["dbsql", "fibers"] as const) {
      const start = performance.now()
      await operation(which)
      times[which].push(performance.now() - start)
    }
  }
  const median = (xs: Array<number>) => xs.sort((a, b) => a - b)[xs.length >> 1]!
  const [ours, floor] = [median(times.dbsql), median(times.fibers)]
  console.log(`dbsql ${ours.toFixed(1)} ms, fibers ${floor.toFixed(1)} ms (medians over ${times.dbsql.length}): ${(ours / floor).toFixed(2)}× the fiber floor`)
}

try {
  if (variant === "versus") await versus()
  else await measure()
} finally {
  await runtime.dispose()
  await pool.query(`DROP TABLE IF EXISTS ${table}`)
  await pool.end()
}

async function measure() {
  for (let i = 0; i < 5; i++) await operation()
  const stopProfile = await startProfile(`concurrent-${variant}`)
  const until = performance.now() + seconds * 1000
  let ops = 0
  const cpuStart = process.cpuUsage()
  const start = performance.now()
  while (performance.now() < until) {
    await operation()
    ops++
  }
  const ms = (performance.now() - start) / ops
  const cpu = process.cpuUsage(cpuStart)
  console.log(
    `${variant}: ${ms.toFixed(1)} ms/op wall, ${((cpu.user + cpu.system) / 1000 / ops).toFixed(1)} ms/op client CPU over ${ops} ops (sink ${sink})`
  )
  await stopProfile()
}
