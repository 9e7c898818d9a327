/**
 * The benchmark harness: one scenario on one dialect, every implementation in
 * this process, interleaved round-robin (the starting implementation rotates
 * each round), after a warm-up.
 *
 * A sample is one timed batch of `opsPerBatch` operations divided by
 * `opsPerBatch`: median and p95 are over those per-batch means. Untimed work
 * (resetting a table, collecting garbage) happens between batches.
 */
import * as os from "node:os"
import * as path from "node:path"
import * as fs from "node:fs"

export type DialectName = "sqlite-memory" | "sqlite-wal" | "pg"
export type Kind = "sqlite" | "pg"

export const PG_URL = process.env.DATABASE_URL_PG ?? "postgres://postgres@127.0.0.1:5432/test"

/** Every name this run creates on the shared PostgreSQL server starts with this (dropped at the end). */
export const PG_PREFIX = `bench_${process.pid}_`

export interface Target {
  readonly name: DialectName
  readonly kind: Kind
  /** Table-name prefix: unique per run on PostgreSQL, where other processes share the server. */
  readonly prefix: string
  /** The SQLite database file of a client (":memory:" or a file in a temp dir); every client gets its own. */
  readonly sqliteFile: (client: string) => string
  readonly pgUrl: string
}

let tmpDir: string | undefined
export const benchTmpDir = (): string => {
  tmpDir ??= fs.mkdtempSync(path.join(os.tmpdir(), "effect-sqlservice-bench-"))
  return tmpDir
}
export const removeTmpDir = () => {
  if (tmpDir !== undefined) fs.rmSync(tmpDir, { recursive: true, force: true })
  tmpDir = undefined
}

let fileCounter = 0
export const makeTarget = (name: DialectName): Target => ({
  name,
  kind: name === "pg" ? "pg" : "sqlite",
  prefix: name === "pg" ? PG_PREFIX : "bench_",
  sqliteFile: (client) =>
    name === "sqlite-memory"
      ? ":memory:"
      : path.join(benchTmpDir(), `${client.replace(/[^a-z0-9]+/gi, "_")}_${++fileCounter}.db`),
  pgUrl: PG_URL
})

export interface Mode {
  readonly quick: boolean
  /**
   * Only implementations whose name contains this text (lower case), plus the
   * raw rows they are compared with (`--impl`); undefined runs all.
   */
  readonly impl?: string | undefined
}

export interface Ctx {
  readonly target: Target
  readonly mode: Mode
  readonly scenario: string
}

/**
 * How an implementation opens, feeds and closes its client. Implementations
 * using the same `Lib` share one client (one pool, one SQLite database) per
 * scenario and dialect.
 */
export interface Lib<C> {
  readonly name: string
  /** Only on this kind of database (e.g. a client that exists for PostgreSQL only). */
  readonly kind?: Kind | undefined
  readonly open: (ctx: Ctx) => Promise<C>
  /** Untimed SQL (DDL, seeding, resets) through this library's own client. */
  readonly exec: (client: C, sql: string) => Promise<void>
  /** Untimed query through this library's client (checks). */
  readonly query: (client: C, sql: string) => Promise<ReadonlyArray<Record<string, unknown>>>
  readonly close: (client: C) => Promise<void>
}

/** What a child process measured by itself (its own clock, its peak RSS). */
export interface Measured {
  readonly elapsedMs: number
  /** The process's peak RSS at the end (`resourceUsage().maxRSS`): what the machine had to give it. */
  readonly peakRssMb?: number | undefined
  /** The RSS just before the measured work: what loading and connecting cost. */
  readonly startRssMb?: number | undefined
}

export interface Body {
  /** Runs `n` operations; the harness times the call unless it returns its own measurement. */
  readonly run: (n: number) => Promise<Measured | void>
  /** Untimed preparation before every batch (e.g. emptying the table an insert fills). */
  readonly before?: (() => Promise<void>) | undefined
  /** Untimed check after the first batch that the work was really done (throws if not). */
  readonly check?: (() => Promise<void>) | undefined
}

export interface Implementation<C = any> {
  readonly name: string
  /** Only on this kind of database. */
  readonly kind?: Kind | undefined
  /** Leaves the implementation out of some runs (e.g. a slow reference in --quick). */
  readonly skip?: ((ctx: Ctx) => boolean) | undefined
  /**
   * The name of the raw row this one does the same work as, which it is
   * divided by in `ratioToBaseline` (e.g. "raw held" for ours on a held
   * PostgreSQL connection); per target when a function; default "raw".
   */
  readonly baseline?: string | ((ctx: Ctx) => string) | undefined
  readonly lib: Lib<C>
  readonly make: (client: C, ctx: Ctx) => Body | Promise<Body>
}

/** Typed constructor for an entry of a scenario's `implementations` list. */
export const implementation = <C>(impl: Implementation<C>): Implementation => impl as Implementation

export interface Scenario {
  readonly name: string
  /** What one operation is, for the report ("1 select", "10k rows"). */
  readonly unit: string
  readonly dialects: ReadonlyArray<DialectName>
  readonly sizing: (ctx: Ctx) => { readonly opsPerBatch: number; readonly warmup: number; readonly rounds: number }
  /**
   * Creates and seeds tables through `exec`. On SQLite it runs once per client
   * (every client has a database of its own); on PostgreSQL once, on the raw
   * client, before the others open.
   */
  readonly prepare?: ((exec: (sql: string) => Promise<void>, ctx: Ctx) => Promise<void>) | undefined
  /** Drops what `prepare` created (PostgreSQL). */
  readonly cleanup?: ((exec: (sql: string) => Promise<void>, ctx: Ctx) => Promise<void>) | undefined
  /** Extra shared setup outside any client (e.g. the stream scenario's data file). */
  readonly setup?: ((ctx: Ctx) => Promise<void>) | undefined
  readonly teardown?: ((ctx: Ctx) => Promise<void>) | undefined
  readonly implementations: ReadonlyArray<Implementation>
}

export interface Result {
  readonly scenario: string
  readonly dialect: DialectName
  readonly impl: string
  readonly medianUs: number
  readonly p95Us: number
  /** Median / the median of the row named "raw". */
  readonly ratioToRaw: number | null
  /** The row this one is compared with (its `baseline`, default "raw"). */
  readonly baseline: string
  /** Median / the baseline row's median. */
  readonly ratioToBaseline: number | null
  readonly peakRssMb?: number | undefined
  readonly startRssMb?: number | undefined
  /** Peak minus start RSS, per run, median over runs: what the measured work itself held. */
  readonly growthRssMb?: number | undefined
  readonly unit: string
  readonly samples: number
  readonly opsPerBatch: number
}

export const quantile = (sorted: ReadonlyArray<number>, q: number): number => {
  if (sorted.length === 0) return NaN
  // nearest rank
  const rank = Math.max(1, Math.ceil(q * sorted.length))
  return sorted[Math.min(sorted.length, rank) - 1]!
}

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

// A scavenge before every batch clears the young garbage the previous
// implementation left, so nobody pays for someone else's allocations. (A full
// GC per batch costs tens of ms on a busy 2-core machine; a minor one ~1 ms.)
const gcMinor = (() => {
  const gc = (globalThis as { gc?: (options?: { type: "minor" | "major" }) => void }).gc
  return gc === undefined ? () => {} : () => gc({ type: "minor" })
})()

interface Running {
  readonly impl: Implementation
  readonly body: Body
  readonly samples: Array<number>
  readonly peakRss: Array<number>
  readonly startRss: Array<number>
  readonly growthRss: Array<number>
}

/** Runs one scenario on one dialect and returns a row per implementation. */
export const runScenario = async (scenario: Scenario, ctx: Ctx, log: (line: string) => void): Promise<Array<Result>> => {
  const impls = selectImplementations(scenario.implementations, ctx)
  const clients = new Map<Lib<unknown>, unknown>()
  const { opsPerBatch, warmup, rounds } = scenario.sizing(ctx)
  const running: Array<Running> = []
  let cleanupExec: ((sql: string) => Promise<void>) | undefined
  try {
    await scenario.setup?.(ctx)
    // Open every library's client once; the first one (raw) prepares PostgreSQL's shared tables.
    for (const impl of impls) {
      if (clients.has(impl.lib)) continue
      const client = await impl.lib.open(ctx)
      clients.set(impl.lib, client)
      const exec = (sql: string) => impl.lib.exec(client, sql)
      if (ctx.target.kind === "sqlite") {
        await scenario.prepare?.(exec, ctx)
      } else if (cleanupExec === undefined) {
        cleanupExec = exec
        await scenario.cleanup?.(exec, ctx)
        await scenario.prepare?.(exec, ctx)
      }
    }
    for (const impl of impls) {
      const body = await impl.make(clients.get(impl.lib), ctx)
      running.push({ impl, body, samples: [], peakRss: [], startRss: [], growthRss: [] })
    }

    const batch = async (r: Running, record: boolean) => {
      await r.body.before?.()
      gcMinor()
      const start = process.hrtime.bigint()
      const measured = await r.body.run(opsPerBatch)
      const elapsedMs = measured ? measured.elapsedMs : Number(process.hrtime.bigint() - start) / 1e6
      if (!record) return
      r.samples.push((elapsedMs * 1000) / opsPerBatch)
      if (measured?.peakRssMb !== undefined) r.peakRss.push(measured.peakRssMb)
      if (measured?.startRssMb !== undefined) r.startRss.push(measured.startRssMb)
      if (measured?.peakRssMb !== undefined && measured.startRssMb !== undefined) {
        r.growthRss.push(measured.peakRssMb - measured.startRssMb)
      }
    }

    const checked = new Set<Running>()
    const checkOnce = async (r: Running) => {
      if (checked.has(r) || r.body.check === undefined) return
      checked.add(r)
      await r.body.check().catch((e) => {
        throw new Error(`${scenario.name} / ${ctx.target.name} / ${r.impl.name}: ${e instanceof Error ? e.message : e}`)
      })
    }
    for (let w = 0; w < warmup; w++) {
      for (const r of running) {
        await batch(r, false)
        await checkOnce(r)
      }
    }
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < running.length; k++) {
        const r = running[(round + k) % running.length]!
        await batch(r, true)
        await checkOnce(r)
      }
    }
  } finally {
    if (cleanupExec !== undefined) await scenario.cleanup?.(cleanupExec, ctx).catch(() => undefined)
    for (const [lib, client] of clients) await lib.close(client).catch((e) => log(`close ${lib.name}: ${e}`))
    await scenario.teardown?.(ctx)
  }

  const medianOf = (name: string) => {
    const row = running.find((r) => r.impl.name === name)
    return row === undefined ? undefined : median(row.samples)
  }
  const rawMedian = medianOf("raw")
  return running.map((r): Result => {
    const sorted = [...r.samples].sort((a, b) => a - b)
    const med = median(sorted)
    const baseline = baselineOf(r.impl, ctx)
    const baselineMedian = medianOf(baseline)
    return {
      scenario: scenario.name,
      dialect: ctx.target.name,
      impl: r.impl.name,
      medianUs: round2(med),
      p95Us: round2(quantile(sorted, 0.95)),
      ratioToRaw: rawMedian === undefined ? null : round2(med / rawMedian),
      baseline,
      ratioToBaseline: baselineMedian === undefined ? null : round2(med / baselineMedian),
      ...(r.peakRss.length > 0 ? { peakRssMb: round2(median(r.peakRss)) } : {}),
      ...(r.startRss.length > 0 ? { startRssMb: round2(median(r.startRss)) } : {}),
      ...(r.growthRss.length > 0 ? { growthRssMb: round2(median(r.growthRss)) } : {}),
      unit: scenario.unit,
      samples: r.samples.length,
      opsPerBatch
    }
  })
}

const round2 = (x: number) => Math.round(x * 100) / 100

const baselineOf = (impl: Implementation, ctx: Ctx): string =>
  typeof impl.baseline === "function" ? impl.baseline(ctx) : impl.baseline ?? "raw"

/**
 * The implementations that run on this target: of its kind, not skipped, and
 * with `--impl`, those whose name contains the text plus the raw rows they
 * are compared with ("raw" always: PostgreSQL's tables are prepared by the
 * first client, and every ratio needs it).
 */
const selectImplementations = (all: ReadonlyArray<Implementation>, ctx: Ctx): Array<Implementation> => {
  const here = all.filter((i) =>
    (i.kind === undefined || i.kind === ctx.target.kind) &&
    (i.lib.kind === undefined || i.lib.kind === ctx.target.kind) &&
    i.skip?.(ctx) !== true
  )
  for (const i of here) {
    const baseline = baselineOf(i, ctx)
    if (!here.some((b) => b.name === baseline)) {
      throw new Error(`${ctx.scenario} / ${ctx.target.name} / ${i.name}: no row "${baseline}" to compare with`)
    }
  }
  const wanted = ctx.mode.impl
  if (wanted === undefined) return here
  const texts = wanted.split("|")
  const chosen = here.filter((i) => texts.some((text) => i.name.toLowerCase().includes(text)))
  const needed = new Set(["raw", ...chosen.map((i) => baselineOf(i, ctx))])
  return here.filter((i) => needed.has(i.name) || chosen.includes(i))
}

/** Deterministic pseudo-random ids in [1, max] (the same sequence for every implementation). */
export const idSequence = (count: number, max: number, seed = 42): Array<number> => {
  let s = seed >>> 0
  const out: Array<number> = []
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    out.push((s % max) + 1)
  }
  return out
}
