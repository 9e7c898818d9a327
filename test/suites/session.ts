import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as SqlClient from "effect/sql/SqlClient"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import fc from "fast-check"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Hooks from "../../src/Hooks.js"
import * as Query from "../../src/Query.js"
import * as Relation from "../../src/Relation.js"
import * as Session from "../../src/Session.js"
import * as Table from "../../src/Table.js"
import { tables as fixtureTables, User, UserAbout, UserDevice, UserDeviceKey } from "../fixtures/sqlservice.js"
import type { MakeLayer } from "../support/layers.js"
import { expectCutValue, expectMessageFormat } from "../support/messages.js"

export const Membership = Table.make("memberships", {
  userId: Schema.Int.pipe(Column.references(() => User.columns.id)),
  groupName: Schema.String,
  role: Schema.String.pipe(Column.default("member"))
}, { columnNames: "snake_case", primaryKey: ["userId", "groupName"] })

export const AuditLog = Table.make("audit_log", {
  id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
  entry: Schema.String
})

const userDevices = Relation.many(User, UserDevice)
const deviceKeys = Relation.many(UserDevice, UserDeviceKey)
const userAbout = Relation.one(User, UserAbout)
const deviceOwner = Relation.belongsTo(UserDevice, User)

const tables = [...fixtureTables, Membership, AuditLog]

/** Statements seen by the layer of the running test. */
interface Trace {
  readonly statements: Array<string>
}

const inSession = <A, E, R>(f: (s: Session.Session) => Effect.Effect<A, E, R>) =>
  Effect.scoped(Effect.flatMap(Database.session, (s) => Effect.tap(f(s), () => s.commit)))

const users = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `user${i}`, email: `user${i}@example.com`, phone: i % 2 === 0 ? null : `555-${i}` }))

/**
 * sqlservice's session behaviours on the fixture schema, run against
 * whatever database `makeLayer` builds (fresh per test, tables created).
 */
export const suite = (name: string, makeLayer: MakeLayer) => {
  const test = <A, E>(
    title: string,
    body: (trace: Trace) => Effect.Effect<A, E, Database.Database | SqlClient.SqlClient>,
    timeout?: number
  ) =>
    it.effect(title, () => {
      const trace: Trace = { statements: [] }
      return Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        trace.statements.length = 0
        return yield* body(trace)
      }).pipe(
        Effect.provide(makeLayer({ tables, onStatement: (sql) => trace.statements.push(sql) })),
        Effect.scoped
      ) as Effect.Effect<A, unknown>
    }, timeout)

  const seedUsers = (n: number) => inSession((s) => s.saveAll(User, users(n)))

  describe(`session (${name})`, () => {
    describe("queries", () => {
      test("all / first / one / oneOrNone with 0, 1 and many rows", () =>
        Effect.gen(function*() {
          yield* inSession((s) =>
            Effect.gen(function*() {
              const q = Query.select(User).pipe(Query.orderBy(User.columns.id))
              expect(yield* s.all(q)).toEqual([])
              expect(yield* s.first(q)).toEqual(Option.none())
              expect(yield* s.oneOrNone(q)).toEqual(Option.none())
              expect((yield* Effect.flip(s.one(q))).reason._tag).toBe("NotFoundError")

              const ada = yield* s.save(User, { name: "Ada", email: "ada@example.com", phone: null })
              expect(yield* s.all(q)).toEqual([ada])
              expect(yield* s.one(q)).toEqual(ada)
              expect(yield* s.oneOrNone(q)).toEqual(Option.some(ada))

              const bob = yield* s.save(User, { name: "Bob", email: "bob@example.com", phone: "1" })
              expect(yield* s.all(q)).toEqual([ada, bob])
              expect(yield* s.first(q)).toEqual(Option.some(ada))
              expect((yield* Effect.flip(s.one(q))).reason._tag).toBe("MultipleRowsError")
              expect((yield* Effect.flip(s.oneOrNone(q))).reason._tag).toBe("MultipleRowsError")
            })
          )
        }))

      test("conditions, filterBy, ordering, paging and count", () =>
        Effect.gen(function*() {
          yield* seedUsers(10)
          yield* inSession((s) =>
            Effect.gen(function*() {
              const names = <W>(q: Query.Select<typeof User, W>) => Effect.map(s.all(q), (rows) => rows.map((r) => r.name))
              const base = Query.select(User).pipe(Query.orderBy(User.columns.id))
              expect(yield* names(base.pipe(Query.where(Query.eq(User.columns.name, "user3"))))).toEqual(["user3"])
              expect(yield* names(base.pipe(Query.where(Query.ne(User.columns.name, "user3"), Query.lt(User.columns.id, 4))))).toEqual([
                "user0",
                "user1",
                "user2"
              ])
              expect(yield* names(base.pipe(Query.where(Query.gte(User.columns.id, 9))))).toEqual(["user8", "user9"])
              expect(yield* names(base.pipe(Query.where(Query.gt(User.columns.id, 9), Query.lte(User.columns.id, 10))))).toEqual(["user9"])
              expect(yield* names(base.pipe(Query.where(Query.inArray(User.columns.name, ["user1", "user5", "nobody"]))))).toEqual([
                "user1",
                "user5"
              ])
              expect(yield* s.count(Query.select(User).pipe(Query.where(Query.notIn(User.columns.id, [1, 2, 3]))))).toBe(7)
              expect(yield* s.count(Query.select(User).pipe(Query.where(Query.inArray(User.columns.id, []))))).toBe(0)
              expect(yield* names(base.pipe(Query.where(Query.like(User.columns.email, "user1%"))))).toEqual(["user1"])
              expect(yield* s.count(Query.select(User).pipe(Query.where(Query.isNull(User.columns.phone))))).toBe(5)
              expect(yield* s.count(Query.select(User).pipe(Query.where(Query.isNotNull(User.columns.phone))))).toBe(5)
              expect(
                yield* names(base.pipe(Query.where(Query.or(Query.eq(User.columns.id, 1), Query.and(Query.gt(User.columns.id, 8), Query.not(Query.eq(User.columns.id, 10)))))))
              ).toEqual(["user0", "user8"])
              expect(yield* names(base.pipe(Query.filterBy({ name: "user4", phone: null })))).toEqual(["user4"])
              expect(yield* names(Query.select(User).pipe(Query.orderBy(User.columns.name, "desc"), Query.limit(2)))).toEqual([
                "user9",
                "user8"
              ])
              expect(yield* names(base.pipe(Query.offset(8)))).toEqual(["user8", "user9"])
              expect(yield* names(base.pipe(Query.limit(2), Query.offset(3)))).toEqual(["user3", "user4"])
              expect(yield* s.count(Query.select(User))).toBe(10)
              expect(yield* s.count(base.pipe(Query.limit(4)))).toBe(4)
            })
          )
        }))

      test("a value that does not fit the column's Schema is an InputError naming table and column, not SQL", (trace) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(
            inSession((s) => s.all(Query.select(User).pipe(Query.where(Query.eq(User.columns.id, 1.5)))))
          )
          expect(error.reason).toMatchObject({ _tag: "InputError", table: "users", column: "id" })
          expect(error.reason.message).toMatch(/^table users, column id: cannot encode 1\.5: /)
          expect(trace.statements.filter((sql) => sql.startsWith("SELECT"))).toEqual([])
        }))

      test("a column of another table is a SchemaError naming both", () =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(
            // @ts-expect-error a column of another table is a compile error too; the run-time check remains for untyped queries
            inSession((s) => s.all(Query.select(User).pipe(Query.where(Query.eq(UserDevice.columns.name, "x")))))
          )
          expect(error.reason._tag).toBe("SchemaError")
          expect(error.message).toContain("user_devices.name is not a column of table users")
        }))

      test("raw statements: decoded with a table, plain rows without", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* seedUsers(2)
          yield* inSession((s) =>
            Effect.gen(function*() {
              const decoded = yield* s.all(User, sql`SELECT * FROM users WHERE id = ${1}`)
              expect(decoded).toEqual([{ id: 1, name: "user0", email: "user0@example.com", phone: null }])
              const plain = yield* s.all(sql`SELECT name FROM users ORDER BY id`)
              expect(plain).toEqual([{ name: "user0" }, { name: "user1" }])
              const one = yield* s.one(User, sql`SELECT * FROM users WHERE id = ${2}`)
              expect(one.phone).toBe("555-1")
            })
          )
        }))

      test("an undecodable row is a DecodeError naming table and column", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* inSession((s) =>
            Effect.gen(function*() {
              const error = yield* Effect.flip(s.all(User, sql`SELECT 1 AS id, NULL AS name, 'x' AS email, NULL AS phone`))
              expect(error.reason._tag).toBe("DecodeError")
              expect(error.message).toMatch(/users/)
              expect(error.message).toMatch(/name/)
            })
          )
        }))
    })

    describe("get", () => {
      test("by a single primary key, and getOrFail", () =>
        Effect.gen(function*() {
          yield* seedUsers(3)
          yield* inSession((s) =>
            Effect.gen(function*() {
              expect(Option.map(yield* s.get(User, 2), (u) => u.name)).toEqual(Option.some("user1"))
              expect(yield* s.get(User, 99)).toEqual(Option.none())
              expect(Option.isSome(yield* s.get(User, [3]))).toBe(true)
              expect(Option.isSome(yield* s.get(User, { id: 1 }))).toBe(true)
              const missing = yield* Effect.flip(s.getOrFail(User, 99))
              expect(missing.reason).toMatchObject({ _tag: "NotFoundError", table: "users" })
            })
          )
        }))

      test("by a composite primary key, as tuple or record; a wrong shape is an InputError", () =>
        Effect.gen(function*() {
          yield* inSession((s) =>
            Effect.gen(function*() {
              const ada = yield* s.save(User, { name: "Ada", email: "ada@example.com", phone: null })
              const saved = yield* s.save(Membership, { userId: ada.id, groupName: "admins" })
              expect(saved.role).toBe("member")
              expect(yield* s.get(Membership, [ada.id, "admins"])).toEqual(Option.some(saved))
              expect(yield* s.get(Membership, { groupName: "admins", userId: ada.id })).toEqual(Option.some(saved))
              expect(yield* s.get(Membership, [ada.id, "nobody"])).toEqual(Option.none())
              // @ts-expect-error the type refuses one value for a composite key; at run time it is an InputError
              const error = yield* Effect.flip(s.get(Membership, ada.id))
              expect(error.reason._tag).toBe("InputError")
              expect(error.message).toContain("composite primary key (userId, groupName)")
            })
          )
        }))
    })

    describe("save and saveAll", () => {
      test("save inserts, returns generated ids and defaults, then updates the same key", () =>
        Effect.gen(function*() {
          yield* inSession((s) =>
            Effect.gen(function*() {
              const inserted = yield* s.save(User, { name: "Ada", email: "ada@example.com", phone: null })
              expect(inserted.id).toBeTypeOf("number")
              const updated = yield* s.save(User, { ...inserted, name: "Ada Lovelace" })
              expect(updated).toEqual({ ...inserted, name: "Ada Lovelace" })
              expect(yield* s.count(Query.select(User))).toBe(1)
              expect(yield* s.getOrFail(User, inserted.id)).toEqual(updated)
            })
          )
        }))

      test("saveAll of 10k rows mixes inserts and updates and returns them in input order", () =>
        Effect.gen(function*() {
          const existing = yield* seedUsers(5000)
          const mixed = Array.from({ length: 10_000 }, (_, i) =>
            i % 2 === 0
              ? { ...existing[i / 2]!, name: `renamed${i / 2}` }
              : { name: `new${i}`, email: `new${i}@example.com`, phone: null })
          const stored = yield* inSession((s) => s.saveAll(User, mixed))
          expect(stored).toHaveLength(10_000)
          stored.forEach((row, i) => {
            if (i % 2 === 0) expect(row).toEqual({ ...existing[i / 2]!, name: `renamed${i / 2}` })
            else expect(row).toMatchObject({ name: `new${i}`, email: `new${i}@example.com` })
          })
          expect(new Set(stored.map((r) => r.id)).size).toBe(10_000)
          const total = yield* inSession((s) => s.count(Query.select(User)))
          expect(total).toBe(10_000)
        }), 60_000)

      test("saveAll past the dialect's parameter limit is split into several statements, all or nothing", (trace) =>
        Effect.gen(function*() {
          // 25k rows × 3 columns = 75k parameters: over SQLite's 32766 and PostgreSQL's 65535.
          const rows = Array.from({ length: 25_000 }, (_, i) => ({ name: `bulk${i}`, email: `bulk${i}@example.com`, phone: "555" }))
          const stored = yield* inSession((s) => s.insertAll(User, rows))
          expect(stored).toHaveLength(25_000)
          expect(stored[24_999]!.email).toBe("bulk24999@example.com")
          const inserts = trace.statements.filter((sql) => sql.startsWith("INSERT INTO \"users\""))
          expect(inserts.length).toBeGreaterThanOrEqual(2)
          // One bad row in the last chunk rolls back every chunk before it.
          const failing = [...rows.map((r) => ({ ...r, email: `again-${r.email}` })), { name: "dup", email: "bulk0@example.com", phone: null }]
          const error = yield* Effect.flip(inSession((s) => s.insertAll(User, failing)))
          expect(error.reason).toMatchObject({ _tag: "ConstraintError", kind: "unique" })
          expect(yield* inSession((s) => s.count(Query.select(User)))).toBe(25_000)
        }), 60_000)

      test("two rows with one primary key in one call are rejected before any SQL", (trace) =>
        Effect.gen(function*() {
          const [ada] = yield* seedUsers(1)
          trace.statements.length = 0
          const error = yield* Effect.flip(inSession((s) => s.saveAll(User, [{ ...ada!, name: "a" }, { ...ada!, name: "b" }])))
          expect(error.reason._tag).toBe("InputError")
          expect(error.message).toContain("same primary key")
          expect(trace.statements.filter((sql) => /INSERT|UPDATE|SAVEPOINT/.test(sql))).toEqual([])
          expect(Option.map(yield* inSession((s) => s.get(User, ada!.id)), (u) => u.name)).toEqual(Option.some("user0"))
        }))

      test("an empty list and a row of another table are InputErrors, with no SQL", (trace) =>
        Effect.gen(function*() {
          const empty = yield* Effect.flip(inSession((s) => s.saveAll(User, [])))
          expect(empty.reason._tag).toBe("InputError")
          expect(empty.message).toContain("empty list")
          const device = { id: 1, userId: 1, name: "laptop" }
          const wrong = yield* Effect.flip(inSession((s) => s.save(User, device as any)))
          expect(wrong.reason._tag).toBe("InputError")
          expect(wrong.message).toContain("userId")
          expect(trace.statements.filter((sql) => /INSERT|UPDATE/.test(sql))).toEqual([])
        }))

      test("a value its column's Schema cannot encode is an InputError naming table and column; nothing is written", (trace) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(inSession((s) =>
            s.saveAll(User, [
              { name: "fine", email: "fine@example.com", phone: null },
              { name: 42, email: "bad@example.com", phone: null } as any
            ])
          ))
          expect(error.reason).toMatchObject({ _tag: "InputError", table: "users", column: "name" })
          expect(error.reason.message).toMatch(/^table users, column name: cannot encode value: Expected string, got 42/)
          expectMessageFormat(error.reason)
          expect(trace.statements.filter((sql) => /INSERT|UPDATE/.test(sql))).toEqual([])
          expect(yield* inSession((s) => s.count(Query.select(User)))).toBe(0)
        }))

      test("a value shown in an error message is cut at 200 characters", () =>
        Effect.gen(function*() {
          const long = "x".repeat(100_000)
          // A write that does not encode, a compared value that does not encode, a duplicate key.
          const write = yield* Effect.flip(inSession((s) => s.save(User, { name: [long], email: "a@example.com", phone: null } as any)))
          // @ts-expect-error a string is not the integer key; at run time it is an InputError
          const compared = yield* Effect.flip(inSession((s) => s.get(User, long)))
          const duplicate = yield* Effect.flip(inSession((s) =>
            s.saveAll(Membership, [{ userId: 1, groupName: long }, { userId: 1, groupName: long }])
          ))
          for (const error of [write, compared, duplicate]) {
            expect(error.reason._tag).toBe("InputError")
            expectCutValue(error.reason.message, long)
            expectMessageFormat(error.reason)
          }
        }))

      test("a constraint violation in saveAll rolls the whole call back", () =>
        Effect.gen(function*() {
          yield* seedUsers(1)
          const error = yield* Effect.flip(inSession((s) =>
            s.saveAll(User, [
              { name: "fine", email: "fine@example.com", phone: null },
              { name: "dup", email: "user0@example.com", phone: null }
            ])
          ))
          expect(error.reason).toMatchObject({ _tag: "ConstraintError", kind: "unique" })
          expect(yield* inSession((s) => s.count(Query.select(User)))).toBe(1)
        }))

      test("insert, update by query, delete by row and by query", () =>
        Effect.gen(function*() {
          yield* inSession((s) =>
            Effect.gen(function*() {
              const ada = yield* s.insert(User, { name: "Ada", email: "ada@example.com", phone: null })
              // A failed statement aborts a PostgreSQL transaction; a nested begin (savepoint) keeps it usable.
              const dup = yield* Effect.flip(Database.begin(s.insert(User, { ...ada })))
              expect(dup.reason).toMatchObject({ _tag: "ConstraintError", kind: "unique" })
              yield* s.insertAll(User, users(4))
              const changed = yield* s.update(Query.select(User).pipe(Query.where(Query.like(User.columns.email, "user%"))), { phone: "x" })
              expect(changed).toBe(4)
              expect(yield* s.delete(User, ada)).toBe(1)
              expect(yield* s.delete(Query.select(User).pipe(Query.where(Query.eq(User.columns.name, "user0"))))).toBe(1)
              expect(yield* s.count(Query.select(User))).toBe(3)
              const noSet = yield* Effect.flip(s.update(Query.select(User), {}))
              expect(noSet.reason._tag).toBe("InputError")
            })
          )
        }))
    })

    describe("relationships", () => {
      const seedGraph = (n: number) =>
        inSession((s) =>
          s.saveAll(
            User,
            users(n).map((u, i) => ({
              ...u,
              about: i % 2 === 0 ? Option.some({ about: `about ${i}` }) : Option.none(),
              devices: [0, 1, 2].map((d) => ({ name: `device${i}.${d}`, keys: [{ key: `k${i}.${d}.a` }, { key: `k${i}.${d}.b` }] }))
            })) as any,
            { with: { about: userAbout, devices: Relation.with(userDevices, { keys: deviceKeys }) } }
          )
        )

      test("saving rows with nested children fills foreign keys, parents first, in one transaction", () =>
        Effect.gen(function*() {
          const stored = yield* seedGraph(3)
          expect(stored).toHaveLength(3)
          const first = stored[0] as any
          expect(first.devices).toHaveLength(3)
          expect(first.devices[0].userId).toBe(first.id)
          expect(first.devices[0].keys[1].deviceId).toBe(first.devices[0].id)
          expect((Option.getOrThrow(first.about) as { userId: number }).userId).toBe(first.id)
          expect(yield* inSession((s) => s.count(Query.select(UserDeviceKey)))).toBe(18)
        }))

      test("a failing child rolls back the parents saved with it", () =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(inSession((s) =>
            s.save(
              User,
              { name: "Ada", email: "ada@example.com", phone: null, devices: [{ name: "ok" }, { name: null }] } as any,
              { with: { devices: userDevices } }
            )
          ))
          // The child's name does not encode: refused before its INSERT, as an input error, not a read failure.
          expect(error.reason).toMatchObject({ _tag: "InputError", table: "user_devices", column: "name" })
          expect(yield* inSession((s) => s.count(Query.select(User)))).toBe(0)
        }))

      test("eager loading users → devices → keys and about takes one statement per level", (trace) =>
        Effect.gen(function*() {
          yield* seedGraph(40)
          trace.statements.length = 0
          const loaded = yield* inSession((s) =>
            s.all(
              Query.select(User).pipe(
                Query.orderBy(User.columns.id),
                Query.with({ devices: Relation.with(userDevices, { keys: deviceKeys }), about: userAbout })
              )
            )
          )
          const selects = trace.statements.filter((sql) => sql.startsWith("SELECT"))
          expect(selects).toHaveLength(4)
          expect(loaded).toHaveLength(40)
          expect(loaded[0]!.devices.map((d) => d.name)).toEqual(["device0.0", "device0.1", "device0.2"])
          expect(loaded[0]!.devices[2]!.keys.map((k) => k.key)).toEqual(["k0.2.a", "k0.2.b"])
          expect(Option.map(loaded[0]!.about, (a) => a.about)).toEqual(Option.some("about 0"))
          expect(loaded[1]!.about).toEqual(Option.none())
          // many-to-one back to the owner
          const devices = yield* inSession((s) =>
            s.all(Query.select(UserDevice).pipe(Query.limit(5), Query.with({ owner: deviceOwner })))
          )
          expect(devices.every((d) => Option.isSome(d.owner) && d.owner.value.id === d.userId)).toBe(true)
          // Model helpers: the primary key tuple, and a plain object with what was loaded.
          expect(Table.pk(User, loaded[0]!)).toEqual([loaded[0]!.id])
          const dict = Table.toDict(loaded[1]!)
          expect(dict.about).toBeNull()
          expect((dict.devices as Array<any>)[0].keys[0]).toEqual({ ...loaded[1]!.devices[0]!.keys[0]! })
          expect(JSON.parse(JSON.stringify(dict))).toEqual(dict)
        }))

      test("a relation without a foreign key to follow is a SchemaError", () =>
        Effect.gen(function*() {
          const bogus = Relation.many(UserDeviceKey, User)
          const error = yield* Effect.flip(inSession((s) => s.all(Query.select(UserDeviceKey).pipe(Query.with({ users: bogus })))))
          expect(error.reason._tag).toBe("SchemaError")
          expect(error.message).toContain("no foreign key from users to user_device_keys")
        }))
    })

    describe("hooks", () => {
      const log = (entry: string) =>
        Effect.flatMap(Session.Session, (s) => Effect.asVoid(s.insert(AuditLog, { entry })))

      const HookedUser = Hooks.withHooks(User, {
        beforeInsert: (row) => row.email.includes("@") ? log(`before insert ${row.name}`) : Hooks.fail("email needs an @"),
        afterInsert: (row) => log(`after insert ${row.id}`),
        beforeUpdate: (row) => log(`before update ${row.name}`),
        afterUpdate: (row) => log(`after update ${row.name}`),
        beforeDelete: (row) => log(`before delete ${row.id}`),
        afterDelete: (row) => log(`after delete ${row.id}`)
      })

      const entries = inSession((s) =>
        Effect.map(s.all(Query.select(AuditLog).pipe(Query.orderBy(AuditLog.columns.id))), (rows) => rows.map((r) => r.entry))
      )

      test("fire in order, inside the write's transaction", () =>
        Effect.gen(function*() {
          const ada = yield* inSession((s) => s.save(HookedUser, { name: "Ada", email: "ada@example.com", phone: null }))
          yield* inSession((s) => s.save(HookedUser, { ...ada, name: "Ada L" }))
          yield* inSession((s) => s.delete(HookedUser, ada))
          expect(yield* entries).toEqual([
            "before insert Ada",
            `after insert ${ada.id}`,
            "before update Ada L",
            "after update Ada L",
            `before delete ${ada.id}`,
            `after delete ${ada.id}`
          ])
        }))

      test("a failing hook fails the write with a HookError and rolls it back", () =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(
            Database.begin(Effect.flatMap(Session.Session, (s) =>
              s.saveAll(HookedUser, [
                { name: "Ok", email: "ok@example.com", phone: null },
                { name: "Bad", email: "no-at-sign", phone: null }
              ])))
          )
          expect(error.reason).toMatchObject({ _tag: "HookError", table: "users", hook: "beforeInsert" })
          expect(error.message).toContain("email needs an @")
          expect(yield* inSession((s) => s.count(Query.select(User)))).toBe(0)
          expect(yield* entries).toEqual([])
        }))
    })

    describe("stream", () => {
      // Sizes around both drivers' chunk sizes (SQLite reads 256 rows a pull,
      // PostgreSQL's cursor 512), then some at random (fixed seed).
      const streamSizes = [
        ...new Set([0, 1, 255, 256, 257, 511, 512, 513, 1024, 1025, ...fc.sample(fc.integer({ min: 0, max: 2600 }), { seed: 20261201, numRuns: 4 })])
      ]
      const fillAuditLog = (n: number) =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const db = yield* Database.Database
          yield* db.begin(Effect.flatMap(Session.Session, (s) =>
            Effect.andThen(
              s.execute("DELETE FROM audit_log"),
              s.execute(
                db.dialect === "pg"
                  ? sql`INSERT INTO audit_log (entry) SELECT 'e' || g FROM generate_series(1, ${n}::int) AS g`
                  : sql`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${n}) INSERT INTO audit_log (entry) SELECT 'e' || n FROM g WHERE ${n} > 0`
              )
            )))
        })

      test("a stream gives exactly the rows all() gives, at every size around the chunk size (query, projection, statement)", () =>
        Effect.gen(function*() {
          const ordered = Query.select(AuditLog).pipe(Query.orderBy(AuditLog.columns.id))
          const projected = ordered.pipe(Query.fields({ id: AuditLog.columns.id, entry: AuditLog.columns.entry }))
          const statement = "SELECT id, entry FROM audit_log ORDER BY id"
          for (const n of streamSizes) {
            yield* fillAuditLog(n)
            yield* inSession((s) =>
              Effect.gen(function*() {
                const all = yield* s.all(ordered)
                expect(all.length).toBe(n)
                expect(Array.from(yield* Stream.runCollect(s.stream(ordered)))).toEqual(all)
                expect(Array.from(yield* Stream.runCollect(s.stream(projected)))).toEqual(yield* s.all(projected))
                expect(Array.from(yield* Stream.runCollect(s.stream(statement)))).toEqual(yield* s.all(statement))
              }))
          }
        }), 60_000)

      test("Stream.take, an interruption mid-stream and a stream inside begin give the connection back: the next statement runs", () =>
        Effect.gen(function*() {
          const db = yield* Database.Database
          yield* fillAuditLog(1500)
          const ordered = Query.select(AuditLog).pipe(Query.orderBy(AuditLog.columns.id))
          yield* inSession((s) =>
            Effect.gen(function*() {
              const taken = yield* Stream.runCollect(Stream.take(s.stream(ordered), 300))
              expect(Array.from(taken).map((r) => r.id)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1))
              expect(yield* s.count(ordered)).toBe(1500)
              // Interrupted while its consumer waits, with rows still unread.
              const started = yield* Deferred.make<void>()
              const fiber = yield* Effect.forkChild(Stream.runForEach(s.stream(ordered), () =>
                Effect.andThen(Deferred.succeed(started, undefined), Effect.never)))
              yield* Deferred.await(started)
              yield* Fiber.interrupt(fiber)
              expect(yield* s.count(ordered)).toBe(1500)
            }))
          // Inside begin, from forked fibers, one after another (a stream holds the connection until it ends).
          const counts = yield* db.begin(Effect.flatMap(Session.Session, (s) =>
            Effect.all([
              Stream.runCount(s.stream(ordered)),
              Effect.andThen(s.insert(AuditLog, { entry: "more" }), Stream.runCount(s.stream(ordered)))
            ], { concurrency: 1 }).pipe(Effect.forkChild, Effect.flatMap(Fiber.join))))
          expect(counts).toEqual([1500, 1501])
        }))

      test("a row that fails to decode mid-stream fails the stream with its DatabaseError, after every row before it", () =>
        Effect.gen(function*() {
          // The same table read through a stricter Schema: row 300 (past the
          // first SQLite chunk, inside the first PostgreSQL one) does not match it.
          const Strict = Table.make("audit_log", {
            id: Schema.Int.pipe(Column.primaryKey, Column.autoIncrement),
            entry: Schema.String.check(Schema.isPattern(/^e\d+$/))
          })
          yield* fillAuditLog(1000)
          yield* inSession((s) => s.execute("UPDATE audit_log SET entry = 'not a match' WHERE id = 300"))
          const seen: Array<number> = []
          const error = yield* inSession((s) =>
            Effect.flip(Stream.runForEach(s.stream(Query.select(Strict).pipe(Query.orderBy(Strict.columns.id))), (row) =>
              Effect.sync(() => seen.push(row.id))))
          )
          expect(error).toBeInstanceOf(DatabaseError.DatabaseError)
          expect(error.reason._tag).toBe("DecodeError")
          expect(error.message).toContain("not a match")
          expect(seen).toEqual(Array.from({ length: 299 }, (_, i) => i + 1))
          // The connection is free again: the session goes on.
          expect(yield* inSession((s) => s.count(Query.select(AuditLog)))).toBe(1000)
        }))

      test("streams 100k decoded rows in bounded chunks", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const db = yield* Database.Database
          // Generated server-side so the test measures streaming, not inserting.
          yield* db.begin(Effect.flatMap(Session.Session, (s) =>
            s.execute(
              db.dialect === "pg"
                ? sql`INSERT INTO audit_log (entry) SELECT 'e' || g FROM generate_series(1, 100000) AS g`
                : sql`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100000) INSERT INTO audit_log (entry) SELECT 'e' || n FROM g`
            )))
          const result = yield* Effect.scoped(Effect.gen(function*() {
            const session = yield* db.session
            const pull = yield* Stream.toPull(session.stream(Query.select(AuditLog)))
            // A pull gives the next chunk, or fails with Cause.Done at the end.
            const next = Effect.catchIf(Effect.map(pull, Option.some), Cause.isDone, () => Effect.succeedNone)
            const first = yield* pull
            let count = first.length
            let largest = count
            while (true) {
              const chunk = yield* next
              if (Option.isNone(chunk)) break
              count += chunk.value.length
              largest = Math.max(largest, chunk.value.length)
            }
            return { firstChunk: first.length, largest, count, sample: first[0] }
          }))
          expect(result.count).toBe(100_000)
          expect(result.firstChunk).toBeGreaterThan(0)
          // Rows arrive a chunk at a time, never all at once.
          expect(result.largest).toBeLessThanOrEqual(1024)
          expect(result.sample).toMatchObject({ entry: expect.stringMatching(/^e\d+$/) })
        }), 60_000)
    })

    describe("types", () => {
      it("results are typed by the table's Schema", () => {
        const q = Query.select(User).pipe(Query.with({ devices: Relation.with(userDevices, { keys: deviceKeys }), about: userAbout }))
        type Loaded = Query.Row<typeof q>
        expectTypeOf<Loaded["id"]>().toEqualTypeOf<number>()
        expectTypeOf<Loaded["phone"]>().toEqualTypeOf<string | null>()
        expectTypeOf<Loaded["devices"][number]["keys"][number]["key"]>().toEqualTypeOf<string>()
        expectTypeOf<Loaded["about"]>().toEqualTypeOf<Option.Option<Table.Type<typeof UserAbout>>>()
        const save = (s: Session.Session) => s.save(User, { name: "a", email: "b", phone: null })
        expectTypeOf<Effect.Success<ReturnType<typeof save>>>().toEqualTypeOf<Table.Type<typeof User>>()
        expectTypeOf<Parameters<typeof Query.eq<number>>[1]>().toEqualTypeOf<number>()
        // The relations the types describe are the ones the query carries.
        expect(Object.keys(q.relations)).toEqual(["devices", "about"])
      })
    })
  })
}
