/**
 * The frame every command runs in: its settings resolved, the database
 * opened for the command's duration, `DatabaseError`s turned into command
 * failures, and each failure reported once before the process exits with
 * its code.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Database from "../../Database.js"
import * as DatabaseError from "../../DatabaseError.js"
import type * as Table from "../../Table.js"
import { CommandFailure, fromDatabaseError } from "./failure.js"
import { reportFailure } from "./output.js"
import type { Settings } from "./settings.js"

/**
 * Runs `f` with a `Database` on `settings.url` knowing `tables`, closed when
 * `f` ends.
 *
 * @internal
 */
export const withDatabase = <A, E, R>(
  settings: Settings,
  tables: ReadonlyArray<Table.Any>,
  f: (db: Database.Database) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | DatabaseError.DatabaseError, R> =>
  Effect.scoped(Effect.flatMap(Database.make({ url: settings.url, tables }), f))

/**
 * A command's handler: `body` may fail with a `CommandFailure` or a
 * `DatabaseError`; either is reported (as JSON too with `--json`) and the
 * command fails with the `CommandFailure`, whose exit code `bin.ts` uses.
 *
 * @internal
 */
export const handler = <I extends { readonly json: boolean }, R>(
  body: (input: I) => Effect.Effect<void, CommandFailure | DatabaseError.DatabaseError, R>
) =>
(input: I): Effect.Effect<void, CommandFailure, R> =>
  body(input).pipe(
    Effect.mapError((error) => error instanceof CommandFailure ? error : fromDatabaseError(error)),
    Effect.tapError((failure) => reportFailure(failure, input.json))
  )

/** `users`, or `app.users` for a table in a named schema. @internal */
export const tableLabel = (table: { readonly name: string; readonly schema?: string | undefined }): string =>
  table.schema === undefined ? table.name : `${table.schema}.${table.name}`
