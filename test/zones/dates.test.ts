/**
 * The date and time suite again, in another process time zone: the `tz-*`
 * vitest projects (see `vitest.config.ts`) run this file with `TZ` set, and
 * the first test proves the zone took effect, so a project that silently ran
 * in the default zone fails instead of passing for the wrong reason.
 */
import { describe, expect, it } from "@effect/vitest"
import { suite as datesSuite } from "../suites/dates.js"
import { pgAvailable, pgIsolated, sqliteMemory } from "../support/layers.js"
import { zoneOffsets } from "./zones.js"

const zone = process.env.TZ ?? ""

describe(`process time zone ${zone}`, () => {
  it("is in effect: local midnight of 2021-01-01 has the zone's offset", () => {
    expect(Object.keys(zoneOffsets)).toContain(zone)
    expect(new Date(2021, 0, 1).getTimezoneOffset()).toBe(zoneOffsets[zone])
  })
})

datesSuite(`sqlite :memory:, TZ=${zone}`, sqliteMemory)

const available = await pgAvailable()

describe.skipIf(!available)("PostgreSQL", () => {
  datesSuite(`postgres, TZ=${zone}`, pgIsolated)
})
