/**
 * Row codecs: driver rows ⇄ a table's Schema, compiled once per table and
 * dialect.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaParser from "effect/SchemaParser"
import * as DatabaseError from "../../DatabaseError.js"
import type { Dialect, NeutralType } from "../../Metadata.js"
import type { UnixTimeUnit } from "../../Column.js"
import type { Row } from "../../Connection.js"
import type * as Table from "../../Table.js"
import { defaultValueOptions, type SchemaDialect, type ValueOptions } from "../dialect/schemaDialect.js"
import { schemaDialects } from "../dialect/schemaDialects.js"
import { analyze, type ColumnDef, type TableDef } from "./analyze.js"
import { storageOf } from "./declared.js"
import { type PlainField, plainStructCheck, plainStructFields } from "./fastPath.js"
import { inPlaceRowCheck } from "./inPlace.js"
import { errorMessage, foreignText, showValue } from "../errorMessage.js"
import { issueItems, syncFirst } from "./parse.js"
import { fromUnixTime, toUnixTime } from "./unixTime.js"
import { canonicalToRep, repToCanonical, UnstorableValue, ValueError } from "./values.js"

/** @internal */
export interface RowCodec {
  readonly decode: (row: unknown) => Effect.Effect<any, DatabaseError.DatabaseError, any>
  /** The synchronous decoder; `undefined` when the Schema needs the Effect path (async or services). */
  readonly decodeEither: (row: unknown) => Result.Result<any, DatabaseError.DatabaseError> | undefined
  /**
   * `decode` for a row of a statement whose select list is exactly the
   * table's columns, each named by its field (`"user_id" AS "userId"`):
   * where every value needs no conversion and the Schema is a plain struct
   * that accepts the row, the driver's row object is the decoded row (no
   * copy); anything else takes the same path as `decode`.
   */
  readonly decodeFields: (row: unknown) => Effect.Effect<any, DatabaseError.DatabaseError, any>
  /** The synchronous `decodeFields`; `undefined` when the Schema needs the Effect path. */
  readonly decodeFieldsEither: (row: unknown) => Result.Result<any, DatabaseError.DatabaseError> | undefined
  /**
   * `decodeEither` for a row of the table's own select list (exactly its
   * columns, by name, as the ORM selects them): such a row is validated in
   * place and returned itself where reading it would change nothing.
   */
  readonly decodeSelected: (row: Row) => Result.Result<any, DatabaseError.DatabaseError> | undefined
  /** Holds when a selected row is its own decoded value (what `decodeSelected` then succeeds with); `undefined` when no row can be. */
  readonly selectedInPlace: ((row: Row) => boolean) | undefined
  /** `selectedInPlace` for rows selected under their field names (`decodeFieldsEither`). */
  readonly fieldsInPlace: ((row: Row) => boolean) | undefined
  readonly encode: (value: unknown) => Effect.Effect<Record<string, unknown>, DatabaseError.DatabaseError, any>
  readonly encodeInsert: (value: unknown) => Effect.Effect<Record<string, unknown>, DatabaseError.DatabaseError, any>
  /** The synchronous insert encoder; `undefined` when the Schema needs the Effect path. */
  readonly encodeInsertEither: (
    value: unknown
  ) => Result.Result<Record<string, unknown>, DatabaseError.DatabaseError> | undefined
  /**
   * For a plain struct (see `fastPath.ts`): the compiled check that holds
   * exactly when the insert Schema encodes a row to itself; `undefined`
   * otherwise. Bulk writes validate with it and bind the row's own values.
   */
  readonly insertPlain: ((value: unknown) => boolean) | undefined
  /** The insert Schema's fields when it is a plain struct (`plainStructFields`), else `undefined`. */
  readonly insertFields: ReadonlyArray<PlainField> | undefined
}

// Reading: a row the database returned does not fit the Schema.
const decodeError = (table: string, message: string, cause?: unknown): DatabaseError.DatabaseError =>
  DatabaseError.make(new DatabaseError.DecodeError({ message, table }), cause === undefined ? undefined : { cause })

/**
 * An encoded Schema value → the bound parameter for a column of `type`
 * (holding a unix time in `unixTime` units, when given), refusing a value the column would not give back unchanged. Throws
 * `ValueError` (cannot convert) or `UnstorableValue` (cannot store exactly).
 *
 * @internal
 */
export const toParameter = (
  dialect: SchemaDialect,
  options: ValueOptions,
  value: unknown,
  type: NeutralType,
  unixTime?: UnixTimeUnit
): unknown => {
  const canonical = unixTime === undefined ? repToCanonical(value, type) : toUnixTime(value, unixTime, type)
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
 * Turns a Schema issue into "table t, column c: cannot <verb> value: ..." (the
 * first column the issues name; further issues follow, naming theirs).
 */
const describeIssue = (
  def: TableDef,
  issue: SchemaIssue.Issue,
  verb: string
): { readonly message: string; readonly column: string | undefined } => {
  const issues = issueItems(issue).slice(0, 5).map((issue) => {
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

/**
 * A driver value → the canonical value of a column stored as `type`; an
 * array of an enum (`Column.pgEnum` on an array of literals) is parsed from
 * the text form the driver gives it.
 *
 * @internal
 */
export const fromDriverColumn = (dialect: SchemaDialect, value: unknown, type: NeutralType, column: ColumnDef): unknown =>
  type === "other" && column.pgEnum !== undefined && column.kind.arrayLabels !== undefined && dialect.enumArrayFromDriver !== undefined
    ? dialect.enumArrayFromDriver(value)
    : dialect.fromDriver(value, type)

const compile = (
  table: Table.Any,
  dialect: SchemaDialect,
  options: ValueOptions
): Result.Result<RowCodec, DatabaseError.DatabaseError> =>
  Result.map(analyze(table), (def) => {
    const columns: ReadonlyArray<CompiledColumn> = def.columns.map((c) => ({ def: c, type: storageOf(dialect, c).type }))
    const rowSchema = table.schema as Schema.Codec<any, any, never, never>
    // Inserts may omit what the database fills in, and nullable columns
    // (left out of the INSERT, they are NULL): such a field is an exact
    // optional key (`optionalKey`, not `optional`, which would also accept
    // an explicit undefined on the encoded side).
    const insertFields: Record<string, Schema.Top> = {}
    for (const c of def.columns) {
      const field = table.fields[c.field] as Schema.Top
      insertFields[c.field] = (c.defaulted || c.nullRep === "null") && !c.optional ? Schema.optionalKey(field) : field
    }
    const insertSchema = Schema.Struct(insertFields) as unknown as Schema.Codec<any, any, never, never>

    const fromRowBy = (keyOf: (c: ColumnDef) => string) => (row: unknown): Result.Result<Record<string, unknown>, DatabaseError.DatabaseError> => {
      if (typeof row !== "object" || row === null) {
        return Result.fail(
          decodeError(def.name, errorMessage(`table ${def.name}`, `expected a row object, got ${row === null ? "null" : typeof row}`))
        )
      }
      const raw = row as Record<string, unknown>
      const out: Record<string, unknown> = {}
      for (const { def: c, type } of columns) {
        const key = keyOf(c)
        if (!(key in raw)) continue
        const value = raw[key]
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
          const canonical = fromDriverColumn(dialect, value, type, c)
          out[c.encodedKey] = c.unixTime === undefined
            ? canonicalToRep(canonical, type, c.kind.rep)
            : canonicalToRep(fromUnixTime(canonical, c.unixTime), "timestamp", c.kind.rep)
        } catch (e) {
          return Result.fail(decodeError(def.name, errorMessage(`table ${def.name}, column ${c.name}`, valueProblem(e)), e))
        }
      }
      return Result.succeed(out)
    }

    const fromRow = fromRowBy((c) => c.name)
    const fromFieldRow = fromRowBy((c) => c.field)

    const toRow = (encoded: Record<string, unknown>): Result.Result<Record<string, unknown>, DatabaseError.DatabaseError> => {
      const out: Record<string, unknown> = {}
      for (const { def: c, type } of columns) {
        if (!(c.encodedKey in encoded)) continue
        const value = encoded[c.encodedKey]
        if (value === undefined) continue
        try {
          out[c.name] = value === null ? null : toParameter(dialect, options, value, type, c.unixTime)
        } catch (e) {
          return Result.fail(parameterError(def.name, c.name, e))
        }
      }
      return Result.succeed(out)
    }

    const encodeFailure = (issue: SchemaIssue.Issue) => {
      const described = describeIssue(def, issue, "encode")
      return encodeError(def.name, described.column, described.message, new Schema.SchemaError(issue))
    }
    const decodeFailure = (issue: SchemaIssue.Issue) =>
      decodeError(def.name, describeIssue(def, issue, "decode").message, new Schema.SchemaError(issue))

    // Writes: synchronous for bulk writes where the Schema allows; a plain
    // struct encodes to itself, so checking it is enough.
    const encoderFor = (schema: Schema.Codec<any, any, never, never>) => {
      const parser = syncFirst(SchemaParser.encodeUnknownExit(schema), SchemaParser.encodeUnknownEffect(schema))
      const plain = plainStructCheck(schema)
      const sync = (value: unknown): Result.Result<Record<string, unknown>, DatabaseError.DatabaseError> | undefined => {
        if (plain !== undefined && plain(value)) return toRow(value as Record<string, unknown>)
        const encoded = parser.sync(value)
        if (encoded === undefined) return undefined
        return Result.isSuccess(encoded)
          ? toRow(encoded.success as Record<string, unknown>)
          : Result.fail(encodeFailure(encoded.failure))
      }
      const effect = (value: unknown): Effect.Effect<Record<string, unknown>, DatabaseError.DatabaseError, any> =>
        Effect.suspend(() => {
          const done = sync(value)
          if (done !== undefined) return Effect.fromResult(done)
          return parser.effect(value).pipe(
            Effect.mapError(encodeFailure),
            Effect.flatMap((encoded) => Effect.fromResult(toRow(encoded as Record<string, unknown>)))
          )
        })
      return { sync, effect, plain }
    }

    // Reads: rows are decoded synchronously; only a Schema with asynchronous
    // or service-dependent parts takes the Effect path. This is the hot path
    // of every read.
    const decoder = syncFirst(SchemaParser.decodeUnknownExit(rowSchema), SchemaParser.decodeUnknownEffect(rowSchema))
    const plainFields = plainStructFields(rowSchema)
    const plain = plainStructCheck(rowSchema)
    const decodeEncoded = (
      encoded: Result.Result<Record<string, unknown>, DatabaseError.DatabaseError>
    ): Result.Result<any, DatabaseError.DatabaseError> | undefined => {
      if (Result.isFailure(encoded)) return encoded
      // A plain struct decodes to an equal object: fromRow's fresh object is the row.
      if (plain !== undefined && plain(encoded.success)) return encoded
      const decoded = decoder.sync(encoded.success)
      if (decoded === undefined) return undefined
      return Result.isSuccess(decoded) ? Result.succeed(decoded.success) : Result.fail(decodeFailure(decoded.failure))
    }
    const decodeEither = (row: unknown) => decodeEncoded(fromRow(row))

    // A row that reading would not change is its own decoded value (no copy).
    const fieldsInPlace = inPlaceRowCheck(columns, plainFields, "field")
    const decodeFieldsEither = (row: unknown): Result.Result<any, DatabaseError.DatabaseError> | undefined =>
      fieldsInPlace !== undefined && fieldsInPlace(row) ? Result.succeed(row) : decodeEncoded(fromFieldRow(row))

    const namesInPlace = inPlaceRowCheck(columns, plainFields, "name")
    const decodeSelected = namesInPlace === undefined
      ? decodeEither
      : (row: Row): Result.Result<any, DatabaseError.DatabaseError> | undefined =>
        namesInPlace(row) ? Result.succeed(row) : decodeEither(row)

    const rowEncoder = encoderFor(rowSchema)
    const insertEncoder = encoderFor(insertSchema)
    return {
      decodeEither,
      decodeSelected,
      selectedInPlace: namesInPlace,
      fieldsInPlace,
      decode: (row: unknown) => {
        const decoded = decodeEither(row)
        if (decoded !== undefined) return Effect.fromResult(decoded)
        return Effect.flatMap(
          Effect.fromResult(fromRow(row)),
          (encoded) => Effect.mapError(decoder.effect(encoded), decodeFailure)
        )
      },
      decodeFieldsEither,
      decodeFields: (row: unknown) => {
        const decoded = decodeFieldsEither(row)
        if (decoded !== undefined) return Effect.fromResult(decoded)
        return Effect.flatMap(
          Effect.fromResult(fromFieldRow(row)),
          (encoded) => Effect.mapError(decoder.effect(encoded), decodeFailure)
        )
      },
      encode: rowEncoder.effect,
      encodeInsert: insertEncoder.effect,
      encodeInsertEither: insertEncoder.sync,
      insertPlain: insertEncoder.plain,
      insertFields: plainStructFields(insertSchema)
    }
  })

const cache = new WeakMap<Table.Any, Map<string, Result.Result<RowCodec, DatabaseError.DatabaseError>>>()

/** @internal */
export const rowCodec = (
  table: Table.Any,
  dialect: Dialect,
  options: ValueOptions = defaultValueOptions
): Result.Result<RowCodec, DatabaseError.DatabaseError> => {
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
