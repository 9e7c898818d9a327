import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as DatabaseError from "../../DatabaseError.js"
import type { Dialect, NeutralType } from "../../Metadata.js"
import type { Row } from "../../Connection.js"
import type * as Table from "../../Table.js"
import { defaultValueOptions, type ValueOptions } from "../dialect/schemaDialect.js"
import { schemaDialects } from "../dialect/schemaDialects.js"
import { analyze, type ColumnDef, type TableDef } from "../schema/analyze.js"
import { parameterError, rowCodec, type RowCodec, toParameter } from "../schema/codec.js"
import { storageOf } from "../schema/declared.js"
import { plainStructCheck, plainValueCheck } from "../schema/fastPath.js"
import { valueEncoder } from "../schema/parse.js"
import { validateIdentifier } from "../schema/identifier.js"
import { errorMessage, showValue } from "../errorMessage.js"

/** @internal */
export interface ColumnInfo {
  readonly def: ColumnDef
  readonly field: string
  readonly name: string
  readonly quoted: string
  readonly type: NeutralType
  /** The declared type, as the dialect spells it (for casts). */
  readonly dbType: string
  /**
   * Set for a column whose value the database always generates (PostgreSQL
   * `GENERATED ALWAYS AS IDENTITY`): the clause an INSERT that carries a
   * value for it needs, and the column is never in an upsert's SET.
   */
  readonly overriding?: string | undefined
  /** A row-type value of this column → bound parameter. */
  readonly encode: (value: unknown) => Result.Result<unknown, DatabaseError.DatabaseError>
  /**
   * An encoded (Schema-side) value → bound parameter; throws `ValueError` /
   * `UnstorableValue` as the row codec's `toParameter` does.
   */
  readonly toParameter: (encoded: unknown) => unknown
  /** A value that `toParameter` would return unchanged, cheaply told (see `SchemaDialect.asIsParameter`); absent where none is. */
  readonly asIsParameter: ((encoded: unknown) => boolean) | undefined
  /**
   * Whether a value of this column that the row codec accepts reads back
   * as that same value: a plain (untransformed) field stored as text,
   * integer, double or boolean in a column whose type the library chose,
   * which the database neither generates nor changes. Anything the
   * metadata cannot vouch for (dates, JSON, numeric, char/varchar padding
   * or limits, enums, domains, explicit database types, unix times,
   * generated or always-identity columns) is false.
   */
  readonly readsBackAsWritten: boolean
}

/**
 * What the ORM needs of a table on one dialect, computed once: quoted names,
 * the select list, per-column value encoders and the row codec.
 *
 * @internal
 */
export interface TableInfo {
  readonly table: Table.Any
  readonly def: TableDef
  readonly dialect: Dialect
  readonly qualified: string
  readonly columns: ReadonlyArray<ColumnInfo>
  readonly byField: ReadonlyMap<string, ColumnInfo>
  readonly primaryKey: ReadonlyArray<ColumnInfo>
  readonly selectList: string
  /**
   * The select list with every column named by its field
   * (`"user_id" AS "userId"`), for rows decoded by `codec.decodeFields`;
   * `undefined` when a field is no identifier the database keeps as written
   * (PostgreSQL cuts names beyond 63 bytes), so rows cannot be keyed by field.
   */
  readonly fieldSelectList: string | undefined
  /** Every column is named like its field: rows of `selectList` are keyed by field too. */
  readonly namesAreFields: boolean
  readonly codec: RowCodec
  /**
   * Whether a row that carries a value for every column is stored as given
   * (every column `readsBackAsWritten`, the row Schema a plain struct), so
   * a write can return it without `RETURNING`. The database's own triggers
   * are not in the declared metadata; `returning: true` reads rows back.
   */
  readonly storedAsWritten: boolean
}

const schemaError = (message: string, table?: string) =>
  DatabaseError.make(new DatabaseError.SchemaError({ message, ...(table === undefined ? {} : { table }) }))

// A value the caller gave (to write, or to compare with) that its column cannot take.
const encodeError = (tableName: string, column: string, why: string, cause: unknown) =>
  DatabaseError.make(
    new DatabaseError.InputError({
      message: errorMessage(`table ${tableName}, column ${column}`, why),
      table: tableName,
      column
    }),
    { cause }
  )

const columnEncoder = (
  tableName: string,
  dialect: Dialect,
  def: ColumnDef,
  type: NeutralType,
  options: ValueOptions,
  asIs: ColumnInfo["asIsParameter"]
): ColumnInfo["encode"] => {
  const encode = valueEncoder(def.schema)
  // A plain value Schema encodes a value it accepts to itself: the check is the encode.
  const plain = plainValueCheck(def.schema)
  const sd = schemaDialects[dialect]
  return (value) => {
    if (value === null || value === undefined) return Result.succeed(null)
    let raw: unknown
    if (plain !== undefined && plain(value)) {
      // A value the plain Schema accepts that is also its own parameter (most keys) skips the conversion.
      if (asIs !== undefined && asIs(value)) return Result.succeed(value)
      raw = value
    } else {
      const encoded = encode(value)
      if (Result.isFailure(encoded)) {
        const problem = encoded.failure
        return Result.fail(
          encodeError(tableName, def.name, `cannot encode ${showValue(value)}: ${problem.messages.join("; ")}`, problem.cause)
        )
      }
      raw = encoded.success
    }
    if (raw === null || raw === undefined) return Result.succeed(null)
    try {
      return Result.succeed(toParameter(sd, options, raw, type, def.unixTime))
    } catch (e) {
      return Result.fail(parameterError(tableName, def.name, e))
    }
  }
}

// Storage types whose values read back exactly as bound (the fidelity
// checks refuse the rest, e.g. NaN or -0 where they do not), per Schema
// representation. A varchar's length comes from the field's own length
// check (no explicit database type), so a value that passes it fits and is
// never cut.
const exactStorage: Partial<Record<string, ReadonlyArray<NeutralType>>> = {
  string: ["text", "varchar"],
  number: ["integer", "smallint", "double"],
  boolean: ["boolean"]
}

const readsBackAsWritten = (c: ColumnDef, type: NeutralType): boolean =>
  c.unixTime === undefined && c.dbType === undefined && c.neutralType === undefined && c.pgEnum === undefined &&
  c.pgDomain === undefined && c.identity !== "always" && c.kind.arrayElement === undefined &&
  c.kind.arrayLabels === undefined && c.kind.type === type && c.encodedKey === c.field &&
  // Generated by the database (`Model.GeneratedByDb`): defaulted, yet neither a default nor a sequence.
  !(c.defaulted && !c.autoIncrement && c.default === undefined) &&
  (exactStorage[c.kind.rep]?.includes(type) ?? false)

const build = (table: Table.Any, dialect: Dialect, options: ValueOptions): Result.Result<TableInfo, DatabaseError.DatabaseError> =>
  Result.gen(function*() {
    const def = yield* analyze(table)
    const codec = yield* rowCodec(table, dialect, options)
    const sd = schemaDialects[dialect]
    // The same identifier rules as DDL: a name that could not be created is
    // refused here too, before any statement, rather than quoted into one.
    for (const [what, name, column] of [
      ["table", def.name, undefined],
      ...(def.schema === undefined ? [] : [["schema", def.schema, undefined] as const]),
      ...def.columns.map((c) => ["column", c.name, c.name] as const)
    ] as const) {
      const problem = validateIdentifier(name, sd.maxIdentifierLength)
      if (problem !== undefined) {
        return yield* Result.fail(DatabaseError.make(
          new DatabaseError.SchemaError({
            message: errorMessage(`table ${showValue(def.name)}`, `${what} name: ${problem}`),
            table: def.name,
            ...(column === undefined ? {} : { column })
          })
        ))
      }
    }
    const columns = def.columns.map((c): ColumnInfo => {
      const { dbType, type } = storageOf(sd, c)
      const overriding = c.autoIncrement && c.identity === "always" ? sd.namedTypes?.overriding : undefined
      const asIsParameter = c.unixTime === undefined ? sd.asIsParameter(type) : undefined
      return {
        def: c,
        field: c.field,
        name: c.name,
        quoted: sd.quote(c.name),
        type,
        dbType,
        overriding,
        encode: columnEncoder(def.name, dialect, c, type, options, asIsParameter),
        toParameter: (encoded) => toParameter(sd, options, encoded, type, c.unixTime),
        asIsParameter,
        readsBackAsWritten: overriding === undefined && readsBackAsWritten(c, type)
      }
    })
    const byField = new Map(columns.map((c) => [c.field, c]))
    const primaryKey = def.primaryKey.map((c) => byField.get(c.field)!)
    return {
      table,
      def,
      dialect,
      qualified: sd.qualify(def.schema === undefined ? { name: def.name } : { name: def.name, schema: def.schema }),
      columns,
      byField,
      primaryKey,
      selectList: columns.map((c) => c.quoted).join(", "),
      fieldSelectList: columns.some((c) => validateIdentifier(c.field, sd.maxIdentifierLength) !== undefined)
        ? undefined
        : columns.map((c) => c.name === c.field ? c.quoted : `${c.quoted} AS ${sd.quote(c.field)}`).join(", "),
      namesAreFields: columns.every((c) => c.name === c.field),
      codec,
      storedAsWritten: codec.insertPlain !== undefined && plainStructCheck(table.schema) !== undefined &&
        columns.every((c) => c.readsBackAsWritten)
    }
  })

const cache = new WeakMap<Table.Any, Map<string, Result.Result<TableInfo, DatabaseError.DatabaseError>>>()

/**
 * The table's info on a dialect; `options` are the driver's (they decide
 * which values read back exactly, so which are refused).
 *
 * @internal
 */
export const tableInfo = (
  table: Table.Any,
  dialect: Dialect,
  options: ValueOptions = defaultValueOptions
): Result.Result<TableInfo, DatabaseError.DatabaseError> => {
  let perDialect = cache.get(table)
  if (perDialect === undefined) {
    perDialect = new Map()
    cache.set(table, perDialect)
  }
  const key = options.safeIntegers ? `${dialect}:safeIntegers` : dialect
  let info = perDialect.get(key)
  if (info === undefined) {
    info = build(table, dialect, options)
    perDialect.set(key, info)
  }
  return info
}

/** @internal */
export const column = (info: TableInfo, field: string): Result.Result<ColumnInfo, DatabaseError.DatabaseError> => {
  const c = info.byField.get(field)
  return c === undefined
    ? Result.fail(schemaError(
      errorMessage(
        `table ${info.def.name}`,
        `no column ${showValue(field)}`,
        `its columns are ${info.columns.map((c) => c.field).join(", ")}`
      ),
      info.def.name
    ))
    : Result.succeed(c)
}

/**
 * Decodes driver rows synchronously; the Effect path only for Schemas that need it.
 *
 * @internal
 */
export const decodeAll = (info: TableInfo, rows: ReadonlyArray<Row>): Effect.Effect<Array<any>, DatabaseError.DatabaseError> => {
  const out: Array<any> = new Array(rows.length)
  for (let i = 0; i < rows.length; i++) {
    const decoded = info.codec.decodeEither(rows[i])
    if (decoded === undefined) {
      return Effect.forEach(rows, (row) => info.codec.decode(row) as Effect.Effect<any, DatabaseError.DatabaseError>)
    }
    if (Result.isFailure(decoded)) return Effect.fail(decoded.failure)
    out[i] = decoded.success
  }
  return Effect.succeed(out)
}

/**
 * Decodes the rows of a statement whose select list is exactly the table's
 * columns (`selectList`, or `fieldSelectList` when `keyedBy` is "field"):
 * rows keyed by field are validated in place where they can be (see
 * `RowCodec.decodeFields`), others are copied as by `decodeAll`.
 *
 * @internal
 */
export const decodeSelected = (
  info: TableInfo,
  rows: ReadonlyArray<Row>,
  keyedBy: "name" | "field"
): Effect.Effect<Array<any>, DatabaseError.DatabaseError> => {
  const now = decodeSelectedNow(info, rows, keyedBy)
  if (now !== undefined) return Effect.fromResult(now)
  const codec = info.codec
  const byField = keyedBy === "field" || info.namesAreFields
  return Effect.forEach(rows, (row) => (byField ? codec.decodeFields(row) : codec.decode(row)) as Effect.Effect<any, DatabaseError.DatabaseError>)
}

/**
 * `decodeSelected` within the caller's step: the rows, or `undefined` when a
 * row's Schema needs the Effect path. Rows that are each their own decoded
 * value are the answer as read (the driver's fresh array).
 *
 * @internal
 */
export const decodeSelectedNow = (
  info: TableInfo,
  rows: ReadonlyArray<Row>,
  keyedBy: "name" | "field"
): Result.Result<Array<any>, DatabaseError.DatabaseError> | undefined => {
  const codec = info.codec
  // Rows keyed by name are keyed by field too where every column is named like its field.
  const byField = keyedBy === "field" || info.namesAreFields
  let first = 0
  const inPlace = byField ? codec.fieldsInPlace : undefined
  if (inPlace !== undefined) {
    while (first < rows.length && inPlace(rows[first]!)) first++
    if (first === rows.length) return Result.succeed(rows as Array<any>)
  }
  const out: Array<any> = new Array(rows.length)
  for (let i = 0; i < first; i++) out[i] = rows[i]
  for (let i = first; i < rows.length; i++) {
    const decoded = byField ? codec.decodeFieldsEither(rows[i]) : codec.decodeEither(rows[i])
    if (decoded === undefined) return undefined
    if (Result.isFailure(decoded)) return Result.fail(decoded.failure)
    out[i] = decoded.success
  }
  return Result.succeed(out)
}
