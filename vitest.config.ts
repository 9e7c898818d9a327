import { defineConfig } from "vitest/config"

// The PostgreSQL restart drill stops the server, so it runs as its own
// project after everything else (see the "test" script), never alongside.
const restartDrill = "test/drills/restart/**/*.test.ts"

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores in CI: one worker per core keeps PostgreSQL and the suites from starving each other.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    passWithNoTests: false,
    projects: [
      { extends: true, test: { name: "main", include: ["test/**/*.test.ts"], exclude: [restartDrill] } },
      { extends: true, test: { name: "restart", include: [restartDrill] } }
    ]
  }
})
