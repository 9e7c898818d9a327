/**
 * Table hooks: Effects that run around writes, inside the same transaction,
 * with the writing `Session` in context. `beforeSave`, `beforeInsert` and
 * `beforeUpdate` may return the row to write instead of the one given
 * (checked like any input). A failing hook fails the write and
 * rolls it back; the write fails with the hook's own error, untouched, and
 * the table's type carries that error into the error channel of `save`,
 * `saveAll`, `insert`, `insertAll` and `delete`.
 *
 * ```ts
 * class Banned extends Data.TaggedError("Banned")<{ readonly email: string }> {}
 *
 * export const User = Hooks.withHooks(UserTable, {
 *   beforeInsert: (row) => row.email.endsWith("@spam.example") ? Effect.fail(new Banned({ email: row.email })) : Effect.void,
 *   afterInsert: (row) => Effect.flatMap(Session.Session, (s) => s.insert(AuditLog, { userId: row.id, action: "created" }))
 * })
 * // session.save(User, row): Effect<..., DatabaseError | Banned>
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Types from "effect/Types"
import * as DatabaseError from "./DatabaseError.js"
import type * as Relation from "./Relation.js"
import type { Session } from "./Session.js"
import type * as Table from "./Table.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const HooksId: unique symbol = Symbol.for("effect-sqlservice/Hooks")

/**
 * A hook may fail with `DatabaseError` (from the statements it runs, or
 * `Hooks.fail`) and with errors of its own, `E`.
 *
 * @since 0.1.0
 * @category models
 */
export type Hook<A, E = never> = (row: A) => Effect.Effect<void, E | DatabaseError.DatabaseError, Session>

/**
 * A hook that runs before a row is written: it may return the row to write
 * instead (timestamps, slugs), or nothing to write the row as it is. A
 * returned row is checked like any input: an invalid one fails the write
 * with `InputError` and nothing is written.
 *
 * @since 0.3.0
 * @category models
 */
export type RowHook<A, E = never> = (row: A) => Effect.Effect<A | void, E | DatabaseError.DatabaseError, Session>

/**
 * @since 0.1.0
 * @category models
 */
export interface Hooks<T extends Table.Any, E = never> {
  /**
   * Before a row is inserted or updated (first, before `beforeInsert` /
   * `beforeUpdate`); may return the row to write.
   *
   * @since 0.3.0
   */
  readonly beforeSave?: RowHook<Table.Insert<T>, E>
  /** Before a row is inserted; receives the row as given (generated columns may be absent); may return the row to write. */
  readonly beforeInsert?: RowHook<Table.Insert<T>, E>
  /** After a row is inserted; receives the stored row. */
  readonly afterInsert?: Hook<Table.Type<T>, E>
  /** Before an existing row is updated by `save`/`saveAll`; receives the new values; may return the row to write. */
  readonly beforeUpdate?: RowHook<Table.Insert<T>, E>
  /** After an existing row is updated; receives the stored row. */
  readonly afterUpdate?: Hook<Table.Type<T>, E>
  /**
   * After a row is inserted or updated (last, after `afterInsert` /
   * `afterUpdate`); receives the stored row.
   *
   * @since 0.3.0
   */
  readonly afterSave?: Hook<Table.Type<T>, E>
  /** Before a row is deleted; receives the row. */
  readonly beforeDelete?: Hook<Table.Type<T>, E>
  /** After a row is deleted; receives the row as it was. */
  readonly afterDelete?: Hook<Table.Type<T>, E>
}

/**
 * @since 0.2.0
 * @category type ids
 */
export const HookErrorTypeId: unique symbol = Symbol.for("effect-sqlservice/Hooks/Error")

/**
 * Type-level only: a table whose hooks may fail with `E`.
 *
 * @since 0.2.0
 * @category models
 */
export interface Hooked<E> {
  readonly [HookErrorTypeId]?: Types.Covariant<E>
}

/**
 * The errors of their own the hooks of `T` may fail with (`never` for a
 * table without hooks).
 *
 * @since 0.2.0
 * @category type-level
 */
export type ErrorOf<T> = T extends { readonly [HookErrorTypeId]?: Types.Covariant<infer E> } ? E : never

/**
 * The errors of their own the hooks of the tables a relation spec saves may
 * fail with, nested relations included.
 *
 * @since 0.2.0
 * @category type-level
 */
export type SpecErrorOf<S extends Relation.Spec> = {
  readonly [K in keyof S]: S[K] extends Relation.Relation<any, infer Target, any, any, infer Nested>
    ? ErrorOf<Target> | SpecErrorOf<Nested>
    : never
}[keyof S]

/**
 * @since 0.1.0
 * @category models
 */
export type HookName = keyof Hooks<Table.Any>

/**
 * The same table, with hooks attached (added to those it has; a hook of the
 * same name replaces the earlier one). Its type records the hooks' own
 * errors (`ErrorOf`), so writes to it can fail with them.
 *
 * @since 0.1.0
 * @category constructors
 */
export const withHooks = <T extends Table.Any, const H extends Hooks<T, any>>(
  table: T,
  hooks: H & { readonly [K in Exclude<keyof H, HookName>]: never }
): T & Hooked<HooksErrorOf<H> | ErrorOf<T>> =>
  ({ ...table, [HooksId]: { ...hooksOf(table), ...hooks } }) as unknown as T & Hooked<HooksErrorOf<H> | ErrorOf<T>>

/**
 * The errors of their own the hooks in `H` may fail with, each hook
 * contributing its own (so hooks failing differently give a union).
 *
 * @since 0.2.0
 * @category type-level
 */
export type HooksErrorOf<H> = {
  readonly [K in keyof H]-?: H[K] extends ((row: any) => Effect.Effect<any, infer E, any>) | undefined
    ? Exclude<E, DatabaseError.DatabaseError>
    : never
}[keyof H]

/**
 * @since 0.1.0
 * @category accessors
 */
export const hooksOf = <T extends Table.Any>(table: T): Hooks<T, ErrorOf<T>> =>
  ((table as unknown as { readonly [HooksId]?: Hooks<T, ErrorOf<T>> })[HooksId]) ?? {}

/**
 * A hook failure with a message, as a `DatabaseError` with reason
 * `HookError` (the table and hook are filled in when it propagates).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fail = (message: string): Effect.Effect<never, DatabaseError.DatabaseError> =>
  Effect.fail(DatabaseError.make(new DatabaseError.HookError({ message, table: "", hook: "" })))
