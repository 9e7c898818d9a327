import * as Effect from "effect/Effect"
import { admin } from "./pgbouncer.js"

/** Server backends (on the main server) connected to `database`, by state. */
export const backendsOf = (database: string) =>
  Effect.map(
    admin(
      "SELECT state, query FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
      [database]
    ),
    (rows) => rows as unknown as ReadonlyArray<{ readonly state: string | null; readonly query: string }>
  )

/** Server backends whose application_name is `name`. */
export const backendsNamed = (name: string) =>
  Effect.map(
    admin(
      "SELECT state, query FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()",
      [name]
    ),
    (rows) => rows as unknown as ReadonlyArray<{ readonly state: string | null; readonly query: string }>
  )

/**
 * Polls `probe` until `done` holds, for at most `seconds`: a bound that proves
 * "it happens", not a timing. Returns the last value seen either way.
 */
export const pollUntil = <A>(probe: Effect.Effect<A>, done: (a: A) => boolean, seconds: number) =>
  Effect.gen(function*() {
    const deadline = Date.now() + seconds * 1000
    let last = yield* probe
    while (!done(last) && Date.now() < deadline) {
      yield* Effect.sleep("50 millis")
      last = yield* probe
    }
    return last
  })
