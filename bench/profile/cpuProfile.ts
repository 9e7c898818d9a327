/**
 * The CPU profile the focused profile scripts record with `--profile`: the
 * same V8 sampling profiler as `node --cpu-prof`, started after the warm-up
 * so module loading and JIT warm-up stay out of it.
 */
import * as fs from "node:fs"
import * as inspector from "node:inspector/promises"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const outDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "out")

/**
 * Starts profiling when the command line has `--profile` (sampling every
 * 100 µs); the function it returns stops and writes
 * `bench/profile/out/<name>.cpuprofile`, and does nothing otherwise.
 */
export const startProfile = async (name: string): Promise<() => Promise<void>> => {
  if (!process.argv.includes("--profile")) return async () => {}
  const session = new inspector.Session()
  session.connect()
  await session.post("Profiler.enable")
  await session.post("Profiler.setSamplingInterval", { interval: 100 })
  await session.post("Profiler.start")
  return async () => {
    const { profile } = await session.post("Profiler.stop")
    session.disconnect()
    const out = path.join(outDir, `${name}.cpuprofile`)
    fs.mkdirSync(outDir, { recursive: true })
    fs.writeFileSync(out, JSON.stringify(profile))
    console.log(`profile: ${path.relative(process.cwd(), out)}`)
  }
}
