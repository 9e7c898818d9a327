/**
 * Table hooks: Effects that run around writes, inside the same transaction,
 * with the writing `Session` in context. A failing hook fails the write and
 * rolls it back.
 *
 * ```ts
 * export const User = Hooks.withHooks(UserTable, {
 *   beforeInsert: (row) => row.email.includes("@") ? Effect.void : Hooks.fail("email must contain @"),
 *   afterInsert: (row) => Effect.flatMap(Session.Session, (s) => s.insert(AuditLog, { userId: row.id, action: "created" }))
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as DatabaseError from "./DatabaseError.js"
import type { Session } from "./Session.js"
import type * as Table from "./Table.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const HooksId: unique symbol = Symbol.for("effect-sqlservice/Hooks")

/**
 * @since 0.1.0
 * @category models
 */
export type Hook<A> = (row: A) => Effect.Effect<void, DatabaseError.DatabaseError, Session>

/**
 * @since 0.1.0
 * @category models
 */
export interface Hooks<T extends Table.Any> {
  /** Before a row is inserted; receives the row as given (generated columns may be absent). */
  readonly beforeInsert?: Hook<Table.Insert<T>>
  /** After a row is inserted; receives the stored row. */
  readonly afterInsert?: Hook<Table.Type<T>>
  /** Before an existing row is updated by `save`/`saveAll`; receives the new values. */
  readonly beforeUpdate?: Hook<Table.Insert<T>>
  /** After an existing row is updated; receives the stored row. */
  readonly afterUpdate?: Hook<Table.Type<T>>
  /** Before a row is deleted; receives the row. */
  readonly beforeDelete?: Hook<Table.Type<T>>
  /** After a row is deleted; receives the row as it was. */
  readonly afterDelete?: Hook<Table.Type<T>>
}

/**
 * @since 0.1.0
 * @category models
 */
export type HookName = keyof Hooks<Table.Any>

/**
 * The same table, with hooks attached.
 *
 * @since 0.1.0
 * @category constructors
 */
export const withHooks = <T extends Table.Any>(table: T, hooks: Hooks<T>): T =>
  ({ ...table, [HooksId]: { ...hooksOf(table), ...hooks } }) as T

/**
 * @since 0.1.0
 * @category accessors
 */
export const hooksOf = <T extends Table.Any>(table: T): Hooks<T> =>
  ((table as unknown as { readonly [HooksId]?: Hooks<T> })[HooksId]) ?? {}

/**
 * A hook failure with a message, as a `DatabaseError` with reason
 * `HookError` (the table and hook are filled in when it propagates).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fail = (message: string): Effect.Effect<never, DatabaseError.DatabaseError> =>
  Effect.fail(DatabaseError.make(new DatabaseError.HookError({ message, table: "", hook: "" })))
