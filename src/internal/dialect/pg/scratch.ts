/**
 * The PostgreSQL scratch database: a temporary database created on the
 * server of `scratchUrl` (or `DATABASE_URL`) and dropped, with whatever is
 * still connected to it, when the scope closes, however it closes. Its user
 * needs `CREATEDB`; the application's own database is never used.
 *
 * @internal
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { randomBytes } from "node:crypto"
import * as Database from "../../../Database.js"
import * as DatabaseError from "../../../DatabaseError.js"
import { errorMessage } from "../../errorMessage.js"
import type { ScratchOptions } from "../scratchDialect.js"

const configError = (message: string, cause?: unknown) =>
  DatabaseError.make(new DatabaseError.ConfigError({ message }), { cause })

/** The server to create the scratch database on: the option, else `DATABASE_URL`. */
const serverUrl = (options: ScratchOptions) =>
  options.scratchUrl !== undefined
    ? Effect.succeed(typeof options.scratchUrl === "string" ? options.scratchUrl : Redacted.value(options.scratchUrl))
    : Effect.mapError(Config.option(Config.String("DATABASE_URL")), (e) =>
      configError(`scratch database: DATABASE_URL: ${e}`, e)).pipe(
      Effect.flatMap(Option.match({
        onNone: () =>
          Effect.fail(configError(errorMessage(
            "scratch database",
            "PostgreSQL migrations are replayed into a temporary database, and no server is configured for it",
            "pass scratchUrl, or set DATABASE_URL, to a PostgreSQL URL whose user may CREATE DATABASE; the production database is never used"
          ))),
        onSome: Effect.succeed
      }))
    )

/**
 * The URL of `database` on the server of `url`. A `search_path` in the
 * URL's `options` names schemas of the original database, which the empty
 * scratch database does not have, so it is left out: the replayed
 * migrations create their tables where they would in a fresh database.
 */
const urlOfDatabase = (url: string, database: string): string => {
  const u = new URL(url)
  u.pathname = `/${database}`
  const options = u.searchParams.get("options")
  if (options !== null) {
    const kept = options.replace(/(^|\s)(-c\s*|--)search_path=\S*/g, "").trim()
    if (kept === "") u.searchParams.delete("options")
    else u.searchParams.set("options", kept)
  }
  return u.toString()
}

/** Runs one statement on a connection of `db`. */
const execute = (db: Database.Database, sql: string) =>
  Effect.scoped(Effect.flatMap(db.connect, (connection) => connection.execute(sql)))

/**
 * A temporary PostgreSQL database on the server of the scratch URL, as a
 * `Database`, dropped when the scope closes (`WITH (FORCE)`, so a connection
 * left behind does not keep it).
 *
 * @internal
 */
export const pgScratchDatabase = (
  options: ScratchOptions
): Effect.Effect<Database.Database, DatabaseError.DatabaseError, Scope.Scope> =>
  Effect.gen(function*() {
    const server = yield* serverUrl(options)
    const admin = yield* Database.make({ url: server, poolSize: 1, applicationName: "effect-sqlservice scratch" })
    const name = `esq_scratch_${process.pid}_${randomBytes(6).toString("hex")}`
    yield* Effect.acquireRelease(
      execute(admin, `CREATE DATABASE "${name}"`).pipe(
        Effect.catchIf(
          (e) => DatabaseError.hasReason(e, "StatementError") || DatabaseError.hasReason(e, "ReadOnlyError"),
          (e) =>
            Effect.fail(configError(
              errorMessage(
                "scratch database",
                `the server refused CREATE DATABASE: ${e.reason.message}`,
                "migrations are replayed into a temporary database; give the scratchUrl user CREATEDB, or point scratchUrl at a server where it has it"
              ),
              e
            ))
        )
      ),
      // A drop that fails leaves an empty database named esq_scratch_*: worth
      // a log line, not a failure of the work that was done.
      () => execute(admin, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).pipe(Effect.ignore({ log: true }))
    )
    return yield* Database.make({ url: urlOfDatabase(server, name), poolSize: 1 })
  })
