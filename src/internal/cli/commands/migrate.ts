/**
 * `effect-sqlservice migrate generate|up|down|status|check|lint`: the
 * `Migrations` module from the shell. The migrations of a dialect live in
 * `<migrations>/<dialect>` (`migrations/sqlite`, `migrations/pg`), the
 * directory `Migrations.generate` writes and the runner reads.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Argument, Command, Flag } from "effect/cli"
import * as path from "node:path"
import * as Database from "../../../Database.js"
import * as Migrations from "../../../Migrations.js"
import { handler, withDatabase } from "../handler.js"
import { loadTables, registerTypeScript } from "../load.js"
import { print, printJson, progress } from "../output.js"
import { configFlag, jsonFlag, requireTables, resolveSettings, type Settings, tablesFlag, urlFlag } from "../settings.js"

const migrationsFlag = Flag.String("migrations").pipe(
  Flag.withDescription("The migrations directory; each dialect's files are in <dir>/sqlite or <dir>/pg (default: the config file's, else ./migrations)"),
  Flag.optional
)

const allowDestructiveFlag = Flag.Boolean("allow-destructive").pipe(
  Flag.withDescription("Allow steps that lose data (dropped tables or columns, narrowing type changes)"),
  Flag.withDefault(false)
)

const scratchUrlFlag = Flag.String("scratch-url").pipe(
  Flag.withDescription("PostgreSQL: the server to replay the migrations on, in a temporary database (default: --url)"),
  Flag.optional
)

const common = { url: urlFlag, config: configFlag, json: jsonFlag, migrations: migrationsFlag }

/** The dialect's migrations directory; migration files load in this process, TypeScript ones through tsx. */
const directoryOf = (settings: Settings, flag: Option.Option<string>): string => {
  registerTypeScript()
  return path.join(Option.getOrElse(flag, () => settings.migrations), settings.dialect)
}

const idLabel = (m: { readonly id: string; readonly name: string }) => `${m.id}_${m.name}`

const generate = Command.make(
  "generate",
  {
    ...common,
    tables: tablesFlag,
    name: Argument.String("name").pipe(Argument.withDescription("What the migration does (add posts): the file's slug")),
    allowDestructive: allowDestructiveFlag,
    scratchUrl: scratchUrlFlag
  },
  handler((input) =>
    Effect.gen(function*() {
      const settings = yield* resolveSettings(input)
      const tables = yield* loadTables(yield* requireTables(settings, "migrate generate"))
      const directory = directoryOf(settings, input.migrations)
      yield* progress(`replaying the migrations of ${directory} into a scratch database`)
      const generated = yield* Migrations.generate({
        directory,
        tables,
        dialect: settings.dialect,
        name: input.name,
        allowDestructive: input.allowDestructive,
        scratchUrl: Option.getOrElse(input.scratchUrl, () => settings.url)
      })
      if (Option.isNone(generated)) {
        return yield* input.json ? printJson({ generated: null }) : print("nothing to change: the migrations produce the tables")
      }
      const { id, name, path: file, planned } = generated.value
      yield* input.json
        ? printJson({ generated: { id, name, path: file, summary: planned.summary, destructive: planned.destructive, irreversible: planned.irreversible } })
        : print([`wrote ${file}`, ...planned.summary.map((line) => `  ${line}`)].join("\n"))
    })
  )
).pipe(Command.withDescription("Write the migration that takes the migrations' schema to the declared tables"))

const up = Command.make(
  "up",
  {
    ...common,
    to: Flag.String("to").pipe(Flag.withDescription("Apply up to and including this id"), Flag.optional),
    allowDestructive: allowDestructiveFlag,
    allowOutOfOrder: Flag.Boolean("allow-out-of-order").pipe(
      Flag.withDescription("Apply pending migrations that sort before the latest applied one"),
      Flag.withDefault(false)
    )
  },
  handler((input) =>
    Effect.gen(function*() {
      const settings = yield* resolveSettings(input)
      const directory = directoryOf(settings, input.migrations)
      yield* progress(`applying the pending migrations of ${directory} to ${settings.maskedUrl}`)
      const applied = yield* withDatabase(settings, [], (db) =>
        Migrations.up({
          directory,
          allowDestructive: input.allowDestructive,
          allowOutOfOrder: input.allowOutOfOrder,
          ...Option.match(input.to, { onNone: () => ({}), onSome: (to) => ({ to }) })
        }).pipe(Effect.provideService(Database.Database, db)))
      yield* input.json
        ? printJson({ applied })
        : print(applied.length === 0 ? "up to date" : applied.map((m) => `applied ${idLabel(m)}`).join("\n"))
    })
  )
).pipe(Command.withDescription("Apply the pending migrations, each in its own transaction"))

const down = Command.make(
  "down",
  {
    ...common,
    steps: Flag.Int("steps").pipe(Flag.withDescription("How many of the latest applied migrations to undo"), Flag.withDefault(1)),
    to: Flag.String("to").pipe(Flag.withDescription("Undo every migration applied after this id"), Flag.optional),
    allowDestructive: allowDestructiveFlag
  },
  handler((input) =>
    Effect.gen(function*() {
      const settings = yield* resolveSettings(input)
      const directory = directoryOf(settings, input.migrations)
      yield* progress(`undoing migrations of ${directory} on ${settings.maskedUrl}`)
      const undone = yield* withDatabase(settings, [], (db) =>
        Migrations.down({
          directory,
          steps: input.steps,
          allowDestructive: input.allowDestructive,
          ...Option.match(input.to, { onNone: () => ({}), onSome: (to) => ({ to }) })
        }).pipe(Effect.provideService(Database.Database, db)))
      yield* input.json
        ? printJson({ undone })
        : print(undone.length === 0 ? "nothing to undo" : undone.map((m) => `undid ${idLabel(m)}`).join("\n"))
    })
  )
).pipe(Command.withDescription("Undo the latest applied migrations (--steps, --to)"))

const status = Command.make(
  "status",
  common,
  handler((input) =>
    Effect.gen(function*() {
      const settings = yield* resolveSettings(input)
      const directory = directoryOf(settings, input.migrations)
      const entries = yield* withDatabase(settings, [], (db) =>
        Migrations.status({ directory }).pipe(Effect.provideService(Database.Database, db)))
      const pending = entries.filter((e) => e.state === "pending").map(idLabel)
      yield* input.json
        ? printJson({ migrations: entries, pending })
        : print(
          entries.length === 0
            ? `no migrations in ${directory}`
            : entries.map((e) => `${e.state.padEnd(8)} ${idLabel(e)}${e.appliedAt === undefined ? "" : `  ${e.appliedAt.toISOString()}`}`)
              .join("\n")
        )
    })
  )
).pipe(Command.withDescription("List the migrations and their state: applied, pending, missing, modified"))

const check = Command.make(
  "check",
  { ...common, tables: tablesFlag, scratchUrl: scratchUrlFlag },
  handler((input) =>
    Effect.gen(function*() {
      const settings = yield* resolveSettings(input)
      const directory = directoryOf(settings, input.migrations)
      const tables = Option.isSome(settings.tables) ? yield* loadTables(settings.tables.value) : undefined
      yield* progress(`replaying the migrations of ${directory} into a scratch database`)
      yield* withDatabase(settings, [], (db) =>
        Migrations.check({
          directory,
          scratchUrl: Option.getOrElse(input.scratchUrl, () => settings.url),
          ...(tables === undefined ? {} : { tables })
        }).pipe(Effect.provideService(Database.Database, db)))
      yield* input.json
        ? printJson({ drift: false })
        : print(`no drift: ${settings.maskedUrl} has the schema its migrations produce${tables === undefined ? "" : ", and they produce the tables"}`)
    })
  )
).pipe(Command.withDescription("For CI: exit 3 when the database or the tables differ from what the migrations produce"))

const lint = Command.make(
  "lint",
  common,
  handler((input) =>
    Effect.gen(function*() {
      const settings = yield* resolveSettings(input)
      const directory = directoryOf(settings, input.migrations)
      const found = yield* Migrations.lint({ directory, dialect: settings.dialect })
      yield* input.json
        ? printJson({ migrations: found })
        : print(
          found.length === 0
            ? "no destructive steps"
            : found.map((m) => [idLabel(m), ...m.findings.map((f) => `  ${f.direction}: ${f.step}`)].join("\n")).join("\n")
        )
    })
  )
).pipe(Command.withDescription("List the steps of each migration that lose data"))

/** @internal */
export const migrate = Command.make("migrate").pipe(
  Command.withDescription("Generate, apply, undo and check migrations (Migrations)"),
  Command.withSubcommands([generate, up, down, status, check, lint])
)
