/**
 * `effect-sqlservice ping`: opens the database and runs `SELECT 1`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { Command } from "effect/cli"
import { handler, withDatabase } from "../handler.js"
import { print, printJson, progress } from "../output.js"
import { configFlag, jsonFlag, resolveSettings, urlFlag } from "../settings.js"

/** @internal */
export const ping = Command.make(
  "ping",
  { url: urlFlag, config: configFlag, json: jsonFlag },
  handler((input) =>
    Effect.gen(function*() {
      const settings = yield* resolveSettings(input)
      yield* progress(`connecting to ${settings.maskedUrl}`)
      const dialect = yield* withDatabase(settings, [], (db) => Effect.as(db.ping, db.dialect))
      yield* input.json
        ? printJson({ ok: true, url: settings.maskedUrl, dialect })
        : print(`ok: ${settings.maskedUrl} (${dialect}) answers`)
    })
  )
).pipe(Command.withDescription("Check that the database answers (SELECT 1)"))
