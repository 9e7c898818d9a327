import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores in CI: one worker per core keeps PostgreSQL and the suites from starving each other.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    passWithNoTests: false
  }
})
