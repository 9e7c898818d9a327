/**
 * The fault proxy's own tests, with plain `pg` clients: it forwards, and each
 * fault does what the tests built on it rely on.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import Pg from "pg"
import { FaultProxy, targetOf } from "./faultProxy.js"
import { pgAvailable, pgUrl } from "./layers.js"

const available = await pgAvailable()

const table = `fault_proxy_${process.pid}_${Date.now().toString(36)}`

const client = async (url: string) => {
  const c = new Pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 })
  const errors: Array<Error> = []
  c.on("error", (e) => errors.push(e))
  await c.connect()
  return Object.assign(c, { errors })
}

const direct = async <T>(f: (c: Pg.Client) => Promise<T>): Promise<T> => {
  const c = await client(pgUrl)
  try {
    return await f(c)
  } finally {
    await c.end().catch(() => undefined)
  }
}

const idsIn = () => direct(async (c) => (await c.query(`SELECT id FROM ${table} ORDER BY id`)).rows.map((r) => r.id as number))

/** Settles with "pending" if `promise` has not settled after `ms`. */
const settledWithin = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise.then(() => "resolved" as const, () => "rejected" as const),
    new Promise<"pending">((resolve) => setTimeout(() => resolve("pending"), ms))
  ])

describe.skipIf(!available)("fault proxy", () => {
  let proxy: FaultProxy

  beforeAll(async () => {
    proxy = await FaultProxy.listen(targetOf(pgUrl))
    await direct((c) => c.query(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY)`))
  })
  afterAll(async () => {
    await proxy?.close()
    await direct((c) => c.query(`DROP TABLE IF EXISTS ${table}`))
  })

  it("forwards simple and extended-protocol queries, row streams included", async () => {
    const c = await client(proxy.url(pgUrl))
    try {
      expect((await c.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }])
      expect((await c.query({ text: "SELECT $1::int + 1 AS two", values: [1], name: "proxy_two" })).rows).toEqual([{ two: 2 }])
      expect((await c.query({ text: "SELECT $1::int + 1 AS two", values: [2], name: "proxy_two" })).rows).toEqual([{ two: 3 }])
      const many = await c.query("SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 20000) AS g")
      expect(many.rows.length).toBe(20000)
      expect(many.rows[19999].g).toBe(20000)
    } finally {
      await c.end()
    }
  })

  it("a COMMIT whose reply is dropped: the client sees a lost connection, the server committed", async () => {
    const c = await client(proxy.url(pgUrl))
    await c.query("BEGIN")
    await c.query(`INSERT INTO ${table} (id) VALUES (1)`)
    const dropped = proxy.dropAfter("COMMIT")
    const error = await c.query("COMMIT").then(() => undefined, (e: Error) => e)
    await dropped
    expect(error?.message).toMatch(/Connection terminated/)
    expect(await idsIn()).toContain(1)
  })

  it("an extended-protocol statement, prepared earlier, matched by its text: executed, reply lost", async () => {
    const c = await client(proxy.url(pgUrl))
    const insert = { text: `INSERT INTO ${table} (id) VALUES ($1)`, name: "proxy_insert" }
    await c.query({ ...insert, values: [2] })
    // Now the statement is prepared: only Bind/Execute carry it, by name.
    const dropped = proxy.dropAfter((sql) => sql.startsWith(`INSERT INTO ${table}`))
    const error = await c.query({ ...insert, values: [3] }).then(() => undefined, (e: Error) => e)
    await dropped
    expect(error?.message).toMatch(/Connection terminated/)
    expect(await idsIn()).toEqual(expect.arrayContaining([2, 3]))
  })

  it("a rule fires once, on the matching statement only", async () => {
    const c = await client(proxy.url(pgUrl))
    try {
      const dropped = proxy.dropAfter(/^SELECT 'fire'/)
      expect((await c.query("SELECT 'hold' AS x")).rows).toEqual([{ x: "hold" }])
      await expect(c.query("SELECT 'fire' AS x")).rejects.toThrow(/Connection terminated/)
      await dropped
      const again = await client(proxy.url(pgUrl))
      expect((await again.query("SELECT 'fire' AS x")).rows).toEqual([{ x: "fire" }])
      await again.end()
    } finally {
      await c.end().catch(() => undefined)
    }
  })

  it("cutAll destroys open connections; new ones still work", async () => {
    const c = await client(proxy.url(pgUrl))
    const running = c.query("SELECT pg_sleep(3)")
    await new Promise((resolve) => setTimeout(resolve, 100))
    proxy.cutAll()
    await expect(running).rejects.toThrow(/Connection terminated/)
    const fresh = await client(proxy.url(pgUrl))
    expect((await fresh.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }])
    await fresh.end()
  })

  it("blackHole swallows replies without closing, and new connections are never answered", async () => {
    const c = await client(proxy.url(pgUrl))
    proxy.blackHole()
    try {
      expect(await settledWithin(c.query("SELECT 1"), 500)).toBe("pending")
      const stranger = new Pg.Client({ connectionString: proxy.url(pgUrl) })
      stranger.on("error", () => {})
      expect(await settledWithin(stranger.connect(), 500)).toBe("pending")
      await stranger.end().catch(() => undefined)
    } finally {
      proxy.blackHole(false)
      proxy.cutAll()
    }
    const fresh = await client(proxy.url(pgUrl))
    expect((await fresh.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }])
    await fresh.end()
  })
})
