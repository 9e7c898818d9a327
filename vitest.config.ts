import "./test/support/node20.js"
import { defineConfig } from "vitest/config"
import type { TestProjectInlineConfiguration } from "vitest/config"
import { restartDrillVariable } from "./test/drills/restart/gate.js"
import { zoneOffsets } from "./test/zones/zones.js"

// The PostgreSQL restart drill stops and starts the machine's server, so it
// runs only when asked (EFFECT_SQLSERVICE_RESTART_DRILL=1; `.ci/run` sets it),
// as its own project after everything else (see the "test" script). Without
// the variable the `restart` project does not exist: nothing runs it by accident.
const restartDrill = "test/drills/restart/**/*.test.ts"

// The date and time tests again with the process in other time zones (the
// main project runs in the machine's own): one project per zone, named
// `tz-<city>`, each running only `test/zones/`.
const zoneTests = "test/zones/**/*.test.ts"

export const zoneProjectName = (zone: string): string => `tz-${zone.slice(zone.lastIndexOf("/") + 1).toLowerCase()}`

export const testProjects = (env: Record<string, string | undefined>): Array<TestProjectInlineConfiguration> => [
  { extends: true as const, test: { name: "main", include: ["test/**/*.test.ts"], exclude: [restartDrill, zoneTests] } },
  ...Object.keys(zoneOffsets).map((zone) => ({
    extends: true as const,
    test: { name: zoneProjectName(zone), include: [zoneTests], env: { TZ: zone } }
  })),
  ...(env[restartDrillVariable] === "1"
    ? [{ extends: true as const, test: { name: "restart", include: [restartDrill] } }]
    : [])
]

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores in CI: one worker per core keeps PostgreSQL and the suites from starving each other.
    maxWorkers: 2,
    passWithNoTests: false,
    projects: testProjects(process.env)
  }
})
