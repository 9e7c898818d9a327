/**
 * A join with an aggregate: 1k users × 10 posts; per user with at least 3
 * posts of 10+ likes, their post count and like total, the 20 highest totals:
 *
 *   SELECT u.id, u.name, COUNT(*), SUM(p.likes) FROM posts p JOIN users u ON u.id = p.user_id
 *   WHERE p.likes >= 10 GROUP BY u.id, u.name HAVING COUNT(*) >= 3
 *   ORDER BY SUM(p.likes) DESC, u.id LIMIT 20
 *
 * raw is that text (better-sqlite3 prepared once; pg a named query), Drizzle
 * and Kysely their query builders, ours `Query.join` + `groupBy` + `fields`
 * (its sum is exact decimal text, Drizzle's `sum` text too).
 */
import { count as dcount, desc, eq, gte, sum as dsum } from "drizzle-orm"
import { integer as pgInteger, pgTable, text as pgText } from "drizzle-orm/pg-core"
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { Column, Query, Relation, Table } from "effect-sqlservice"
import { drizzlePgLib, drizzleSqliteLib, kysely, ours, rawPg, rawSqlite } from "../clients.js"
import { type Ctx, implementation, type Implementation, type Kind, type Scenario } from "../harness.js"

const USERS = 1000
const POSTS_PER_USER = 10
const MIN_LIKES = 10
const MIN_POSTS = 3
const TOP = 20

const names = (ctx: Ctx) => ({ users: `${ctx.target.prefix}ja_users`, posts: `${ctx.target.prefix}ja_posts` })

const ddl = (kind: Kind, t: ReturnType<typeof names>): Array<string> => {
  const series = (n: number, select: string, into: string) =>
    kind === "sqlite"
      ? `INSERT INTO ${into} WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n}) SELECT ${select} FROM s`
      : `INSERT INTO ${into} SELECT ${select} FROM generate_series(1, ${n}) i`
  return [
    `CREATE TABLE ${t.users} (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`,
    `CREATE TABLE ${t.posts} (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES ${t.users} (id), likes INTEGER NOT NULL)`,
    `CREATE INDEX ${t.posts}_user_id ON ${t.posts} (user_id)`,
    series(USERS, `i, 'user ' || i`, `${t.users} (id, name)`),
    series(USERS * POSTS_PER_USER, `i, (i - 1) % ${USERS} + 1, (i * 37) % 50`, `${t.posts} (id, user_id, likes)`),
    ...(kind === "pg" ? [`ANALYZE ${t.users}`, `ANALYZE ${t.posts}`] : [])
  ]
}

const rawText = (kind: Kind, t: ReturnType<typeof names>) => {
  const p = (n: number) => kind === "sqlite" ? "?" : `$${n}`
  return `SELECT u.id, u.name, COUNT(*) AS posts, SUM(p.likes) AS likes FROM ${t.posts} p JOIN ${t.users} u ON u.id = p.user_id ` +
    `WHERE p.likes >= ${p(1)} GROUP BY u.id, u.name HAVING COUNT(*) >= ${p(2)} ORDER BY SUM(p.likes) DESC, u.id LIMIT ${p(3)}`
}

/** Throws unless the answer is the top list: 20 rows, totals descending. */
const expectTop = (rows: ReadonlyArray<{ readonly posts: unknown; readonly likes: unknown }>) => {
  if (rows.length !== TOP) throw new Error(`expected ${TOP} rows, got ${rows.length}`)
  for (let i = 1; i < rows.length; i++) {
    if (Number(rows[i]!.likes) > Number(rows[i - 1]!.likes)) throw new Error("totals are not in descending order")
  }
  if (rows.some((r) => Number(r.posts) < MIN_POSTS)) throw new Error("a row below the HAVING bound")
}

const drizzleTables = (kind: Kind, t: ReturnType<typeof names>) =>
  kind === "sqlite"
    ? (() => {
      const users = sqliteTable(t.users, { id: integer("id").primaryKey(), name: text("name").notNull() })
      const posts = sqliteTable(t.posts, { id: integer("id").primaryKey(), userId: integer("user_id").notNull(), likes: integer("likes").notNull() })
      return { users, posts }
    })()
    : (() => {
      const users = pgTable(t.users, { id: pgInteger("id").primaryKey(), name: pgText("name").notNull() })
      const posts = pgTable(t.posts, { id: pgInteger("id").primaryKey(), userId: pgInteger("user_id").notNull(), likes: pgInteger("likes").notNull() })
      return { users, posts }
    })()

const drizzleQuery = (db: any, tables: ReturnType<typeof drizzleTables>) => {
  const { posts, users } = tables as any
  return db.select({ id: users.id, name: users.name, posts: dcount(), likes: dsum(posts.likes) })
    .from(posts)
    .innerJoin(users, eq(users.id, posts.userId))
    .where(gte(posts.likes, MIN_LIKES))
    .groupBy(users.id, users.name)
    .having(gte(dcount(), MIN_POSTS))
    .orderBy(desc(dsum(posts.likes)), users.id)
    .limit(TOP)
}

const oursTables = (ctx: Ctx) => {
  const t = names(ctx)
  const User = Table.make(t.users, { id: Schema.Int.pipe(Column.primaryKey), name: Schema.String })
  const Post = Table.make(t.posts, {
    id: Schema.Int.pipe(Column.primaryKey),
    userId: Schema.Int.pipe(Column.references(() => User.columns.id)),
    likes: Schema.Int
  }, { columnNames: "snake_case" })
  const author = Relation.belongsTo(Post, User)
  return Query.select(Post).pipe(
    Query.join(author),
    Query.where(Query.gte(Post.columns.likes, MIN_LIKES)),
    Query.groupBy(User.columns.id, User.columns.name),
    Query.having(Query.gte(Query.count(), MIN_POSTS)),
    Query.fields({ id: User.columns.id, name: User.columns.name, posts: Query.count(), likes: Query.sum(Post.columns.likes) }),
    Query.orderBy(Query.sum(Post.columns.likes), "desc"),
    Query.orderBy(User.columns.id),
    Query.limit(TOP)
  )
}

export const implementations: Array<Implementation> = [
  implementation({
    name: "raw",
    kind: "sqlite",
    lib: rawSqlite,
    make: (db, ctx) => {
      const statement = db.prepare(rawText("sqlite", names(ctx)))
      return {
        run: async (n) => {
          for (let i = 0; i < n; i++) expectTop(statement.all(MIN_LIKES, MIN_POSTS, TOP) as Array<{ posts: unknown; likes: unknown }>)
        }
      }
    }
  }),
  implementation({
    name: "raw",
    kind: "pg",
    lib: rawPg,
    make: (pool, ctx) => {
      const text = rawText("pg", names(ctx))
      const name = `${ctx.target.prefix}ja`
      return {
        run: async (n) => {
          for (let i = 0; i < n; i++) {
            expectTop((await pool.query({ name, text, values: [MIN_LIKES, MIN_POSTS, TOP] })).rows)
          }
        }
      }
    }
  }),
  implementation({
    name: "ours Query join + groupBy",
    lib: ours,
    make: ({ db, runtime }, ctx) => {
      const query = oursTables(ctx)
      const load = (n: number) =>
        Effect.scoped(Effect.gen(function*() {
          const session = yield* db.session
          for (let i = 0; i < n; i++) expectTop(yield* session.all(query))
        }))
      return { run: (n) => runtime.runPromise(load(n)) }
    }
  }),
  implementation({
    name: "drizzle select",
    kind: "sqlite",
    lib: drizzleSqliteLib(),
    make: ({ db }, ctx) => {
      const query = drizzleQuery(db, drizzleTables("sqlite", names(ctx)))
      return {
        run: async (n) => {
          for (let i = 0; i < n; i++) expectTop(query.all())
        }
      }
    }
  }),
  implementation({
    name: "drizzle select",
    kind: "pg",
    lib: drizzlePgLib(),
    make: ({ db }, ctx) => {
      const query = drizzleQuery(db, drizzleTables("pg", names(ctx)))
      return {
        run: async (n) => {
          for (let i = 0; i < n; i++) expectTop(await query.execute())
        }
      }
    }
  }),
  implementation({
    name: "kysely",
    lib: kysely,
    make: ({ db }, ctx) => {
      const t = names(ctx)
      return {
        run: async (n) => {
          for (let i = 0; i < n; i++) {
            const rows = await db.selectFrom(`${t.posts} as p`)
              .innerJoin(`${t.users} as u`, "u.id", "p.user_id")
              .select(["u.id", "u.name"])
              .select((eb) => [eb.fn.countAll().as("posts"), eb.fn.sum("p.likes").as("likes")])
              .where("p.likes", ">=", MIN_LIKES)
              .groupBy(["u.id", "u.name"])
              .having((eb) => eb.fn.countAll(), ">=", MIN_POSTS)
              .orderBy((eb) => eb.fn.sum("p.likes"), "desc")
              .orderBy("u.id")
              .limit(TOP)
              .execute()
            expectTop(rows as Array<{ posts: unknown; likes: unknown }>)
          }
        }
      }
    }
  })
]

export const scenario: Scenario = {
  name: "join + aggregate top 20 of 1k users × 10 posts",
  unit: "1 query",
  dialects: ["sqlite-memory", "sqlite-wal", "pg"],
  sizing: ({ mode }) => mode.quick ? { opsPerBatch: 5, warmup: 1, rounds: 3 } : { opsPerBatch: 20, warmup: 3, rounds: 20 },
  prepare: async (exec, ctx) => {
    for (const statement of ddl(ctx.target.kind, names(ctx))) await exec(statement)
  },
  cleanup: async (exec, ctx) => {
    const t = names(ctx)
    for (const name of [t.posts, t.users]) await exec(`DROP TABLE IF EXISTS ${name}`)
  },
  implementations
}
