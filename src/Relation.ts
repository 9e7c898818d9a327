/**
 * Relationships between tables, for eager loading (`Query.with`) and for
 * saving rows together with their children (`session.save(..., { with })`).
 *
 * A relation is a value declared once next to the tables. The join columns
 * come from the foreign key declared with `Column.references` (or the
 * table's `foreignKeys` option) unless given explicitly.
 *
 * ```ts
 * export const userDevices = Relation.many(User, UserDevice)      // user_devices.user_id → users.id
 * export const deviceKeys = Relation.many(UserDevice, UserDeviceKey)
 * export const userAbout = Relation.one(User, UserAbout)          // one-to-one
 * export const deviceOwner = Relation.belongsTo(UserDevice, User) // many-to-one
 * ```
 *
 * Relations are values rather than options of `Table.make` because tables
 * that point at each other cannot name each other's types in their own
 * initializers; declared afterwards, every relation is fully typed.
 *
 * @since 0.1.0
 */
import type * as Option from "effect/Option"
import type * as Table from "./Table.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("effect-sqlservice/Relation")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * `many`: the target rows whose `targetFields` equal the source's
 * `sourceFields` (one-to-many). `one`: at most one such row (one-to-one,
 * many-to-one).
 *
 * @since 0.1.0
 * @category models
 */
export type Kind = "many" | "one"

/**
 * Which side holds the foreign key: `target` for `many`/`one` (the child
 * points at the parent), `source` for `belongsTo`.
 *
 * @since 0.1.0
 * @category models
 */
export type ForeignKeySide = "source" | "target"

/**
 * @since 0.1.0
 * @category models
 */
export interface Relation<
  Source extends Table.Any,
  Target extends Table.Any,
  K extends Kind,
  Nested = {},
  NestedSpec extends Spec = {}
> {
  readonly [TypeId]: { readonly _Nested: (_: never) => Nested; readonly _NestedSpec: (_: never) => NestedSpec }
  readonly source: Source
  readonly target: Target
  readonly kind: K
  readonly foreignKeySide: ForeignKeySide
  /** Explicit join fields; when absent they are found from the foreign key. */
  readonly on: { readonly source: ReadonlyArray<string>; readonly target: ReadonlyArray<string> } | undefined
  readonly nested: Spec
  /** The link table of a many-to-many relation (`manyToMany`); absent for the others. */
  readonly through?: Through | undefined
}

/**
 * The link table of a many-to-many relation, and optionally its join
 * columns: `source` pairs the source table's fields with the link's,
 * `target` the target table's fields with the link's.
 *
 * @since 0.3.0
 * @category models
 */
export interface Through {
  readonly table: Table.Any
  readonly on:
    | {
      readonly source: { readonly source: ReadonlyArray<string>; readonly target: ReadonlyArray<string> }
      readonly target: { readonly source: ReadonlyArray<string>; readonly target: ReadonlyArray<string> }
    }
    | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Any {
  readonly [TypeId]: { readonly _Nested: (_: never) => unknown; readonly _NestedSpec: (_: never) => Spec }
  readonly source: Table.Any
  readonly target: Table.Any
  readonly kind: Kind
  readonly foreignKeySide: ForeignKeySide
  readonly on: { readonly source: ReadonlyArray<string>; readonly target: ReadonlyArray<string> } | undefined
  readonly nested: Spec
  readonly through?: Through | undefined
}

/**
 * Relations to load, by the property name they fill in.
 *
 * @since 0.1.0
 * @category models
 */
export type Spec = { readonly [name: string]: Any }

/**
 * What a relation adds to a row: an array for `many`, an `Option` for `one`.
 *
 * @since 0.1.0
 * @category models
 */
export type Value<R> = R extends Relation<any, infer Target, infer K, infer Nested>
  ? K extends "many" ? ReadonlyArray<Table.Type<Target> & Nested> : Option.Option<Table.Type<Target> & Nested>
  : never

/**
 * @since 0.1.0
 * @category models
 */
export type Loaded<S extends Spec> = { readonly [K in keyof S]: Value<S[K]> }

/**
 * Related rows as they may be given to `save`/`saveAll` with `{ with: spec }`:
 * for `many` an array, for `one` an `Option`, the row, or `null`. Their
 * foreign keys are filled in from the saved parent, so nested rows may
 * leave them out.
 *
 * @since 0.1.0
 * @category models
 */
export type Writable<S extends Spec> = {
  readonly [K in keyof S]?: S[K] extends Relation<any, infer Target, infer Kd, any, infer NS>
    ? Kd extends "many" ? ReadonlyArray<NestedInsert<Target, NS>>
    : Option.Option<NestedInsert<Target, NS>> | NestedInsert<Target, NS> | null
    : never
}

/**
 * What `save` returns: the stored row, plus its relations in `with`: the
 * related rows saved with it, or, for a relation the row did not give, as
 * stored (loaded after the write).
 *
 * @since 0.1.0
 * @category models
 */
export type Saved<T extends Table.Any, S extends Spec> = [keyof S] extends [never] ? Table.Type<T>
  : Table.Type<T> & Loaded<S>

/**
 * @since 0.1.0
 * @category models
 */
export type NestedInsert<T extends Table.Any, NS extends Spec> = Partial<Table.Insert<T>> & Writable<NS>

/**
 * Explicit join columns, for tables without a declared foreign key or with
 * several foreign keys to the same table.
 *
 * @since 0.1.0
 * @category models
 */
export interface On<Source extends Table.Any, Target extends Table.Any> {
  readonly source: ReadonlyArray<keyof Source["fields"] & string>
  readonly target: ReadonlyArray<keyof Target["fields"] & string>
}

const make = <Source extends Table.Any, Target extends Table.Any, K extends Kind>(
  source: Source,
  target: Target,
  kind: K,
  foreignKeySide: ForeignKeySide,
  on: On<Source, Target> | undefined
): Relation<Source, Target, K> => ({
  [TypeId]: { _Nested: (_: never) => _, _NestedSpec: (_: never) => _ },
  source,
  target,
  kind,
  foreignKeySide,
  on,
  nested: {}
})

/**
 * One-to-many: the `target` rows whose foreign key points at a `source` row.
 *
 * @since 0.1.0
 * @category constructors
 */
export const many = <Source extends Table.Any, Target extends Table.Any>(
  source: Source,
  target: Target,
  on?: On<Source, Target>
): Relation<Source, Target, "many"> => make(source, target, "many", "target", on)

/**
 * One-to-one: the `target` row whose foreign key points at a `source` row
 * (sqlservice's `User.about` with `user_id` as primary and foreign key).
 *
 * @since 0.1.0
 * @category constructors
 */
export const one = <Source extends Table.Any, Target extends Table.Any>(
  source: Source,
  target: Target,
  on?: On<Source, Target>
): Relation<Source, Target, "one"> => make(source, target, "one", "target", on)

/**
 * Many-to-one: the `target` row a `source` row's foreign key points at.
 *
 * @since 0.1.0
 * @category constructors
 */
export const belongsTo = <Source extends Table.Any, Target extends Table.Any>(
  source: Source,
  target: Target,
  on?: On<Source, Target>
): Relation<Source, Target, "one"> => make(source, target, "one", "source", on)

/**
 * Options of `manyToMany`: the link table, and its join columns when they
 * cannot be found from its foreign keys (a link of a table to itself, or
 * several foreign keys to one table).
 *
 * @since 0.3.0
 * @category models
 */
export interface ManyToManyOptions<Source extends Table.Any, Target extends Table.Any, Link extends Table.Any> {
  readonly through: Link
  readonly on?: {
    /** The source's fields and the link's fields pointing at them. */
    readonly source: On<Source, Link>
    /** The target's fields and the link's fields pointing at them. */
    readonly target: On<Target, Link>
  } | undefined
}

/**
 * Many-to-many through a link table: the `target` rows that a link row
 * pairs with a `source` row (`Relation.manyToMany(Post, Tag, { through: PostTag })`).
 * The join columns come from the link's two foreign keys unless given.
 *
 * Loaded with `Query.with` in one statement per level (the link joined to
 * the targets). Saved with `save(..., { with })`: the given target rows
 * are saved (inserted or upserted by key), then the link rows of each saved
 * source row are made to match the list exactly — missing links inserted,
 * links to targets no longer listed deleted (the targets themselves stay).
 * A row that leaves the relation out keeps its links.
 *
 * @since 0.3.0
 * @category constructors
 */
export const manyToMany = <Source extends Table.Any, Target extends Table.Any, Link extends Table.Any>(
  source: Source,
  target: Target,
  options: ManyToManyOptions<Source, Target, Link>
): Relation<Source, Target, "many"> => ({
  ...make(source, target, "many", "target", undefined),
  through: { table: options.through, on: options.on }
})

/**
 * Loads relations of the target rows too.
 *
 * @since 0.1.0
 * @category combinators
 */
const with_ = <
  Source extends Table.Any,
  Target extends Table.Any,
  K extends Kind,
  Nested,
  NestedSpec extends Spec,
  S extends Spec
>(
  self: Relation<Source, Target, K, Nested, NestedSpec>,
  nested: S
): Relation<Source, Target, K, Nested & Loaded<S>, NestedSpec & S> => ({ ...self, nested: { ...self.nested, ...nested } }) as any

export {
  /**
   * @since 0.1.0
   * @category combinators
   */
  with_ as with
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isRelation = (u: unknown): u is Any => typeof u === "object" && u !== null && TypeId in u
