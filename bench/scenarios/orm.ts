/**
 * Ours through the ORM: `session.get`, `Query.select(...).where(eq(pk))`,
 * `saveAll`, and eager loading with `Query.with`. Each is pushed onto its
 * scenario's list, so it is interleaved with raw and the peers like any other
 * implementation.
 */
import type Sqlite from "better-sqlite3"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Column, Query, Relation, Session, Table } from "effect-sqlservice"
import { ours, rawSqlite } from "../clients.js"
import { chunks, makeUsers } from "../fixtures.js"
import { type Ctx, idSequence, implementation } from "../harness.js"
import * as eagerLoad from "./eagerLoad.js"
import * as pointSelect from "./pointSelect.js"
import * as write from "./write.js"

const users = (name: string) =>
  Table.make(name, {
    id: Schema.Int.pipe(Column.primaryKey),
    name: Schema.String,
    email: Schema.String,
    age: Schema.Int
  })

const ids = () => {
  const sequence = idSequence(1 << 16, pointSelect.ROWS)
  let at = 0
  return () => sequence[at++ & 0xffff]!
}

/** The raw point select, the statement raw's own row runs. */
const selectUser = (sqlite: Sqlite.Database, ctx: Ctx) =>
  sqlite.prepare(`SELECT id, name, email, age FROM ${ctx.target.prefix}users WHERE id = ?`)

const found = <A>(row: A | undefined | null): A => {
  if (row === undefined || row === null) throw new Error("point select found no row")
  return row
}

pointSelect.implementations.push(
  implementation({
    name: "ours session.get",
    baseline: pointSelect.heldBaseline,
    lib: ours,
    make: ({ runtime, db }, ctx: Ctx) => {
      const User = users(`${ctx.target.prefix}users`)
      const next = ids()
      return {
        run: (n) =>
          runtime.runPromise(Effect.scoped(Effect.gen(function*() {
            const session = yield* db.session
            for (let i = 0; i < n; i++) found(Option.getOrUndefined(yield* session.get(User, next())))
          })))
      }
    }
  }),
  // What a request handler does: a read-only session per lookup, so each get
  // is its own (read) transaction, like raw's autocommitted select. Compared
  // with the pooled raw row on PostgreSQL (a connection per lookup).
  implementation({
    name: "ours session.get (session per get)",
    lib: ours,
    make: ({ runtime, db }, ctx: Ctx) => {
      const User = users(`${ctx.target.prefix}users`)
      const next = ids()
      const lookup = (id: number) =>
        Effect.scoped(Effect.flatMap(db.sessionWith({ readOnly: true }), (session) => session.get(User, id)))
      return {
        run: (n) =>
          runtime.runPromise(Effect.gen(function*() {
            for (let i = 0; i < n; i++) found(Option.getOrUndefined(yield* lookup(next())))
          }))
      }
    }
  }),
  // Where the time of a session per get goes (SQLite): the driver's floor for
  // the same statements ours sends (deferred BEGIN, the select, ROLLBACK), and
  // Effect's floor (a scope per lookup around the raw select).
  implementation({
    name: "raw read txn per get",
    kind: "sqlite",
    lib: rawSqlite,
    make: (sqlite, ctx) => {
      const select = selectUser(sqlite, ctx)
      const begin = sqlite.prepare("BEGIN DEFERRED")
      const rollback = sqlite.prepare("ROLLBACK")
      const next = ids()
      return {
        run: async (n) => {
          for (let i = 0; i < n; i++) {
            begin.run()
            found(select.get(next()))
            rollback.run()
          }
        }
      }
    }
  }),
  // Effect's floor for a lookup in a held session (`ours session.get`'s
  // like): one fiber step per get around the raw select, the least any
  // Effect API that returns a row per call can cost.
  implementation({
    name: "effect step per get (floor)",
    kind: "sqlite",
    lib: rawSqlite,
    make: (sqlite, ctx) => {
      const select = selectUser(sqlite, ctx)
      const next = ids()
      return {
        run: (n) =>
          Effect.runPromise(Effect.gen(function*() {
            for (let i = 0; i < n; i++) found(yield* Effect.sync(() => select.get(next())))
          }))
      }
    }
  }),
  implementation({
    name: "effect scope per get (floor)",
    kind: "sqlite",
    lib: rawSqlite,
    make: (sqlite, ctx) => {
      const select = selectUser(sqlite, ctx)
      const next = ids()
      const lookup = (id: number) =>
        Effect.scoped(Effect.andThen(Effect.addFinalizer(() => Effect.void), Effect.sync(() => select.get(id))))
      return {
        run: (n) =>
          Effect.runPromise(Effect.gen(function*() {
            for (let i = 0; i < n; i++) found(yield* lookup(next()))
          }))
      }
    }
  }),
  implementation({
    name: "ours Query eq(pk)",
    baseline: pointSelect.heldBaseline,
    lib: ours,
    make: ({ runtime, db }, ctx: Ctx) => {
      const User = users(`${ctx.target.prefix}users`)
      const next = ids()
      return {
        run: (n) =>
          runtime.runPromise(Effect.scoped(Effect.gen(function*() {
            const session = yield* db.session
            for (let i = 0; i < n; i++) {
              found(yield* session.one(Query.select(User).pipe(Query.where(Query.eq(User.columns.id, next())))))
            }
          })))
      }
    }
  })
)

for (const [variant, list] of [[write.insertVariant, write.insertImplementations], [write.upsertVariant, write.upsertImplementations]] as const) {
  list.push(implementation({
    name: "ours saveAll",
    lib: ours,
    make: (c, ctx: Ctx) => {
      const User = users(variant.table(ctx))
      // The same 1000-row chunks as everyone in the write scenarios, one saveAll each, in one transaction.
      const batches = chunks(makeUsers(write.ROWS, variant.name))
      const save = c.db.begin(Effect.gen(function*() {
        const session = yield* Session.Session
        for (const batch of batches) yield* session.saveAll(User, batch)
      }))
      return { ...write.hooks(ours, c, ctx, variant), run: () => c.runtime.runPromise(Effect.asVoid(save)) }
    }
  }))
}

// saveAll writes an upsert (INSERT ... ON CONFLICT DO UPDATE) even when every row is new, which costs
// PostgreSQL more than raw's plain INSERT; insertAll is ours writing the plain INSERT raw writes.
write.insertImplementations.push(implementation({
  name: "ours insertAll",
  lib: ours,
  make: (c, ctx: Ctx) => {
    const User = users(write.insertVariant.table(ctx))
    const batches = chunks(makeUsers(write.ROWS, write.insertVariant.name))
    const save = c.db.begin(Effect.gen(function*() {
      const session = yield* Session.Session
      for (const batch of batches) yield* session.insertAll(User, batch)
    }))
    return { ...write.hooks(ours, c, ctx, write.insertVariant), run: () => c.runtime.runPromise(Effect.asVoid(save)) }
  }
}))

eagerLoad.implementations.push(implementation({
  name: "ours with(...)",
  lib: ours,
  make: ({ runtime, db }, ctx: Ctx) => {
    const t = eagerLoad.names(ctx)
    const User = Table.make(t.users, { id: Schema.Int.pipe(Column.primaryKey), name: Schema.String })
    const Device = Table.make(t.devices, {
      id: Schema.Int.pipe(Column.primaryKey),
      userId: Schema.Int.pipe(Column.references(() => User.columns.id)),
      name: Schema.String
    }, { columnNames: "snake_case" })
    const Key = Table.make(t.keys, {
      id: Schema.Int.pipe(Column.primaryKey),
      deviceId: Schema.Int.pipe(Column.references(() => Device.columns.id)),
      value: Schema.String
    }, { columnNames: "snake_case" })
    const query = Query.select(User).pipe(
      Query.orderBy(User.columns.id),
      Query.with({ devices: Relation.with(Relation.many(User, Device), { keys: Relation.many(Device, Key) }) })
    )
    const load = Effect.scoped(Effect.flatMap(db.session, (s) => Effect.map(s.all(query), eagerLoad.expectTree)))
    return { run: () => runtime.runPromise(load) }
  }
}))
