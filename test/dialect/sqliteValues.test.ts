/**
 * SQLite's integers: the `safeIntegers` Database option, `effect/sql`'s
 * `SqlClient.SafeIntegers` on our `SqlClient`, and what reading integers as
 * bigint means for number columns and for the ORM's own key matching.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import * as Stream from "effect/Stream"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as Hooks from "../../src/Hooks.js"
import * as Query from "../../src/Query.js"
import * as Table from "../../src/Table.js"

const Counter = Table.make("counters", {
  id: Schema.Int.pipe(Column.primaryKey),
  count: Schema.Int,
  ratio: Schema.Number,
  total: Schema.BigInt
})

const memory = (options: Omit<Database.Options, "url"> = {}) =>
  Effect.tap(Database.make({ url: "sqlite://:memory:", tables: [Counter], ...options }), (db) => db.createAll())

const MAX_INT64 = "9223372036854775807"

describe("SQLite integers", () => {
  it.effect("without safeIntegers a bigint beyond 2^53 is refused before SQL; commit stores nothing; the table stays readable", () =>
    Effect.gen(function*() {
      const statements: Array<string> = []
      const db = yield* memory({ onStatement: (sql) => statements.push(sql) })
      statements.length = 0
      const error = yield* Effect.scoped(Effect.gen(function*() {
        const s = yield* db.session
        const failed = yield* Effect.flip(s.save(Counter, { id: 1, count: 1, ratio: 1, total: 2n ** 53n + 1n }))
        yield* s.commit
        return failed
      }))
      expect(error.reason._tag).toBe("InputError")
      expect(error.reason.message).toBe(
        "table counters, column total: 9007199254740993n is beyond ±(2^53 - 1), and SQLite reads it back rounded to a double; enable the Database option safeIntegers: true to read 64-bit integers exactly"
      )
      expect(statements).toEqual([])
      expect(yield* Effect.scoped(Effect.flatMap(db.session, (s) => s.all(Query.select(Counter))))).toEqual([])
    }))

  it.effect("SqlClient.SafeIntegers makes db.sql read integers as bigint for that fiber only", () =>
    Effect.gen(function*() {
      const db = yield* memory()
      const sql = db.sql
      const select = sql`SELECT ${MAX_INT64} + 0 AS v`
      const asNumber = yield* sql<{ v: unknown }>`SELECT CAST(${MAX_INT64} AS INTEGER) AS v`
      const asBigInt = yield* Effect.provideService(
        sql<{ v: unknown }>`SELECT CAST(${MAX_INT64} AS INTEGER) AS v`,
        SqlClient.SafeIntegers,
        true
      )
      const values = yield* Effect.provideService(
        sql`SELECT CAST(${MAX_INT64} AS INTEGER) AS v`.values,
        SqlClient.SafeIntegers,
        true
      )
      const raw = yield* Effect.provideService(
        sql`SELECT CAST(${MAX_INT64} AS INTEGER) AS v`.raw,
        SqlClient.SafeIntegers,
        true
      )
      const streamed = yield* Effect.provideService(
        Stream.runCollect(sql<{ v: unknown }>`SELECT CAST(${MAX_INT64} AS INTEGER) AS v`.stream),
        SqlClient.SafeIntegers,
        true
      )
      // The same (cached) statement without the reference reads numbers again.
      const after = yield* sql<{ v: unknown }>`SELECT CAST(${MAX_INT64} AS INTEGER) AS v`
      expect(asNumber).toEqual([{ v: 9223372036854775807 }])
      expect(asBigInt).toEqual([{ v: 9223372036854775807n }])
      expect(values).toEqual([[9223372036854775807n]])
      // `.raw` is better-sqlite3's own result: a read's rows.
      expect(raw).toEqual([{ v: 9223372036854775807n }])
      expect(streamed).toEqual([{ v: 9223372036854775807n }])
      expect(after).toEqual([{ v: 9223372036854775807 }])
      expect(yield* select).toEqual([{ v: 9223372036854776000 }])
    }))

  it.effect("the safeIntegers option reads every integer as bigint on raw statements, and exactly in bigint columns", () =>
    Effect.gen(function*() {
      const db = yield* memory({ safeIntegers: true })
      expect(yield* db.sql`SELECT CAST(${MAX_INT64} AS INTEGER) AS v, 1 AS one`).toEqual([{ v: 9223372036854775807n, one: 1n }])
      const saved = yield* Effect.scoped(Effect.gen(function*() {
        const s = yield* db.session
        const row = yield* s.save(Counter, { id: 1, count: 7, ratio: 0.5, total: 2n ** 63n - 1n })
        yield* s.commit
        return row
      }))
      expect(saved).toEqual({ id: 1, count: 7, ratio: 0.5, total: 2n ** 63n - 1n })
      const read = yield* Effect.scoped(Effect.flatMap(db.session, (s) => s.getOrFail(Counter, 1)))
      expect(read).toEqual(saved)
      expect(read.count).toBeTypeOf("number")
    }))

  it.effect("with safeIntegers, an integer a number column cannot hold exactly is a DecodeError, not a rounded number", () =>
    Effect.gen(function*() {
      // A number stored in an INTEGER column: SQLite hands it back as a bigint.
      const Wide = Table.make("wide", {
        id: Schema.Int.pipe(Column.primaryKey),
        amount: Schema.Number.pipe(Column.dbType("INTEGER"))
      })
      const db = yield* Database.make({ url: "sqlite://:memory:", tables: [Wide], safeIntegers: true })
      yield* db.createAll()
      yield* Effect.scoped(Effect.flatMap(db.session, (s) =>
        Effect.andThen(
          s.execute(`INSERT INTO wide (id, amount) VALUES (1, ?), (2, ?)`, [2n ** 60n + 1n, 2n ** 60n]),
          s.commit
        )))
      const error = yield* Effect.flip(Effect.scoped(Effect.flatMap(db.session, (s) => s.get(Wide, 1))))
      expect(error.reason._tag).toBe("DecodeError")
      expect(error.message).toContain("table wide, column amount: cannot convert 1152921504606846977n (bigint) to a number without losing precision")
      // A value a number holds exactly is that number.
      expect(yield* Effect.scoped(Effect.flatMap(db.session, (s) => s.getOrFail(Wide, 2)))).toEqual({ id: 2, amount: 2 ** 60 })
    }))

  it.effect("with safeIntegers, save tells updates from inserts for hooks (keys read as bigint match keys given as numbers)", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const Hooked = Hooks.withHooks(Counter, {
        beforeInsert: (row) => Effect.sync(() => void seen.push(`insert ${row.id}`)),
        beforeUpdate: (row) => Effect.sync(() => void seen.push(`update ${row.id}`))
      })
      const db = yield* memory({ safeIntegers: true })
      yield* Effect.scoped(Effect.gen(function*() {
        const s = yield* db.session
        yield* s.save(Hooked, { id: 1, count: 1, ratio: 1, total: 1n })
        yield* s.saveAll(Hooked, [{ id: 1, count: 2, ratio: 1, total: 2n }, { id: 2, count: 1, ratio: 1, total: 3n }])
        yield* s.commit
      }))
      // Inserts' hooks run before updates' hooks.
      expect(seen).toEqual(["insert 1", "insert 2", "update 1"])
    }))
})
