/**
 * Tables as Effect Schemas: create them, insert through a session, then
 * reflect the live database and query a table that was never declared.
 */
import { Console, Effect, Option } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { Database, Metadata, Query, Session } from "effect-sqlservice"
import { tables, User, UserDevice } from "./models.js"

const program = Effect.gen(function*() {
  const db = yield* Database.Database
  const sql = yield* SqlClient.SqlClient

  yield* db.createAll()
  yield* Console.log(`Created: ${db.metadata.tables.map((t) => t.name).join(", ")}`)

  yield* db.begin(Effect.gen(function*() {
    const session = yield* Session.Session
    const ada = yield* session.save(User, { name: "Ada", email: "ada@example.com", phone: null })
    yield* session.save(UserDevice, { userId: ada.id, name: "Analytical Engine" })
  }))

  const declaredOnly = yield* db.reflect({ tables: db.metadata.tables.map((t) => t.name) })
  yield* Console.log(`Declared and live agree: ${Metadata.equals(db.metadata, declaredOnly, db.dialect)}`)

  // A table created by hand, unknown to our declarations.
  yield* sql`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`
  yield* sql`INSERT INTO notes (id, body) VALUES (${1}, ${"reflected, not declared"})`

  const live = yield* db.reflect({ tables: ["user_devices", "notes"] })
  const device = Metadata.findTable(live, "user_devices")!
  yield* Console.log(
    `Reflected user_devices: ${device.columns.map((c) => `${c.name} ${c.dbType}${c.nullable ? "" : " NOT NULL"}`).join(", ")}`
  )

  // db.tables: the declared tables plus what the last reflect found.
  const notes = (yield* db.tables).find((t) => t.name === "notes")!
  const rows = yield* Effect.scoped(Effect.flatMap(db.session, (s) => s.all(Query.select(notes))))
  yield* Console.log(`Rows of the reflected notes table: ${JSON.stringify(rows)}`)

  const stored = yield* Effect.scoped(Effect.flatMap(db.session, (s) => s.get(UserDevice, 1)))
  yield* Console.log(`Device 1 decoded: kind=${Option.getOrThrow(stored).kind}, registeredAt is a Date: ${Option.getOrThrow(stored).registeredAt instanceof Date}`)

  yield* db.dropAll()
  yield* sql`DROP TABLE notes`
  const left = yield* db.reflect({ tables: [...db.metadata.tables.map((t) => t.name), "notes"] })
  yield* Console.log(`After dropAll: ${left.tables.length} of those tables left`)
})

program.pipe(
  Effect.provide(Database.layer({ url: process.env.DATABASE_URL ?? "sqlite://:memory:", tables })),
  Effect.tapCause((cause) => Console.error("tables example failed:", cause)),
  Effect.runPromise
).catch(() => {
  process.exitCode = 1
})
