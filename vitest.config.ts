import "./test/support/node20.js"
import { defineConfig } from "vitest/config"
import type { TestProjectInlineConfiguration } from "vitest/config"
import { restartDrillVariable } from "./test/drills/restart/gate.js"

// The PostgreSQL restart drill stops and starts the machine's server, so it
// runs only when asked (EFFECT_SQLSERVICE_RESTART_DRILL=1; `.ci/run` sets it),
// as its own project after everything else (see the "test" script). Without
// the variable the `restart` project does not exist: nothing runs it by accident.
const restartDrill = "test/drills/restart/**/*.test.ts"

export const testProjects = (env: Record<string, string | undefined>): Array<TestProjectInlineConfiguration> => [
  { extends: true as const, test: { name: "main", include: ["test/**/*.test.ts"], exclude: [restartDrill] } },
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
