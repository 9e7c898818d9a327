/**
 * The dialect-independent drills on PostgreSQL (a schema of its own per layer).
 */
import { describe } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { pgAvailable, pgIsolated, pgUrl } from "../support/layers.js"
import { suite as hostileSuite } from "./suites/hostile.js"
import { suite as hostileOrmSuite } from "./suites/hostileOrm.js"
import { suite as interruptionSuite } from "./suites/interruption.js"
import { adminQuery } from "./support/helpers.js"

const available = await pgAvailable()

describe.skipIf(!available)("PostgreSQL drills", () => {
  interruptionSuite("postgres", pgIsolated, {
    layerOptions: (tag) => ({ applicationName: tag }),
    // Server-side view: none of this layer's backends may be left inside a transaction or a statement.
    backendsInTransaction: (tag) =>
      Effect.map(
        adminQuery<{ n: number }>(
          pgUrl,
          `SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND state <> 'idle'`,
          [tag]
        ),
        (rows) => rows[0]!.n
      )
  })
  hostileSuite("postgres", pgIsolated)
  hostileOrmSuite("postgres", pgIsolated)
})
