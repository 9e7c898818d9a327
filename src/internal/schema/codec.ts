/**
 * Row codecs: driver rows ⇄ a table's Schema, compiled once per table and
 * dialect.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as DatabaseError from "../../DatabaseError.js"
import type { Dialect, NeutralType } from "../../Metadata.js"
import type * as Table from "../../Table.js"
import { defaultValueOptions, type SchemaDialect, type ValueOptions } from "../dialect/schemaDialect.js"
import { schemaDialects } from "../dialect/schemaDialects.js"
import { analyze, type ColumnDef, type TableDef } from "./analyze.js"
import { storageOf } from "./declared.js"
import { plainStructCheck } from "./fastPath.js"
import { errorMessage, foreignText, showValue } from "../errorMessage.js"
import { canonicalToRep, repToCanonical, UnstorableValue, ValueError } from "./values.js"

/** @internal */
export interface RowCodec {
  readonly decode: (row: unknown) => Effect.Effect<any, DatabaseError.DatabaseError, any>
  /** The synchronous decoder; `undefined` when the Schema needs the Effect path (async or services). */
  readonly decodeEither: (row: unknown) => Either.Either<any, DatabaseError.DatabaseError> | undefined
  readonly encode: (value: unknown) => Effect.Effect<Record<string, unknown>, DatabaseError.DatabaseError, any>
  readonly encodeInsert: (value: unknown) => Effect.Effect<Record<string, unknown>, DatabaseError.DatabaseError, any>
  /** The synchronous insert encoder; `undefined` when the Schema needs the Effect path. */
  readonly encodeInsertEither: (
    value: unknown
  ) => Either.Either<Record<string, unknown>, DatabaseError.DatabaseError> | undefined
}

// Reading: a row the database returned does not fit the Schema.
const decodeError = (table: string, message: string, cause?: unknown): DatabaseError.DatabaseError =>
  DatabaseError.make(new DatabaseError.DecodeError({ message, table }), cause === undefined ? undefined : { cause })

/**
 * An encoded Schema value → the bound parameter for a column of `type`,
 * refusing a value the column would not give back unchanged. Throws
 * `ValueError` (cannot convert) or `UnstorableValue` (cannot store exactly).
 *
 * @internal
 */
export const toParameter = (dialect: SchemaDialect, options: ValueOptions, value: unknown, type: NeutralType): unknown => {
  const canonical = repToCanonical(value, type)
  const problem = dialect.unstorable(canonical, type, options)
  if (problem !== undefined) throw new UnstorableValue(problem)
  return dialect.toDriver(canonical, type)
}

const valueProblem = (e: unknown) =>
  e instanceof ValueError || e instanceof UnstorableValue ? e.message : foreignText(String(e))

/**
 * Writing: a value the caller gave cannot be encoded for its column.
 *
 * @internal
 */
export const encodeError = (
  table: string,
  column: string | undefined,
  message: string,
  cause: unknown
): DatabaseError.DatabaseError =>
  DatabaseError.make(
    new DatabaseError.InputError({ message, table, ...(column === undefined ? {} : { column }) }),
    { cause }
  )

/**
 * What a failed `toParameter` means: the caller's value does not fit its
 * column (it does not convert, or would not come back unchanged).
 *
 * @internal
 */
export const parameterError = (table: string, column: string, e: unknown): DatabaseError.DatabaseError =>
  encodeError(table, column, errorMessage(`table ${table}, column ${column}`, valueProblem(e)), e)

interface CompiledColumn {
  readonly def: ColumnDef
  readonly type: NeutralType
}

/**
 * Turns a ParseError into "table t, column c: cannot <verb> value: ..." (the
 * first column the issues name; further issues follow, naming theirs).
 */
const describeParseError = (
  def: TableDef,
  error: ParseResult.ParseError,
  verb: string
): { readonly message: string; readonly column: string | undefined } => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error).slice(0, 5).map((issue) => {
    const field = issue.path[0]
    const column = def.columns.find((c) => c.field === field || c.encodedKey === field)
    const problem = foreignText(issue.message)
    return column === undefined
      ? { column: undefined, text: `cannot ${verb} row: ${problem}` }
      : {
        column: column.name,
        text: `cannot ${verb} ${issue.path.length > 1 ? `${showValue(issue.path.slice(1))} of ` : ""}value: ${problem}`
      }
  })
  const [first, ...rest] = issues
  const why = [
    first?.text ?? `cannot ${verb} row`,
    ...rest.map((issue) => issue.column === undefined ? issue.text : `column ${issue.column}: ${issue.text}`)
  ].join("; ")
  return {
    column: first?.column,
    message: errorMessage(first?.column === undefined ? `table ${def.name}` : `table ${def.name}, column ${first.column}`, why)
  }
}

const compile = (
  table: Table.Any,
  dialect: SchemaDialect,
  options: ValueOptions
): Either.Either<RowCodec, DatabaseError.DatabaseError> =>
  Either.map(analyze(table), (def) => {
    const columns: ReadonlyArray<CompiledColumn> = def.columns.map((c) => ({ def: c, type: storageOf(dialect, c).type }))
    const decodeSchema = Schema.decodeUnknown(table.schema as Schema.Schema<any, any, any>)
    const encodeSchema = Schema.encodeUnknown(table.schema as Schema.Schema<any, any, any>)
    // Inserts may omit what the database fills in.
    const insertFields: Record<string, Schema.Struct.Field> = {}
    for (const c of def.columns) {
      const field = table.fields[c.field]!
      insertFields[c.field] = c.defaulted && !c.optional && Schema.isSchema(field) ? Schema.optional(field) : field
    }
    const insertSchema = Schema.Struct(insertFields) as unknown as Schema.Schema<any, any, never>
    const encodeInsertSchema = Schema.encodeUnknown(insertSchema)

    const fromRow = (row: unknown): Either.Either<Record<string, unknown>, DatabaseError.DatabaseError> => {
      if (typeof row !== "object" || row === null) {
        return Either.left(
          decodeError(def.name, errorMessage(`table ${def.name}`, `expected a row object, got ${row === null ? "null" : typeof row}`))
        )
      }
      const raw = row as Record<string, unknown>
      const out: Record<string, unknown> = {}
      for (const { def: c, type } of columns) {
        if (!(c.name in raw)) continue
        const value = raw[c.name]
        if (value === null || value === undefined) {
          switch (c.nullRep) {
            case "null":
              out[c.encodedKey] = null
              break
            case "undefined":
              out[c.encodedKey] = undefined
              break
            case "omit":
              break
            case "none":
              out[c.encodedKey] = null
          }
          continue
        }
        try {
          out[c.encodedKey] = canonicalToRep(dialect.fromDriver(value, type), type, c.kind.rep)
        } catch (e) {
          return Either.left(decodeError(def.name, errorMessage(`table ${def.name}, column ${c.name}`, valueProblem(e)), e))
        }
      }
      return Either.right(out)
    }

    const toRow = (encoded: Record<string, unknown>): Either.Either<Record<string, unknown>, DatabaseError.DatabaseError> => {
      const out: Record<string, unknown> = {}
      for (const { def: c, type } of columns) {
        if (!(c.encodedKey in encoded)) continue
        const value = encoded[c.encodedKey]
        if (value === undefined) continue
        try {
          out[c.name] = value === null ? null : toParameter(dialect, options, value, type)
        } catch (e) {
          return Either.left(parameterError(def.name, c.name, e))
        }
      }
      return Either.right(out)
    }

    const encodeWith = (encode: (u: unknown) => Effect.Effect<any, ParseResult.ParseError, any>) => (value: unknown) =>
      encode(value).pipe(
        Effect.mapError((e) => {
          const described = describeParseError(def, e, "encode")
          return encodeError(def.name, described.column, described.message, e)
        }),
        Effect.flatMap((encoded) => toRow(encoded as Record<string, unknown>))
      )

    // Synchronous encoding for bulk writes; `undefined` means "use the Effect path".
    const encodeEitherWith = (schema: Schema.Schema<any, any, never>) => {
      const encode = ParseResult.encodeUnknownEither(schema)
      const plain = plainStructCheck(schema)
      return (value: unknown): Either.Either<Record<string, unknown>, DatabaseError.DatabaseError> | undefined => {
        if (plain !== undefined && plain(value)) return toRow(value as Record<string, unknown>)
        const encoded = encode(value)
        if (Either.isRight(encoded)) return toRow(encoded.right as Record<string, unknown>)
        if (encoded.left._tag === "Forbidden") return undefined
        const error = new ParseResult.ParseError({ issue: encoded.left })
        const described = describeParseError(def, error, "encode")
        return Either.left(encodeError(def.name, described.column, described.message, error))
      }
    }

    // Rows are decoded synchronously; only a Schema with asynchronous or
    // service-dependent parts ("Forbidden" to the sync parser) takes the
    // Effect path. This is the hot path of every read.
    const decodeSync = ParseResult.decodeUnknownEither(table.schema as Schema.Schema<any, any, never>)
    const decodeEffect = (encoded: unknown) =>
      decodeSchema(encoded).pipe(Effect.mapError((e) => decodeError(def.name, describeParseError(def, e, "decode").message, e)))
    const plain = plainStructCheck(table.schema)
    const decodeEither = (row: unknown): Either.Either<any, DatabaseError.DatabaseError> | undefined => {
      const encoded = fromRow(row)
      if (Either.isLeft(encoded)) return encoded
      // A plain struct decodes to an equal object: fromRow's fresh object is the row.
      if (plain !== undefined && plain(encoded.right)) return encoded
      const decoded = decodeSync(encoded.right)
      if (Either.isRight(decoded)) return Either.right(decoded.right)
      if (decoded.left._tag === "Forbidden") return undefined
      const error = new ParseResult.ParseError({ issue: decoded.left })
      return Either.left(decodeError(def.name, describeParseError(def, error, "decode").message, error))
    }

    return {
      decodeEither,
      decode: (row: unknown) => {
        const decoded = decodeEither(row)
        if (decoded !== undefined) return decoded
        return Effect.flatMap(fromRow(row), decodeEffect)
      },
      encode: encodeWith(encodeSchema),
      encodeInsert: encodeWith(encodeInsertSchema),
      encodeInsertEither: encodeEitherWith(insertSchema)
    }
  })

const cache = new WeakMap<Table.Any, Map<string, Either.Either<RowCodec, DatabaseError.DatabaseError>>>()

/** @internal */
export const rowCodec = (
  table: Table.Any,
  dialect: Dialect,
  options: ValueOptions = defaultValueOptions
): Either.Either<RowCodec, DatabaseError.DatabaseError> => {
  let perDialect = cache.get(table)
  if (perDialect === undefined) {
    perDialect = new Map()
    cache.set(table, perDialect)
  }
  const key = options.safeIntegers ? `${dialect}:safeIntegers` : dialect
  const cached = perDialect.get(key)
  if (cached !== undefined) return cached
  const compiled = compile(table, schemaDialects[dialect], options)
  perDialect.set(key, compiled)
  return compiled
}
