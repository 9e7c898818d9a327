// @ts-check
/**
 * One streaming run in a process of its own, so its peak RSS is its own:
 *
 *   node bench/scenarios/streamChild.mjs '<json StreamJob>'
 *
 * Plain JavaScript run by plain node, without tsx: every library, ours
 * included (`effect-sqlservice` resolves to the built dist/), is loaded as
 * the JavaScript it ships, and no loader thread or transform sits in the
 * process's RSS or in its time. (`StreamJob` is declared in stream.ts.)
 *
 * Reads every row of the table, touching each (count, sum of ages), and
 * prints one JSON line: { elapsedMs, peakRssMb, startRssMb, count, sum }.
 * The clock and the start RSS are taken after the connection is open, just
 * before the query; the peak is the process's maximum RSS at the end.
 * Only the modules of the implementation under test are loaded.
 */

/** @type {{ impl: string, kind: "sqlite" | "pg", file: string, url: string, table: string, chunk: number }} */
const job = JSON.parse(process.argv[2] ?? "{}")
const text = `SELECT id, name, email, age FROM ${job.table}`

let count = 0
let sum = 0
/** @param {{ readonly [column: string]: unknown }} row */
const onRow = (row) => {
  count++
  sum += /** @type {number} */ (row["age"])
}
/** @param {number} bytes */
const mb = (bytes) => bytes / (1024 * 1024)
let startRss = 0
let start = 0
const begin = () => {
  startRss = mb(process.memoryUsage().rss)
  start = performance.now()
}

/** @param {import("kysely").Kysely<any>} db */
const kyselyStream = async (db) => {
  begin()
  for await (const row of db.selectFrom(job.table).select(["id", "name", "email", "age"]).stream(job.chunk)) onRow(row)
  await db.destroy()
}

/** Ours: a held connection (`db.connect`) and `connection.stream`, read chunk by chunk. @param {string} url */
const ours = async (url) => {
  const Effect = await import("effect/Effect")
  const Stream = await import("effect/Stream")
  const { Database } = await import("effect-sqlservice")
  await Effect.runPromise(
    Effect.gen(function*() {
      const db = yield* Database.Database
      yield* Effect.scoped(Effect.gen(function*() {
        const conn = yield* db.connect
        yield* Effect.sync(begin)
        yield* Stream.runForEachArray(
          conn.stream(text),
          (chunk) => Effect.sync(() => { for (const row of chunk) onRow(row) })
        )
      }))
    }).pipe(Effect.provide(Database.layer({ url })))
  )
}

/** @type {Record<string, () => Promise<void>>} */
const runners = {
  "sqlite/raw": async () => {
    const { default: Sqlite } = await import("better-sqlite3")
    const db = new Sqlite(job.file)
    const statement = db.prepare(text)
    begin()
    for (const row of statement.iterate()) onRow(/** @type {{ age: number }} */ (row))
  },
  "pg/raw": async () => {
    const { default: Pg } = await import("pg")
    const { default: Cursor } = await import("pg-cursor")
    const client = new Pg.Client({ connectionString: job.url })
    await client.connect()
    begin()
    const cursor = client.query(new Cursor(text))
    for (;;) {
      const rows = await cursor.read(job.chunk)
      if (rows.length === 0) break
      for (const row of rows) onRow(row)
    }
    await cursor.close()
    await client.end()
  },
  "sqlite/ours": () => ours(job.file === ":memory:" ? "sqlite://:memory:" : `sqlite:///${job.file}`),
  "pg/ours": () => ours(job.url),
  "pg/@effect/sql-pg": async () => {
    const Effect = await import("effect/Effect")
    const Stream = await import("effect/Stream")
    const Redacted = await import("effect/Redacted")
    const PgClient = await import("@effect/sql-pg/PgClient")
    await Effect.runPromise(
      Effect.gen(function*() {
        const sql = yield* PgClient.PgClient
        yield* Effect.sync(begin)
        yield* Stream.runForEachArray(
          sql.unsafe(text).stream,
          (chunk) => Effect.sync(() => { for (const row of chunk) onRow(/** @type {{ age: number }} */ (row)) })
        )
      }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(job.url) })))
    )
  },
  "sqlite/kysely": async () => {
    const { default: Sqlite } = await import("better-sqlite3")
    const { Kysely, SqliteDialect } = await import("kysely")
    const db = new Kysely({ dialect: new SqliteDialect({ database: new Sqlite(job.file) }) })
    await kyselyStream(db)
  },
  "pg/kysely": async () => {
    const { default: Pg } = await import("pg")
    const { default: Cursor } = await import("pg-cursor")
    const { Kysely, PostgresDialect } = await import("kysely")
    const db = new Kysely({
      dialect: new PostgresDialect({ pool: new Pg.Pool({ connectionString: job.url, max: 1 }), cursor: Cursor })
    })
    await db.selectFrom(job.table).select("id").limit(1).execute() // open the connection before the clock starts
    await kyselyStream(db)
  }
}

// A control for the memory columns: the raw loop in a process that has
// loaded what ours loads (effect, effect-sqlservice) and built its layer once,
// but streams without it. V8 sizes its young generation by how much survived
// earlier scavenges, start-up included, so a process with Effect loaded may
// double its semi-spaces (+16 MB RSS) during a stream that retains nothing.
for (const kind of /** @type {const} */ (["sqlite", "pg"])) {
  runners[`${kind}/raw, ours loaded`] = async () => {
    const Effect = await import("effect/Effect")
    await import("effect/Stream")
    const { Database } = await import("effect-sqlservice")
    const url = kind === "pg" ? job.url : `sqlite:///${job.file}`
    await Effect.runPromise(Effect.scoped(Effect.asVoid(Effect.flatMap(Database.Database, (db) => db.connect))).pipe(
      Effect.provide(Database.layer({ url }))
    ))
    const raw = runners[`${kind}/raw`]
    if (raw === undefined) throw new Error(`no raw runner for ${kind}`)
    await raw()
  }
}

const runner = runners[`${job.kind}/${job.impl}`]
if (runner === undefined) throw new Error(`no stream implementation ${job.kind}/${job.impl}`)
await runner()
const elapsedMs = performance.now() - start
const peakRssMb = process.resourceUsage().maxRSS / 1024
process.stdout.write(`${JSON.stringify({ elapsedMs, peakRssMb, startRssMb: startRss, count, sum })}\n`)
