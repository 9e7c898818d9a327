/**
 * The `effect-sqlservice` command: its subcommands, and running it on the
 * process's arguments to an exit code (see `failure.ts` for the codes).
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import { CliConfig, CliError, Command, GlobalFlag } from "effect/cli"
import * as fs from "node:fs"
import { codegen } from "./commands/codegen.js"
import { createAll } from "./commands/createAll.js"
import { dropAll } from "./commands/dropAll.js"
import { migrate } from "./commands/migrate.js"
import { ping } from "./commands/ping.js"
import { reflect } from "./commands/reflect.js"
import { CommandFailure, ExitCode } from "./failure.js"
import { redact } from "./output.js"
import * as Platform from "./platform.js"

/** @internal */
export const root = Command.make("effect-sqlservice").pipe(
  Command.withDescription(
    "The effect-sqlservice command line: check, create, drop and read a database's schema from your Table definitions, generate them from a live database, and migrate. " +
      "Exit codes: 0 ok, 1 database error, 2 usage or configuration error, 3 drift (migrate check), 70 a bug."
  ),
  Command.withSubcommands([ping, createAll, dropAll, reflect, codegen, migrate])
)

const version = (): string =>
  (JSON.parse(fs.readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version

/**
 * The built-in global flags without the interactive wizard: every command
 * takes its input from flags, the environment and files, so scripts and CI
 * never hang on a prompt.
 */
const builtIns = [GlobalFlag.Help, GlobalFlag.Version, GlobalFlag.Completions, GlobalFlag.LogLevel] as const

/**
 * The exit code of a finished run: a `CommandFailure`'s own (already
 * reported), 2 for what `effect/cli` refused (it printed the help and the
 * error), 130 when interrupted (Ctrl-C), 70 for anything else, after
 * printing it.
 *
 * @internal
 */
export const exitCodeOf = (exit: Exit.Exit<void, unknown>): number => {
  if (Exit.isSuccess(exit)) return ExitCode.ok
  if (Cause.hasInterruptsOnly(exit.cause)) return 130
  const error = Cause.squash(exit.cause)
  if (error instanceof CommandFailure) return error.exitCode
  // effect/cli's parse errors and ShowHelp: already presented with the help text.
  if (CliError.isCliError(error)) return ExitCode.usage
  process.stderr.write(`${redact(`error: an unexpected failure (a bug in effect-sqlservice, please report it):\n${Cause.pretty(exit.cause)}`)}\n`)
  return ExitCode.bug
}

/**
 * Runs the command on `process.argv` and sets `process.exitCode`. SIGINT and
 * SIGTERM interrupt the run, so open connections are closed and a
 * transaction in progress is rolled back before the process exits.
 *
 * @internal
 */
export const main = (): void => {
  const program = Command.run(root, { version: version() }).pipe(
    Effect.provide(Layer.mergeAll(Platform.layer, CliConfig.layer({ builtIns })))
  )
  // Listening before the run starts: `runFork` runs the program synchronously
  // up to its first asynchronous step, which for `ping` comes after the
  // "connecting to" line, and a signal in that window would take the
  // default action (the process killed, no exit code, nothing closed).
  // Node delivers the signal's event on the event loop, after `runFork` has
  // returned, so `fiber` is set by the time `interrupt` runs.
  let fiber: Fiber.Fiber<void, unknown> | undefined
  const interrupt = () => fiber?.interruptUnsafe()
  process.once("SIGINT", interrupt)
  process.once("SIGTERM", interrupt)
  fiber = Effect.runFork(program)
  fiber.addObserver((exit) => {
    process.off("SIGINT", interrupt)
    process.off("SIGTERM", interrupt)
    process.exitCode = exitCodeOf(exit)
  })
}
