/**
 * Quick start: an in-memory SQLite database, a transaction that commits, a
 * nested one that rolls back alone, a typed constraint error, and a session
 * that commits as it goes. Run with `npm start`.
 */
import { Console, Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { Database, DatabaseError, Session } from "effect-sqlservice"

const program = Effect.gen(function*() {
  const db = yield* Database.Database
  const sql = yield* SqlClient.SqlClient
  yield* Console.log(`Connected to ${db.url} (${db.dialect})`)

  yield* sql`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE)`

  // begin: commit on success, roll back on failure. A nested begin is a savepoint.
  yield* db.begin(Effect.gen(function*() {
    const session = yield* Session.Session
    yield* session.execute(sql`INSERT INTO users (id, name, email) VALUES (${1}, ${"Ada"}, ${"ada@example.com"})`)
    const duplicate = yield* db.begin(
      session.execute(sql`INSERT INTO users (id, name, email) VALUES (${2}, ${"Impostor"}, ${"ada@example.com"})`)
    ).pipe(Effect.flip)
    yield* Console.log(`Nested begin rolled back alone: ${duplicate.message}`)
    yield* session.execute(sql`INSERT INTO users (id, name, email) VALUES (${3}, ${"Grace"}, ${"grace@example.com"})`)
  }))

  // A failed block leaves nothing behind, and its error is typed.
  yield* db.begin(Effect.gen(function*() {
    const session = yield* Session.Session
    yield* session.execute(sql`INSERT INTO users (id, name, email) VALUES (${4}, ${"Linus"}, ${"linus@example.com"})`)
    yield* session.execute(sql`INSERT INTO users (id, name, email) VALUES (${5}, ${null}, ${"nobody@example.com"})`)
  })).pipe(
    DatabaseError.catchReason("ConstraintError", (reason) =>
      Console.log(`Whole transaction rolled back: ${reason.kind} violation on ${reason.table}.${reason.column}`))
  )

  // A session commits as you go; what is not committed rolls back when its scope closes.
  yield* Effect.scoped(Effect.gen(function*() {
    const session = yield* db.session
    yield* session.execute(sql`UPDATE users SET name = ${"Ada Lovelace"} WHERE id = ${1}`)
    yield* session.commit
    yield* session.execute(sql`DELETE FROM users`)
    // no commit: the DELETE is rolled back when the scope closes
  }))

  const users = yield* sql<{ id: number; name: string; email: string }>`SELECT id, name, email FROM users ORDER BY id`
  yield* Console.log("Users now stored:")
  yield* Console.table(users)
})

program.pipe(
  Effect.provide(Database.layer({ url: "sqlite://:memory:" })),
  Effect.tapCause((cause) => Console.error("Quick start failed:", cause)),
  Effect.runPromise
).catch(() => {
  process.exitCode = 1
})
