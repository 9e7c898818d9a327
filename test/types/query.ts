/**
 * Type tests of the query builder, checked by `tsc -p tsconfig.json
 * --noEmit`: result types are inferred, never annotated, and say what each
 * dialect reads back.
 */
import { expectTypeOf } from "@effect/vitest"
import type * as Effect from "effect/Effect"
import * as Query from "../../src/Query.js"
import type * as Session from "../../src/Session.js"
import type * as Table from "../../src/Table.js"
import { Comment, Post, postAuthor, postComments, Tag, User, userPosts } from "../fixtures/blog.js"
import { recentTaggedPosts } from "../suites/query.js"

declare const session: Session.Session
type Rows<E> = E extends Effect.Effect<Array<infer A>, any, any> ? A : never

// Joins keep the query's own rows; joined columns are usable in where and orderBy.
const joined = Query.select(Post).pipe(Query.join(postAuthor), Query.where(Query.eq(User.columns.emailVerified, true)), Query.orderBy(User.columns.name))
expectTypeOf<Query.Row<typeof joined>>().toEqualTypeOf<Table.Type<typeof Post>>()
const all = session.all(joined)
expectTypeOf<Rows<typeof all>>().toEqualTypeOf<Table.Type<typeof Post>>()
const allProjected = session.all(Query.select(Post).pipe(Query.join(postAuthor), Query.fields({ author: User.columns.name })))
expectTypeOf<Rows<typeof allProjected>>().toEqualTypeOf<{ readonly author: string }>()

// Projections: columns of left-joined tables are nullable, aggregates say what they read back.
const projected = Query.select(User).pipe(
  Query.leftJoin(userPosts),
  Query.groupBy(User.columns.id, User.columns.name),
  Query.fields({
    name: User.columns.name,
    firstPost: Query.min(Post.columns.createdAt),
    posts: Query.count(Post.columns.id),
    likes: Query.sum(Post.columns.likes),
    likesBig: Query.sum(Post.columns.likes, { as: "bigint" }),
    meanRating: Query.avg(Post.columns.rating, { as: "number" }),
    title: Post.columns.title
  })
)
expectTypeOf<Query.Row<typeof projected>>().toEqualTypeOf<{
  readonly name: string
  readonly firstPost: Date | null
  readonly posts: number
  readonly likes: string | null
  readonly likesBig: bigint | null
  readonly meanRating: number | null
  readonly title: string | null
}>()

// Subqueries: scalar and countOf in projections.
const withCounts = Query.select(Post).pipe(Query.fields({
  id: Post.columns.id,
  comments: Query.countOf(postComments, Query.like(Comment.columns.body, "%!")),
  firstComment: Query.scalar(Query.select(Comment).pipe(
    Query.correlate(Post),
    Query.where(Query.compare(Comment.columns.postId, "=", Post.columns.id)),
    Query.fields({ body: Query.min(Comment.columns.body) })
  ))
}))
expectTypeOf<Query.Row<typeof withCounts>>().toEqualTypeOf<{ readonly id: number; readonly comments: number; readonly firstComment: string | null }>()

// The query: one expression, its row type inferred.
expectTypeOf<Query.Row<ReturnType<typeof recentTaggedPosts>>>().toEqualTypeOf<{
  readonly id: number
  readonly title: string
  readonly author: string
  readonly tags: ReadonlyArray<string> | null
  readonly comments: number
}>()

// Values are typed by their column; column comparisons need matching types.
// @ts-expect-error a string compared with an integer column
Query.eq(Post.columns.likes, "3")
// @ts-expect-error a date column compared with a text column
Query.compare(Post.columns.createdAt, "=", Post.columns.title)
// @ts-expect-error between takes values of the column's type
Query.between(Post.columns.createdAt, 1, 2)

// Joined columns are in scope only after the join; fields of an unjoined table are refused.
// @ts-expect-error users is not joined
Query.select(Post).pipe(Query.fields({ author: User.columns.name }))
// @ts-expect-error a relation must start from a table of the query
Query.select(Tag).pipe(Query.join(postAuthor))
// @ts-expect-error a subquery refers to an outer table only after Query.correlate
Query.select(Comment).pipe(Query.where(Query.compare(Comment.columns.postId, "=", Post.columns.id)))
// @ts-expect-error skipLocked and noWait exclude each other
Query.forUpdate({ skipLocked: true, noWait: true })
// @ts-expect-error a date column cannot be summed
Query.sum(Post.columns.createdAt)
