/**
 * The query builder beyond one table's rows, on a blog (users, posts, tags,
 * post_tags, comments): joins and projections, aggregates, subqueries, more
 * conditions, row locks and keyset paging. Expected values are computed from
 * the seed rows in JavaScript, and every query runs on both dialects with the
 * same results.
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import type * as SqlClient from "effect/sql/SqlClient"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Query from "../../src/Query.js"
import * as Session from "../../src/Session.js"
import type * as Table from "../../src/Table.js"
import {
  Category,
  Comment,
  Post,
  postAuthor,
  postComments,
  PostTag,
  postTags,
  postTagTag,
  subcategories,
  Tag,
  tagPostTags,
  tables,
  User,
  userPosts
} from "../fixtures/blog.js"
import type { MakeLayer } from "../support/layers.js"

// The seed, and what the queries should find in it.
const users = [
  { name: "Ada", email: "ada@example.com", emailVerified: true },
  { name: "Bob", email: "bob@example.com", emailVerified: false },
  { name: "Ärger Öl", email: "aerger@example.com", emailVerified: true },
  { name: "Dee", email: "dee@example.com", emailVerified: true }
]
const tagNames = ["effect", "sql", "ts"]
const POSTS = 12
const posts = Array.from({ length: POSTS }, (_, k) => {
  const i = k + 1
  return {
    id: i,
    authorId: i % 3 === 0 ? 3 : i % 3 === 1 ? 1 : 2,
    title: `Post ${i}`,
    createdAt: new Date(Date.UTC(2024, 0, i)),
    likes: (i * 10) % 7,
    views: BigInt(i) * 1000n,
    rating: ["1.25", "2.5", "0.125"][i % 3]!,
    editorId: i % 4 === 0 ? 2 : null
  }
})
const tagsOf = (i: number) => [i % 2 === 0 ? "effect" : undefined, i % 3 === 0 ? "sql" : undefined, i % 5 === 0 ? "ts" : undefined]
  .filter((t): t is string => t !== undefined)
const commentsOf = (i: number) => i % 4
const authorOf = (i: number) => users[posts[i - 1]!.authorId - 1]!

/** `units / 10^scale / count` to 16 places, truncated toward zero, trailing zeros dropped: how averages read. */
const average = (units: bigint, scale: number, count: number) => {
  const q = (units * 10n ** 16n) / (BigInt(count) * 10n ** BigInt(scale))
  const digits = q.toString().padStart(17, "0")
  return `${digits.slice(0, -16)}.${digits.slice(-16)}`.replace(/0+$/, "").replace(/\.$/, "")
}

const seed = Effect.scoped(Effect.gen(function*() {
  const s = yield* Database.session
  yield* s.saveAll(User, users)
  yield* s.saveAll(Tag, tagNames.map((name) => ({ name })))
  yield* s.saveAll(Post, posts)
  yield* s.saveAll(PostTag, posts.flatMap((p) => tagsOf(p.id).map((t) => ({ postId: p.id, tagId: tagNames.indexOf(t) + 1 }))))
  yield* s.saveAll(Comment, posts.flatMap((p) => Array.from({ length: commentsOf(p.id) }, (_, c) => ({ postId: p.id, body: `c${c}` }))))
  yield* s.commit
}))

/** Statements seen by the layer of the running test. */
interface Trace {
  readonly statements: Array<string>
}

const inSession = <A, E, R>(f: (s: Session.Session) => Effect.Effect<A, E, R>) =>
  Effect.scoped(Effect.flatMap(Database.session, (s) => Effect.tap(f(s), () => s.commit)))

/**
 * The Done-when query of the issue: the 10 most recent posts by authors with
 * a verified email, tagged `tag`, with their tag names and comment counts,
 * locked for update (skipping rows other transactions hold). The README
 * shows the same expression.
 */
export const recentTaggedPosts = (tag: string) =>
  Query.select(Post).pipe(
    Query.join(postAuthor),
    Query.where(
      Query.eq(User.columns.emailVerified, true),
      Query.has(postTags, Query.has(postTagTag, Query.eq(Tag.columns.name, tag)))
    ),
    Query.fields({
      id: Post.columns.id,
      title: Post.columns.title,
      author: User.columns.name,
      tags: Query.scalar(Query.select(Tag).pipe(
        Query.correlate(Post),
        Query.join(tagPostTags),
        Query.where(Query.compare(PostTag.columns.postId, "=", Post.columns.id)),
        Query.fields({ names: Query.arrayAgg(Tag.columns.name) })
      )),
      comments: Query.countOf(postComments)
    }),
    Query.orderBy(Post.columns.createdAt, "desc"),
    Query.orderBy(Post.columns.id, "desc"),
    Query.limit(10),
    Query.forUpdate({ of: [Post], skipLocked: true })
  )

export const suite = (name: string, makeLayer: MakeLayer, options: { readonly rowLocks: boolean }) => {
  const test = <A, E>(
    title: string,
    body: (trace: Trace) => Effect.Effect<A, E, Database.Database | SqlClient.SqlClient>,
    timeout?: number
  ) =>
    it.effect(title, () => {
      const trace: Trace = { statements: [] }
      return Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        yield* seed
        trace.statements.length = 0
        return yield* body(trace)
      }).pipe(
        Effect.provide(makeLayer({ tables, onStatement: (sql) => trace.statements.push(sql) })),
        Effect.scoped
      ) as Effect.Effect<A, unknown>
    }, timeout)

  const selects = (trace: Trace) => trace.statements.filter((s) => s.startsWith("SELECT"))

  describe(`query builder (${name})`, () => {
    describe("joins and projections", () => {
      test("a join on a relation filters by the joined table and returns the query's own rows, in one statement", (trace) =>
        inSession((s) =>
          Effect.gen(function*() {
            const rows = yield* s.all(Query.select(Post).pipe(
              Query.join(postAuthor),
              Query.where(Query.eq(User.columns.emailVerified, false)),
              Query.orderBy(Post.columns.id)
            ))
            expectTypeOf(rows).toEqualTypeOf<Array<Table.Type<typeof Post>>>()
            expect(rows).toEqual(posts.filter((p) => !authorOf(p.id).emailVerified))
            expect(selects(trace)).toHaveLength(1)
          })
        ))

      test("fields picks columns of joined tables; a left join's columns are null where nothing matched", () =>
        inSession((s) =>
          Effect.gen(function*() {
            const rows = yield* s.all(Query.select(User).pipe(
              Query.leftJoin(userPosts),
              Query.fields({ user: User.columns.name, post: Post.columns.title, at: Post.columns.createdAt }),
              Query.orderBy(User.columns.id),
              Query.orderBy(Post.columns.id)
            ))
            expectTypeOf(rows).toEqualTypeOf<Array<{ readonly user: string; readonly post: string | null; readonly at: Date | null }>>()
            const expected = users.flatMap((u, k): Array<{ user: string; post: string | null; at: Date | null }> => {
              const own = posts.filter((p) => p.authorId === k + 1)
              return own.length === 0 ? [{ user: u.name, post: null, at: null }] : own.map((p) => ({ user: u.name, post: p.title, at: p.createdAt }))
            })
            expect(rows).toEqual(expected)
          })
        ))

      test("a join on an explicit condition, and distinct", () =>
        inSession((s) =>
          Effect.gen(function*() {
            const rows = yield* s.all(Query.select(Post).pipe(
              Query.join(User, Query.compare(Post.columns.authorId, "=", User.columns.id)),
              Query.fields({ author: User.columns.name }),
              Query.distinct,
              Query.orderBy(User.columns.name)
            ))
            expect(rows).toEqual([...new Set(posts.map((p) => authorOf(p.id).name))].sort().map((author) => ({ author })))
          })
        ))

      test("a column of a table the query does not have is a SchemaError naming the query's tables", () =>
        inSession((s) =>
          Effect.gen(function*() {
            // Untyped (a Condition without its tables), as from JavaScript: the run-time check answers.
            const condition: Query.Condition = Query.eq(Tag.columns.name, "x")
            const error = yield* Effect.flip(s.all(Query.select(Post).pipe(Query.join(postAuthor), Query.where(condition))))
            expect(error.reason._tag).toBe("SchemaError")
            expect(error.message).toContain("tags.name is not a column of the query's tables (posts, users)")
          })
        ))

      test("a table joined twice is refused before any SQL runs", (trace) =>
        inSession((s) =>
          Effect.gen(function*() {
            const error = yield* Effect.flip(s.all(Query.select(Post).pipe(Query.join(postAuthor), Query.join(postAuthor))))
            expect(error.reason._tag).toBe("SchemaError")
            expect(error.message).toContain("table users is joined twice")
            expect(selects(trace)).toEqual([])
          })
        ))
    })

    describe("aggregates", () => {
      test("count, groupBy and having: counts are numbers on both dialects", () =>
        inSession((s) =>
          Effect.gen(function*() {
            const rows = yield* s.all(Query.select(Post).pipe(
              Query.join(postAuthor),
              Query.groupBy(User.columns.name),
              Query.having(Query.gte(Query.count(), 4)),
              Query.fields({ author: User.columns.name, posts: Query.count(), editors: Query.countDistinct(Post.columns.editorId) }),
              Query.orderBy(User.columns.name)
            ))
            expectTypeOf(rows).toEqualTypeOf<Array<{ readonly author: string; readonly posts: number; readonly editors: number }>>()
            const expected = users.map((u, k) => ({
              author: u.name,
              posts: posts.filter((p) => p.authorId === k + 1).length,
              editors: new Set(posts.filter((p) => p.authorId === k + 1 && p.editorId !== null).map((p) => p.editorId)).size
            })).filter((r) => r.posts >= 4).sort((a, b) => a.author < b.author ? -1 : 1)
            expect(rows).toEqual(expected)

            // A sum compared with exact text: the value is cast to NUMERIC (SQLite orders every number before any text).
            const likesOf = (author: number) => posts.filter((p) => p.authorId === author).reduce((n, p) => n + p.likes, 0)
            const bound = Math.min(likesOf(1), likesOf(2), likesOf(3))
            const heavy = yield* s.all(Query.select(Post).pipe(
              Query.groupBy(Post.columns.authorId),
              Query.having(Query.gt(Query.sum(Post.columns.likes), String(bound))),
              Query.fields({ author: Post.columns.authorId }),
              Query.orderBy(Post.columns.authorId)
            ))
            expect(heavy.map((r) => r.author)).toEqual([1, 2, 3].filter((a) => likesOf(a) > bound))
            expect(heavy.length).toBeGreaterThan(0)
          })
        ))

      test("sum and avg are exact decimal text by default, bigint or number on request", () =>
        inSession((s) =>
          Effect.gen(function*() {
            const row = yield* s.one(Query.select(Post).pipe(Query.fields({
              likes: Query.sum(Post.columns.likes),
              likesBig: Query.sum(Post.columns.likes, { as: "bigint" }),
              likesNumber: Query.sum(Post.columns.likes, { as: "number" }),
              avgLikes: Query.avg(Post.columns.likes),
              avgLikesNumber: Query.avg(Post.columns.likes, { as: "number" }),
              rating: Query.sum(Post.columns.rating),
              avgRating: Query.avg(Post.columns.rating),
              firstAt: Query.min(Post.columns.createdAt),
              lastTitle: Query.max(Post.columns.title)
            })))
            expectTypeOf(row).toEqualTypeOf<{
              readonly likes: string | null
              readonly likesBig: bigint | null
              readonly likesNumber: number | null
              readonly avgLikes: string | null
              readonly avgLikesNumber: number | null
              readonly rating: string | null
              readonly avgRating: string | null
              readonly firstAt: Date | null
              readonly lastTitle: string | null
            }>()
            const likes = posts.reduce((n, p) => n + p.likes, 0)
            // Ratings in thousandths, to add them exactly.
            const rating = posts.reduce((n, p) => n + Math.round(Number(p.rating) * 1000), 0)
            expect(row).toEqual({
              likes: String(likes),
              likesBig: BigInt(likes),
              likesNumber: likes,
              avgLikes: average(BigInt(likes), 0, POSTS),
              avgLikesNumber: likes / POSTS,
              rating: String(rating / 1000),
              avgRating: average(BigInt(rating), 3, POSTS),
              firstAt: posts[0]!.createdAt,
              lastTitle: posts.map((p) => p.title).sort().at(-1)
            })
          })
        ))

      test("sums past 2^53 are exact; an average is truncated after 16 places, the same on both dialects", () =>
        inSession((s) =>
          Effect.gen(function*() {
            yield* s.update(Query.select(Post).pipe(Query.where(Query.eq(Post.columns.id, 1))), { views: 9007199254740991n })
            yield* s.update(Query.select(Post).pipe(Query.where(Query.gt(Post.columns.id, 1))), { views: 2n })
            const row = yield* s.one(Query.select(Post).pipe(Query.where(Query.lte(Post.columns.id, 3)), Query.fields({
              exact: Query.sum(Post.columns.views),
              big: Query.sum(Post.columns.views, { as: "bigint" }),
              third: Query.avg(Post.columns.likes)
            })))
            const third = posts.slice(0, 3).reduce((n, p) => n + p.likes, 0)
            expect(row.exact).toBe("9007199254740995")
            expect(row.big).toBe(9007199254740995n)
            // A number could not have held it.
            expect(BigInt(Number(row.exact))).not.toBe(9007199254740995n)
            expect(third % 3).not.toBe(0)
            expect(row.third).toBe(`${Math.floor(third / 3)}.${(third % 3 === 1 ? "3" : "6").repeat(16)}`)
            expect(row.third).toBe(average(BigInt(third), 0, 3))
          })
        ))

      test("an empty group: sum and avg are null, count 0, arrayAgg []", () =>
        inSession((s) =>
          Effect.gen(function*() {
            const row = yield* s.one(Query.select(Post).pipe(
              Query.where(Query.gt(Post.columns.id, 1000)),
              Query.fields({ n: Query.count(), total: Query.sum(Post.columns.likes), mean: Query.avg(Post.columns.rating), titles: Query.arrayAgg(Post.columns.title) })
            ))
            expect(row).toEqual({ n: 0, total: null, mean: null, titles: [] })
          })
        ))

      test("sum of a text column is refused with an InputError", () =>
        inSession((s) =>
          Effect.gen(function*() {
            // The type allows string columns (NUMERIC ones are strings); the column's SQL type decides.
            const error = yield* Effect.flip(s.all(Query.select(Post).pipe(Query.fields({ x: Query.sum(Post.columns.title) }))))
            expect(error.reason._tag).toBe("InputError")
            expect(error.message).toContain("sum of posts.title: needs an integer, NUMERIC or floating-point column")
          })
        ))
    })

    describe("subqueries", () => {
      test("has through a link table: posts that have a tag named X", () =>
        inSession((s) =>
          Effect.gen(function*() {
            const tagged = (tag: string) =>
              Effect.map(s.all(Query.select(Post).pipe(
                Query.where(Query.has(postTags, Query.has(postTagTag, Query.eq(Tag.columns.name, tag)))),
                Query.orderBy(Post.columns.id)
              )), (rows) => rows.map((p) => p.id))
            for (const tag of tagNames) expect(yield* tagged(tag)).toEqual(posts.filter((p) => tagsOf(p.id).includes(tag)).map((p) => p.id))
            expect(yield* tagged("nope")).toEqual([])
          })
        ))

      test("exists / notExists with a correlated subquery", () =>
        inSession((s) =>
          Effect.gen(function*() {
            const commented = Query.select(Comment).pipe(Query.correlate(Post), Query.where(Query.compare(Comment.columns.postId, "=", Post.columns.id)))
            const ids = (condition: Query.Condition<"posts">) =>
              Effect.map(s.all(Query.select(Post).pipe(Query.where(condition), Query.orderBy(Post.columns.id))), (rows) => rows.map((p) => p.id))
            expect(yield* ids(Query.exists(commented))).toEqual(posts.filter((p) => commentsOf(p.id) > 0).map((p) => p.id))
            expect(yield* ids(Query.notExists(commented))).toEqual(posts.filter((p) => commentsOf(p.id) === 0).map((p) => p.id))
          })
        ))

      test("in a subquery, and scalar subqueries and countOf in a projection", () =>
        inSession((s) =>
          Effect.gen(function*() {
            const verifiedAuthors = Query.select(User).pipe(Query.where(Query.eq(User.columns.emailVerified, true)), Query.fields({ id: User.columns.id }))
            const rows = yield* s.all(Query.select(Post).pipe(
              Query.where(Query.inSubquery(Post.columns.authorId, verifiedAuthors)),
              Query.fields({
                id: Post.columns.id,
                comments: Query.countOf(postComments),
                longComments: Query.countOf(postComments, Query.like(Comment.columns.body, "c1%")),
                author: Query.scalar(Query.select(User).pipe(
                  Query.correlate(Post),
                  Query.where(Query.compare(User.columns.id, "=", Post.columns.authorId)),
                  Query.fields({ name: User.columns.name })
                ))
              }),
              Query.orderBy(Post.columns.id)
            ))
            expectTypeOf(rows).toEqualTypeOf<
              Array<{ readonly id: number; readonly comments: number; readonly longComments: number; readonly author: string | null }>
            >()
            expect(rows).toEqual(posts.filter((p) => authorOf(p.id).emailVerified).map((p) => ({
              id: p.id,
              comments: commentsOf(p.id),
              longComments: commentsOf(p.id) >= 2 ? 1 : 0,
              author: authorOf(p.id).name
            })))
            const notIn = yield* s.count(Query.select(Post).pipe(Query.where(Query.notInSubquery(Post.columns.authorId, verifiedAuthors))))
            expect(notIn).toBe(posts.filter((p) => !authorOf(p.id).emailVerified).length)
          })
        ))

      test("has and countOf over a relation of a table to itself tell the inner rows from the outer one", () =>
        inSession((s) =>
          Effect.gen(function*() {
            yield* s.saveAll(Category, [
              { id: 1, parentId: null, name: "root" },
              { id: 2, parentId: 1, name: "a" },
              { id: 3, parentId: 1, name: "b" },
              { id: 4, parentId: 2, name: "a1" }
            ])
            const rows = yield* s.all(Query.select(Category).pipe(
              Query.where(Query.has(subcategories, Query.like(Category.columns.name, "a%"))),
              Query.fields({ id: Category.columns.id, children: Query.countOf(subcategories) }),
              Query.orderBy(Category.columns.id)
            ))
            expect(rows).toEqual([{ id: 1, children: 2 }, { id: 2, children: 1 }])
          })
        ))
    })

    describe("conditions", () => {
      test("between, column comparisons and raw fragments with bound values", () =>
        inSession((s) =>
          Effect.gen(function*() {
            const ids = <W>(q: Query.Select<typeof Post, W>) => Effect.map(s.all(q.pipe(Query.orderBy(Post.columns.id))), (rows) => rows.map((p) => p.id))
            const from = new Date(Date.UTC(2024, 0, 3))
            const to = new Date(Date.UTC(2024, 0, 6))
            expect(yield* ids(Query.select(Post).pipe(Query.where(Query.between(Post.columns.createdAt, from, to))))).toEqual([3, 4, 5, 6])
            expect(yield* ids(Query.select(Post).pipe(Query.where(Query.notBetween(Post.columns.id, 2, 11))))).toEqual([1, 12])
            expect(yield* ids(Query.select(Post).pipe(Query.where(Query.compare(Post.columns.likes, ">", Post.columns.id))))).toEqual(
              posts.filter((p) => p.likes > p.id).map((p) => p.id)
            )
            expect(yield* ids(Query.select(Post).pipe(Query.where(Query.compare(Post.columns.editorId, "=", Post.columns.authorId))))).toEqual(
              posts.filter((p) => p.editorId === p.authorId).map((p) => p.id)
            )
            const injection = "'; DROP TABLE posts; --"
            expect(yield* ids(Query.select(Post).pipe(Query.where(Query.sql`length(${Post.columns.title}) > ${6} AND ${Post.columns.title} <> ${injection}`)))).toEqual(
              posts.filter((p) => p.title.length > 6).map((p) => p.id)
            )
            const raw = yield* s.all(Query.select(Post).pipe(Query.where(Query.eq(Post.columns.id, 2)), Query.fields({ doubled: Query.sql`${Post.columns.likes} * ${2}` })))
            expect(raw.map((r) => Number(r.doubled))).toEqual([posts[1]!.likes * 2])
          })
        ))

      test("a Query.sql fragment that is not one expression is an InputError and nothing is sent", (trace) =>
        inSession((s) =>
          Effect.gen(function*() {
            const tenant = Query.eq(Post.columns.authorId, 1)
            const fragments = [
              Query.sql`${Post.columns.id} > ${0} --`,
              Query.sql`${Post.columns.id} > ${0}; DELETE FROM posts`,
              Query.sql`${Post.columns.id} > $1 OR ${Post.columns.id} > ${0}`,
              Query.sql`${Post.columns.title} LIKE '%${"x"}%'`,
              Query.sql`(${Post.columns.id} > ${0}`,
              Query.sql`${Post.columns.id} > ${0} /* a comment */`
            ]
            for (const fragment of fragments) {
              trace.statements.length = 0
              const error = yield* Effect.flip(s.all(Query.select(Post).pipe(Query.where(Query.and(fragment, tenant)))))
              expect(DatabaseError.hasReason(error, "InputError"), error.message).toBe(true)
              expect(error.message).toContain("Query.sql fragment")
              expect(trace.statements).toEqual([])
            }
            // The same text written as one expression with bound values runs.
            const rows = yield* s.all(Query.select(Post).pipe(Query.where(Query.and(Query.sql`${Post.columns.title} LIKE '%' || ${"o"} || '%'`, tenant))))
            expect(rows.map((p) => p.id).sort((a, b) => a - b)).toEqual(posts.filter((p) => p.authorId === 1 && p.title.includes("o")).map((p) => p.id))
          })
        ))

      test("ilike ignores case beyond ASCII on both dialects; like keeps it", () =>
        inSession((s) =>
          Effect.gen(function*() {
            const names = (condition: Query.Condition<"users">) =>
              Effect.map(s.all(Query.select(User).pipe(Query.where(condition), Query.orderBy(User.columns.id))), (rows) => rows.map((u) => u.name))
            expect(yield* names(Query.ilike(User.columns.name, "ärger%"))).toEqual(["Ärger Öl"])
            expect(yield* names(Query.ilike(User.columns.name, "%Ö%"))).toEqual(["Ärger Öl"])
            expect(yield* names(Query.ilike(User.columns.name, "ADA"))).toEqual(["Ada"])
            expect(yield* names(Query.like(User.columns.name, "ärger%"))).toEqual([])
          })
        ))
    })

    describe("keyset paging and row locks", () => {
      test("after(cursor) pages through the order without repeats or gaps, also descending and with fields", () =>
        inSession((s) =>
          Effect.gen(function*() {
            const base = Query.select(Post).pipe(Query.orderBy(Post.columns.likes, "desc"), Query.orderBy(Post.columns.id), Query.limit(5))
            const seen: Array<number> = []
            let page = yield* s.all(base)
            while (page.length > 0) {
              seen.push(...page.map((p) => p.id))
              page = yield* s.all(base.pipe(Query.after(page.at(-1)!)))
            }
            const expected = [...posts].sort((a, b) => b.likes - a.likes || a.id - b.id).map((p) => p.id)
            expect(seen).toEqual(expected)

            // An ordered expression with a parameter of its own, selected under a name the cursor uses.
            const score = Query.sql`${Post.columns.likes} * ${3}`
            const byScore = Query.select(Post).pipe(
              Query.fields({ id: Post.columns.id, score }),
              Query.orderBy(score, "desc"),
              Query.orderBy(Post.columns.id),
              Query.limit(7)
            )
            const top = yield* s.all(byScore)
            const rest = yield* s.all(byScore.pipe(Query.after(top.at(-1)!)))
            expect([...top, ...rest].map((r) => r.id)).toEqual(expected)

            const projected = Query.select(Post).pipe(
              Query.fields({ key: Post.columns.id, at: Post.columns.createdAt }),
              Query.orderBy(Post.columns.createdAt, "desc"),
              Query.orderBy(Post.columns.id, "desc"),
              Query.limit(4)
            )
            const first = yield* s.all(projected)
            const second = yield* s.all(projected.pipe(Query.after(first.at(-1)!)))
            expect([...first, ...second].map((r) => r.key)).toEqual([12, 11, 10, 9, 8, 7, 6, 5])
          })
        ))

      test("after without orderBy, or a cursor without an ordered field, is an InputError", () =>
        inSession((s) =>
          Effect.gen(function*() {
            const unordered = yield* Effect.flip(s.all(Query.select(Post).pipe(Query.after({ id: 3 }))))
            expect(unordered.reason._tag).toBe("InputError")
            expect(unordered.message).toContain("after(cursor) needs an orderBy")
            const missing = yield* Effect.flip(s.all(Query.select(Post).pipe(Query.orderBy(Post.columns.likes), Query.orderBy(Post.columns.id), Query.after({ id: 3 }))))
            expect(missing.message).toContain("the cursor has no value for likes")
          })
        ))

      test(`forUpdate ${options.rowLocks ? "locks rows (FOR UPDATE OF ... SKIP LOCKED)" : "runs without a locking clause (SQLite's write lock covers the transaction)"}`, (trace) =>
        inSession((s) =>
          Effect.gen(function*() {
            const rows = yield* s.all(Query.select(Post).pipe(Query.orderBy(Post.columns.id), Query.limit(2), Query.forUpdate({ of: [Post], skipLocked: true })))
            expect(rows.map((p) => p.id)).toEqual([1, 2])
            yield* s.all(Query.select(Post).pipe(Query.limit(1), Query.forShare({ noWait: true })))
            expect(selects(trace).map((sql) => /FOR (UPDATE|SHARE)/.exec(sql)?.[0] ?? "")).toEqual(options.rowLocks ? ["FOR UPDATE", "FOR SHARE"] : ["", ""])
            expect(selects(trace).some((sql) => sql.includes("SKIP LOCKED"))).toBe(options.rowLocks)
          })
        ))

      test("a lock with distinct, groupBy or aggregates is refused on both dialects before any SQL", (trace) =>
        inSession((s) =>
          Effect.gen(function*() {
            const grouped = yield* Effect.flip(s.all(Query.select(Post).pipe(Query.fields({ n: Query.count() }), Query.forUpdate())))
            expect(grouped.reason._tag).toBe("InputError")
            expect(grouped.message).toContain("FOR UPDATE cannot lock the rows of a query with DISTINCT, GROUP BY, HAVING or aggregates")
            const distinct = yield* Effect.flip(s.all(Query.select(Post).pipe(Query.distinct, Query.forShare())))
            expect(distinct.message).toContain("FOR SHARE cannot lock")
            expect(selects(trace)).toEqual([])
          })
        ))
    })

    describe("the issue's query", () => {
      test("10 most recent posts by verified authors, tagged X, with tag names and comment counts, for update skip locked", (trace) =>
        inSession((s) =>
          Effect.gen(function*() {
            const rows = yield* s.all(recentTaggedPosts("effect"))
            expectTypeOf(rows).toEqualTypeOf<Array<{
              readonly id: number
              readonly title: string
              readonly author: string
              readonly tags: ReadonlyArray<string> | null
              readonly comments: number
            }>>()
            const expected = posts
              .filter((p) => authorOf(p.id).emailVerified && tagsOf(p.id).includes("effect"))
              .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
              .slice(0, 10)
              .map((p) => ({ id: p.id, title: p.title, author: authorOf(p.id).name, tags: [...tagsOf(p.id)].sort(), comments: commentsOf(p.id) }))
            expect(expected.length).toBeGreaterThan(1)
            expect(rows).toEqual(expected)
            expect(selects(trace)).toHaveLength(1)
            expect(selects(trace)[0]!.includes("FOR UPDATE")).toBe(options.rowLocks)
          })
        ))
    })

    describe("reading and writing with the new parts", () => {
      test("count and stream take joined and projected queries; update and delete refuse joins", () =>
        inSession((s) =>
          Effect.gen(function*() {
            const joined = Query.select(Post).pipe(Query.join(postAuthor), Query.where(Query.eq(User.columns.emailVerified, true)))
            const expected = posts.filter((p) => authorOf(p.id).emailVerified)
            expect(yield* s.count(joined)).toBe(expected.length)
            const titles = yield* Stream.runCollect(s.stream(joined.pipe(Query.fields({ title: Post.columns.title }), Query.orderBy(Post.columns.id))))
            expect(titles).toEqual(expected.map((p) => ({ title: p.title })))
            expect(yield* s.first(joined.pipe(Query.fields({ title: Post.columns.title }), Query.orderBy(Post.columns.id)))).toEqual(
              Option.some({ title: expected[0]!.title })
            )
            const error = yield* Effect.flip(s.delete(joined))
            expect(error.reason._tag).toBe("InputError")
            expect(error.message).toContain("takes a query of the table's own rows")
            // Conditions with subqueries are fine in UPDATE and DELETE.
            const deleted = yield* s.delete(Query.select(Comment).pipe(Query.where(Query.sql`${Comment.columns.postId} IN (SELECT id FROM posts WHERE id <= ${4})`)))
            expect(deleted).toBe([1, 2, 3, 4].reduce((n, i) => n + commentsOf(i), 0))
            const untagged = yield* s.update(Query.select(Post).pipe(Query.where(Query.not(Query.has(postTags)))), { likes: 100 })
            expect(untagged).toBe(posts.filter((p) => tagsOf(p.id).length === 0).length)
          })
        ))
    })

    // Not applicable on SQLite: its one connection runs transactions one at a
    // time, so there are no concurrent transactions to skip each other's rows.
    if (options.rowLocks) {
      describe("row locks between transactions", () => {
        const take = (n: number, held: Deferred.Deferred<void>, release: Deferred.Deferred<void>) =>
          Effect.flatMap(Database.Database, (db) =>
            db.begin(Effect.gen(function*() {
              const s = yield* Session.Session
              const rows = yield* s.all(Query.select(Post).pipe(Query.orderBy(Post.columns.id), Query.limit(n), Query.forUpdate({ skipLocked: true })))
              yield* Deferred.succeed(held, undefined)
              yield* Deferred.await(release)
              return rows.map((p) => p.id)
            })))

        test("two workers with forUpdate skipLocked in concurrent transactions take disjoint rows", () =>
          Effect.gen(function*() {
            const heldA = yield* Deferred.make<void>()
            const heldB = yield* Deferred.make<void>()
            const release = yield* Deferred.make<void>()
            const a = yield* Effect.forkChild(take(5, heldA, release))
            yield* Deferred.await(heldA)
            const b = yield* Effect.forkChild(take(5, heldB, release))
            yield* Deferred.await(heldB)
            yield* Deferred.succeed(release, undefined)
            const [first, second] = yield* Effect.all([Fiber.join(a), Fiber.join(b)], { concurrency: 2 })
            expect(first).toEqual([1, 2, 3, 4, 5])
            expect(second).toEqual([6, 7, 8, 9, 10])
          }))

        test("noWait fails at once with a typed error while another transaction holds the row; an interrupted holder lets go", () =>
          Effect.gen(function*() {
            const held = yield* Deferred.make<void>()
            const never = yield* Deferred.make<void>()
            const holder = yield* Effect.forkChild(take(1, held, never))
            yield* Deferred.await(held)
            const db = yield* Database.Database
            const tryLock = db.begin(Effect.flatMap(Session.Session, (s) =>
              s.all(Query.select(Post).pipe(Query.where(Query.eq(Post.columns.id, 1)), Query.forUpdate({ noWait: true })))))
            const error = yield* Effect.flip(tryLock)
            expect(DatabaseError.isDatabaseError(error)).toBe(true)
            expect(error.sql).toContain("FOR UPDATE NOWAIT")
            yield* Fiber.interrupt(holder)
            const rows = yield* tryLock
            expect(rows.map((p) => p.id)).toEqual([1])
          }))
      })
    }
  })
}
