/**
 * Many-to-many relations through a link table (`Relation.manyToMany`):
 * eager loading in one statement per level, nested saves that make the link
 * rows match, rollback of a failing nested save, concurrent saves, and
 * `Query.has`/`countOf` through the link. Expected values come from the
 * seed in JavaScript; the same suite runs on both dialects.
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import type * as SqlClient from "effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Query from "../../src/Query.js"
import * as Relation from "../../src/Relation.js"
import * as Session from "../../src/Session.js"
import * as Table from "../../src/Table.js"
import { Post, PostTag, postTagList, Tag, tagPostList, tables, User } from "../fixtures/blog.js"
import type { MakeLayer } from "../support/layers.js"

const tagNames = ["effect", "sql", "ts"]
const tagsOf = (i: number) => tagNames.filter((_, k) => i % (k + 2) === 0)

const postRow = (i: number) => ({
  authorId: 1,
  title: `Post ${i}`,
  createdAt: new Date(Date.UTC(2024, 0, 1 + (i % 28))),
  likes: i,
  views: BigInt(i),
  rating: "1.5",
  editorId: null
})

const seed = (posts: number) =>
  Effect.scoped(Effect.gen(function*() {
    const s = yield* Database.session
    yield* s.save(User, { name: "Ada", email: "ada@example.com", emailVerified: true })
    yield* s.saveAll(Tag, tagNames.map((name) => ({ name })))
    if (posts > 0) yield* s.saveAll(Post, Array.from({ length: posts }, (_, k) => postRow(k + 1)))
    const links = Array.from({ length: posts }, (_, k) => tagsOf(k + 1).map((t) => ({ postId: k + 1, tagId: tagNames.indexOf(t) + 1 }))).flat()
    if (links.length > 0) yield* s.saveAll(PostTag, links)
    yield* s.commit
  }))

const inSession = <A, E, R>(f: (s: Session.Session) => Effect.Effect<A, E, R>) =>
  Effect.scoped(Effect.flatMap(Database.session, (s) => Effect.tap(f(s), () => s.commit)))

/** Tag names per post id, as stored. */
const storedLinks = inSession((s) =>
  Effect.map(
    s.all(Query.select(Post).pipe(Query.orderBy(Post.columns.id), Query.with({ tags: postTagList }))),
    (posts) => new Map(posts.map((p) => [p.id, p.tags.map((t) => t.name)]))
  )
)

/** People following people: a link of a table to itself. */
const Person = Table.make("people", { id: Schema.Int.pipe(Column.primaryKey), name: Schema.String })
const Follow = Table.make("follows", {
  followerId: Schema.Int.pipe(Column.references(() => Person.columns.id)),
  followedId: Schema.Int.pipe(Column.references(() => Person.columns.id))
}, { columnNames: "snake_case", primaryKey: ["followerId", "followedId"] })

interface Trace {
  readonly statements: Array<string>
}

export const suite = (name: string, makeLayer: MakeLayer) => {
  const test = <A, E>(
    title: string,
    posts: number,
    body: (trace: Trace) => Effect.Effect<A, E, Database.Database | SqlClient.SqlClient>,
    timeout?: number
  ) =>
    it.effect(title, () => {
      const trace: Trace = { statements: [] }
      return Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.createAll()
        yield* seed(posts)
        trace.statements.length = 0
        return yield* body(trace)
      }).pipe(
        Effect.provide(makeLayer({ tables: [...tables, Person, Follow], onStatement: (sql) => trace.statements.push(sql) })),
        Effect.scoped
      ) as Effect.Effect<A, unknown>
    }, timeout)

  describe(`${name}: many-to-many`, () => {
    test("with loads the tags of 1500 posts through the link table in one statement, nested relations in one more", 1500, (trace) =>
      Effect.gen(function*() {
        const posts = yield* inSession((s) =>
          s.all(Query.select(Post).pipe(Query.orderBy(Post.columns.id), Query.with({ tags: postTagList })))
        )
        expectTypeOf(posts[0]!.tags).toEqualTypeOf<ReadonlyArray<Table.Type<typeof Tag>>>()
        expect(posts).toHaveLength(1500)
        for (const p of posts) expect(p.tags.map((t) => t.name)).toEqual(tagsOf(p.id))
        // posts, tags (BEGIN/COMMIT aside)
        expect(trace.statements.filter((sql) => sql.startsWith("SELECT"))).toHaveLength(2)
        expect(trace.statements.some((sql) => sql.includes("post_tags"))).toBe(true)

        trace.statements.length = 0
        const nested = yield* inSession((s) =>
          s.all(Query.select(Post).pipe(
            Query.where(Query.lte(Post.columns.id, 12)),
            Query.orderBy(Post.columns.id),
            Query.with({ tags: Relation.with(postTagList, { posts: tagPostList }) })
          ))
        )
        expect(trace.statements.filter((sql) => sql.startsWith("SELECT"))).toHaveLength(3)
        // Tag "effect" is on every second post of all 1500.
        const effect = nested[1]!.tags.find((t) => t.name === "effect")!
        expect(effect.posts).toHaveLength(750)
        expectTypeOf(effect.posts[0]!.title).toEqualTypeOf<string>()

        // toDict: everything loaded by default; columns only with the table; chosen relations to a depth.
        const post = nested[1]!
        const columns = { id: post.id, authorId: 1, title: post.title, createdAt: post.createdAt, likes: 2, views: 2n, rating: post.rating, editorId: null }
        expect(Object.keys(Table.toDict(post))).toEqual([...Object.keys(columns), "tags"])
        expect(Table.toDict(post, { table: Post })).toEqual(columns)
        const oneLevel = Table.toDict(post, { table: Post, with: { tags: Relation.with(postTagList, { posts: tagPostList }) }, depth: 1 })
        expect(oneLevel).toEqual({ ...columns, tags: [{ id: 1, name: "effect" }] })
        const twoLevels = Table.toDict(post, { table: Post, with: { tags: Relation.with(postTagList, { posts: tagPostList }) } })
        expect((twoLevels.tags as Array<any>)[0].posts).toHaveLength(750)
        expect(Object.keys((twoLevels.tags as Array<any>)[0].posts[0])).toEqual(Object.keys(columns))
      }), 60_000)

    test("save with tags creates the tags and links, removes links no longer listed, and re-saves without writing links", 6, (trace) =>
      Effect.gen(function*() {
        const saved = yield* inSession((s) =>
          s.save(Post, { ...postRow(100), tags: [{ name: "new" }, { id: 1, name: "effect" }] }, { with: { tags: postTagList } })
        )
        // Saved with `with`: the relation is there, not optional.
        expectTypeOf(saved.tags).toEqualTypeOf<ReadonlyArray<Table.Type<typeof Tag>>>()
        expect(saved.tags.map((t) => t.name)).toEqual(["new", "effect"])
        const fresh = saved.tags[0]!
        expect((yield* storedLinks).get(saved.id)).toEqual(["effect", "new"])

        // Drop "effect", add "sql": one link deleted, one inserted; the tag "effect" itself stays.
        trace.statements.length = 0
        const again = yield* inSession((s) =>
          s.save(Post, { ...saved, tags: [fresh, { id: 2, name: "sql" }] }, { with: { tags: postTagList } })
        )
        expect(again.tags.map((t) => t.name)).toEqual(["new", "sql"])
        expect(trace.statements.filter((sql) => sql.startsWith("DELETE FROM \"post_tags\""))).toHaveLength(1)
        expect(trace.statements.filter((sql) => sql.startsWith("INSERT INTO \"post_tags\""))).toHaveLength(1)
        expect((yield* storedLinks).get(saved.id)).toEqual(["sql", "new"])
        expect(yield* inSession((s) => s.count(Query.select(Tag).pipe(Query.filterBy({ name: "effect" }))))).toBe(1)

        // The same list again: nothing to change in the link table.
        trace.statements.length = 0
        yield* inSession((s) => s.save(Post, { ...saved, tags: [fresh, { id: 2, name: "sql" }] }, { with: { tags: postTagList } }))
        expect(trace.statements.some((sql) => /^(INSERT INTO|DELETE FROM) "post_tags"/.test(sql))).toBe(false)

        // A post saved without its tags keeps its links, and comes back with them loaded.
        const { tags: _, ...row } = saved
        const untouched = yield* inSession((s) => s.save(Post, { ...row, title: "renamed" }, { with: { tags: postTagList } }))
        expect(untouched.tags.map((t) => t.name)).toEqual(["sql", "new"])
        expect((yield* storedLinks).get(saved.id)).toEqual(["sql", "new"])

        // An empty list removes every link of the post, and only of that post.
        const before = yield* storedLinks
        yield* inSession((s) => s.save(Post, { ...saved, tags: [] }, { with: { tags: postTagList } }))
        const after = yield* storedLinks
        expect(after.get(saved.id)).toEqual([])
        for (let i = 1; i <= 6; i++) expect(after.get(i)).toEqual(before.get(i))
      }))

    test("saveAll shares a tag listed by several posts: saved once, with its last values", 0, () =>
      Effect.gen(function*() {
        const saved = yield* inSession((s) =>
          s.saveAll(Post, [
            { ...postRow(1), tags: [{ id: 3, name: "ts" }, { id: 3, name: "ts" }] },
            { ...postRow(2), tags: [{ id: 3, name: "typescript" }] }
          ], { with: { tags: postTagList } })
        )
        expect(saved.map((p) => p.tags.map((t) => t.name))).toEqual([["typescript"], ["typescript"]])
        const links = yield* storedLinks
        expect(saved.map((p) => links.get(p.id))).toEqual([["typescript"], ["typescript"]])
      }))

    test("a failing nested save rolls back the post, the new tags and the links", 4, () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const before = yield* storedLinks
        const error = yield* Effect.flip(db.begin(Effect.gen(function*() {
          const s = yield* Session.Session
          yield* s.save(Post, { id: 1, ...postRow(1), tags: [{ id: 1, name: "effect" }] }, { with: { tags: postTagList } })
          // "sql" exists: the tag insert fails after the post and the link above were written.
          return yield* s.save(Post, { ...postRow(50), tags: [{ name: "brand-new" }, { name: "sql" }] }, { with: { tags: postTagList } })
        })))
        expect(DatabaseError.isDatabaseError(error) && error.reason).toMatchObject({ _tag: "ConstraintError", kind: "unique" })
        expect(yield* storedLinks).toEqual(before)
        expect(yield* inSession((s) => s.count(Query.select(Post)))).toBe(4)
        expect(yield* inSession((s) => s.count(Query.select(Tag)))).toBe(3)
      }))

    test("concurrent saves of different posts with tags each get their own links", 0, () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const saved = yield* Effect.all(
          Array.from({ length: 8 }, (_, k) =>
            db.begin(Effect.gen(function*() {
              const s = yield* Session.Session
              return yield* s.save(Post, { ...postRow(k), tags: tagsOf(k).map((t) => ({ id: tagNames.indexOf(t) + 1, name: t })) }, {
                with: { tags: postTagList }
              })
            }))),
          { concurrency: 4 }
        )
        const links = yield* storedLinks
        saved.forEach((p, k) => {
          expect(p.tags.map((t) => t.name)).toEqual(tagsOf(k))
          expect(links.get(p.id)).toEqual(tagsOf(k))
        })
      }))

    test("Query.has and Query.countOf go through the link table", 30, () =>
      Effect.gen(function*() {
        const tagged = yield* inSession((s) =>
          s.all(Query.select(Post).pipe(
            Query.where(Query.has(postTagList, Query.eq(Tag.columns.name, "sql"))),
            Query.orderBy(Post.columns.id)
          ))
        )
        expect(tagged.map((p) => p.id)).toEqual(Array.from({ length: 30 }, (_, k) => k + 1).filter((i) => tagsOf(i).includes("sql")))
        const counts = yield* inSession((s) =>
          s.all(Query.select(Post).pipe(
            Query.fields({ id: Post.columns.id, tags: Query.countOf(postTagList) }),
            Query.orderBy(Post.columns.id)
          ))
        )
        expect(counts).toEqual(Array.from({ length: 30 }, (_, k) => ({ id: k + 1, tags: tagsOf(k + 1).length })))
        const untagged = yield* inSession((s) =>
          s.count(Query.select(Tag).pipe(Query.where(Query.not(Query.has(tagPostList)))))
        )
        expect(untagged).toBe(0)
        // A join cannot name the link table's columns: refused, pointing at the explicit joins.
        const joined = yield* Effect.flip(inSession((s) => s.all(Query.select(Post).pipe(Query.join(postTagList)))))
        expect(joined.reason._tag).toBe("SchemaError")
        expect(joined.reason.message).toContain("goes through post_tags")
      }))

    test("a link of a table to itself needs \"on\": without it a SchemaError, with it loads and saves", 0, () =>
      Effect.gen(function*() {
        const ambiguous = Relation.manyToMany(Person, Person, { through: Follow })
        const error = yield* Effect.flip(inSession((s) => s.all(Query.select(Person).pipe(Query.with({ follows: ambiguous })))))
        expect(error.reason._tag).toBe("SchemaError")
        expect(error.reason.message).toContain("pass \"on\" to Relation.manyToMany")

        const follows = Relation.manyToMany(Person, Person, {
          through: Follow,
          on: { source: { source: ["id"], target: ["followerId"] }, target: { source: ["id"], target: ["followedId"] } }
        })
        const followers = Relation.manyToMany(Person, Person, {
          through: Follow,
          on: { source: { source: ["id"], target: ["followedId"] }, target: { source: ["id"], target: ["followerId"] } }
        })
        yield* inSession((s) =>
          s.saveAll(Person, [
            { id: 1, name: "a", follows: [{ id: 2, name: "b" }, { id: 3, name: "c" }] },
            { id: 2, name: "b", follows: [{ id: 3, name: "c" }] }
          ], { with: { follows } })
        )
        const people = yield* inSession((s) =>
          s.all(Query.select(Person).pipe(Query.orderBy(Person.columns.id), Query.with({ follows, followers })))
        )
        expect(people.map((p) => [p.name, p.follows.map((f) => f.name), p.followers.map((f) => f.name)])).toEqual([
          ["a", ["b", "c"], []],
          ["b", ["c"], ["a"]],
          ["c", [], ["a", "b"]]
        ])
      }))

    test("a link table without a foreign key to a side is a SchemaError naming both tables", 0, () =>
      Effect.gen(function*() {
        const Loose = Table.make("loose_links", {
          postId: Schema.Int.pipe(Column.references(() => Post.columns.id)),
          tagId: Schema.Int
        }, { columnNames: "snake_case", primaryKey: ["postId", "tagId"] })
        const loose = Relation.manyToMany(Post, Tag, { through: Loose })
        const error = yield* Effect.flip(inSession((s) => s.all(Query.select(Post).pipe(Query.with({ tags: loose })))))
        expect(error.reason._tag).toBe("SchemaError")
        expect(error.reason.message).toContain("posts → tags through loose_links")
        expect(error.reason.message).toContain("no foreign key from loose_links to tags")
      }))
  })
}
