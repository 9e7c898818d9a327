/**
 * What a failed Exit carried, for tests that assert on the typed failure
 * (and must fail loudly on a success or a defect).
 */
import * as Cause from "effect/Cause"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as DatabaseError from "../../src/DatabaseError.js"

/** The typed failure of `exit`; throws on success or a cause without one. */
export const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const failure = Cause.findErrorOption(exit.cause)
  if (Option.isNone(failure)) throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return failure.value
}

/** The reason of a `DatabaseError`; throws for anything else. */
export const reasonOf = (error: unknown) => {
  if (!DatabaseError.isDatabaseError(error)) throw new Error(`expected a DatabaseError, got ${String(error)}`)
  return error.reason
}
