/**
 * Constructors of `MigrationError`s.
 *
 * @internal
 */
import * as DatabaseError from "../../DatabaseError.js"

/** @internal */
export const migrationError = (
  kind: DatabaseError.MigrationKind,
  message: string,
  details: { readonly migrations?: ReadonlyArray<string>; readonly statement?: string; readonly cause?: unknown } = {}
): DatabaseError.DatabaseError =>
  DatabaseError.make(
    new DatabaseError.MigrationError({
      message,
      kind,
      ...(details.migrations === undefined ? {} : { migrations: [...details.migrations] }),
      ...(details.statement === undefined ? {} : { statement: details.statement })
    }),
    { sql: details.statement, cause: details.cause }
  )

/** `a, b and c` */
export const listing = (items: ReadonlyArray<string>): string =>
  items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`
