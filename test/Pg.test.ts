import { describe } from "@effect/vitest"
import { suite as concurrencySuite } from "./suites/concurrency.js"
import { suite as coreSuite } from "./suites/core.js"
import { suite as sessionSuite } from "./suites/session.js"
import { suite as tablesSuite, suiteTables } from "./suites/tables.js"
import { suite as valuesSuite } from "./suites/values.js"
import { pgAvailable, pgIsolated } from "./support/layers.js"

const available = await pgAvailable()

describe.skipIf(!available)("PostgreSQL", () => {
  coreSuite("postgres", pgIsolated)
  concurrencySuite("postgres", pgIsolated, { parallelConnections: true })
  tablesSuite("postgres", pgIsolated({ tables: suiteTables }))
  sessionSuite("postgres", pgIsolated)
  valuesSuite("postgres", pgIsolated)
})
