import * as Effect from "effect/Effect"
import * as Effectable from "effect/Effectable"
import type * as Fiber from "effect/Fiber"
import * as References from "effect/References"
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlConnection from "effect/sql/SqlConnection"
import type { SqlError } from "effect/sql/SqlError"
import * as Statement from "effect/sql/Statement"
import * as Tracer from "effect/Tracer"
import type { DriverConnection } from "./dialect/Dialect.js"

/**
 * Whether statement spans made on `fiber` go anywhere. Effect's default
 * tracer (`Tracer.nativeTracer`) keeps spans in memory and exports nothing;
 * Effect documents comparing against it to skip work only a tracing backend
 * could observe. A disabled tracer records nothing either.
 *
 * @internal
 */
export const recordsSpans = (fiber: Fiber.Fiber<unknown, unknown>): boolean =>
  fiber.getRef(References.TracerEnabled) && fiber.getRef(Tracer.Tracer) !== Tracer.nativeTracer

/**
 * Runs `use` on the connection a statement of `fiber` takes: its block's, or
 * one borrowed for that statement only. No `Scope` is involved: a pooled
 * connection goes back when `use` ends.
 *
 * @internal
 */
export type BorrowOn = <A, E, R>(
  fiber: Fiber.Fiber<unknown, unknown>,
  use: (conn: DriverConnection) => Effect.Effect<A, E, R>
) => Effect.Effect<A, E | SqlError, R>

interface StatementFields {
  segments: ReadonlyArray<Statement.Segment>
  acquirer: SqlConnection.Acquirer
  compiler: Statement.Compiler
  spanAttributes: ReadonlyArray<readonly [string, unknown]>
  transformRows: undefined
  borrower: SqlConnection.Borrower | undefined
}

type Run = (connection: SqlConnection.Connection, sql: string, params: ReadonlyArray<unknown>) => Effect.Effect<any, any>

interface StatementMethods {
  readonly compile: (withoutTransform?: boolean) => readonly [string, ReadonlyArray<unknown>]
  readonly withConnection: (operation: string, f: Run, withoutTransform?: boolean) => Effect.Effect<any, any>
}

// The key the fiber calls a primitive's evaluation by: taken from a prototype
// Effect builds, not spelled out here.
const evaluateKey = (() => {
  const marker = function() {
    return Effect.void
  }
  const proto = Effectable.Prototype({ label: "marker", evaluate: marker }) as unknown as Record<string, unknown>
  const key = Object.keys(proto).find((k) => proto[k] === marker)
  if (key === undefined) throw new Error("effect-sqlservice: Effectable.Prototype has no evaluate key")
  return key
})()

/**
 * `effect/sql`'s client with our own statement path. A statement is still an
 * `effect/sql` `Statement` (every helper, `.values`, `.raw`, `.stream`,
 * `CurrentTransformer` work as before), with two changes to how it runs:
 *
 * - with a tracer that records (OpenTelemetry's, any but Effect's default),
 *   it runs exactly as `effect/sql` runs it: a client span with the
 *   `db.*` attributes, the query text, transformers;
 * - otherwise there is no span to make, end and fill with attributes that
 *   nobody reads: it compiles and runs on the connection `borrowOn` gives,
 *   in one step. With `CurrentTransformer` set it takes `effect/sql`'s path.
 *
 * In both, a statement outside a block borrows a pooled connection for
 * itself, with no `Scope` (the `borrower` of `SqlClient.make`).
 *
 * @internal
 */
export const make = (options: {
  readonly acquirer: SqlConnection.Acquirer
  readonly borrowOn: BorrowOn
  readonly compiler: Statement.Compiler
  readonly spanAttributes: ReadonlyArray<readonly [string, unknown]>
  readonly driver: string
}) =>
  Effect.gen(function*() {
    const { borrowOn, compiler, spanAttributes } = options
    const borrower: SqlConnection.Borrower = (f) => Effect.withFiber((fiber) => borrowOn(fiber, f))
    const made = yield* SqlClient.make({
      acquirer: options.acquirer,
      borrower,
      compiler,
      spanAttributes,
      driver: options.driver
    })

    // effect/sql's statement prototype, and the fields its statements carry
    // for this client (its acquirer checks effect/sql's transaction service).
    const sample = made.unsafe("") as unknown as StatementFields & StatementMethods
    const effectProto = Object.getPrototypeOf(sample) as Record<string, any>
    const effectEvaluate = effectProto[evaluateKey] as (this: unknown, fiber: Fiber.Fiber<unknown, unknown>) => unknown
    const effectWithConnection = effectProto.withConnection as StatementMethods["withConnection"]
    const takesEffectPath = (fiber: Fiber.Fiber<unknown, unknown>) =>
      recordsSpans(fiber) || fiber.getRef(Statement.CurrentTransformer) !== undefined

    const proto = Object.create(effectProto) as Record<string, unknown>
    proto[evaluateKey] = function(this: StatementFields & StatementMethods, fiber: Fiber.Fiber<unknown, unknown>) {
      if (takesEffectPath(fiber)) return effectEvaluate.call(this, fiber)
      const [sql, params] = this.compile(false)
      return borrowOn(fiber, (conn) => conn.execute(sql, params, undefined))
    }
    // `.values`, `.raw`, `.unprepared`, `.withoutTransform`.
    proto.withConnection = function(
      this: StatementFields & StatementMethods,
      operation: string,
      f: Run,
      withoutTransform = false
    ) {
      return Effect.withFiber((fiber) => {
        if (takesEffectPath(fiber)) return effectWithConnection.call(this, operation, f, withoutTransform)
        const [sql, params] = this.compile(withoutTransform)
        return borrowOn(fiber, (conn) => f(conn, sql, params))
      })
    }

    const adopt = (statement: Statement.Statement<any>): Statement.Statement<any> => {
      const from = statement as unknown as StatementFields
      const self = Object.create(proto) as StatementFields
      self.segments = from.segments
      self.acquirer = sample.acquirer
      self.compiler = compiler
      self.spanAttributes = spanAttributes
      self.transformRows = undefined
      self.borrower = sample.borrower
      return self as unknown as Statement.Statement<any>
    }

    const sql = function sql(strings: unknown, ...args: Array<any>): any {
      if (typeof strings === "string") return made(strings)
      return adopt(
        Statement.statement(sample.acquirer, compiler, strings as TemplateStringsArray, args, spanAttributes, undefined, sample.borrower)
      )
    }
    const client: SqlClient.SqlClient = Object.assign(sql, made, {
      unsafe: (text: string, params?: ReadonlyArray<unknown>) => adopt(made.unsafe(text, params)),
      withoutTransforms: () => client
    }) as unknown as SqlClient.SqlClient
    ;(client as { safe: unknown }).safe = client
    return client
  })
