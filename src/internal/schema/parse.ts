/**
 * Running Effect Schema parsers synchronously where possible, and reading
 * their issues.
 *
 * Effect 4's synchronous adapters do not report a Schema that needs the
 * Effect runtime as an issue (v3 reported "Forbidden"): an asynchronous
 * Schema dies with an `AsyncFiberError` whose fiber keeps running, one that
 * needs a service dies with "Service not found". `syncFirst` tells those
 * apart from schema failures, so the caller takes the Effect path instead.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import type * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as AST from "effect/SchemaAST"
import * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaParser from "effect/SchemaParser"
import { foreignText } from "../errorMessage.js"

/**
 * Parse options for every decode and encode: issues keep the rejected value,
 * so messages read `Expected string, got 42` (cut by `foreignText`).
 *
 * @internal
 */
export const parseOptions: AST.ParseOptions = { reportInput: true }

/** @internal */
export interface SyncFirst<A> {
  /**
   * The result of the synchronous parser, or `undefined` when the Schema
   * needs the Effect path (then and ever after, for this parser).
   */
  readonly sync: (input: unknown) => Result.Result<A, SchemaIssue.Issue> | undefined
  readonly effect: (input: unknown) => Effect.Effect<A, SchemaIssue.Issue, any>
  /** Why the synchronous parser cannot be used, once `sync` has returned `undefined`. */
  readonly whyNotSync: () => string | undefined
}

/**
 * Pairs a synchronous parser with its Effect twin. A failure that is not a
 * schema issue (asynchronous work, a missing service, a throwing
 * transformation) switches to the Effect path for good: it is a property of
 * the Schema, and the Effect path gives each its proper outcome (waits,
 * reads the service, or dies with the defect). An asynchronous fiber the
 * synchronous attempt left running is interrupted.
 *
 * @internal
 */
export const syncFirst = <A>(
  sync: (input: unknown, options?: AST.ParseOptions) => Exit.Exit<A, SchemaIssue.Issue>,
  effect: (input: unknown, options?: AST.ParseOptions) => Effect.Effect<A, SchemaIssue.Issue, any>
): SyncFirst<A> => {
  let whyNotSync: string | undefined
  return {
    sync: (input) => {
      if (whyNotSync !== undefined) return undefined
      const exit = sync(input, parseOptions)
      if (Exit.isSuccess(exit)) return Result.succeed(exit.value)
      const issue = Cause.findErrorOption(exit.cause)
      if (Option.isSome(issue)) return Result.fail(issue.value)
      whyNotSync = "it needs the Effect runtime"
      for (const reason of exit.cause.reasons) {
        if (Cause.isDieReason(reason)) {
          if (Cause.isAsyncFiberError(reason.defect)) {
            reason.defect.fiber.interruptUnsafe()
            whyNotSync = "it is asynchronous"
          } else {
            whyNotSync = reason.defect instanceof Error ? reason.defect.message : String(reason.defect)
          }
        }
      }
      return undefined
    },
    effect: (input) => effect(input, parseOptions),
    whyNotSync: () => whyNotSync
  }
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

/**
 * A Schema issue as `{ path, message }` items, `path[0]` being the field.
 *
 * @internal
 */
export const issueItems = (issue: SchemaIssue.Issue): ReadonlyArray<{
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}> =>
  formatter(issue).issues.map((i) => ({
    path: (i.path ?? []).map((segment) => typeof segment === "object" ? segment.key : segment),
    message: i.message
  }))

/**
 * Why one value could not be encoded: the Schema's messages (cut, one line
 * each) and the cause to keep.
 *
 * @internal
 */
export interface EncodeProblem {
  readonly messages: ReadonlyArray<string>
  readonly cause: unknown
}

/**
 * Encodes single values with a field's Schema, synchronously (defaults,
 * values compared with a column). A Schema that cannot encode
 * synchronously is a problem too, saying why.
 *
 * @internal
 */
export const valueEncoder = (
  schema: Schema.Codec<any, any, never, never>
): (value: unknown) => Result.Result<unknown, EncodeProblem> => {
  const encoder = syncFirst(SchemaParser.encodeUnknownExit(schema), SchemaParser.encodeUnknownEffect(schema))
  return (value) => {
    const encoded = encoder.sync(value)
    if (encoded === undefined) {
      const why = `the Schema cannot encode synchronously: ${foreignText(encoder.whyNotSync() ?? "")}`
      return Result.fail({ messages: [why], cause: new Error(why) })
    }
    if (Result.isSuccess(encoded)) return Result.succeed(encoded.success)
    return Result.fail({
      messages: issueItems(encoded.failure).map((item) => foreignText(item.message)),
      cause: new Schema.SchemaError(encoded.failure)
    })
  }
}
