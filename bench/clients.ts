/**
 * One client per library, opened the way that library's documentation says,
 * with the same connection settings everywhere: SQLite in WAL mode for files,
 * PostgreSQL pools of 10.
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import Sqlite from "better-sqlite3"
import { drizzle as drizzleSqlite, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3"
import { drizzle as drizzlePg, type NodePgDatabase } from "drizzle-orm/node-postgres"
import { sql as dsql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as SqlClient from "effect/sql/SqlClient"
import { Kysely, PostgresDialect, SqliteDialect, sql as ksql } from "kysely"
import Pg from "pg"
import Cursor from "pg-cursor"
import { Database } from "effect-sqlservice"
import type { Ctx, Kind, Lib } from "./harness.js"

export const POOL_SIZE = 10

const openSqlite = (ctx: Ctx, client: string): Sqlite.Database => {
  const db = new Sqlite(ctx.target.sqliteFile(client))
  if (ctx.target.name === "sqlite-wal") db.pragma("journal_mode = WAL")
  return db
}

const openPool = (ctx: Ctx) => {
  const pool = new Pg.Pool({ connectionString: ctx.target.pgUrl, max: POOL_SIZE })
  pool.on("error", () => {})
  return pool
}

// ---------------------------------------------------------------- raw drivers

export const rawSqlite: Lib<Sqlite.Database> = {
  name: "raw",
  open: async (ctx) => openSqlite(ctx, "raw"),
  exec: async (db, sql) => {
    db.exec(sql)
  },
  query: async (db, sql) => db.prepare(sql).all() as Array<Record<string, unknown>>,
  close: async (db) => {
    db.close()
  }
}

export const rawPg: Lib<Pg.Pool> = {
  name: "raw",
  open: async (ctx) => openPool(ctx),
  exec: async (pool, sql) => void (await pool.query(sql)),
  query: async (pool, sql) => (await pool.query(sql)).rows,
  close: (pool) => pool.end()
}

/**
 * One `pg.Client` opened for the scenario and reused by every statement: the
 * raw reference for ours on a held connection (`db.connect`, a session),
 * which does not go back through a pool between statements either.
 */
export const rawPgHeld: Lib<Pg.Client> = {
  name: "raw held",
  kind: "pg",
  open: async (ctx) => {
    const client = new Pg.Client({ connectionString: ctx.target.pgUrl })
    client.on("error", () => {})
    await client.connect()
    return client
  },
  exec: async (client, sql) => void (await client.query(sql)),
  query: async (client, sql) => (await client.query(sql)).rows,
  close: (client) => client.end()
}

// ---------------------------------------------------------------- Effect clients

export interface EffectClient<R> {
  readonly runtime: ManagedRuntime.ManagedRuntime<R, unknown>
  readonly sql: SqlClient.SqlClient
}

const effectLib = <R, X>(
  name: string,
  kind: Kind | undefined,
  layer: (ctx: Ctx) => Layer.Layer<R, unknown>,
  extra: (runtime: ManagedRuntime.ManagedRuntime<R, unknown>) => Promise<X>
): Lib<EffectClient<R> & X> => ({
  name,
  kind,
  open: async (ctx) => {
    const runtime = ManagedRuntime.make(layer(ctx))
    const sql = await runtime.runPromise(Effect.service(SqlClient.SqlClient) as Effect.Effect<SqlClient.SqlClient, never, R>)
    return Object.assign({ runtime, sql }, await extra(runtime))
  },
  exec: (c, text) => c.runtime.runPromise(Effect.asVoid(c.sql.unsafe(text))),
  query: (c, text) => c.runtime.runPromise(c.sql.unsafe<Record<string, unknown>>(text)),
  close: (c) => c.runtime.dispose()
})

/**
 * `effect/sql` with Effect's own PostgreSQL client, `@effect/sql-pg` 4: its
 * own wire protocol (no `pg`), statements prepared by name and cached per
 * connection (its default). PostgreSQL only: Effect 4 has no working SQLite
 * client (bench/README.md says why).
 */
export const effectSql = effectLib(
  "@effect/sql-pg",
  "pg",
  (ctx): Layer.Layer<SqlClient.SqlClient, unknown> =>
    PgClient.layer({ url: Redacted.make(ctx.target.pgUrl), maxConnections: POOL_SIZE }),
  async () => ({})
)

export const sqliteUrl = (file: string) => file === ":memory:" ? "sqlite://:memory:" : `sqlite:///${file}`

/** Ours: `Database.layer`, which also provides its `SqlClient` (`db.sql`). */
export const ours = effectLib<Database.Database | SqlClient.SqlClient, { readonly db: Database.Database }>(
  "ours",
  undefined,
  (ctx) =>
    Database.layer({
      url: ctx.target.kind === "sqlite" ? sqliteUrl(ctx.target.sqliteFile("ours")) : ctx.target.pgUrl,
      poolSize: POOL_SIZE
    }),
  async (runtime) => ({ db: await runtime.runPromise(Database.Database) })
)

/**
 * Ours in pooler mode (`pooler: "transaction"`, every statement unnamed),
 * connected straight to the server: the mode changes only what ours does, so
 * no PgBouncer is needed to measure it. PostgreSQL only.
 */
export const oursPooler = effectLib<Database.Database | SqlClient.SqlClient, { readonly db: Database.Database }>(
  "ours pooler",
  "pg",
  (ctx) => Database.layer({ url: ctx.target.pgUrl, poolSize: POOL_SIZE, pooler: "transaction", preparedStatements: false }),
  async (runtime) => ({ db: await runtime.runPromise(Database.Database) })
)

// ---------------------------------------------------------------- Drizzle

export interface DrizzleSqlite {
  readonly db: BetterSQLite3Database<Record<string, unknown>>
  readonly client: Sqlite.Database
}

/** Drizzle over better-sqlite3; `schema` (tables and relations) enables `db.query`. */
export const drizzleSqliteLib = (schema: (ctx: Ctx) => Record<string, unknown> = () => ({})): Lib<DrizzleSqlite> => ({
  name: "drizzle",
  open: async (ctx) => {
    const client = openSqlite(ctx, "drizzle")
    return { client, db: drizzleSqlite({ client, schema: schema(ctx) }) }
  },
  exec: async (c, text) => void c.db.run(dsql.raw(text)),
  query: async (c, text) => c.db.all<Record<string, unknown>>(dsql.raw(text)),
  close: async (c) => {
    c.client.close()
  }
})

export interface DrizzlePg {
  readonly db: NodePgDatabase<Record<string, unknown>>
  readonly pool: Pg.Pool
}

export const drizzlePgLib = (schema: (ctx: Ctx) => Record<string, unknown> = () => ({})): Lib<DrizzlePg> => ({
  name: "drizzle",
  open: async (ctx) => {
    const pool = openPool(ctx)
    return { pool, db: drizzlePg({ client: pool, schema: schema(ctx) }) }
  },
  exec: async (c, text) => void (await c.db.execute(dsql.raw(text))),
  query: async (c, text) => (await c.db.execute<Record<string, unknown>>(dsql.raw(text))).rows,
  close: (c) => c.pool.end()
})

// ---------------------------------------------------------------- Kysely

export interface KyselyClient {
  // Table names carry a per-run prefix, so the schema type stays open.
  readonly db: Kysely<any>
}

export const kysely: Lib<KyselyClient> = {
  name: "kysely",
  open: async (ctx) => ({
    db: new Kysely<any>({
      dialect: ctx.target.kind === "sqlite"
        ? new SqliteDialect({ database: openSqlite(ctx, "kysely") })
        : new PostgresDialect({ pool: openPool(ctx), cursor: Cursor })
    })
  }),
  exec: async (c, text) => void (await ksql.raw(text).execute(c.db)),
  query: async (c, text) => (await ksql.raw<Record<string, unknown>>(text).execute(c.db)).rows,
  close: (c) => c.db.destroy()
}
