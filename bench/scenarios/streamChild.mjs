/**
 * One streaming run in a process of its own, so its peak RSS is its own:
 *
 *   node --import tsx bench/scenarios/streamChild.ts '<json StreamJob>'
 *
 * Reads every row of the table, touching each (count, sum of ages), and
 * prints one JSON line: { elapsedMs, peakRssMb, startRssMb, count }. The
 * clock starts after the connection is open, just before the query.
 * Only the modules of the implementation under test are loaded.
 */
export interface StreamJob {
  readonly impl: string
  readonly kind: "sqlite" | "pg"
  readonly file: string
  readonly url: string
  readonly table: string
  /**
   * Rows per fetch where the library lets us choose (raw cursor, Kysely); ours
   * reads 512 (pg) / 256 (sqlite); @effect/sql-pg reads the whole result with
   * socket back-pressure (it pauses the socket at 512 buffered rows).
   */
  readonly chunk: number
}

const job = JSON.parse(process.argv[2] ?? "{}") as StreamJob
const text = `SELECT id, name, email, age FROM ${job.table}`

let count = 0
let sum = 0
const onRow = (row: { readonly [column: string]: unknown }) => {
  count++
  sum += row["age"] as number
}
const mb = (bytes: number) => bytes / (1024 * 1024)
let startRss = 0
let start = 0
const begin = () => {
  startRss = mb(process.memoryUsage().rss)
  start = performance.now()
}

const runners: Record<string, () => Promise<void>> = {
  "sqlite/raw": async () => {
    const { default: Sqlite } = await import("better-sqlite3")
    const db = new Sqlite(job.file)
    const statement = db.prepare(text)
    begin()
    for (const row of statement.iterate() as IterableIterator<{ age: number }>) onRow(row)
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
          sql.unsafe<{ age: number }>(text).stream,
          (chunk) => Effect.sync(() => { for (const row of chunk) onRow(row) })
        )
      }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(job.url) })))
    )
  },
  "sqlite/kysely": async () => {
    const { default: Sqlite } = await import("better-sqlite3")
    const { Kysely, SqliteDialect } = await import("kysely")
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Sqlite(job.file) }) })
    await kyselyStream(db)
  },
  "pg/kysely": async () => {
    const { default: Pg } = await import("pg")
    const { default: Cursor } = await import("pg-cursor")
    const { Kysely, PostgresDialect } = await import("kysely")
    const db = new Kysely<any>({
      dialect: new PostgresDialect({ pool: new Pg.Pool({ connectionString: job.url, max: 1 }), cursor: Cursor })
    })
    await db.selectFrom(job.table).select("id").limit(1).execute() // open the connection before the clock starts
    await kyselyStream(db)
  }
}

const kyselyStream = async (db: import("kysely").Kysely<any>) => {
  begin()
  for await (const row of db.selectFrom(job.table).select(["id", "name", "email", "age"]).stream(job.chunk)) onRow(row)
  await db.destroy()
}

const ours = async (url: string) => {
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

const runner = runners[`${job.kind}/${job.impl}`]
if (runner === undefined) throw new Error(`no stream implementation ${job.kind}/${job.impl}`)
await runner()
const elapsedMs = performance.now() - start
const peakRssMb = process.resourceUsage().maxRSS / 1024
process.stdout.write(`${JSON.stringify({ elapsedMs, peakRssMb, startRssMb: startRss, count, sum })}\n`)
