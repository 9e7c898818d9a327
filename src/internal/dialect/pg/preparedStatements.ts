import type Pg from "pg"

// Named statements are parsed and planned once per connection, which is most
// of what a point query costs over loopback. Only statements with parameters
// and a bounded size are named, so IN lists of every length or huge bulk
// inserts do not take a place in the cache.
const MAX_NAMED_PARAMS = 100
const MAX_NAMED_TEXT = 4096

// Texts whose plan went stale are remembered by text (see `failed`); the
// memory is bounded, and forgetting one only costs one needless re-prepare.
const MAX_STALE_TEXTS = 1000

/** @internal */
export interface PreparedStatementsOptions {
  /** Off: every statement is sent unnamed (parsed each time), as a transaction-mode pooler needs. */
  readonly enabled: boolean
  /** The most statements one connection keeps prepared; the least recently used is closed first. */
  readonly cacheSize: number
}

interface Entry {
  readonly name: string
  /** The text's stale-plan count when it was prepared under this name. */
  readonly epoch: number
}

/** What one connection has prepared: text → name, least recently used first. */
interface ClientCache {
  /** Least recently used first: a text used again is moved to the end. */
  readonly entries: Map<string, Entry>
  /** The text at the end of `entries` when it is still there (then a use of it moves nothing). */
  newest: string | undefined
}

/** pg's own record of the statements it has parsed on a connection. */
interface ParsedStatements {
  readonly connection: {
    readonly parsedStatements: Record<string, string>
    readonly submittedNamedStatements: Record<string, string>
  }
}

let databases = 0

// Part of every name: a transaction-mode pooler shares server connections
// between processes, and a name another process prepared for another text
// must never be taken for ours.
const processToken = `${process.pid.toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`

// Texts switched to unnamed after a pooler answered for another server
// connection (see `unname`); bounded like the stale texts.
const MAX_UNNAMED_TEXTS = 1000

/**
 * Closes a prepared statement with the protocol's Close message, queued on
 * the client like any statement, so it never interleaves with one that is
 * running. Unlike `DEALLOCATE`, Close is accepted inside a failed
 * transaction.
 */
class CloseStatement {
  constructor(readonly statement: string) {}
  submit(connection: { close: (msg: { type: "S"; name: string }) => void; sync: () => void }) {
    connection.close({ type: "S", name: this.statement })
    connection.sync()
  }
  handleReadyForQuery() {}
  handleError() {}
}

/**
 * Statement names for one `Database`. Names are unique by construction
 * (the process, this database's number and a counter of the database,
 * never a hash of the text): a name stands for one text prepared on one
 * connection, so a statement that reaches another server connection (a
 * transaction-mode pooler) fails as missing (26000) or duplicate (42P05)
 * instead of running another text. Each connection keeps at most `cacheSize` statements prepared
 * (least recently used first out: closed on the server and forgotten by
 * `pg`), and nothing is shared with another `Database` in the process.
 *
 * @internal
 */
export const make = (options: PreparedStatementsOptions) => {
  const prefix = `esq${processToken}_${++databases}_`
  let nextName = 0
  const caches = new WeakMap<Pg.ClientBase, ClientCache>()
  const stale = new Map<string, number>()
  const unnamed = new Set<string>()

  const cacheOf = (client: Pg.ClientBase): ClientCache => {
    let cache = caches.get(client)
    if (cache === undefined) {
      cache = { entries: new Map(), newest: undefined }
      caches.set(client, cache)
    }
    return cache
  }

  const close = (client: Pg.ClientBase, name: string) => {
    const connection = (client as unknown as ParsedStatements).connection
    delete connection.parsedStatements[name]
    delete connection.submittedNamedStatements[name]
    client.query(new CloseStatement(name) as unknown as Pg.QueryConfig)
  }

  return {
    /**
     * The name `sql` runs under on `client`, or undefined to send it
     * unnamed. Call it right before queueing the statement: a statement it
     * evicts is closed ahead of it on the same client. `reuse`: the caller
     * runs this text again and again (a bulk write's chunks), so it is named
     * whatever its size.
     */
    nameFor: (client: Pg.ClientBase, sql: string, params: ReadonlyArray<unknown>, reuse = false): string | undefined => {
      if (
        !options.enabled || params.length === 0 ||
        (!reuse && (params.length > MAX_NAMED_PARAMS || sql.length > MAX_NAMED_TEXT)) ||
        (unnamed.size > 0 && unnamed.has(sql))
      ) {
        return undefined
      }
      const cache = cacheOf(client)
      const epoch = stale.size === 0 ? 0 : stale.get(sql) ?? 0
      const entry = cache.entries.get(sql)
      if (entry !== undefined) {
        // Already the most recently used (a hot statement run again and again): nothing to move.
        if (entry.epoch === epoch && cache.newest === sql) return entry.name
        cache.entries.delete(sql)
        if (entry.epoch === epoch) {
          cache.entries.set(sql, entry)
          cache.newest = sql
          return entry.name
        }
        close(client, entry.name)
      }
      const name = prefix + (nextName++).toString(36)
      cache.entries.set(sql, { name, epoch })
      cache.newest = sql
      if (cache.entries.size > options.cacheSize) {
        const [oldest, evicted] = cache.entries.entries().next().value!
        cache.entries.delete(oldest)
        close(client, evicted.name)
      }
      return name
    },

    /**
     * A named statement failed. If it never parsed, the server has no such
     * statement to close later. "cached plan must not change result type"
     * (0A000: DDL changed what the statement returns) fails it this once on
     * this connection; every connection of the database then prepares the
     * text afresh under a new name before its next use.
     */
    failed: (client: Pg.ClientBase, sql: string, name: string, code: string | undefined) => {
      const connection = (client as unknown as ParsedStatements).connection
      const cache = caches.get(client)
      if (cache !== undefined && connection.parsedStatements[name] === undefined && cache.entries.get(sql)?.name === name) {
        cache.entries.delete(sql)
      }
      if (code === "0A000") {
        stale.set(sql, (stale.get(sql) ?? 0) + 1)
        if (stale.size > MAX_STALE_TEXTS) stale.delete(stale.keys().next().value!)
      }
    },

    /**
     * A named statement failed as missing (26000) or already existing
     * (42P05): its connection reached another server connection than the one
     * that prepared it, as behind a transaction-mode pooler. The text is sent
     * unnamed from now on by every connection of the database; pg forgets
     * the name, and nothing is closed (a Close would reach some other server
     * connection).
     */
    unname: (client: Pg.ClientBase, sql: string, name: string) => {
      const connection = (client as unknown as ParsedStatements).connection
      delete connection.parsedStatements[name]
      delete connection.submittedNamedStatements[name]
      const cache = caches.get(client)
      if (cache?.entries.get(sql)?.name === name) cache.entries.delete(sql)
      unnamed.add(sql)
      if (unnamed.size > MAX_UNNAMED_TEXTS) unnamed.delete(unnamed.values().next().value!)
    },

    /** How many statements `pg` believes are prepared on these clients. */
    count: (clients: Iterable<Pg.ClientBase>): number => {
      let n = 0
      for (const client of clients) {
        n += Object.keys((client as unknown as ParsedStatements).connection.parsedStatements).length
      }
      return n
    }
  }
}

/** @internal */
export type PreparedStatements = ReturnType<typeof make>
