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
import { plainValueCheck } from "../schema/fastPath.js"
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
  readonly codec: RowCodec
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
  options: ValueOptions
): ColumnInfo["encode"] => {
  const encode = valueEncoder(def.schema)
  // A plain value (no transformation) that passes the Schema's checks encodes to itself.
  const plain = plainValueCheck(def.schema)
  const sd = schemaDialects[dialect]
  return (value) => {
    if (value === null || value === undefined) return Result.succeed(null)
    let raw: unknown = value
    if (plain === undefined || !plain(value)) {
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
      return {
        def: c,
        field: c.field,
        name: c.name,
        quoted: sd.quote(c.name),
        type,
        dbType,
        overriding: c.autoIncrement && c.identity === "always" ? sd.namedTypes?.overriding : undefined,
        encode: columnEncoder(def.name, dialect, c, type, options)
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
      codec
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
