/**
 * Type tests, checked by `tsc -p tsconfig.json --noEmit` (`npm run
 * typecheck`): `where` and `orderBy` take only columns of the query's own
 * tables. Every `@ts-expect-error` below must be needed: before conditions
 * carried their tables, each line compiled, and tsc reported the directive
 * as unused.
 */
import * as Query from "../../src/Query.js"
import { UserDevice } from "../fixtures/sqlservice.js"
import { Post, Tag, User } from "../fixtures/blog.js"

// @ts-expect-error a column of another table in where
Query.select(User).pipe(Query.where(Query.eq(Post.columns.title, "x")))

// @ts-expect-error a column of another table among several conditions
Query.select(User).pipe(Query.where(Query.eq(User.columns.name, "Ada"), Query.isNull(Post.columns.editorId)))

// @ts-expect-error a column of another table inside and/or/not
Query.select(User).pipe(Query.where(Query.or(Query.eq(User.columns.id, 1), Query.not(Query.eq(Tag.columns.name, "x")))))

// @ts-expect-error a column of another table in orderBy
Query.select(User).pipe(Query.orderBy(Post.columns.createdAt))

// @ts-expect-error a table of another fixture in orderBy
Query.select(Post).pipe(Query.orderBy(UserDevice.columns.name, "desc"))

// Columns of the query's own table are fine.
Query.select(User).pipe(
  Query.where(Query.eq(User.columns.name, "Ada"), Query.inArray(User.columns.id, [1, 2])),
  Query.orderBy(User.columns.email, "desc")
)
