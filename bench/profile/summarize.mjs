// Summarizes a .cpuprofile: top self-time frames, and self time grouped by
// where the code lives (ours, effect, effect/sql, driver, node/native).
// Frames are mapped back to their source line: built JavaScript (ours in
// dist/, effect in node_modules) through the .js.map beside it, TypeScript run
// through tsx with the source maps tsx keeps in its cache (os.tmpdir()/tsx-<uid>).
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
const decodeMappings = (mappings) => {
  // -> per generated line, array of [genColumn, sourceIndex, origLine, origColumn]
  const lines = []
  let src = 0, oLine = 0, oCol = 0
  for (const line of mappings.split(";")) {
    const segs = []
    let gCol = 0
    for (const seg of line.split(",")) {
      if (seg === "") continue
      const vals = []
      let value = 0, shift = 0
      for (const ch of seg) {
        const digit = B64.indexOf(ch)
        value += (digit & 31) << shift
        if (digit & 32) shift += 5
        else {
          vals.push(value & 1 ? -(value >>> 1) : value >>> 1)
          value = 0
          shift = 0
        }
      }
      gCol += vals[0]
      if (vals.length >= 4) {
        src += vals[1]; oLine += vals[2]; oCol += vals[3]
        segs.push([gCol, src, oLine, oCol])
      }
    }
    lines.push(segs)
  }
  return lines
}
const tsxCache = (() => {
  const dir = path.join(os.tmpdir(), `tsx-${os.userInfo().uid}`)
  const bySource = new Map()
  if (!fs.existsSync(dir)) return bySource
  const entries = fs.readdirSync(dir).map((f) => path.join(dir, f)).map((f) => ({ f, t: fs.statSync(f).mtimeMs }))
  entries.sort((a, b) => a.t - b.t) // newest wins
  for (const { f } of entries) {
    try {
      const { map } = JSON.parse(fs.readFileSync(f, "utf8"))
      if (map?.sources?.length === 1) bySource.set(path.basename(map.sources[0]), { f, map })
    } catch {}
  }
  return bySource
})()
const siblingMaps = new Map()
const siblingMap = (file) => {
  if (!siblingMaps.has(file)) {
    let entry
    try {
      const map = JSON.parse(fs.readFileSync(`${file}.map`, "utf8"))
      if (map?.sources?.length === 1) entry = { map, source: path.resolve(path.dirname(file), map.sourceRoot ?? "", map.sources[0]) }
    } catch {}
    siblingMaps.set(file, entry)
  }
  return siblingMaps.get(file)
}
const sourceLines = new Map()
const mapFrame = (url, line, column) => {
  const generated = url.replace(/^file:\/\//, "")
  const entry = generated.endsWith(".ts")
    ? tsxCache.get(path.basename(generated))
    : generated.endsWith(".js") ? siblingMap(generated) : undefined
  if (entry === undefined) return undefined
  const file = entry.source ?? generated
  entry.decoded ??= decodeMappings(entry.map.mappings)
  const segs = entry.decoded[line] ?? []
  let best
  for (const s of segs) if (s[0] <= column) best = s
  if (best === undefined) return undefined
  if (!sourceLines.has(file)) sourceLines.set(file, fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n") : [])
  const text = (sourceLines.get(file)[best[2]] ?? "").trim().slice(0, 70)
  return `${best[2] + 1}  ${text}`
}

const file = process.argv[2]
const top = Number(process.argv[3] ?? 25)
const profile = JSON.parse(fs.readFileSync(file, "utf8"))
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const self = new Map()
const dt = profile.timeDeltas
for (let i = 0; i < profile.samples.length; i++) {
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0))
}
const total = [...self.values()].reduce((a, b) => a + b, 0)

const area = (url) => {
  if (url.startsWith("/src/")) return "ours (src/)"
  if (url.startsWith("/dist/")) return "ours (dist/)"
  if (url.startsWith("/bench/")) return "bench loop"
  if (url.includes("node_modules/effect/dist/sql/")) return "effect/sql"
  if (url.includes("node_modules/effect/")) return "effect runtime"
  if (url.includes("node_modules/@effect/sql-pg/")) return "@effect/sql-pg"
  if (url.includes("better-sqlite3") || url.includes("node_modules/pg")) return "driver (JS)"
  if (url === "") return "native / VM / GC"
  if (url.startsWith("node:")) return "node internals"
  return "other"
}

const frames = new Map()
const areas = new Map()
for (const [id, us] of self) {
  const n = byId.get(id)
  const cf = n.callFrame
  const local = cf.url.replace(/^file:\/\//, "")
  const url = local.includes("node_modules/")
    ? local.replace(/.*node_modules\//, "node_modules/")
    : local.replace(/.*\/(src|bench|dist)\//, "/$1/")
  const mapped = mapFrame(cf.url, cf.lineNumber, cf.columnNumber)
  const key = mapped === undefined
    ? `${cf.functionName || "(anonymous)"}  ${url}:${cf.lineNumber + 1}:${cf.columnNumber + 1}`
    : `${cf.functionName || "(anonymous)"}  ${url}:${mapped}`
  frames.set(key, (frames.get(key) ?? 0) + us)
  const a = cf.url === "" && cf.functionName.startsWith("(") ? `native ${cf.functionName}` : area(url)
  areas.set(a, (areas.get(a) ?? 0) + us)
}
const pct = (us) => `${((us / total) * 100).toFixed(1).padStart(5)}%`
console.log(`total sampled: ${(total / 1000).toFixed(0)} ms\n\nself time by area:`)
for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1])) console.log(`  ${pct(us)}  ${a}`)
console.log(`\ntop ${top} self-time frames:`)
for (const [k, us] of [...frames].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`  ${pct(us)}  ${k}`)
