/**
 * README.md's "Command line" section cannot go stale: its modules (a
 * ```ts block after `<!-- module: <path> -->`) are written into a fresh app
 * directory, and the ```text block after `<!-- transcript -->` is replayed
 * there: each `$ ` line runs in `sh` (`npx effect-sqlservice` being the
 * built command; `$ export NAME=value` sets the environment of the lines
 * after it) and must print exactly the lines under it, stdout and stderr
 * together. What depends on the clock (a migration's id, the time it was
 * generated, and its checksum, of a file that contains the id) is matched
 * by position: the n-th distinct id the commands print stands for the n-th
 * the README shows. On a difference the failure shows the whole transcript
 * as the commands print it now, ready to paste.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { build, type BuiltPackage, root } from "./support.js"

const readme = fs.readFileSync(path.join(root, "README.md"), "utf8")

const section = (() => {
  const start = readme.indexOf("\n## Command line\n")
  if (start === -1) throw new Error("README.md has no \"## Command line\" section")
  const end = readme.indexOf("\n## ", start + 1)
  return readme.slice(start, end === -1 ? undefined : end)
})()

/** The fenced block right after `marker` lines (`<!-- module: x -->`), with what the marker captured. */
const blocksAfter = (marker: RegExp): Array<{ readonly captured: string; readonly body: string }> =>
  [...section.matchAll(new RegExp(`^${marker.source}\\n\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\`$`, "gm"))].map((m) => ({
    captured: m[1] ?? "",
    body: m[m.length - 1]!
  }))

const modules = blocksAfter(/<!-- module: (\S+) -->/)
const transcript = blocksAfter(/<!-- transcript -->/)

interface Step {
  readonly command: string
  readonly expected: string
}

const stepsOf = (text: string): Array<Step> => {
  const steps: Array<{ command: string; expected: Array<string> }> = []
  for (const line of text.split("\n")) {
    if (line.startsWith("$ ")) steps.push({ command: line.slice(2), expected: [] })
    else if (steps.length === 0) throw new Error(`the transcript starts with output, not a command: ${line}`)
    else steps.at(-1)!.expected.push(line)
  }
  return steps.map((s) => ({ command: s.command, expected: s.expected.join("\n") }))
}

/** Values that change from run to run: migration ids, and the checksums of the files that contain them. */
const varying = [/(?<!\d)\d{14}(?!\d)/g, /(?<="checksum": ")[^"]*(?=")/g]

/**
 * `actual` with its n-th distinct match of each `varying` pattern replaced
 * by the n-th distinct match in `expected` (when it has that many).
 */
const alignVarying = (actual: string, expected: string): string =>
  varying.reduce((text, pattern) => {
    const distinct = (t: string) => [...new Set([...t.matchAll(pattern)].map((m) => m[0]))]
    const wanted = distinct(expected)
    const found = distinct(text)
    return text.replace(pattern, (match) => wanted[found.indexOf(match)] ?? match)
  }, actual)

let pkg: BuiltPackage
beforeAll(async () => {
  pkg = await build("readme")
}, 300_000)
afterAll(() => pkg?.remove())

describe("README.md, Command line", () => {
  it("has its tables module and one transcript", () => {
    expect(modules.map((m) => m.captured)).toEqual(["src/db/tables.ts"])
    expect(transcript).toHaveLength(1)
  })

  it("prints, command by command, exactly what its transcript shows", () => {
    const app = pkg.app("readme")
    for (const module of modules) {
      fs.mkdirSync(path.dirname(path.join(app, module.captured)), { recursive: true })
      fs.writeFileSync(path.join(app, module.captured), `${module.body}\n`)
    }
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: "1" }
    delete env["DATABASE_URL"]
    const steps = stepsOf(transcript[0]!.body)
    expect(steps.length).toBeGreaterThan(3)
    const actual: Array<string> = []
    for (const step of steps) {
      const exported = /^export (\w+)=(\S*)$/.exec(step.command)
      if (exported !== null) {
        env[exported[1]!] = exported[2]!
        actual.push(`$ ${step.command}`)
        continue
      }
      const command = step.command.replaceAll("npx effect-sqlservice", `"${process.execPath}" "${pkg.bin}"`)
      const ran = spawnSync("sh", ["-c", `{ ${command}; } 2>&1`], { cwd: app, env, encoding: "utf8", timeout: 60_000 })
      actual.push(`$ ${step.command}`, ran.stdout.replace(/\n$/, ""))
    }
    const expected = transcript[0]!.body
    expect(alignVarying(actual.join("\n"), expected), "the transcript as the commands print it now").toBe(expected)
  }, 240_000)
})
