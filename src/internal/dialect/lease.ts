import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import type { SqlError } from "effect/sql/SqlError"
import type { DriverConnection, Reservation, Restore } from "./Dialect.js"

/**
 * `Driver.reserve` made from `Driver.lease`: the lease is given back by a
 * finalizer of the caller's scope.
 *
 * @internal
 */
export const reserveFromLease = (
  lease: (restore: Restore) => Effect.Effect<Reservation, SqlError>
): Effect.Effect<DriverConnection, SqlError, Scope.Scope> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.withFiber((fiber) => {
      const scope = Context.getUnsafe(fiber.context, Scope.Scope)
      return Effect.flatMap(lease(restore), (leased) => Effect.as(Scope.addFinalizer(scope, leased.release), leased.conn))
    })
  )
