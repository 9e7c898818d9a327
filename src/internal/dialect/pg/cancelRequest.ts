import * as Net from "node:net"
import type Pg from "pg"

/** The protocol's CancelRequest code (1234 << 16 | 5678). */
const CANCEL_REQUEST_CODE = 80877102

interface CancelKeys {
  readonly processID?: number | null
  readonly secretKey?: number | null
  readonly host?: string
  readonly port?: number
}

/**
 * Sends the protocol's CancelRequest for whatever `client`'s backend is
 * running: a new connection to the address the client connected to, sixteen
 * bytes (length, code, process id, secret key), closed by the server. Unlike
 * `pg_cancel_backend(pid)` it needs no session and no free pooled
 * connection, and a transaction-mode pooler (PgBouncer) forwards it to the
 * server connection that runs the statement, whose pid the client never
 * sees. Best effort and bounded: it settles after `bound` ms whatever
 * happens, since it runs where nothing can interrupt it (an interruption's
 * cleanup, a finalizer).
 *
 * @internal
 */
export const cancelRequest = (client: Pg.Client, bound: number): Promise<void> => {
  const keys = client as unknown as CancelKeys
  if (typeof keys.processID !== "number" || typeof keys.secretKey !== "number") return Promise.resolve()
  const host = keys.host ?? "localhost"
  const port = keys.port ?? 5432
  const packet = Buffer.alloc(16)
  packet.writeInt32BE(16, 0)
  packet.writeInt32BE(CANCEL_REQUEST_CODE, 4)
  packet.writeInt32BE(keys.processID, 8)
  packet.writeInt32BE(keys.secretKey, 12)
  return new Promise((resolve) => {
    // A host starting with "/" is a Unix socket directory, as libpq reads it.
    const socket = host.startsWith("/")
      ? Net.connect({ path: `${host}/.s.PGSQL.${port}` })
      : Net.connect({ host, port })
    let settled = false
    const settle = () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve()
    }
    const timer = setTimeout(settle, bound)
    socket.on("error", settle)
    socket.on("close", settle)
    // The server (or pooler) closes the connection once it has passed the
    // request on; closing our side first makes PgBouncer drop the request.
    socket.on("end", settle)
    socket.on("connect", () => socket.write(packet))
  })
}

/**
 * Cancels the statements of several clients, each by its own CancelRequest;
 * settles within `bound` ms.
 *
 * @internal
 */
export const cancelRequests = (clients: Iterable<Pg.Client>, bound: number): Promise<void> =>
  Promise.all([...clients].map((client) => cancelRequest(client, bound))).then(() => undefined)

