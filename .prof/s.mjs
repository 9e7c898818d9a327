import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { Column, Database, Table } from "../dist/index.js"
const User = Table.make("users", { id: Schema.Int.pipe(Column.primaryKey), name: Schema.String })
const mode = process.argv[2] ?? "ro"
const file = `/tmp/roprof/t-${process.pid}.db`
await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
  const db = yield* Database.make({ url: process.env.MEM ? "sqlite://:memory:" : `sqlite:///${file}`, tables: [User] })
  yield* db.createAll()
  yield* Effect.scoped(Effect.flatMap(db.session, (s) => Effect.andThen(s.saveAll(User, Array.from({length: 1000}, (_, i) => ({ id: i + 1, name: "n" + i }))), s.commit)))
  const get = (id) => Effect.scoped(Effect.flatMap(mode === "ro" ? db.sessionWith({ readOnly: true }) : db.session, (s) => s.get(User, id)))
  for (let round = 0; round < 5; round++) {
    const t = performance.now()
    for (let i = 0; i < 20000; i++) yield* get((i % 1000) + 1)
    console.log(mode, ((performance.now() - t) / 20000 * 1000).toFixed(2), "µs/get")
  }
})))
