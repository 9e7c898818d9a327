/**
 * A fault-injecting TCP proxy between a client and PostgreSQL, for tests
 * that need a connection to fail at a precise point of the protocol: it
 * forwards transparently until told to cut every connection, to drop one
 * connection right after the server has executed a given statement (so the
 * server commits but the client never hears about it), or to black-hole the
 * server's replies.
 *
 * It reads the PostgreSQL wire protocol's framing (not its content, beyond
 * the SQL text of Query, Parse, Bind and Execute messages) in both
 * directions, so it knows which statement a client message runs and when the
 * server has finished answering it.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as net from "node:net"

/** Which statement text a rule fires on. */
export type SqlMatch = string | RegExp | ((sql: string) => boolean)

const matches = (match: SqlMatch, sql: string): boolean =>
  typeof match === "string" ? sql.trim() === match : match instanceof RegExp ? match.test(sql) : match(sql)

// Codes of the messages sent before the startup message, which carry no type byte.
const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const CANCEL_REQUEST = 80877102

interface Message {
  /** The type byte as a character; "" for the untyped startup-phase messages, "ssl" for the one-byte SSL answer. */
  readonly type: string
  readonly body: Buffer
}

/**
 * Splits a byte stream into protocol messages: a type byte and an Int32
 * length (that counts itself) per message, except during startup, where
 * messages have no type byte, and the server's one-byte answer to an
 * SSLRequest or GSSENCRequest.
 */
class Framer {
  private chunks: Array<Buffer> = []
  private length = 0
  /** The frontend's startup phase: messages without a type byte. */
  untyped: boolean
  /** One-byte answers (S/N/G) the backend owes to SSL or GSS requests. */
  singleBytes = 0

  constructor(untyped: boolean) {
    this.untyped = untyped
  }

  push(chunk: Buffer): Array<Message> {
    this.chunks.push(chunk)
    this.length += chunk.length
    const messages: Array<Message> = []
    for (;;) {
      if (this.singleBytes > 0) {
        if (this.length < 1) break
        this.singleBytes--
        messages.push({ type: "ssl", body: this.take(1) })
        continue
      }
      const header = this.untyped ? 4 : 5
      if (this.length < header) break
      const head = this.peek(header)
      const total = this.untyped ? head.readInt32BE(0) : 1 + head.readInt32BE(1)
      if (this.length < total) break
      const whole = this.take(total)
      messages.push(
        this.untyped
          ? { type: "", body: whole.subarray(4) }
          : { type: String.fromCharCode(whole[0]!), body: whole.subarray(5) }
      )
    }
    return messages
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0]!
    return first.length >= n ? first.subarray(0, n) : Buffer.concat(this.chunks).subarray(0, n)
  }

  private take(n: number): Buffer {
    const first = this.chunks[0]!
    let out: Buffer
    if (first.length > n) {
      out = first.subarray(0, n)
      this.chunks[0] = first.subarray(n)
    } else if (first.length === n) {
      out = first
      this.chunks.shift()
    } else {
      const all = Buffer.concat(this.chunks)
      out = all.subarray(0, n)
      this.chunks = all.length > n ? [all.subarray(n)] : []
    }
    this.length -= n
    return out
  }
}

/** A NUL-terminated string at `offset`, and where the next field starts. */
const cString = (body: Buffer, offset: number): readonly [string, number] => {
  const end = body.indexOf(0, offset)
  const stop = end === -1 ? body.length : end
  return [body.toString("utf8", offset, stop), stop + 1]
}

interface DropRule {
  readonly match: SqlMatch
  readonly fired: () => void
}

/** One client connection and its server connection. */
class Link {
  readonly fromClient = new Framer(true)
  readonly fromServer = new Framer(false)
  /** Prepared statement name → SQL text, and portal → SQL text, as the client declared them. */
  private readonly statements = new Map<string, string>()
  private readonly portals = new Map<string, string>()
  /** Set once a drop rule fired: the server's replies are swallowed until it is ready again, then both sides die. */
  private doomed: (() => void) | undefined
  private blackHoled: boolean

  constructor(
    readonly client: net.Socket,
    readonly server: net.Socket | undefined,
    private readonly proxy: FaultProxy
  ) {
    this.blackHoled = server === undefined
  }

  /** Reads the SQL each client message runs; returns the SQL of the messages that execute a statement. */
  private executed(messages: ReadonlyArray<Message>): Array<string> {
    const run: Array<string> = []
    for (const { type, body } of messages) {
      switch (type) {
        case "": {
          const code = body.readInt32BE(0)
          if (code === SSL_REQUEST || code === GSSENC_REQUEST) this.fromServer.singleBytes++
          else if (code !== CANCEL_REQUEST) this.fromClient.untyped = false
          break
        }
        case "Q":
          run.push(cString(body, 0)[0])
          break
        case "P": {
          const [name, next] = cString(body, 0)
          this.statements.set(name, cString(body, next)[0])
          break
        }
        case "B": {
          const [portal, next] = cString(body, 0)
          const [statement] = cString(body, next)
          this.portals.set(portal, this.statements.get(statement) ?? "")
          break
        }
        case "E":
          run.push(this.portals.get(cString(body, 0)[0]) ?? "")
          break
      }
    }
    return run
  }

  onClientData(chunk: Buffer) {
    if (this.server === undefined) return
    const run = this.executed(this.fromClient.push(chunk))
    if (this.doomed === undefined) {
      const rule = this.proxy.takeRule(run)
      if (rule !== undefined) this.doomed = rule.fired
    }
    this.server.write(chunk)
  }

  onServerData(chunk: Buffer) {
    const messages = this.fromServer.push(chunk)
    const doomed = this.doomed
    if (doomed !== undefined) {
      // ReadyForQuery: the server has finished the statement (and committed,
      // for a COMMIT) without the client having seen a byte of the answer.
      if (messages.some((m) => m.type === "Z")) {
        this.destroy()
        doomed()
      }
      return
    }
    if (!this.blackHoled) this.client.write(chunk)
  }

  blackHole(on: boolean) {
    if (this.server !== undefined) this.blackHoled = on
  }

  destroy() {
    this.client.destroy()
    this.server?.destroy()
  }
}

/**
 * A proxy listening on 127.0.0.1 at a free port, in front of `target`.
 * Connect through `url` (or `port`).
 */
export class FaultProxy {
  private readonly links = new Set<Link>()
  private rules: Array<DropRule> = []
  private blackHoled = false
  /** Connections the proxy has accepted so far. */
  accepted = 0

  private constructor(
    private readonly listener: net.Server,
    readonly target: { readonly host: string; readonly port: number }
  ) {}

  static listen(target: { readonly host: string; readonly port: number } = { host: "127.0.0.1", port: 5432 }) {
    return new Promise<FaultProxy>((resolve, reject) => {
      const listener = net.createServer()
      const proxy = new FaultProxy(listener, target)
      listener.on("connection", (client) => proxy.accept(client))
      listener.once("error", reject)
      listener.listen(0, "127.0.0.1", () => resolve(proxy))
    })
  }

  get port(): number {
    return (this.listener.address() as net.AddressInfo).port
  }

  /** `url` with its host and port replaced by the proxy's. */
  url(url: string): string {
    const u = new URL(url)
    u.hostname = "127.0.0.1"
    u.port = String(this.port)
    return u.toString()
  }

  /** Connections currently open through the proxy. */
  get open(): number {
    return this.links.size
  }

  private accept(client: net.Socket) {
    this.accepted++
    client.setNoDelay(true)
    // Black-holed: the connection is accepted and never answered, not even by the server.
    const server = this.blackHoled ? undefined : net.connect(this.target.port, this.target.host)
    const link = new Link(client, server, this)
    this.links.add(link)
    const forget = () => {
      if (this.links.delete(link)) link.destroy()
    }
    client.on("data", (chunk) => link.onClientData(chunk))
    client.on("error", forget)
    client.on("close", forget)
    if (server !== undefined) {
      server.setNoDelay(true)
      server.on("data", (chunk) => link.onServerData(chunk))
      server.on("error", forget)
      server.on("close", forget)
    }
  }

  /** The first armed rule any of `executed` matches, disarmed. */
  takeRule(executed: ReadonlyArray<string>): DropRule | undefined {
    const index = this.rules.findIndex((rule) => executed.some((sql) => matches(rule.match, sql)))
    if (index === -1) return undefined
    const [rule] = this.rules.splice(index, 1)
    return rule
  }

  /**
   * Arms a one-shot rule: the next client message that executes a statement
   * matching `match` (a simple Query, or an Execute of a Parse'd statement)
   * is forwarded, the server runs it to completion, and then the connection
   * is dropped before any of the server's answer reaches the client. The
   * promise resolves once that has happened.
   */
  dropAfter(match: SqlMatch): Promise<void> {
    return new Promise((resolve) => {
      this.rules.push({ match, fired: resolve })
    })
  }

  /** Destroys every open connection, on both sides. New connections are still accepted. */
  cutAll() {
    for (const link of this.links) link.destroy()
    this.links.clear()
  }

  /**
   * Stops forwarding the server's replies on every open connection without
   * closing anything; new connections are accepted and never answered.
   * `blackHole(false)` forwards again (what was swallowed stays lost).
   */
  blackHole(on = true) {
    this.blackHoled = on
    for (const link of this.links) link.blackHole(on)
  }

  close(): Promise<void> {
    this.rules = []
    this.cutAll()
    return new Promise((resolve) => this.listener.close(() => resolve()))
  }
}

/** A proxy in front of PostgreSQL for the scope, closed with it. */
export const faultProxy = (
  target?: { readonly host: string; readonly port: number }
): Effect.Effect<FaultProxy, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => FaultProxy.listen(target)),
    (proxy) => Effect.promise(() => proxy.close())
  )

/** The host and port of a PostgreSQL URL, for `faultProxy`'s target. */
export const targetOf = (url: string) => {
  const u = new URL(url)
  return { host: u.hostname || "127.0.0.1", port: u.port === "" ? 5432 : Number(u.port) }
}
