/**
 * Short streams: the first 2k (and 16k) rows of a 16k-row users table, read
 * in-process, where what a stream costs to start (taking the connection,
 * opening the cursor or iterator, the session's BEGIN) weighs as much as its
 * rows. Issue 19 measured `session.stream` at 1.6–12× `session.all` here.
 *
 * raw iterates a statement prepared once (better-sqlite3 `iterate()`), or
 * reads a pg-cursor 512 rows at a time on one `pg.Client` held for the
 * scenario (ours holds its connection for the batch too). `raw all` reads the
 * same rows in one go (`all()` / `client.query`): the like of `ours
 * session.all`. Ours decodes rows with the table's Schema (`Query`) or gives
 * them as the driver does (`connection.stream` of a statement).
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type Sqlite from "better-sqlite3"
import type Pg from "pg"
import Cursor from "pg-cursor"
import { Column, Query, Table } from "effect-sqlservice"
import { ours, rawPgHeld, rawSqlite } from "../clients.js"
import { createUsers, seedUsers } from "../fixtures.js"
import { type Ctx, implementation, type Implementation, type Lib, type Scenario } from "../harness.js"

const TABLE_ROWS = 16_000
const CURSOR_CHUNK = 512

const table = (ctx: Ctx) => `${ctx.target.prefix}small_stream`
const selectText = (ctx: Ctx) =>
  `SELECT id, name, email, age FROM ${table(ctx)} WHERE id <= ${ctx.target.kind === "sqlite" ? "?" : "$1"}`
const users = (ctx: Ctx) =>
  Table.make(table(ctx), {
    id: Schema.Int.pipe(Column.primaryKey),
    name: Schema.String,
    email: Schema.String,
    age: Schema.Int
  })

let sink = 0
const consume = (rows: ReadonlyArray<{ readonly [k: string]: unknown }>) => {
  for (const row of rows) sink += row["age"] as number
}
export const smallStreamSink = () => sink

/** `raw held` under the name `raw`: every row here is divided by it. */
const rawHeld: Lib<Pg.Client> = { ...rawPgHeld, name: "raw" }

const counted = (rows: number, count: number) => {
  if (count !== rows) throw new Error(`read ${count} rows, expected ${rows}`)
}

/** Reads ours' stream to its end a chunk at a time, checking it gave `rows` rows. */
const drain = <E>(stream: Stream.Stream<{ readonly [k: string]: unknown }, E>, rows: number) =>
  Effect.suspend(() => {
    let count = 0
    return Effect.map(
      Stream.runForEachArray(stream, (chunk) =>
        Effect.sync(() => {
          count += chunk.length
          consume(chunk)
        })),
      () => counted(rows, count)
    )
  })

/** Ours' query of the rows the scenario reads. */
const firstUsers = (ctx: Ctx, rows: number) => {
  const User = users(ctx)
  return Query.select(User).pipe(Query.where(Query.lte(User.columns.id, rows)))
}

const make = (rows: number): Scenario => {
  const implementations: Array<Implementation> = [
    implementation({
      name: "raw",
      kind: "sqlite",
      lib: rawSqlite,
      make: (db: Sqlite.Database, ctx) => {
        const statement = db.prepare(selectText(ctx))
        return {
          run: async (n) => {
            for (let i = 0; i < n; i++) {
              let count = 0
              for (const row of statement.iterate(rows)) {
                count++
                sink += (row as { age: number }).age
              }
              counted(rows, count)
            }
          }
        }
      }
    }),
    implementation({
      name: "raw",
      kind: "pg",
      lib: rawHeld,
      make: (client, ctx) => {
        const text = selectText(ctx)
        return {
          run: async (n) => {
            for (let i = 0; i < n; i++) {
              const cursor = client.query(new Cursor(text, [rows]))
              let count = 0
              for (;;) {
                const chunk = await cursor.read(CURSOR_CHUNK)
                if (chunk.length === 0) break
                count += chunk.length
                consume(chunk)
              }
              await cursor.close()
              counted(rows, count)
            }
          }
        }
      }
    }),
    implementation({
      name: "raw all",
      kind: "sqlite",
      lib: rawSqlite,
      make: (db: Sqlite.Database, ctx) => {
        const statement = db.prepare(selectText(ctx))
        return {
          run: async (n) => {
            for (let i = 0; i < n; i++) consume(statement.all(rows) as Array<{ age: number }>)
          }
        }
      }
    }),
    implementation({
      name: "raw all",
      kind: "pg",
      lib: rawHeld,
      make: (client, ctx) => {
        const text = selectText(ctx)
        const name = `${ctx.target.prefix}small_stream_all`
        return {
          run: async (n) => {
            for (let i = 0; i < n; i++) consume((await client.query({ name, text, values: [rows] })).rows)
          }
        }
      }
    }),
    implementation({
      name: "ours session.all",
      baseline: "raw all",
      lib: ours,
      make: ({ runtime, db }, ctx) => {
        const q = firstUsers(ctx, rows)
        return {
          run: (n) =>
            runtime.runPromise(Effect.scoped(Effect.gen(function*() {
              const session = yield* db.session
              for (let i = 0; i < n; i++) {
                const all = yield* session.all(q)
                counted(rows, all.length)
                consume(all)
              }
            })))
        }
      }
    }),
    implementation({
      name: "ours session.stream",
      lib: ours,
      make: ({ runtime, db }, ctx) => {
        const q = firstUsers(ctx, rows)
        return {
          run: (n) =>
            runtime.runPromise(Effect.scoped(Effect.gen(function*() {
              const session = yield* db.session
              for (let i = 0; i < n; i++) yield* drain(session.stream(q), rows)
            })))
        }
      }
    }),
    implementation({
      name: "ours connection.stream",
      lib: ours,
      make: ({ runtime, db }, ctx) => {
        const text = selectText(ctx)
        return {
          run: (n) =>
            runtime.runPromise(Effect.scoped(Effect.gen(function*() {
              const conn = yield* db.connect
              for (let i = 0; i < n; i++) yield* drain(conn.stream(text, [rows]), rows)
            })))
        }
      }
    })
  ]
  return {
    name: `stream the first ${rows / 1000}k rows of ${TABLE_ROWS / 1000}k`,
    unit: `${rows / 1000}k rows`,
    dialects: ["sqlite-memory", "sqlite-wal", "pg"],
    sizing: ({ mode }) => {
      const opsPerBatch = rows <= 2000 ? 10 : 2
      return mode.quick ? { opsPerBatch, warmup: 1, rounds: 3 } : { opsPerBatch, warmup: 3, rounds: 20 }
    },
    prepare: async (exec, ctx) => {
      await exec(createUsers(ctx.target.kind, table(ctx)))
      await exec(seedUsers(ctx.target.kind, table(ctx), TABLE_ROWS))
    },
    cleanup: (exec, ctx) => exec(`DROP TABLE IF EXISTS ${table(ctx)}`),
    implementations
  }
}

export const scenarios: ReadonlyArray<Scenario> = [make(2_000), make(16_000)]
