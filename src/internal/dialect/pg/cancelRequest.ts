import Pg from "pg"

interface CancelKeys {
  readonly processID?: number | null
  readonly secretKey?: number | null
  readonly host?: string
  readonly port?: number
  /** What the client connected with: false, true or TLS options (pg's `ssl` config, or `sslmode` in the URL). */
  readonly ssl?: unknown
  readonly sslNegotiation?: string
}

/**
 * How a CancelRequest for `client` reaches the server: in TLS with the
 * client's own TLS settings when the client itself connected with TLS, else
 * in plain TCP. A TLS-only server or pooler drops a plain request without a
 * word, so the request goes the way the statement went.
 *
 * @internal
 */
export const cancelTransport = (client: Pg.Client):
  | { readonly tls: false }
  | { readonly tls: true; readonly ssl: unknown; readonly negotiation: string } =>
{
  const { ssl, sslNegotiation } = client as unknown as CancelKeys
  return ssl === undefined || ssl === null || ssl === false
    ? { tls: false }
    : { tls: true, ssl, negotiation: sslNegotiation ?? "postgres" }
}

/**
 * Sends the protocol's CancelRequest for whatever `client`'s backend is
 * running: a new connection to the address the client connected to, in TLS
 * when the client's is (an SSLRequest, or direct negotiation, then the TLS
 * handshake, as pg does for the client itself), then sixteen bytes (length,
 * code, process id, secret key), closed by the server. Unlike
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
  const processID = keys.processID
  const secretKey = keys.secretKey
  if (typeof processID !== "number" || typeof secretKey !== "number") return Promise.resolve()
  const host = keys.host ?? "localhost"
  const port = keys.port ?? 5432
  const transport = cancelTransport(client)
  // pg's own Connection: the same SSLRequest and TLS options as the client's connection.
  const connection = new Pg.Connection(
    (transport.tls ? { ssl: transport.ssl, sslNegotiation: transport.negotiation } : {}) as Pg.ConnectionConfig
  ) as unknown as CancelConnection
  return new Promise((resolve) => {
    let settled = false
    const plain = connection.stream
    const settle = () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      connection.stream.destroy()
      plain.destroy()
      resolve()
    }
    const timer = setTimeout(settle, bound)
    const send = () => connection.cancel(processID, secretKey)
    connection.on("error", settle)
    // The server (or pooler) closes the connection once it has passed the
    // request on; closing our side first makes PgBouncer drop the request.
    connection.on("end", settle)
    connection.on("connect", () => {
      if (!transport.tls) send()
      else if (transport.negotiation !== "direct") connection.requestSsl()
    })
    connection.on("sslconnect", send)
    try {
      // A host starting with "/" is a Unix socket directory, as libpq reads it.
      if (host.startsWith("/")) connection.connect(`${host}/.s.PGSQL.${port}`)
      else connection.connect(port, host)
    } catch {
      settle()
    }
  })
}

/** The part of pg's Connection used here (its typings omit most of it). */
interface CancelConnection {
  readonly stream: { destroy: () => void }
  readonly on: (event: string, listener: () => void) => void
  readonly connect: (port: number | string, host?: string) => void
  readonly requestSsl: () => void
  readonly cancel: (processID: number, secretKey: number) => void
}

/**
 * Cancels the statements of several clients, each by its own CancelRequest;
 * settles within `bound` ms.
 *
 * @internal
 */
export const cancelRequests = (clients: Iterable<Pg.Client>, bound: number): Promise<void> =>
  Promise.all([...clients].map((client) => cancelRequest(client, bound))).then(() => undefined)

