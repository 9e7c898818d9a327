/**
 * `Migrations.statements`: a migration's direction as a list of SQL
 * statements, kept readable (`statementsOf`) for the generator's lint, the
 * offline SQL output and the checksum of migrations given in code.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { Database } from "../../Database.js"
import type * as DatabaseError from "../../DatabaseError.js"
import { Session } from "../../Session.js"
import { CurrentMigration, type RunningMigration } from "./current.js"
import { migrationError } from "./errors.js"

const registry = new WeakMap<object, ReadonlyArray<string>>()

const failedMessage = (
  running: RunningMigration | undefined,
  index: number,
  count: number,
  error: DatabaseError.DatabaseError
): string => {
  const where = running === undefined ? "migration statement" : `migration ${running.label} (${running.direction})`
  const outcome = running === undefined
    ? ""
    : running.transactional
    ? " (it was rolled back: the schema and the migrations table are as before; fix the statement and run again)"
    : " (it is not transactional: the statements before this one stay applied and it is not recorded; repair the schema by hand or make the statements idempotent, then run again)"
  return `${where} failed at statement ${index + 1} of ${count}: ${error.reason._tag}: ${error.reason.message}${outcome}`
}

// Inside a migration's transaction its Session is in context; a
// non-transactional migration runs its statements on one connection of its
// own, in autocommit (CREATE INDEX CONCURRENTLY refuses a transaction).
const runAll = (list: ReadonlyArray<string>, run: (sql: string) => Effect.Effect<unknown, DatabaseError.DatabaseError>) =>
  Effect.gen(function*() {
    const running = yield* CurrentMigration
    for (const [index, sql] of list.entries()) {
      yield* Effect.mapError(
        run(sql),
        (error) =>
          migrationError("failed", failedMessage(running, index, list.length, error), {
            statement: sql,
            ...(running === undefined ? {} : { migrations: [running.label] }),
            cause: error
          })
      )
    }
  })

/** @internal */
export const statements = (
  list: ReadonlyArray<string>
): Effect.Effect<void, DatabaseError.DatabaseError, Database> => {
  const copy: ReadonlyArray<string> = [...list]
  const effect = Effect.gen(function*() {
    const notText = copy.findIndex((sql) => typeof sql !== "string" || sql.trim() === "")
    if (notText !== -1) {
      const running = yield* CurrentMigration
      return yield* Effect.fail(migrationError(
        "invalid",
        `Migrations.statements: statement ${notText + 1} is ${typeof copy[notText] === "string" ? "empty" : `a ${typeof copy[notText]}`}, expected SQL text (one statement per string)`,
        running === undefined ? {} : { migrations: [running.label] }
      ))
    }
    const session = yield* Effect.serviceOption(Session)
    if (session._tag === "Some") return yield* runAll(copy, (sql) => session.value.execute(sql))
    const db = yield* Database
    return yield* Effect.scoped(
      Effect.flatMap(db.connect, (conn) => runAll(copy, (sql) => conn.execute(sql)))
    )
  })
  registry.set(effect, copy)
  return effect
}

/**
 * The statements a `statements(...)` Effect runs; undefined for any other
 * Effect (a hand-written migration).
 *
 * @internal
 */
export const statementsOf = (effect: unknown): ReadonlyArray<string> | undefined =>
  typeof effect === "object" && effect !== null ? registry.get(effect) : undefined
