/** Prints results as a table and writes them as JSON. */
import * as fs from "node:fs"
import * as path from "node:path"
import type { Result } from "./harness.js"

export const formatUs = (us: number): string => {
  if (!Number.isFinite(us)) return "-"
  if (us < 10) return `${us.toFixed(2)} µs`
  if (us < 1000) return `${us.toFixed(1)} µs`
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`
  return `${(us / 1_000_000).toFixed(2)} s`
}

const formatRatio = (r: number | null) => r === null ? "-" : `${r.toFixed(2)}×`

export const table = (results: ReadonlyArray<Result>): string => {
  const header = ["scenario", "dialect", "impl", "median", "p95", "× raw", "peak RSS"]
  const rows = results.map((r) => [
    `${r.scenario} (${r.unit})`,
    r.dialect,
    r.impl,
    formatUs(r.medianUs),
    formatUs(r.p95Us),
    formatRatio(r.ratioToRaw),
    r.peakRssMb === undefined
      ? ""
      : `${r.peakRssMb.toFixed(0)} MB${r.startRssMb === undefined ? "" : ` (start ${r.startRssMb.toFixed(0)})`}`
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: ReadonlyArray<string>) =>
    `| ${cells.map((c, i) => (i >= 3 && i <= 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(" | ")} |`
  const out = [line(header), `|${widths.map((w, i) => (i >= 3 && i <= 5 ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`]
  let previous = ""
  for (let i = 0; i < rows.length; i++) {
    const key = `${results[i]!.scenario}/${results[i]!.dialect}`
    const row = rows[i]!
    out.push(line(key === previous ? ["", "", ...row.slice(2)] : row))
    previous = key
  }
  return out.join("\n")
}

export const writeJson = (file: string, results: ReadonlyArray<Result>) => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const rows = results.map((r) => ({
    scenario: r.scenario,
    dialect: r.dialect,
    impl: r.impl,
    medianUs: r.medianUs,
    p95Us: r.p95Us,
    ratioToRaw: r.ratioToRaw,
    ...(r.peakRssMb === undefined ? {} : { peakRssMb: r.peakRssMb }),
    ...(r.startRssMb === undefined ? {} : { startRssMb: r.startRssMb }),
    unit: r.unit,
    samples: r.samples,
    opsPerBatch: r.opsPerBatch
  }))
  fs.writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`)
}
