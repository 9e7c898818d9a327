/**
 * `npm test` never stops the machine's PostgreSQL unless asked: the restart
 * drill's project exists only with EFFECT_SQLSERVICE_RESTART_DRILL=1, the
 * "test" script runs it only then (after everything else), and asked for
 * with CI=true where it cannot run, it fails instead of skipping.
 *
 * Nothing here runs the drill: the script runs against a stand-in `vitest`
 * that records how it was called.
 */
import { describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { restartDrillGate, restartDrillVariable } from "./drills/restart/gate.js"
import { testProjects, zoneProjectName } from "../vitest.config.js"
import { zoneOffsets } from "./zones/zones.js"

const root = path.resolve(import.meta.dirname, "..")
const testScript: string = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).scripts.test

const names = (env: Record<string, string | undefined>) => testProjects(env).map((p) => p.test?.name)

/** The projects `npm test` runs first: main, then the date and time tests in other zones. */
const zoneProjects = Object.keys(zoneOffsets).map(zoneProjectName)
const firstRun = ["run --project main", ...zoneProjects.map((name) => `--project ${name}`)].join(" ")

describe("vitest projects", () => {
  it("without EFFECT_SQLSERVICE_RESTART_DRILL=1 there is no restart project", () => {
    expect(names({})).toEqual(["main", ...zoneProjects])
    expect(names({ [restartDrillVariable]: "0" })).toEqual(["main", ...zoneProjects])
    expect(names({ [restartDrillVariable]: "true", CI: "true" })).toEqual(["main", ...zoneProjects])
  })

  it("with EFFECT_SQLSERVICE_RESTART_DRILL=1 the restart project runs the drill, and main never does", () => {
    const projects = testProjects({ [restartDrillVariable]: "1" })
    const main = projects[0]
    const restart = projects.find((p) => p.test?.name === "restart")
    expect(restart?.test).toMatchObject({ name: "restart", include: ["test/drills/restart/**/*.test.ts"] })
    expect(main?.test).toMatchObject({ name: "main" })
    expect(main?.test?.exclude).toContain("test/drills/restart/**/*.test.ts")
  })

  it("a tz-* project per zone runs test/zones in that zone, and main does not run test/zones", () => {
    expect(zoneProjects).toEqual(["tz-los_angeles", "tz-kolkata"])
    const projects = testProjects({})
    for (const [zone, name] of Object.keys(zoneOffsets).map((zone) => [zone, zoneProjectName(zone)] as const)) {
      expect(projects.find((p) => p.test?.name === name)?.test).toMatchObject({ include: ["test/zones/**/*.test.ts"], env: { TZ: zone } })
    }
    expect(projects[0]?.test?.exclude).toContain("test/zones/**/*.test.ts")
  })
})

describe("the test script", () => {
  /** Runs the "test" script with a stand-in vitest that exits with `exitCodes[project]`. */
  const runScript = (env: Record<string, string>, exitCodes: Record<string, number> = {}) => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "effect-sqlservice-fake-vitest-"))
    try {
      const log = path.join(bin, "calls")
      fs.writeFileSync(
        path.join(bin, "vitest"),
        `#!/bin/sh\necho "$*" >> "${log}"\necho "summary of $*"\ncase "$*" in\n${
          Object.entries(exitCodes).map(([project, code]) => `  *"--project ${project}"*) exit ${code};;\n`).join("")
        }esac\nexit 0\n`,
        { mode: 0o755 }
      )
      const { [restartDrillVariable]: _, ...inherited } = process.env
      const result = spawnSync("sh", ["-c", testScript], {
        cwd: root,
        encoding: "utf8",
        env: { ...inherited, PATH: `${bin}:${process.env.PATH}`, ...env }
      })
      const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []
      return { status: result.status, calls, stdout: result.stdout.trim().split("\n") }
    } finally {
      fs.rmSync(bin, { recursive: true, force: true })
    }
  }

  it("without the variable runs the main and zone projects only, says how to ask for the drill, and ends with vitest's summary", () => {
    const run = runScript({})
    expect(run.calls).toEqual([firstRun])
    expect(run.status).toBe(0)
    expect(run.stdout[0]).toContain("EFFECT_SQLSERVICE_RESTART_DRILL=1")
    expect(run.stdout.at(-1)).toBe(`summary of ${firstRun}`)
  })

  it("with EFFECT_SQLSERVICE_RESTART_DRILL=1 runs the restart project after main", () => {
    const run = runScript({ [restartDrillVariable]: "1" })
    expect(run.calls).toEqual([firstRun, "run --project restart"])
    expect(run.status).toBe(0)
    expect(run.stdout.at(-1)).toBe("summary of run --project restart")
  })

  it("fails when main fails, without running the drill; fails when the drill fails", () => {
    const mainFails = runScript({ [restartDrillVariable]: "1" }, { main: 1 })
    expect(mainFails.calls).toEqual([firstRun])
    expect(mainFails.status).not.toBe(0)
    expect(runScript({}, { main: 1 }).status).not.toBe(0)
    const drillFails = runScript({ [restartDrillVariable]: "1" }, { restart: 1 })
    expect(drillFails.calls).toEqual([firstRun, "run --project restart"])
    const zoneFails = runScript({ [restartDrillVariable]: "1" }, { "tz-kolkata": 1 })
    expect(zoneFails.calls).toEqual([firstRun])
    expect(zoneFails.status).not.toBe(0)
    expect(drillFails.status).not.toBe(0)
  })

  it(".ci/run asks for the drill", () => {
    const ci = fs.readFileSync(path.join(root, ".ci", "run"), "utf8")
    expect(ci).toMatch(/^EFFECT_SQLSERVICE_RESTART_DRILL=1 npm test$/m)
  })

  it(".ci/run also runs the shared suites on Node 24, in the main project only, after the drill with PostgreSQL up again", () => {
    const lines = fs.readFileSync(path.join(root, ".ci", "run"), "utf8").split("\n")
    const drill = lines.indexOf("EFFECT_SQLSERVICE_RESTART_DRILL=1 npm test")
    const node24 = lines.findIndex((l) => /^\.ci\/node24 /.test(l))
    expect(lines[node24]).toBe(".ci/node24 --project main test/Sqlite.test.ts test/Pg.test.ts")
    expect(node24).toBeGreaterThan(drill)
    expect(lines.slice(drill + 1, node24)).toContain("ensure_pg")
  })
})

describe("the restart drill's gate", () => {
  const can = { asked: true, ci: false, cannotRestart: undefined, serverUp: true } as const

  it("runs only when asked and able", () => {
    expect(restartDrillGate(can)).toEqual({ decision: "run" })
    expect(restartDrillGate({ ...can, ci: true })).toEqual({ decision: "run" })
    expect(restartDrillGate({ ...can, asked: false })).toMatchObject({ decision: "skip" })
    expect(restartDrillGate({ ...can, asked: false, ci: true })).toMatchObject({ decision: "skip" })
  })

  it("asked for but unable: skipped with a reason locally, a failure with CI=true", () => {
    for (const unable of [{ cannotRestart: "pg_ctlcluster needs root" }, { serverUp: false }]) {
      const local = restartDrillGate({ ...can, ...unable })
      expect(local).toMatchObject({ decision: "skip" })
      const ci = restartDrillGate({ ...can, ...unable, ci: true })
      expect(ci).toMatchObject({ decision: "fail" })
      expect(ci.decision === "fail" && ci.why).toMatch(/CI=true/)
    }
  })
})
