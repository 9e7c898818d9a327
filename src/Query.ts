/**
 * A small typed select builder over a `Table`: conditions on its columns,
 * ordering, paging and eager loading of relations. A query is a plain
 * immutable value; a `Session` runs it (`all`, `first`, `one`, `oneOrNone`,
 * `count`, `stream`, `update`, `delete`).
 *
 * ```ts
 * const adults = Query.select(User).pipe(
 *   Query.where(Query.gte(User.columns.age, 18), Query.like(User.columns.email, "%@example.com")),
 *   Query.orderBy(User.columns.name),
 *   Query.limit(10)
 * )
 * const rows = yield* session.all(adults)
 * ```
 *
 * @since 0.1.0
 */
import { type Pipeable, pipeArguments } from "effect/Pipeable"
import type * as Column from "./Column.js"
import type * as Relation from "./Relation.js"
import type * as Table from "./Table.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("effect-sqlservice/Query")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * A condition on columns, built with `eq`, `and`, `inArray`, ...
 *
 * @since 0.1.0
 * @category models
 */
export type Condition =
  | { readonly _tag: "Compare"; readonly op: "=" | "<>" | "<" | "<=" | ">" | ">="; readonly column: Column.ColumnRef; readonly value: unknown }
  | { readonly _tag: "In"; readonly negated: boolean; readonly column: Column.ColumnRef; readonly values: ReadonlyArray<unknown> }
  | { readonly _tag: "Like"; readonly column: Column.ColumnRef; readonly pattern: string }
  | { readonly _tag: "IsNull"; readonly negated: boolean; readonly column: Column.ColumnRef }
  | { readonly _tag: "And" | "Or"; readonly conditions: ReadonlyArray<Condition> }
  | { readonly _tag: "Not"; readonly condition: Condition }

/**
 * @since 0.1.0
 * @category models
 */
export type Direction = "asc" | "desc"

/**
 * @since 0.1.0
 * @category models
 */
export interface Order {
  readonly column: Column.ColumnRef
  readonly direction: Direction
}

/**
 * A select over `T`, whose rows are `Table.Type<T>` plus the relations loaded
 * with `with` (`W`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Select<T extends Table.Any, W = {}> extends Pipeable {
  readonly [TypeId]: { readonly _W: (_: never) => W }
  readonly table: T
  readonly condition: Condition | undefined
  readonly order: ReadonlyArray<Order>
  readonly limit: number | undefined
  readonly offset: number | undefined
  readonly relations: Relation.Spec
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Any {
  readonly [TypeId]: { readonly _W: (_: never) => unknown }
  readonly table: Table.Any
  readonly condition: Condition | undefined
  readonly order: ReadonlyArray<Order>
  readonly limit: number | undefined
  readonly offset: number | undefined
  readonly relations: Relation.Spec
}

/**
 * The row type a query returns.
 *
 * @since 0.1.0
 * @category models
 */
export type Row<Q> = Q extends Select<infer T, infer W> ? Table.Type<T> & W : never

const SelectProto = {
  pipe() {
    return pipeArguments(this, arguments)
  }
}

const makeSelect = <T extends Table.Any, W>(fields: Omit<Select<T, W>, TypeId | "pipe">): Select<T, W> =>
  Object.assign(Object.create(SelectProto), { [TypeId]: { _W: (_: never) => _ }, ...fields })

/**
 * @since 0.1.0
 * @category guards
 */
export const isSelect = (u: unknown): u is Any => typeof u === "object" && u !== null && TypeId in u

/**
 * Every row of `table`, in no particular order until `orderBy`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const select = <T extends Table.Any>(table: T): Select<T> =>
  makeSelect({ table, condition: undefined, order: [], limit: undefined, offset: undefined, relations: {} })

/**
 * Adds conditions, all of which must hold (and with any earlier `where`).
 *
 * @since 0.1.0
 * @category combinators
 */
export const where = (...conditions: ReadonlyArray<Condition>) =>
<T extends Table.Any, W>(self: Select<T, W>): Select<T, W> => {
  const all = self.condition === undefined ? conditions : [self.condition, ...conditions]
  return makeSelect({ ...self, condition: all.length === 1 ? all[0]! : { _tag: "And", conditions: all } })
}

/**
 * Equality on fields by name, like sqlservice's `filter_by(name="x")`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const filterBy = <T extends Table.Any>(values: Partial<Table.Type<T>>) =>
<W>(self: Select<T, W>): Select<T, W> =>
  where(
    ...Object.entries(values as Record<string, unknown>).map(([field, value]): Condition => {
      const column = self.table.columns[field] ?? unknownField(self.table, field)
      return value === null ? { _tag: "IsNull", negated: false, column } : { _tag: "Compare", op: "=", column, value }
    })
  )(self)

// An unknown field becomes a column the compiler rejects with a SchemaError naming it.
const unknownField = (table: Table.Any, field: string): Column.ColumnRef =>
  ({ table: table.name, field, name: field }) as unknown as Column.ColumnRef

/**
 * @since 0.1.0
 * @category combinators
 */
export const orderBy = <A>(column: Column.ColumnRef<string, string, A>, direction: Direction = "asc") =>
<T extends Table.Any, W>(self: Select<T, W>): Select<T, W> =>
  makeSelect({ ...self, order: [...self.order, { column, direction }] })

/**
 * @since 0.1.0
 * @category combinators
 */
export const limit = (n: number) => <T extends Table.Any, W>(self: Select<T, W>): Select<T, W> =>
  makeSelect({ ...self, limit: n })

/**
 * @since 0.1.0
 * @category combinators
 */
export const offset = (n: number) => <T extends Table.Any, W>(self: Select<T, W>): Select<T, W> =>
  makeSelect({ ...self, offset: n })

/**
 * Loads relations eagerly, one statement per relation level (`IN` lists
 * chunked), never one per parent row.
 *
 * ```ts
 * Query.select(User).pipe(Query.with({ devices: Relation.with(userDevices, { keys: deviceKeys }), about: userAbout }))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
const with_ = <S extends Relation.Spec>(relations: S) =>
<T extends Table.Any, W>(self: Select<T, W>): Select<T, W & Relation.Loaded<S>> =>
  makeSelect({ ...self, relations: { ...self.relations, ...relations } }) as any

export {
  /**
   * @since 0.1.0
   * @category combinators
   */
  with_ as with
}

const compare = (op: "=" | "<>" | "<" | "<=" | ">" | ">=") => <A>(column: Column.ColumnRef<string, string, A>, value: A): Condition => ({
  _tag: "Compare",
  op,
  column,
  value
})

/**
 * @since 0.1.0
 * @category conditions
 */
export const eq: <A>(column: Column.ColumnRef<string, string, A>, value: A) => Condition = compare("=")
/**
 * @since 0.1.0
 * @category conditions
 */
export const ne: <A>(column: Column.ColumnRef<string, string, A>, value: A) => Condition = compare("<>")
/**
 * @since 0.1.0
 * @category conditions
 */
export const lt: <A>(column: Column.ColumnRef<string, string, A>, value: A) => Condition = compare("<")
/**
 * @since 0.1.0
 * @category conditions
 */
export const lte: <A>(column: Column.ColumnRef<string, string, A>, value: A) => Condition = compare("<=")
/**
 * @since 0.1.0
 * @category conditions
 */
export const gt: <A>(column: Column.ColumnRef<string, string, A>, value: A) => Condition = compare(">")
/**
 * @since 0.1.0
 * @category conditions
 */
export const gte: <A>(column: Column.ColumnRef<string, string, A>, value: A) => Condition = compare(">=")

/**
 * `column IN (values)`; an empty list matches nothing.
 *
 * @since 0.1.0
 * @category conditions
 */
export const inArray = <A>(column: Column.ColumnRef<string, string, A>, values: ReadonlyArray<A>): Condition => ({
  _tag: "In",
  negated: false,
  column,
  values
})

/**
 * `column NOT IN (values)`; an empty list matches everything.
 *
 * @since 0.1.0
 * @category conditions
 */
export const notIn = <A>(column: Column.ColumnRef<string, string, A>, values: ReadonlyArray<A>): Condition => ({
  _tag: "In",
  negated: true,
  column,
  values
})

/**
 * `column LIKE pattern` (`%` and `_` wildcards; the pattern is a bound parameter).
 *
 * @since 0.1.0
 * @category conditions
 */
export const like = (column: Column.ColumnRef<string, string, string | null | undefined>, pattern: string): Condition => ({
  _tag: "Like",
  column,
  pattern
})

/**
 * @since 0.1.0
 * @category conditions
 */
export const isNull = (column: Column.ColumnRef): Condition => ({ _tag: "IsNull", negated: false, column })

/**
 * @since 0.1.0
 * @category conditions
 */
export const isNotNull = (column: Column.ColumnRef): Condition => ({ _tag: "IsNull", negated: true, column })

/**
 * @since 0.1.0
 * @category conditions
 */
export const and = (...conditions: ReadonlyArray<Condition>): Condition => ({ _tag: "And", conditions })

/**
 * @since 0.1.0
 * @category conditions
 */
export const or = (...conditions: ReadonlyArray<Condition>): Condition => ({ _tag: "Or", conditions })

/**
 * @since 0.1.0
 * @category conditions
 */
export const not = (condition: Condition): Condition => ({ _tag: "Not", condition })
