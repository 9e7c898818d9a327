/**
 * Row codecs with Schemas the synchronous parser cannot run: an asynchronous
 * transformation and one that needs a service. Effect 4's synchronous
 * adapters die on those (v3 reported a "Forbidden" issue); the codec must
 * take the Effect path for them, run each decode once, and still report
 * real Schema failures as typed errors.
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import * as Column from "../../src/Column.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import { rowCodec } from "../../src/internal/schema/codec.js"
import * as Table from "../../src/Table.js"

// Decoding upper-cases after an await; the counters tell how many decodes
// began and how many ran to the end.
const counters = { started: 0, completed: 0 }
const AsyncUpper = Schema.String.pipe(Schema.decode({
  decode: SchemaGetter.transformEffect((s: string) =>
    Effect.sync(() => counters.started++).pipe(
      Effect.andThen(Effect.promise(() => Promise.resolve())),
      Effect.andThen(Effect.sync(() => {
        counters.completed++
        return s.toUpperCase()
      }))
    )
  ),
  encode: SchemaGetter.transformEffect((s: string) => Effect.promise(() => Promise.resolve(s.toLowerCase())))
}))

class Prefix extends Context.Service<Prefix, string>()("test/Prefix") {}
const Prefixed = Schema.String.pipe(Schema.decode({
  decode: SchemaGetter.transformEffect((s: string) => Effect.map(Effect.service(Prefix), (p) => p + s)),
  encode: SchemaGetter.passthrough()
}))

describe("row codecs of Schemas that need the Effect runtime", () => {
  it.effect("an asynchronous Schema decodes on the Effect path, once per row, and encodes there too", () =>
    Effect.gen(function*() {
      const Slow = Table.make("slow", { id: Schema.Int.pipe(Column.primaryKey), name: AsyncUpper })
      const codec = Result.getOrThrow(rowCodec(Slow, "sqlite"))
      expect(codec.decodeEither({ id: 1, name: "a" })).toBeUndefined()
      // The synchronous attempt began a decode; it was stopped, not left running.
      expect(counters).toEqual({ started: 1, completed: 0 })
      const decode = Table.decodeRow(Slow, "sqlite")
      expect(yield* decode({ id: 1, name: "a" })).toEqual({ id: 1, name: "A" })
      expect(yield* decode({ id: 2, name: "b" })).toEqual({ id: 2, name: "B" })
      // From then on only the Effect path runs: one decode per row.
      expect(counters).toEqual({ started: 3, completed: 2 })
      expect(codec.decodeEither({ id: 3, name: "c" })).toBeUndefined()
      expect(counters.started).toBe(3)

      expect(codec.encodeInsertEither({ id: 1, name: "A" })).toBeUndefined()
      expect(yield* Table.encodeInsert(Slow, "sqlite")({ id: 1, name: "A" })).toEqual({ id: 1, name: "a" })

      const error = yield* Effect.flip(decode({ id: 1.5, name: "a" }))
      expect(DatabaseError.hasReason(error, "DecodeError")).toBe(true)
      expect(error.reason.message).toBe("table slow, column id: cannot decode value: Expected an integer, got 1.5")
    }))

  it.effect("a Schema that needs a service decodes on the Effect path with the service provided", () =>
    Effect.gen(function*() {
      const Tagged = Table.make("tagged", { id: Schema.Int.pipe(Column.primaryKey), name: Prefixed })
      expectTypeOf<Table.Context<typeof Tagged>>().toEqualTypeOf<Prefix>()
      const codec = Result.getOrThrow(rowCodec(Tagged, "pg"))
      expect(codec.decodeEither({ id: 1, name: "a" })).toBeUndefined()
      const row = yield* Table.decodeRow(Tagged, "pg")({ id: 1, name: "a" }).pipe(Effect.provideService(Prefix, "> "))
      expect(row).toEqual({ id: 1, name: "> a" })
      const error = yield* Effect.flip(
        Table.decodeRow(Tagged, "pg")({ id: 1.5, name: "a" }).pipe(Effect.provideService(Prefix, "> "))
      )
      expect(DatabaseError.hasReason(error, "DecodeError")).toBe(true)
      expect(error.reason.message).toBe("table tagged, column id: cannot decode value: Expected an integer, got 1.5")
    }))

  it("a table that needs no service has Context never", () => {
    const Plain = Table.make("plain", { id: Schema.Int, at: Schema.Date })
    expectTypeOf<Table.Context<typeof Plain>>().toEqualTypeOf<never>()
    expectTypeOf<Table.Encoded<typeof Plain>>().toEqualTypeOf<{ readonly id: number; readonly at: Date }>()
    const Text = Table.make("text", { at: Schema.DateFromString })
    expectTypeOf<Table.Encoded<typeof Text>>().toEqualTypeOf<{ readonly at: string }>()
  })
})
