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
  /** Behind `segments`: a template's are made when first asked for (a kept text needs none). */
  madeSegments: ReadonlyArray<Statement.Segment> | undefined
  acquirer: SqlConnection.Acquirer
  compiler: Statement.Compiler
  spanAttributes: ReadonlyArray<readonly [string, unknown]>
  transformRows: undefined
  borrower: SqlConnection.Borrower | undefined
  /** The template a `sql\`...\`` statement was written as (see `compileTemplate`); undefined otherwise. */
  templateStrings: TemplateStringsArray | undefined
  templateArgs: ReadonlyArray<unknown> | undefined
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
 * The SQL text of a template whose values are all bound as given: it
 * depends only on the template's strings (the same object at every call of
 * one `sql\`...\`` expression), so it is kept per template instead of being
 * compiled again per statement (compiling was a fifth of a SQLite point
 * select through `db.sql` or `connect.all`). Kept only where each value is
 * a number or a string and the compiler bound exactly the values given;
 * `types` are their `typeof`, checked per statement.
 */
interface TemplateText {
  readonly sql: string
  readonly types: ReadonlyArray<string>
}

const sameTypes = (types: ReadonlyArray<string>, args: ReadonlyArray<unknown>): boolean => {
  if (types.length !== args.length) return false
  for (let i = 0; i < args.length; i++) if (typeof args[i] !== types[i]) return false
  return true
}

// The values' types when the compiler bound each value as given (and all are numbers or strings).
const bindsAsGiven = (params: ReadonlyArray<unknown>, args: ReadonlyArray<unknown>): ReadonlyArray<string> | undefined => {
  if (params.length !== args.length) return undefined
  const types: Array<string> = new Array(args.length)
  for (let i = 0; i < args.length; i++) {
    const type = typeof args[i]
    if ((type !== "number" && type !== "string") || !Object.is(params[i], args[i])) return undefined
    types[i] = type
  }
  return types
}

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

    const effectCompile = effectProto.compile as StatementMethods["compile"]
    const texts = new WeakMap<TemplateStringsArray, TemplateText>()

    const proto = Object.create(effectProto) as Record<string, unknown>
    proto.compile = function(this: StatementFields & StatementMethods, withoutTransform?: boolean) {
      const strings = this.templateStrings
      if (strings === undefined || withoutTransform === true) return effectCompile.call(this, withoutTransform)
      const args = this.templateArgs!
      const known = texts.get(strings)
      if (known !== undefined && sameTypes(known.types, args)) return [known.sql, args] as const
      const compiled = effectCompile.call(this, false)
      const types = bindsAsGiven(compiled[1], args)
      if (types !== undefined) texts.set(strings, { sql: compiled[0], types })
      return compiled
    }
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

    // A template's segments (effect/sql's parse of its strings and values) are made only when something
    // reads them: compiling a template whose text is kept does not, and making them was most of what a
    // `sql\`...\`` statement allocated.
    Object.defineProperty(proto, "segments", {
      get(this: StatementFields) {
        if (this.madeSegments === undefined) {
          const made = Statement.statement(
            sample.acquirer,
            compiler,
            this.templateStrings!,
            this.templateArgs! as Array<unknown>,
            spanAttributes,
            undefined,
            sample.borrower
          ) as unknown as StatementFields
          this.madeSegments = made.segments
        }
        return this.madeSegments
      },
      set(this: StatementFields, segments: ReadonlyArray<Statement.Segment>) {
        this.madeSegments = segments
      }
    })

    const adopt = (
      segments: ReadonlyArray<Statement.Segment> | undefined,
      strings?: TemplateStringsArray,
      args?: ReadonlyArray<unknown>
    ): Statement.Statement<any> => {
      const self = Object.create(proto) as StatementFields
      self.madeSegments = segments
      self.acquirer = sample.acquirer
      self.compiler = compiler
      self.spanAttributes = spanAttributes
      self.transformRows = undefined
      self.borrower = sample.borrower
      self.templateStrings = strings
      self.templateArgs = args
      return self as unknown as Statement.Statement<any>
    }

    const segmentsOf = (statement: Statement.Statement<any>) => (statement as unknown as StatementFields).segments

    const sql = function sql(strings: unknown, ...args: Array<any>): any {
      if (typeof strings === "string") return made(strings)
      const template = strings as TemplateStringsArray
      if (Array.isArray((template as { raw?: unknown }).raw)) return adopt(undefined, template, args)
      return adopt(
        segmentsOf(Statement.statement(sample.acquirer, compiler, template, args, spanAttributes, undefined, sample.borrower))
      )
    }
    const client: SqlClient.SqlClient = Object.assign(sql, made, {
      unsafe: (text: string, params?: ReadonlyArray<unknown>) => adopt(segmentsOf(made.unsafe(text, params))),
      withoutTransforms: () => client
    }) as unknown as SqlClient.SqlClient
    ;(client as { safe: unknown }).safe = client
    return client
  })
