/**
 * How the command line fails: one `CommandFailure` per failed command, with
 * the exit code scripts test and the text people read. Every failure is
 * reported once, by `report.ts`, before the process exits.
 *
 * Exit codes:
 * - 0: done;
 * - 1: the database refused or failed (a `DatabaseError` not listed below);
 * - 2: usage or configuration (unknown flag, no URL, a malformed URL
 *   (`ConfigError`), a tables module that cannot be loaded or exports no
 *   tables, unusable migration files (`MigrationError` of kind `invalid`), a
 *   refusal that a flag lifts: `drop-all` without `--yes`, destructive steps
 *   without `--allow-destructive` (kind `destructive`));
 * - 3: `migrate check` found drift (`MigrationError` of kind `drift`);
 * - 70: a bug in effect-sqlservice (an unexpected defect).
 *
 * @internal
 */
import * as Data from "effect/Data"
import type * as DatabaseError from "../../DatabaseError.js"

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
  /** What to do about it with this command's flags, printed after the message. */
  readonly hint?: string
}> {}

/** @internal */
export const usageError = (message: string): CommandFailure =>
  new CommandFailure({ exitCode: ExitCode.usage, reason: "UsageError", message })

const isPrimitive = (value: unknown) => value === null || (typeof value !== "object" && typeof value !== "function")

const exitCodeOf = (reason: Record<string, unknown>): ExitCode => {
  if (reason["_tag"] === "ConfigError") return ExitCode.usage
  if (reason["_tag"] === "MigrationError") {
    if (reason["kind"] === "drift") return ExitCode.drift
    if (reason["kind"] === "invalid" || reason["kind"] === "destructive") return ExitCode.usage
  }
  return ExitCode.database
}

/** The flag that lifts a `MigrationError` refusal (the library's message names the option). */
const migrationHints: Record<string, string> = {
  destructive: "pass --allow-destructive to run these steps",
  outOfOrder: "pass --allow-out-of-order to apply them anyway"
}

/**
 * A `DatabaseError` as a command failure with its exit code (see above).
 * The reason's own fields (`kind`, `table`, `column`, `migrations`, ...)
 * are kept for `--json`.
 *
 * @internal
 */
export const fromDatabaseError = (error: DatabaseError.DatabaseError): CommandFailure => {
  const reason = error.reason as unknown as Record<string, unknown>
  const details: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(reason)) {
    if (key === "_tag" || key === "message" || value === undefined) continue
    if (isPrimitive(value) || (Array.isArray(value) && value.every(isPrimitive))) details[key] = value
  }
  const hint = reason["_tag"] === "MigrationError" ? migrationHints[String(reason["kind"])] : undefined
  return new CommandFailure({
    exitCode: exitCodeOf(reason),
    reason: String(reason["_tag"]),
    message: String(reason["message"]),
    details,
    ...(hint === undefined ? {} : { hint })
  })
}
