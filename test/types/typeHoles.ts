/**
 * Type tests of the session API (issue 17, item 7), checked by `tsc -p
 * tsconfig.json --noEmit`: primary keys of `get`, the value of `scalar`,
 * relations returned by `save(..., { with })`, nullable columns on insert.
 */
import { expectTypeOf } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import * as Hooks from "../../src/Hooks.js"
import * as Query from "../../src/Query.js"
import type * as Session from "../../src/Session.js"
import type * as Table from "../../src/Table.js"
import { Category, Post, PostTag, User, userPosts } from "../fixtures/blog.js"

declare const session: Session.Session
type Success<E> = E extends Effect.Effect<infer A, any, any> ? A : never

// get: the key is the table's primary-key type.
session.get(User, 1)
// @ts-expect-error a string is not the integer key of users
session.get(User, "1")
// @ts-expect-error a tuple of two is not the one-column key of users
session.getOrFail(User, [1, 2])
session.get(User, [1])
session.get(User, { id: 1 })
// Composite keys: a tuple in key order, or a record.
session.get(PostTag, [1, 2])
session.get(PostTag, { postId: 1, tagId: 2 })
// @ts-expect-error a composite key is not one value
session.get(PostTag, 1)
// @ts-expect-error a tuple of one is not the two-column key
session.get(PostTag, [1])
// @ts-expect-error the key's values are integers
session.get(PostTag, ["1", 2])
// @ts-expect-error a record needs every key field
session.getOrFail(PostTag, { postId: 1 })
expectTypeOf<Table.PrimaryKey<typeof PostTag>>().toEqualTypeOf<
  readonly [number, number] | { readonly postId: number; readonly tagId: number }
>()
// A table known only as Table.Any keeps any key.
declare const anyTable: Table.Any
session.get(anyTable, "whatever")

// scalar: the value of a one-column projection.
const count = session.scalar(Query.select(Post).pipe(Query.fields({ n: Query.count() })))
expectTypeOf<Success<typeof count>>().toEqualTypeOf<Option.Option<number>>()
const title = session.scalar(Query.select(Post).pipe(Query.fields({ title: Post.columns.title }), Query.limit(1)))
expectTypeOf<Success<typeof title>>().toEqualTypeOf<Option.Option<string>>()
const raw = session.scalar("SELECT 1")
expectTypeOf<Success<typeof raw>>().toEqualTypeOf<Option.Option<unknown>>()

// save with relations: the saved relations are there, not optional.
const saved = session.save(User, { name: "A", email: "a@x", emailVerified: true, posts: [] }, { with: { posts: userPosts } })
expectTypeOf<Success<typeof saved>["posts"]>().toEqualTypeOf<ReadonlyArray<Table.Type<typeof Post>>>()
const savedAll = session.saveAll(User, [{ name: "A", email: "a@x", emailVerified: true }], { with: { posts: userPosts } })
expectTypeOf<Success<typeof savedAll>[number]["posts"]>().toEqualTypeOf<ReadonlyArray<Table.Type<typeof Post>>>()

// Nullable columns are optional on insert (they default to NULL).
expectTypeOf<Table.Insert<typeof Post>>().toEqualTypeOf<{
  readonly id?: number
  readonly authorId: number
  readonly title: string
  readonly createdAt: Date
  readonly likes: number
  readonly views: bigint
  readonly rating: string
  readonly editorId?: number | null
}>()
session.insert(Post, { authorId: 1, title: "t", createdAt: new Date(0), likes: 0, views: 0n, rating: "1" })
session.save(Category, { id: 1, name: "c" })
// @ts-expect-error a non-nullable column without a default is still required
session.insert(Post, { authorId: 1, createdAt: new Date(0), likes: 0, views: 0n, rating: "1" })

// Hooks (item 8): before-hooks may return the row to write, of the table's insert type.
Hooks.withHooks(User, {
  beforeSave: (row) => Effect.succeed({ ...row, email: row.email.toLowerCase() }),
  beforeInsert: () => Effect.void,
  afterSave: (row) => Effect.log(row.id)
})
Hooks.withHooks(User, {
  // @ts-expect-error a returned row must fit the table
  beforeUpdate: (row) => Effect.succeed({ ...row, email: 1 })
})
