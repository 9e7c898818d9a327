/**
 * A child process for the SQLite process drills, run with
 *   node --import tsx --conditions=source test/drills/support/sqliteChild.ts <mode> ...
 *
 * It talks to its parent over stdout, one line per event, printed only after
 * the corresponding `begin` has returned:
 *
 *   crash <file> <rowsPerBatch>
 *     ready / committed <batch> ... forever, until the parent kill -9s it.
 *   writer <file> <name> <count> <busyTimeoutMs> <retry: 0|1> <holdMs>
 *     ready, waits for "go" on stdin, then <count> transactions each holding
 *     the write lock <holdMs>; done <count> <BEGINs issued> / error <message>.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as SqlClient from "effect/sql/SqlClient"
import * as Database from "effect-sqlservice/Database"
import * as Session from "effect-sqlservice/Session"

const [mode, file, ...args] = process.argv.slice(2)
if (file === undefined) throw new Error("usage: sqliteChild.ts <crash|writer> <file> ...")
const url = `sqlite:///${file}` // file is absolute: sqlite:////abs/path.db

const say = (line: string) => Effect.sync(() => process.stdout.write(`${line}\n`))

const crash = (rowsPerBatch: number) =>
  Effect.gen(function*() {
    const db = yield* Database.Database
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE IF NOT EXISTS batches (batch INTEGER NOT NULL, n INTEGER NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (batch, n))`
    const last = yield* sql<{ m: number | null }>`SELECT MAX(batch) AS m FROM batches`
    let batch = (last[0]?.m ?? 0) + 1
    yield* say("ready")
    for (;;) {
      const b = batch++
      yield* db.begin(Effect.gen(function*() {
        const s = yield* Session.Session
        for (let n = 0; n < rowsPerBatch; n++) {
          yield* s.execute(sql`INSERT INTO batches (batch, n, payload) VALUES (${b}, ${n}, ${"x".repeat(200 + (n % 50))})`)
        }
      }))
      // Only after begin returned: the batch is committed.
      yield* say(`committed ${b}`)
      if (b % 10 === 0) yield* Effect.yieldNow
    }
  })

const waitForGo = Effect.callback<void>((resume) => {
  let buffer = ""
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString()
    if (buffer.includes("go")) {
      process.stdin.off("data", onData)
      process.stdin.pause()
      resume(Effect.void)
    }
  }
  process.stdin.on("data", onData)
})

const writer = (name: string, count: number, holdMs: number, retry: boolean, begins: () => number) =>
  Effect.gen(function*() {
    const db = yield* Database.Database
    const sql = yield* SqlClient.SqlClient
    yield* say("ready")
    yield* waitForGo
    const schedule = Schedule.max([Schedule.jittered(Schedule.spaced("1 millis")), Schedule.recurs(100_000)])
    for (let i = 0; i < count; i++) {
      yield* db.begin(
        Effect.gen(function*() {
          const s = yield* Session.Session
          yield* s.execute(sql`INSERT INTO writes (writer, i) VALUES (${name}, ${i})`)
          // Keep the write lock a moment so that the other process runs into it.
          if (holdMs > 0) yield* Effect.sleep(holdMs)
        }),
        retry ? { retry: schedule } : undefined
      )
    }
    yield* say(`done ${count} ${begins()}`)
  })

let beginCount = 0
const program = mode === "crash"
  ? Effect.provide(crash(Number(args[0] ?? 20)), Database.layer({ url }))
  : mode === "writer"
  ? Effect.provide(
    writer(args[0]!, Number(args[1]), Number(args[4] ?? 0), args[3] === "1", () => beginCount),
    Database.layer({
      url,
      busyTimeout: Number(args[2]),
      onStatement: (s) => {
        if (s.startsWith("BEGIN")) beginCount++
      }
    })
  )
  : Effect.die(new Error(`unknown mode ${mode}`))

Effect.runPromiseExit(program).then((exit) => {
  if (exit._tag === "Failure") {
    process.stdout.write(`error ${Cause.pretty(exit.cause).split("\n").join(" | ")}\n`)
    process.exit(1)
  }
  process.exit(0)
})
