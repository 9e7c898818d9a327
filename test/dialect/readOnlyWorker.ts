/**
 * Another process on the same SQLite file, for the read-only session test:
 * opens a session (read-only or default), reads, prints `holding <count>`
 * while it keeps the session open, and ends it once its stdin closes. A
 * failure prints `failed <reason>`.
 *
 * node --import tsx --conditions=source readOnlyWorker.ts <file> <readOnly|default>
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as Query from "../../src/Query.js"
import * as Table from "../../src/Table.js"

const Note = Table.make("notes", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  body: Schema.String
})

const [file, mode] = process.argv.slice(2)

const stdinClosed = Effect.callback<void>((resume) => {
  process.stdin.on("end", () => resume(Effect.void))
  process.stdin.resume()
})

const program = Effect.scoped(Effect.gen(function*() {
  const db = yield* Database.make({ url: `sqlite:///${file}`, busyTimeout: "100 millis", tables: [Note] })
  yield* Effect.scoped(Effect.gen(function*() {
    const session = yield* db.sessionWith({ readOnly: mode === "readOnly" })
    const count = yield* session.count(Query.select(Note))
    process.stdout.write(`holding ${count}\n`)
    yield* stdinClosed
  }))
}))

Effect.runPromise(program).then(
  () => process.exit(0),
  (error) => {
    process.stdout.write(`failed ${error?.reason?._tag ?? String(error)}\n`)
    process.exit(0)
  }
)
