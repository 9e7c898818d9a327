/**
 * How the command line fails: one `CommandFailure` per failed command, with
 * the exit code scripts test and the text people read. Every failure is
 * reported once, by `report.ts`, before the process exits.
 *
 * Exit codes:
 * - 0: done;
 * - 1: the database refused or failed (a `DatabaseError` other than `ConfigError`);
 * - 2: usage or configuration (unknown flag, no URL, a malformed URL, a tables
 *   module that cannot be loaded or exports no tables, a refusal such as
 *   `drop-all` without `--yes`);
 * - 3: `migrate check` found drift between the migrations and the tables;
 * - 70: a bug in effect-sqlservice (an unexpected defect).
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as DatabaseError from "../../DatabaseError.js"

/** @internal */
export const ExitCode = {
  ok: 0,
  database: 1,
  usage: 2,
  drift: 3,
  bug: 70
} as const

/** @internal */
export type ExitCode = typeof ExitCode[keyof typeof ExitCode]

/**
 * A command that did not do its job. `reason` names the kind for scripts
 * (`UsageError`, `Drift`, or the `DatabaseError` reason's tag); `details`
 * goes into the `--json` error object as is.
 *
 * @internal
 */
export class CommandFailure extends Data.TaggedError("CommandFailure")<{
  readonly exitCode: ExitCode
  readonly reason: string
  readonly message: string
  readonly details?: Record<string, unknown>
}> {}

/** @internal */
export const usageError = (message: string): CommandFailure =>
  new CommandFailure({ exitCode: ExitCode.usage, reason: "UsageError", message })

/**
 * A `DatabaseError` as a command failure: configuration reasons (a bad URL,
 * a wrong option) are usage errors, the others database errors. The
 * reason's own fields (`kind`, `table`, `column`, ...) are kept for `--json`.
 *
 * @internal
 */
export const fromDatabaseError = (error: DatabaseError.DatabaseError): CommandFailure => {
  const { _tag, message, ...fields } = error.reason as DatabaseError.Reason & Record<string, unknown>
  const details: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && (typeof value !== "object" || value === null)) details[key] = value
  }
  return new CommandFailure({
    exitCode: _tag === "ConfigError" ? ExitCode.usage : ExitCode.database,
    reason: _tag,
    message,
    details
  })
}
