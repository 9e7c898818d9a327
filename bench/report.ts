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
const formatMb = (mb: number | undefined) => mb === undefined ? "" : `${mb.toFixed(0)} MB`

/** A raw row: the reference itself, or another raw driver variant (`raw held`, `raw unnamed`, ...). */
const isRaw = (impl: string) => impl === "raw" || impl.startsWith("raw ")

interface Column {
  readonly header: string
  readonly right: boolean
  readonly cell: (r: Result) => string
}

/**
 * Scenario, dialect, implementation, median, p95, ratio to `raw`; "× like"
 * (the ratio to the raw row doing the same work, named) in a scenario where
 * some row is compared with another raw row than `raw`; RSS growth and peak
 * where measured. Columns empty in every row are left out.
 */
export const table = (results: ReadonlyArray<Result>): string => {
  const group = (r: Result) => `${r.scenario}/${r.dialect}`
  const likeGroups = new Set(results.filter((r) => r.baseline !== "raw").map(group))
  const columns: ReadonlyArray<Column> = [
    { header: "scenario", right: false, cell: (r) => `${r.scenario} (${r.unit})` },
    { header: "dialect", right: false, cell: (r) => r.dialect },
    { header: "impl", right: false, cell: (r) => r.impl },
    { header: "median", right: true, cell: (r) => formatUs(r.medianUs) },
    { header: "p95", right: true, cell: (r) => formatUs(r.p95Us) },
    { header: "× raw", right: true, cell: (r) => formatRatio(r.ratioToRaw) },
    {
      header: "× like",
      right: false,
      cell: (r) => likeGroups.has(group(r)) && !isRaw(r.impl) ? `${formatRatio(r.ratioToBaseline)} ${r.baseline}` : ""
    },
    { header: "RSS growth", right: true, cell: (r) => formatMb(r.growthRssMb) },
    { header: "peak RSS", right: true, cell: (r) => formatMb(r.peakRssMb) }
  ]
  const cells = results.map((r) => columns.map((c) => c.cell(r)))
  const shown = columns.map((_, i) => i).filter((i) => i < 6 || cells.some((row) => row[i] !== ""))
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)))
  const line = (row: ReadonlyArray<string>) =>
    `| ${shown.map((i) => (columns[i]!.right ? row[i]!.padStart(widths[i]!) : row[i]!.padEnd(widths[i]!))).join(" | ")} |`
  const rule = `|${shown.map((i) => (columns[i]!.right ? `${"-".repeat(widths[i]! + 1)}:` : "-".repeat(widths[i]! + 2))).join("|")}|`
  const out = [line(columns.map((c) => c.header)), rule]
  let previous = ""
  for (let i = 0; i < results.length; i++) {
    const key = group(results[i]!)
    const row = cells[i]!
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
    baseline: r.baseline,
    ratioToBaseline: r.ratioToBaseline,
    ...(r.peakRssMb === undefined ? {} : { peakRssMb: r.peakRssMb }),
    ...(r.startRssMb === undefined ? {} : { startRssMb: r.startRssMb }),
    ...(r.growthRssMb === undefined ? {} : { growthRssMb: r.growthRssMb }),
    unit: r.unit,
    samples: r.samples,
    opsPerBatch: r.opsPerBatch
  }))
  fs.writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`)
}
