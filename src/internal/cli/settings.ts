/**
 * Where a command finds its database and its tables: flags first, then the
 * environment (`DATABASE_URL`), then a configuration file
 * (`--config`, else `effect-sqlservice.config.ts|mts|js|mjs|json` in the
 * working directory) whose default export (or JSON object) has `url`,
 * `tables` (a module path) and `migrations` (a directory); its paths are
 * relative to the file.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Flag } from "effect/cli"
import * as fs from "node:fs"
import * as path from "node:path"
import type { DialectName } from "../dialect/Dialect.js"
import { mask, parse } from "../url.js"
import { type CommandFailure, fromDatabaseError, usageError } from "./failure.js"
import { importModule } from "./load.js"
import { protectUrl } from "./output.js"

/** @internal */
export const urlFlag = Flag.String("url").pipe(
  Flag.withDescription("Database URL (sqlite:///app.db, postgres://user:pass@host:5432/db); default: $DATABASE_URL, then the config file"),
  Flag.optional
)

/** @internal */
export const tablesFlag = Flag.String("tables").pipe(
  Flag.withDescription("Module (.ts or .js) whose exported Tables are the schema; default: the config file's `tables`"),
  Flag.optional
)

/** @internal */
export const configFlag = Flag.String("config").pipe(
  Flag.withDescription("Configuration file (default: effect-sqlservice.config.ts|js|json in the working directory)"),
  Flag.optional
)

/** @internal */
export const jsonFlag = Flag.Boolean("json").pipe(
  Flag.withDescription("Print the result (or the error) as JSON on stdout, for scripts"),
  Flag.withDefault(false)
)

/** @internal */
export const configFileNames = [
  "effect-sqlservice.config.ts",
  "effect-sqlservice.config.mts",
  "effect-sqlservice.config.js",
  "effect-sqlservice.config.mjs",
  "effect-sqlservice.config.json"
] as const

/** @internal */
export interface ConfigFile {
  readonly file: string
  readonly url?: string
  readonly tables?: string
  readonly migrations?: string
}

const readConfigObject = (file: string): Effect.Effect<unknown, CommandFailure> =>
  file.endsWith(".json")
    ? Effect.try({
      try: () => JSON.parse(fs.readFileSync(file, "utf8")) as unknown,
      catch: (error) => usageError(`config file ${file}: ${error instanceof Error ? error.message : String(error)}`)
    })
    : Effect.map(importModule(file, "config file"), (module) => module["default"] ?? module)

const fieldsOf = (file: string, value: unknown): Effect.Effect<ConfigFile, CommandFailure> => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return Effect.fail(usageError(`config file ${file}: expected an object with url, tables and migrations`))
  }
  const record = value as Record<string, unknown>
  const unknownKeys = Object.keys(record).filter((key) => !["url", "tables", "migrations"].includes(key))
  if (unknownKeys.length > 0) {
    return Effect.fail(usageError(`config file ${file}: unknown key ${unknownKeys.join(", ")} (expected url, tables, migrations)`))
  }
  const config: { file: string; url?: string; tables?: string; migrations?: string } = { file }
  const directory = path.dirname(file)
  for (const key of ["url", "tables", "migrations"] as const) {
    const field = record[key]
    if (field === undefined) continue
    if (typeof field !== "string" || field === "") {
      return Effect.fail(usageError(`config file ${file}: ${key} must be a non-empty string`))
    }
    config[key] = key === "url" ? field : path.relative(process.cwd(), path.resolve(directory, field)) || "."
  }
  return Effect.succeed(config)
}

/**
 * The configuration file named by `--config`, else the first of
 * `configFileNames` in the working directory, else none.
 *
 * @internal
 */
export const readConfigFile = (explicit: Option.Option<string>): Effect.Effect<Option.Option<ConfigFile>, CommandFailure> => {
  const file = Option.isSome(explicit)
    ? explicit.value
    : configFileNames.find((name) => fs.existsSync(path.resolve(name)))
  if (file === undefined) return Effect.succeedNone
  if (!fs.existsSync(path.resolve(file))) return Effect.fail(usageError(`config file ${file}: no such file`))
  return readConfigObject(path.resolve(file)).pipe(
    Effect.flatMap((value) => fieldsOf(file, value)),
    Effect.map(Option.some)
  )
}

/** @internal */
export interface Settings {
  /** The URL as given: only ever handed to the library, never printed (print `maskedUrl`). */
  readonly url: string
  readonly maskedUrl: string
  readonly dialect: DialectName
  /** The tables module, when one was named. */
  readonly tables: Option.Option<string>
  /** The migrations directory (default `migrations`). */
  readonly migrations: string
}

/** @internal */
export interface CommonFlags {
  readonly url: Option.Option<string>
  /** Absent for commands that need no tables. */
  readonly tables?: Option.Option<string>
  readonly config: Option.Option<string>
}

/**
 * The settings of one run. A URL the library cannot parse fails here, before
 * any connection, with its `ConfigError` (the URL masked in it).
 *
 * @internal
 */
export const resolveSettings = (flags: CommonFlags): Effect.Effect<Settings, CommandFailure> =>
  Effect.gen(function*() {
    const config = yield* readConfigFile(flags.config)
    const fromConfig = <K extends "url" | "tables" | "migrations">(key: K) =>
      Option.flatMap(config, (c) => Option.fromUndefinedOr(c[key]))
    const env = process.env["DATABASE_URL"]
    const url = Option.orElse(
      flags.url,
      () => Option.orElse(env === undefined || env === "" ? Option.none() : Option.some(env), () => fromConfig("url"))
    )
    if (Option.isNone(url)) {
      return yield* usageError("no database URL: pass --url, set DATABASE_URL, or put url in effect-sqlservice.config.ts")
    }
    protectUrl(url.value)
    const parsed = yield* Effect.mapError(Effect.fromResult(parse(url.value)), fromDatabaseError)
    return {
      url: url.value,
      maskedUrl: mask(url.value),
      dialect: parsed.dialect,
      tables: Option.orElse(flags.tables ?? Option.none(), () => fromConfig("tables")),
      migrations: Option.getOrElse(fromConfig("migrations"), () => "migrations")
    }
  })

/**
 * The tables module, which this command needs.
 *
 * @internal
 */
export const requireTables = (settings: Settings, command: string): Effect.Effect<string, CommandFailure> =>
  Option.match(settings.tables, {
    onNone: () => Effect.fail(usageError(`${command} needs the tables: pass --tables ./src/db/tables.ts or put tables in effect-sqlservice.config.ts`)),
    onSome: Effect.succeed
  })
