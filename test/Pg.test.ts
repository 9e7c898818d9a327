import { describe } from "@effect/vitest"
import { suite as coreSuite } from "./suites/core.js"
import { pgAvailable, pgIsolated } from "./support/layers.js"

const available = await pgAvailable()

describe.skipIf(!available)("PostgreSQL", () => {
  coreSuite("postgres", pgIsolated)
})
