/**
 * sqlservice's session API on its fixture models, end to end: save with
 * nested rows, get, typed queries, eager loading in a bounded number of
 * statements, updates, deletes and hooks.
 */
import { Console, Effect, Option } from "effect"
import { Database, DatabaseError, Hooks, Query, Relation, Session, Table } from "effect-sqlservice"
import { about, devices, keys, owner, tables, User, UserDevice } from "./models.js"

// Emails are normalized before they are stored; hooks run inside the write's transaction.
const Users = Hooks.withHooks(User, {
  beforeInsert: (row) => row.email === row.email.toLowerCase() ? Effect.void : Hooks.fail(`email ${row.email} must be lower case`)
})

let statements = 0

const program = Effect.gen(function*() {
  const db = yield* Database.Database

  // save: insert-or-update by primary key, nested rows saved in the same transaction.
  const [ada] = yield* db.begin(Effect.flatMap(Session.Session, (session) =>
    session.saveAll(Users, [
      {
        name: "Ada",
        email: "ada@example.com",
        phone: null,
        about: Option.some({ about: "First programmer" }),
        devices: [{ name: "Engine", kind: "laptop", keys: [{ key: "k1" }, { key: "k2" }] }]
      },
      { name: "Grace", email: "grace@example.com", phone: "555-0100", devices: [{ name: "Mark I", kind: "tablet" }] },
      { name: "Linus", email: "linus@example.com", phone: null }
    ], { with: { about, devices: Relation.with(devices, { keys }) } })))
  yield* Console.log(`Saved ${Table.pk(User, ada!)} with ${ada!.devices.length} device(s)`)

  yield* Effect.scoped(Effect.gen(function*() {
    const session = yield* db.session

    const grace = yield* session.getOrFail(User, 2)
    yield* session.save(User, { ...grace, phone: "555-0199" })
    yield* Console.log(`Grace's phone is now ${Option.getOrThrow(yield* session.get(User, 2)).phone}`)

    const withPhones = Query.select(User).pipe(Query.where(Query.isNotNull(User.columns.phone)), Query.orderBy(User.columns.name))
    yield* Console.log(`Users with a phone: ${(yield* session.all(withPhones)).map((u) => u.name).join(", ")}`)
    yield* Console.log(`Users named like "%a%": ${yield* session.count(Query.select(User).pipe(Query.where(Query.like(User.columns.name, "%a%"))))}`)

    statements = 0
    const everyone = yield* session.all(Query.select(User).pipe(
      Query.orderBy(User.columns.id),
      Query.with({ about, devices: Relation.with(devices, { keys }) })
    ))
    yield* Console.log(`Loaded ${everyone.length} users with about, devices and keys in ${statements} statements`)
    yield* Console.log(JSON.stringify(Table.toDict(everyone[0]!), null, 2).split("\n").slice(0, 8).join("\n") + "\n  ...")

    const laptops = yield* session.all(Query.select(UserDevice).pipe(Query.filterBy({ kind: "laptop" }), Query.with({ owner })))
    yield* Console.log(`Laptop owners: ${laptops.map((d) => Option.getOrThrow(d.owner).name).join(", ")}`)

    const renamed = yield* session.update(Query.select(User).pipe(Query.where(Query.eq(User.columns.name, "Linus"))), { name: "Linus T." })
    yield* Console.log(`Renamed ${renamed} user(s); deleted ${yield* session.delete(User, grace)} user(s)`)
    yield* session.commit
  }))

  // A failing hook rolls the whole write back, with a typed error.
  yield* db.begin(Effect.flatMap(Session.Session, (s) => s.save(Users, { name: "Bad", email: "BAD@EXAMPLE.COM", phone: null }))).pipe(
    DatabaseError.catchReason("HookError", (reason) => Console.log(`Rejected by ${reason.hook}: ${reason.message}`))
  )
  const left = yield* Effect.scoped(Effect.flatMap(db.session, (s) => s.all(Query.select(User).pipe(Query.orderBy(User.columns.id)))))
  yield* Console.log(`Users now: ${left.map((u) => u.name).join(", ")}`)
})

program.pipe(
  Effect.provide(Database.layerTest({ tables, onStatement: () => void statements++ })),
  Effect.tapCause((cause) => Console.error("sessions example failed:", cause)),
  Effect.runPromise
).catch(() => {
  process.exitCode = 1
})
