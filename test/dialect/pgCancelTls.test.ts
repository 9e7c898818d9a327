/**
 * The protocol's CancelRequest goes the way the client's connection went:
 * in TLS when the client connected with TLS. A TLS-only pooler (or any
 * TLS-only front) drops a plain-TCP request without a word, and the
 * interrupted statement would keep running on the server.
 *
 * The TLS-only front here is a relay that passes on a connection only when
 * it starts with an SSLRequest, in front of a scratch server with `ssl = on`.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import Pg from "pg"
import * as Database from "../../src/Database.js"
import { cancelTransport } from "../../src/internal/dialect/pg/cancelRequest.js"
import { adminQuery, waitUntil } from "../drills/support/helpers.js"
import { freePort } from "../support/pgbouncer.js"
import { requireServerPrograms, type Server, startTlsServer } from "../support/scratchCluster.js"

describe("CancelRequest transport", () => {
  it("is TLS, with the client's TLS settings, exactly when the client's connection is", () => {
    expect(cancelTransport(new Pg.Client({ connectionString: "postgres://u@127.0.0.1:5432/db" }))).toEqual({ tls: false })
    expect(cancelTransport(new Pg.Client({ connectionString: "postgres://u@127.0.0.1:5432/db?sslmode=disable" }))).toEqual({ tls: false })
    expect(cancelTransport(new Pg.Client({ connectionString: "postgres://u@127.0.0.1:5432/db?sslmode=no-verify" })))
      .toEqual({ tls: true, ssl: { rejectUnauthorized: false }, negotiation: "postgres" })
    const ssl = { rejectUnauthorized: true, servername: "db.example" }
    expect(cancelTransport(new Pg.Client({ host: "127.0.0.1", ssl }))).toEqual({ tls: true, ssl, negotiation: "postgres" })
  })
})

const SSL_REQUEST_CODE = 80877103

/** Passes on connections that start with an SSLRequest; closes the others, as a TLS-only pooler does. */
const tlsOnlyRelay = async (target: number) => {
  let refused = 0
  const sockets = new Set<Net.Socket>()
  const relay = Net.createServer((client) => {
    sockets.add(client)
    client.on("close", () => sockets.delete(client))
    client.on("error", () => {})
    client.once("data", (first) => {
      if (first.length < 8 || first.readInt32BE(4) !== SSL_REQUEST_CODE) {
        refused++
        client.destroy()
        return
      }
      const upstream = Net.connect({ host: "127.0.0.1", port: target })
      sockets.add(upstream)
      upstream.on("close", () => {
        sockets.delete(upstream)
        client.destroy()
      })
      upstream.on("error", () => client.destroy())
      client.on("close", () => upstream.destroy())
      upstream.write(first)
      client.pipe(upstream)
      upstream.pipe(client)
    })
  })
  const port = await freePort()
  await new Promise<void>((resolve) => relay.listen(port, "127.0.0.1", resolve))
  return {
    port,
    refused: () => refused,
    close: () => {
      for (const socket of sockets) socket.destroy()
      relay.close()
    }
  }
}

const bin = requireServerPrograms()
// The scratch server's self-signed certificate is made with the openssl program.
const openssl = (process.env.PATH ?? "").split(":").some((dir) => dir !== "" && Fs.existsSync(Path.join(dir, "openssl")))
if (!openssl) {
  if (process.env.CI === "true") throw new Error("CI=true requires the openssl program for the TLS cancel test (Debian package openssl)")
  console.warn("openssl is not installed; the TLS cancel test is skipped (with CI=true this fails)")
}

describe.skipIf(bin === undefined || !openssl)("CancelRequest behind a TLS-only front", () => {
  let tls: { readonly server: Server; readonly remove: () => void } | undefined
  let relay: Awaited<ReturnType<typeof tlsOnlyRelay>> | undefined
  beforeAll(async () => {
    tls = await startTlsServer(bin!)
    relay = await tlsOnlyRelay(tls.server.port)
  }, 60_000)
  afterAll(() => {
    relay?.close()
    tls?.remove()
  })

  it.live("an interrupted statement is cancelled on the server", () => {
    const tag = `cancel-tls-${process.pid}`
    const sleeping = Effect.map(
      adminQuery<{ n: number }>(
        tls!.server.url,
        "SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND query LIKE '%pg_sleep(30)%' AND state = 'active'",
        [tag]
      ),
      (rows) => rows[0]!.n
    )
    return Effect.scoped(Effect.gen(function*() {
      const db = yield* Database.make({
        url: `postgres://postgres@127.0.0.1:${relay!.port}/postgres?sslmode=no-verify`,
        applicationName: tag,
        poolSize: 1
      })
      const fiber = yield* Effect.forkChild(db.sql`SELECT pg_sleep(30)`)
      yield* waitUntil("the statement to run", Effect.map(sleeping, (n) => n === 1))
      const refusedBefore = relay!.refused()
      yield* Fiber.interrupt(fiber)
      // The pool of one serves again only once the statement stopped on the server.
      const next = yield* db.sql<{ one: number }>`SELECT 1 AS one`.pipe(
        Effect.timeoutOrElse({ duration: "10 seconds", orElse: () => Effect.succeed([]) })
      )
      expect(relay!.refused() - refusedBefore, "plain-TCP requests the TLS-only front dropped").toBe(0)
      expect(next, "the only connection is still running the interrupted statement").toEqual([{ one: 1 }])
      expect(yield* sleeping).toBe(0)
    }))
  }, 60_000)
})
