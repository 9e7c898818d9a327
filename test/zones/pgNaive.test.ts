/**
 * PostgreSQL `timestamp without time zone` reads as UTC wall-clock time in
 * every form the server prints (BC, years beyond 9999, fractions); the
 * special values keep pg's own reading. Run in several process time zones by
 * the `tz-*` projects (with `dates.test.ts`, which checks the zone took effect).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Database from "../../src/Database.js"
import { pgAvailable, pgIsolated } from "../support/layers.js"

const available = await pgAvailable()

describe.skipIf(!available)("PostgreSQL naive timestamps", () => {
  it.effect("every printed form reads as its UTC wall-clock time; infinity stays pg's", () =>
    Effect.gen(function*() {
      const db = yield* Database.Database
      const [row] = yield* db.sql<Record<string, unknown>>`SELECT
        '2021-01-01 00:00:00'::timestamp AS plain,
        '2021-01-01 00:00:00.123456'::timestamp AS micro,
        '0044-03-15 12:00:00 BC'::timestamp AS bc,
        '12021-01-01 00:00:00'::timestamp AS far,
        'infinity'::timestamp AS inf,
        '2021-01-01 00:00:00+00'::timestamptz AS instant`
      const iso = (v: unknown) => v instanceof Date ? v.toISOString() : v
      expect(Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, iso(v)]))).toEqual({
        plain: "2021-01-01T00:00:00.000Z",
        micro: "2021-01-01T00:00:00.123Z",
        bc: "-000043-03-15T12:00:00.000Z",
        far: "+012021-01-01T00:00:00.000Z",
        inf: Infinity,
        instant: "2021-01-01T00:00:00.000Z"
      })
    }).pipe(Effect.provide(pgIsolated()), Effect.scoped))

  it.effect("a Date parameter is its UTC time for timestamp and its instant for timestamptz", () =>
    Effect.gen(function*() {
      const db = yield* Database.Database
      const at = new Date("2021-03-04T05:06:07.089Z")
      const [row] = yield* db.sql<Record<string, unknown>>`SELECT
        ${at}::timestamp::text AS naive,
        (${at}::timestamptz = '2021-03-04 05:06:07.089+00') AS same_instant`
      expect(row).toEqual({ naive: "2021-03-04 05:06:07.089", same_instant: true })
    }).pipe(Effect.provide(pgIsolated()), Effect.scoped))
  it.effect("arrays of timestamp and date read their elements as the plain types do, and save back unchanged", () =>
    Effect.gen(function*() {
      const db = yield* Database.Database
      const [row] = yield* db.sql<Record<string, unknown>>`SELECT
        '{"2021-01-02 03:04:05", NULL}'::timestamp[] AS naive,
        '{{2021-01-02},{2021-12-31}}'::date[] AS days`
      expect(row).toEqual({
        naive: [new Date("2021-01-02T03:04:05Z"), null],
        days: [[new Date("2021-01-02T00:00:00Z")], [new Date("2021-12-31T00:00:00Z")]]
      })
      // What was read, bound again, is the same value on the server.
      const [back] = yield* db.sql<Record<string, unknown>>`SELECT
        ${row!["naive"]}::timestamp[]::text AS naive,
        ${row!["days"]}::date[]::text AS days`
      expect(back).toEqual({ naive: `{"2021-01-02 03:04:05",NULL}`, days: "{{2021-01-02},{2021-12-31}}" })
    }).pipe(Effect.provide(pgIsolated()), Effect.scoped))
})
