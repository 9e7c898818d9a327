/**
 * A typed select builder over a `Table`: conditions on its columns,
 * ordering, paging and eager loading of relations; joins, projections of
 * chosen columns and expressions (`fields`), aggregates with `groupBy` /
 * `having`, subqueries, row locks and keyset paging. A query is a plain
 * immutable value compiled to one statement with every value bound; a
 * `Session` runs it (`all`, `first`, `one`, `oneOrNone`, `count`, `stream`,
 * `update`, `delete`).
 *
 * ```ts
 * const adults = Query.select(User).pipe(
 *   Query.where(Query.gte(User.columns.age, 18), Query.like(User.columns.email, "%@example.com")),
 *   Query.orderBy(User.columns.name),
 *   Query.limit(10)
 * )
 * const rows = yield* session.all(adults)
 *
 * const perAuthor = Query.select(Post).pipe(
 *   Query.join(postAuthor),
 *   Query.groupBy(User.columns.name),
 *   Query.fields({ author: User.columns.name, posts: Query.count(), likes: Query.sum(Post.columns.likes) })
 * ) // rows: { author: string; posts: number; likes: string | null }
 * ```
 *
 * Conditions, orderings and fields carry the tables they refer to: `where`
 * on a query without that table is a compile error.
 *
 * @since 0.1.0
 */
import { type Pipeable, pipeArguments } from "effect/Pipeable"
import type * as Types from "effect/Types"
import type * as Column from "./Column.js"
import * as Relation from "./Relation.js"
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
 * @since 0.3.0
 * @category type ids
 */
export const ExprTypeId: unique symbol = Symbol.for("effect-sqlservice/Query/Expr")

/**
 * @since 0.3.0
 * @category type ids
 */
export const ConditionScopeId: unique symbol = Symbol.for("effect-sqlservice/Query/ConditionScope")

/**
 * A raw SQL fragment: text with values in between. A value that is a column,
 * an expression or a condition is written as SQL; anything else is bound as
 * a parameter, as the driver takes it.
 *
 * @since 0.3.0
 * @category models
 */
export interface Fragment {
  readonly strings: ReadonlyArray<string>
  readonly values: ReadonlyArray<unknown>
}

/**
 * What an expression computes.
 *
 * @since 0.3.0
 * @category models
 */
export type ExprNode =
  | {
    readonly _tag: "Aggregate"
    readonly fn: "count" | "sum" | "avg" | "min" | "max" | "arrayAgg"
    readonly argument: Operand | undefined
    readonly distinct: boolean
    /** `exact`: decimal text (sum, avg); `number`; `bigint` (sum of integers). */
    readonly as: "exact" | "number" | "bigint"
  }
  | { readonly _tag: "Scalar"; readonly query: Any }
  | { readonly _tag: "CountOf"; readonly relation: Relation.Any; readonly condition: ConditionNode | undefined }
  | { readonly _tag: "Raw"; readonly fragment: Fragment }

/**
 * A typed SQL expression: `A` is the value it reads back as, `S` the tables
 * it refers to (for type checks against the query's tables).
 *
 * @since 0.3.0
 * @category models
 */
export interface Expr<A, S extends string = never> {
  readonly [ExprTypeId]: { readonly _A: (_: never) => A; readonly _S: (_: never) => S }
  readonly node: ExprNode
}

/**
 * A column or an expression of type `A` over the tables `S`.
 *
 * @since 0.3.0
 * @category models
 */
export type Operand<A = any, S extends string = string> = Column.ColumnRef<S, string, A> | Expr<A, S>

/**
 * @since 0.3.0
 * @category models
 */
export type CompareOp = "=" | "<>" | "<" | "<=" | ">" | ">="

/**
 * The data of a condition.
 *
 * @since 0.3.0
 * @category models
 */
export type ConditionNode =
  | { readonly _tag: "Compare"; readonly op: CompareOp; readonly column: Operand; readonly value: unknown }
  | { readonly _tag: "In"; readonly negated: boolean; readonly column: Operand; readonly values: ReadonlyArray<unknown> }
  | { readonly _tag: "Like"; readonly column: Operand; readonly pattern: string }
  | { readonly _tag: "IsNull"; readonly negated: boolean; readonly column: Operand }
  | { readonly _tag: "And" | "Or"; readonly conditions: ReadonlyArray<ConditionNode> }
  | { readonly _tag: "Not"; readonly condition: ConditionNode }
  | { readonly _tag: "CompareOperands"; readonly op: CompareOp; readonly left: Operand; readonly right: Operand }
  | { readonly _tag: "Between"; readonly negated: boolean; readonly column: Operand; readonly low: unknown; readonly high: unknown }
  | { readonly _tag: "ILike"; readonly column: Operand; readonly pattern: string }
  | { readonly _tag: "Exists"; readonly negated: boolean; readonly query: Any }
  | { readonly _tag: "InQuery"; readonly negated: boolean; readonly column: Operand; readonly query: Any }
  | { readonly _tag: "Has"; readonly relation: Relation.Any; readonly condition: ConditionNode | undefined }
  | { readonly _tag: "Raw"; readonly fragment: Fragment }

/**
 * A condition on columns, built with `eq`, `and`, `inArray`, ... `S` is the
 * set of tables it refers to: `where` takes it only on a query that has
 * those tables (a column of another table is a compile error). A
 * `Condition` written without `S` is not checked.
 *
 * @since 0.1.0
 * @category models
 */
export type Condition<S extends string = any> = ConditionNode & { readonly [ConditionScopeId]?: ((_: never) => S) | undefined }

/**
 * The tables a column, expression or condition refers to.
 *
 * @since 0.3.0
 * @category type-level
 */
export type ScopeOf<X> = X extends Column.ColumnRef<infer TN, any, any> ? TN
  : X extends { readonly [ExprTypeId]: { readonly _S: (_: never) => infer S } } ? S
  : X extends { readonly [ConditionScopeId]?: ((_: never) => infer S) | undefined } ? unknown extends S ? any : S
  : never

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
  readonly column: Operand
  readonly direction: Direction
}

/**
 * A join of the query: on a relation from a table already in the query, or
 * on an explicit condition.
 *
 * @since 0.3.0
 * @category models
 */
export interface Join {
  readonly kind: "inner" | "left"
  readonly table: Table.Any
  readonly relation: Relation.Any | undefined
  readonly on: ConditionNode | undefined
}

/**
 * @since 0.3.0
 * @category models
 */
export interface Lock {
  readonly strength: "update" | "share"
  readonly skipLocked: boolean
  readonly noWait: boolean
  readonly of: ReadonlyArray<Table.Any>
}

/**
 * The parts of a query beyond one table's rows, shared by `Select` and
 * `Projection`.
 *
 * @since 0.3.0
 * @category models
 */
export interface Parts {
  readonly table: Table.Any
  readonly condition: ConditionNode | undefined
  readonly order: ReadonlyArray<Order>
  readonly limit: number | undefined
  readonly offset: number | undefined
  readonly relations: Relation.Spec
  readonly joins: ReadonlyArray<Join>
  readonly projection: Readonly<Record<string, Operand>> | undefined
  readonly distinct: boolean
  readonly groupBy: ReadonlyArray<Operand>
  readonly having: ConditionNode | undefined
  readonly lock: Lock | undefined
  readonly after: Readonly<Record<string, unknown>> | undefined
}

/**
 * A select over `T`, whose rows are `Table.Type<T>` plus the relations loaded
 * with `with` (`W`). `N` names the tables the query can refer to (`T`, joined
 * and correlated tables), `L` those that are left-joined (their columns read
 * back nullable).
 *
 * @since 0.1.0
 * @category models
 */
export interface Select<T extends Table.Any, W = {}, N extends string = T["name"], L extends string = never>
  extends Pipeable, Parts
{
  readonly [TypeId]: { readonly _W: (_: never) => W; readonly _N: (_: N) => void; readonly _L: (_: never) => L }
  readonly table: T
}

/**
 * A select of chosen columns and expressions (`Query.fields`), whose rows are `R`.
 *
 * @since 0.3.0
 * @category models
 */
export interface Projection<R, N extends string = never> extends Pipeable, Parts {
  readonly [TypeId]: { readonly _R: (_: never) => R; readonly _N: (_: N) => void }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Any extends Parts {
  readonly [TypeId]: unknown
}

/**
 * A query whose tables include `S`: what `where`, `orderBy`, ... ask of the
 * query they are applied to.
 *
 * @since 0.3.0
 * @category models
 */
export interface InScope<S extends string> {
  readonly [TypeId]: { readonly _N: (_: S) => void }
}

/**
 * The row type a query returns.
 *
 * @since 0.1.0
 * @category models
 */
export type Row<Q> = Q extends Select<infer T, infer W, any, any> ? Table.Type<T> & W
  : Q extends Projection<infer R, any> ? R
  : never

const variance = { _W: (_: never) => _ }

// One shape for every query value: building a query is on the path of every
// ORM read (`Query.select(T).pipe(where(...))` per lookup), and a copy of an
// object made with Object.create and Object.assign cost more than running a
// SQLite point select. Its fields are the Parts, declared by the interface
// merged with the class and assigned in one order by the constructor.
type Assignable<T> = { -readonly [K in keyof T]: T[K] }
interface SelectValue extends Assignable<Parts> {
  [TypeId]: unknown
}
class SelectValue {
  constructor(fields: Parts) {
    this[TypeId] = variance
    this.table = fields.table
    this.condition = fields.condition
    this.order = fields.order
    this.limit = fields.limit
    this.offset = fields.offset
    this.relations = fields.relations
    this.joins = fields.joins
    this.projection = fields.projection
    this.distinct = fields.distinct
    this.groupBy = fields.groupBy
    this.having = fields.having
    this.lock = fields.lock
    this.after = fields.after
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
}

const makeSelect = <Q>(fields: Parts): Q => new SelectValue(fields) as unknown as Q

type Names<Q> = Q extends { readonly [TypeId]: { readonly _N: (_: infer N) => void } } ? N : never
type LeftNames<Q> = Q extends { readonly [TypeId]: { readonly _L: (_: never) => infer L } } ? L : never

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
  makeSelect({
    table,
    condition: undefined,
    order: [],
    limit: undefined,
    offset: undefined,
    relations: {},
    joins: [],
    projection: undefined,
    distinct: false,
    groupBy: [],
    having: undefined,
    lock: undefined,
    after: undefined
  })

/**
 * Adds conditions, all of which must hold (and with any earlier `where`).
 *
 * @since 0.1.0
 * @category combinators
 */
export const where = <const C extends ReadonlyArray<Condition<any>>>(...conditions: C) =>
<Q extends Any & InScope<ScopeOf<C[number]>>>(self: Q): Q => {
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
<W, N extends string, L extends string>(self: Select<T, W, N, L>): Select<T, W, N, L> =>
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
export const orderBy = <A, S extends string>(column: Operand<A, S>, direction: Direction = "asc") =>
<Q extends Any & InScope<S>>(self: Q): Q => makeSelect({ ...self, order: [...self.order, { column, direction }] })

/**
 * @since 0.1.0
 * @category combinators
 */
export const limit = (n: number) => <Q extends Any>(self: Q): Q => makeSelect({ ...self, limit: n })

/**
 * @since 0.1.0
 * @category combinators
 */
export const offset = (n: number) => <Q extends Any>(self: Q): Q => makeSelect({ ...self, offset: n })

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
<T extends Table.Any, W, N extends string, L extends string>(self: Select<T, W, N, L>): Select<T, W & Relation.Loaded<S>, N, L> =>
  makeSelect({ ...self, relations: { ...self.relations, ...relations } })

export {
  /**
   * @since 0.1.0
   * @category combinators
   */
  with_ as with
}


type JoinTarget = Relation.Any | Table.Any
type Joined<Q, TN extends string, Left extends boolean> = Q extends Select<infer T, infer W, infer N, infer L>
  ? Select<T, W, N | TN, Left extends true ? L | TN : L>
  : never

const joinWith = (kind: "inner" | "left", target: JoinTarget, on: ConditionNode | undefined) => (self: Any): any =>
  makeSelect({
    ...self,
    joins: [...self.joins, {
      kind,
      table: Relation.isRelation(target) ? target.target : target,
      relation: Relation.isRelation(target) ? target : undefined,
      on
    }]
  })

/**
 * `INNER JOIN`: on a relation whose source is already in the query
 * (`Query.join(postAuthor)`), or a table on a condition
 * (`Query.join(User, Query.compare(Post.columns.authorId, "=", User.columns.id))`).
 * Rows stay the query's own rows until `fields` picks columns; the joined
 * table's columns can be used in `where`, `orderBy`, `fields`, ...
 *
 * @since 0.3.0
 * @category joins
 */
export const join: {
  <R extends Relation.Any>(relation: R): <Q extends Select<any, any, any, any> & InScope<R["source"]["name"]>>(
    self: Q
  ) => Joined<Q, R["target"]["name"], false>
  <T2 extends Table.Any, C extends Condition<any>>(table: T2, on: C): <
    Q extends Select<any, any, any, any> & InScope<Exclude<ScopeOf<C>, T2["name"]>>
  >(self: Q) => Joined<Q, T2["name"], false>
} = ((target: JoinTarget, on?: ConditionNode) => joinWith("inner", target, on)) as any

/**
 * `LEFT JOIN`, like `join`; the joined table's columns read back as `A | null`.
 *
 * @since 0.3.0
 * @category joins
 */
export const leftJoin: {
  <R extends Relation.Any>(relation: R): <Q extends Select<any, any, any, any> & InScope<R["source"]["name"]>>(
    self: Q
  ) => Joined<Q, R["target"]["name"], true>
  <T2 extends Table.Any, C extends Condition<any>>(table: T2, on: C): <
    Q extends Select<any, any, any, any> & InScope<Exclude<ScopeOf<C>, T2["name"]>>
  >(self: Q) => Joined<Q, T2["name"], true>
} = ((target: JoinTarget, on?: ConditionNode) => joinWith("left", target, on)) as any


/**
 * Lets a subquery refer to columns of the enclosing query's tables
 * (a correlated subquery): they are not added to its FROM clause.
 *
 * @since 0.3.0
 * @category subqueries
 */
export const correlate = <const Ts extends ReadonlyArray<Table.Any>>(..._tables: Ts) =>
<Q extends Select<any, any, any, any>>(self: Q): Q extends Select<infer T, infer W, infer N, infer L> ? Select<T, W, N | Ts[number]["name"], L> : never =>
  self as any

/**
 * The type of a selected column or expression, given the left-joined tables `L`.
 *
 * @since 0.3.0
 * @category type-level
 */
export type FieldType<F, L extends string> = F extends Column.ColumnRef<infer TN, any, infer A> ? TN extends L ? A | null : A
  : F extends Expr<infer A, any> ? A
  : never

/**
 * The row of a projection: each field's type.
 *
 * @since 0.3.0
 * @category type-level
 */
export type Projected<F, L extends string> = Types.Simplify<{ readonly [K in keyof F]: FieldType<F[K], L> }>

/**
 * Selects chosen columns and expressions, by the names they get in each row:
 * `Query.fields({ title: Post.columns.title, author: User.columns.name, comments: Query.count() })`.
 * The row type follows (columns of left-joined tables nullable).
 *
 * @since 0.3.0
 * @category projections
 */
export const fields = <const F extends Readonly<Record<string, Operand<any, any>>>>(spec: F) =>
<Q extends Select<any, any, any, any> & InScope<ScopeOf<F[keyof F]>>>(self: Q): Projection<Projected<F, LeftNames<Q>>, Names<Q>> =>
  makeSelect({ ...self, projection: spec, relations: {} })

/**
 * `SELECT DISTINCT`.
 *
 * @since 0.3.0
 * @category projections
 */
export const distinct = <Q extends Any>(self: Q): Q => makeSelect({ ...self, distinct: true })

/**
 * `GROUP BY` these columns or expressions.
 *
 * @since 0.3.0
 * @category aggregates
 */
export const groupBy = <const O extends ReadonlyArray<Operand<any, any>>>(...operands: O) =>
<Q extends Any & InScope<ScopeOf<O[number]>>>(self: Q): Q => makeSelect({ ...self, groupBy: [...self.groupBy, ...operands] })

/**
 * `HAVING`: conditions on groups (aggregates allowed), all of which must hold.
 *
 * @since 0.3.0
 * @category aggregates
 */
export const having = <const C extends ReadonlyArray<Condition<any>>>(...conditions: C) =>
<Q extends Any & InScope<ScopeOf<C[number]>>>(self: Q): Q => {
  const all = self.having === undefined ? conditions : [self.having, ...conditions]
  return makeSelect({ ...self, having: all.length === 1 ? all[0]! : { _tag: "And", conditions: all } })
}

/**
 * Options of `forUpdate` / `forShare`: `skipLocked` (rows another
 * transaction holds are left out) or `noWait` (fail at once instead of
 * waiting), and `of` to lock only some of the query's tables.
 *
 * @since 0.3.0
 * @category locks
 */
export type LockOptions =
  | { readonly skipLocked?: boolean; readonly noWait?: never; readonly of?: ReadonlyArray<Table.Any> }
  | { readonly noWait?: boolean; readonly skipLocked?: never; readonly of?: ReadonlyArray<Table.Any> }

const lockWith = (strength: "update" | "share", options: LockOptions) => <Q extends Any>(self: Q): Q =>
  makeSelect({
    ...self,
    lock: { strength, skipLocked: options.skipLocked === true, noWait: options.noWait === true, of: options.of ?? [] }
  })

/**
 * `FOR UPDATE [OF ...] [SKIP LOCKED | NOWAIT]` on PostgreSQL: the selected
 * rows stay locked until the transaction ends. SQLite has no row locks: the
 * clause is left out there, and the session's transaction (`BEGIN
 * IMMEDIATE`) already holds the database's write lock until it ends, so no
 * other writer gets in (rows are never skipped: other writers wait). Not
 * with `distinct`, `groupBy`, `having` or aggregates in `fields` (PostgreSQL
 * refuses them; use a scalar subquery or `countOf`), on either dialect.
 *
 * @since 0.3.0
 * @category locks
 */
export const forUpdate = (options: LockOptions = {}) => lockWith("update", options)

/**
 * `FOR SHARE`, like `forUpdate`: others may read-lock the rows too, nobody may change them.
 *
 * @since 0.3.0
 * @category locks
 */
export const forShare = (options: LockOptions = {}) => lockWith("share", options)

/**
 * Keyset pagination: the rows that come after `cursor` in the query's
 * `orderBy` order. `cursor` holds the values of the ordered columns, by
 * field name (or by the name a `fields` projection gives them): pass the
 * last row of the previous page. The order should end with a unique column
 * (the primary key) so pages neither repeat nor skip rows.
 *
 * @since 0.3.0
 * @category paging
 */
export const after = (cursor: Readonly<Record<string, unknown>>) => <Q extends Any>(self: Q): Q =>
  makeSelect({ ...self, after: cursor })

const compare = (op: CompareOp) => <A, S extends string = never>(column: Operand<A, S>, value: A): Condition<S> => ({
  _tag: "Compare",
  op,
  column,
  value
})

/**
 * @since 0.1.0
 * @category conditions
 */
export const eq: <A, S extends string = never>(column: Operand<A, S>, value: A) => Condition<S> = compare("=")
/**
 * @since 0.1.0
 * @category conditions
 */
export const ne: <A, S extends string = never>(column: Operand<A, S>, value: A) => Condition<S> = compare("<>")
/**
 * @since 0.1.0
 * @category conditions
 */
export const lt: <A, S extends string = never>(column: Operand<A, S>, value: A) => Condition<S> = compare("<")
/**
 * @since 0.1.0
 * @category conditions
 */
export const lte: <A, S extends string = never>(column: Operand<A, S>, value: A) => Condition<S> = compare("<=")
/**
 * @since 0.1.0
 * @category conditions
 */
export const gt: <A, S extends string = never>(column: Operand<A, S>, value: A) => Condition<S> = compare(">")
/**
 * @since 0.1.0
 * @category conditions
 */
export const gte: <A, S extends string = never>(column: Operand<A, S>, value: A) => Condition<S> = compare(">=")

/**
 * Compares two columns or expressions: `Query.compare(Post.columns.authorId, "=", User.columns.id)`.
 *
 * @since 0.3.0
 * @category conditions
 */
export const compare_ = <A, S1 extends string, S2 extends string>(
  left: Operand<A, S1>,
  op: CompareOp,
  right: Operand<NoInfer<A>, S2>
): Condition<S1 | S2> => ({ _tag: "CompareOperands", op, left, right })

export {
  /**
   * @since 0.3.0
   * @category conditions
   */
  compare_ as compare
}

/**
 * `column BETWEEN low AND high` (both ends included).
 *
 * @since 0.3.0
 * @category conditions
 */
export const between = <A, S extends string = never>(column: Operand<A, S>, low: A, high: A): Condition<S> => ({
  _tag: "Between",
  negated: false,
  column,
  low,
  high
})

/**
 * `column NOT BETWEEN low AND high`.
 *
 * @since 0.3.0
 * @category conditions
 */
export const notBetween = <A, S extends string = never>(column: Operand<A, S>, low: A, high: A): Condition<S> => ({
  _tag: "Between",
  negated: true,
  column,
  low,
  high
})

/**
 * `column IN (values)`; an empty list matches nothing.
 *
 * @since 0.1.0
 * @category conditions
 */
export const inArray = <A, S extends string = never>(column: Operand<A, S>, values: ReadonlyArray<A>): Condition<S> => ({
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
export const notIn = <A, S extends string = never>(column: Operand<A, S>, values: ReadonlyArray<A>): Condition<S> => ({
  _tag: "In",
  negated: true,
  column,
  values
})

/**
 * `column LIKE pattern` (`%` and `_` wildcards; the pattern is a bound
 * parameter). Case-sensitive on PostgreSQL; SQLite's LIKE ignores the case of
 * ASCII letters only. Use `ilike` to ignore case on both.
 *
 * @since 0.1.0
 * @category conditions
 */
export const like = <S extends string = never>(column: Operand<string | null | undefined, S>, pattern: string): Condition<S> => ({
  _tag: "Like",
  column,
  pattern
})

/**
 * Case-insensitive `LIKE`, beyond ASCII on both dialects: PostgreSQL's
 * `ILIKE`; on SQLite both sides folded by a Unicode `lower` registered on the
 * connection (which wraps the column, so an index on it is not used).
 *
 * @since 0.3.0
 * @category conditions
 */
export const ilike = <S extends string = never>(column: Operand<string | null | undefined, S>, pattern: string): Condition<S> => ({
  _tag: "ILike",
  column,
  pattern
})

/**
 * @since 0.1.0
 * @category conditions
 */
export const isNull = <S extends string = never>(column: Operand<unknown, S>): Condition<S> => ({ _tag: "IsNull", negated: false, column })

/**
 * @since 0.1.0
 * @category conditions
 */
export const isNotNull = <S extends string = never>(column: Operand<unknown, S>): Condition<S> => ({ _tag: "IsNull", negated: true, column })

/**
 * @since 0.1.0
 * @category conditions
 */
export const and = <const C extends ReadonlyArray<Condition<any>>>(...conditions: C): Condition<ScopeOf<C[number]>> => ({
  _tag: "And",
  conditions
})

/**
 * @since 0.1.0
 * @category conditions
 */
export const or = <const C extends ReadonlyArray<Condition<any>>>(...conditions: C): Condition<ScopeOf<C[number]>> => ({
  _tag: "Or",
  conditions
})

/**
 * @since 0.1.0
 * @category conditions
 */
export const not = <S extends string>(condition: Condition<S>): Condition<S> => ({ _tag: "Not", condition })

/**
 * `EXISTS (subquery)`. A subquery refers to the enclosing query's tables
 * after `Query.correlate(...)`.
 *
 * @since 0.3.0
 * @category subqueries
 */
export const exists = (query: Any): Condition<never> => ({ _tag: "Exists", negated: false, query })

/**
 * `NOT EXISTS (subquery)`.
 *
 * @since 0.3.0
 * @category subqueries
 */
export const notExists = (query: Any): Condition<never> => ({ _tag: "Exists", negated: true, query })

/**
 * Whether a row has related rows (matching `conditions`) through a
 * relation: `EXISTS (SELECT 1 FROM target WHERE <join> AND ...)`, like
 * SQLAlchemy's `relationship.any(...)`. Nest them to go through a link
 * table: `Query.has(postTags, Query.has(postTagTag, Query.eq(Tag.columns.name, "x")))`.
 *
 * @since 0.3.0
 * @category subqueries
 */
export const has = <R extends Relation.Any, const C extends ReadonlyArray<Condition<any>>>(
  relation: R,
  ...conditions: C
): Condition<R["source"]["name"] | Exclude<ScopeOf<C[number]>, R["target"]["name"]>> => ({
  _tag: "Has",
  relation,
  condition: conditions.length === 0 ? undefined : conditions.length === 1 ? conditions[0] : { _tag: "And", conditions }
})

/**
 * `column IN (subquery)`; the subquery selects one field (`Query.fields`).
 *
 * @since 0.3.0
 * @category subqueries
 */
export const inSubquery = <A, S extends string = never>(
  column: Operand<A, S>,
  query: Projection<{ readonly [k: string]: NoInfer<A> }, any>
): Condition<S> => ({ _tag: "InQuery", negated: false, column, query })

/**
 * `column NOT IN (subquery)`.
 *
 * @since 0.3.0
 * @category subqueries
 */
export const notInSubquery = <A, S extends string = never>(
  column: Operand<A, S>,
  query: Projection<{ readonly [k: string]: NoInfer<A> }, any>
): Condition<S> => ({ _tag: "InQuery", negated: true, column, query })

const expr = <A, S extends string>(node: ExprNode): Expr<A, S> => ({ [ExprTypeId]: { _A: (_: never) => _, _S: (_: never) => _ }, node })

/**
 * @since 0.3.0
 * @category guards
 */
export const isExpr = (u: unknown): u is Expr<unknown, string> => typeof u === "object" && u !== null && ExprTypeId in u

/**
 * A scalar subquery: the one field of a one-row `Query.fields` projection,
 * `NULL` when it finds no row.
 *
 * @since 0.3.0
 * @category subqueries
 */
export const scalar = <R>(query: Projection<R, any>): Expr<R[keyof R] | null, never> => expr({ _tag: "Scalar", query })

/**
 * How many related rows (matching `conditions`) a row has, as a correlated
 * subquery: `(SELECT COUNT(*) FROM target WHERE <join> AND ...)`. Usable
 * with `forUpdate`, where PostgreSQL refuses aggregates of the query itself.
 *
 * @since 0.3.0
 * @category subqueries
 */
export const countOf = <R extends Relation.Any, const C extends ReadonlyArray<Condition<any>>>(
  relation: R,
  ...conditions: C
): Expr<number, R["source"]["name"] | Exclude<ScopeOf<C[number]>, R["target"]["name"]>> =>
  expr({
    _tag: "CountOf",
    relation,
    condition: conditions.length === 0 ? undefined : conditions.length === 1 ? conditions[0] : { _tag: "And", conditions }
  })

const aggregate = <A, S extends string>(
  fn: "count" | "sum" | "avg" | "min" | "max" | "arrayAgg",
  argument: Operand | undefined,
  options: { readonly distinct?: boolean; readonly as?: "exact" | "number" | "bigint" } = {}
): Expr<A, S> => expr({ _tag: "Aggregate", fn, argument, distinct: options.distinct === true, as: options.as ?? "exact" })

/**
 * `COUNT(*)`, or `COUNT(column)` (its non-null values); a `number` on both dialects.
 *
 * @since 0.3.0
 * @category aggregates
 */
export const count: {
  (): Expr<number, never>
  <S extends string>(operand: Operand<unknown, S>): Expr<number, S>
} = ((operand?: Operand) => aggregate("count", operand)) as any

/**
 * `COUNT(DISTINCT column)`.
 *
 * @since 0.3.0
 * @category aggregates
 */
export const countDistinct = <S extends string>(operand: Operand<unknown, S>): Expr<number, S> =>
  aggregate("count", operand, { distinct: true })

type NumericLike = number | bigint | string | null | undefined

/**
 * `SUM(column)`, `null` over no rows. Exact by default, the same on both
 * dialects: decimal text (`"12.5"`; integer and NUMERIC columns exact, no
 * trailing zeros after the point; a double column's sum as JavaScript
 * writes the number). `{ as: "bigint" }` (integer columns) reads it as a
 * bigint, `{ as: "number" }` as a number.
 *
 * @since 0.3.0
 * @category aggregates
 */
export const sum: {
  <S extends string>(column: Column.ColumnRef<S, string, NumericLike>): Expr<string | null, S>
  <S extends string>(column: Column.ColumnRef<S, string, NumericLike>, options: { readonly as: "exact" }): Expr<string | null, S>
  <S extends string>(column: Column.ColumnRef<S, string, NumericLike>, options: { readonly as: "bigint" }): Expr<bigint | null, S>
  <S extends string>(column: Column.ColumnRef<S, string, NumericLike>, options: { readonly as: "number" }): Expr<number | null, S>
} = (column: Operand, options?: { readonly as: "exact" | "number" | "bigint" }): Expr<any, any> => aggregate("sum", column, options)

/**
 * `AVG(column)`, `null` over no rows. Exact by default, the same on both
 * dialects: decimal text of the exact sum divided by the count, truncated
 * toward zero after 16 places (more if the column has more), without
 * trailing zeros (`"2.5"`, `"0.3333333333333333"`); `{ as: "number" }` reads
 * the database's average as a number.
 *
 * @since 0.3.0
 * @category aggregates
 */
export const avg: {
  <S extends string>(column: Column.ColumnRef<S, string, NumericLike>): Expr<string | null, S>
  <S extends string>(column: Column.ColumnRef<S, string, NumericLike>, options: { readonly as: "exact" }): Expr<string | null, S>
  <S extends string>(column: Column.ColumnRef<S, string, NumericLike>, options: { readonly as: "number" }): Expr<number | null, S>
} = (column: Operand, options?: { readonly as: "exact" | "number" }): Expr<any, any> => aggregate("avg", column, options)

/**
 * `MIN(column)`, decoded with the column's Schema; `null` over no rows.
 *
 * @since 0.3.0
 * @category aggregates
 */
export const min = <A, S extends string>(column: Column.ColumnRef<S, string, A>): Expr<NonNullable<A> | null, S> =>
  aggregate("min", column)

/**
 * `MAX(column)`, decoded with the column's Schema; `null` over no rows.
 *
 * @since 0.3.0
 * @category aggregates
 */
export const max = <A, S extends string>(column: Column.ColumnRef<S, string, A>): Expr<NonNullable<A> | null, S> =>
  aggregate("max", column)

/**
 * The non-null values of a text column, in ascending order, as an array
 * (`json_agg` on PostgreSQL, `json_group_array` on SQLite); `[]` over no rows.
 *
 * @since 0.3.0
 * @category aggregates
 */
export const arrayAgg = <S extends string>(column: Column.ColumnRef<S, string, string | null | undefined>): Expr<ReadonlyArray<string>, S> =>
  aggregate("arrayAgg", column)

type FragmentScope<V> = V extends Column.ColumnRef<any, any, any> | Expr<any, any> | { readonly [ConditionScopeId]?: any } ? ScopeOf<V> : never

/**
 * Raw SQL where the builder has no operator, usable as a condition and as
 * an expression (read back as the driver returns it): columns, expressions
 * and conditions in `${}` are written as SQL, every other value is bound as
 * a parameter. The text itself must come from code, never from user input.
 *
 * ```ts
 * Query.where(Query.sql`length(${User.columns.name}) > ${3}`)
 * ```
 *
 * @since 0.3.0
 * @category raw
 */
export const sql = <const V extends ReadonlyArray<unknown>>(
  strings: TemplateStringsArray,
  ...values: V
): Condition<FragmentScope<V[number]>> & Expr<unknown, FragmentScope<V[number]>> => {
  const fragment: Fragment = { strings: [...strings], values }
  return { _tag: "Raw", fragment, [ExprTypeId]: { _A: (_: never) => _, _S: (_: never) => _ }, node: { _tag: "Raw", fragment } } as any
}
