/**
 * Decoding one column's driver value on its own (a projection reads columns
 * of several tables, not whole rows): driver value → the field's encoded form
 * → the field's Schema. `NULL` reads back as `null` (a left-joined row that
 * is absent, or an aggregate over no rows).
 *
 * @internal
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaParser from "effect/SchemaParser"
import * as DatabaseError from "../../DatabaseError.js"
import { schemaDialects } from "../dialect/schemaDialects.js"
import { errorMessage, foreignText } from "../errorMessage.js"
import { syncFirst } from "../schema/parse.js"
import { canonicalToRep } from "../schema/values.js"
import { fromDriverColumn } from "../schema/codec.js"
import type { ColumnInfo, TableInfo } from "./tableInfo.js"

/** @internal */
export type Decode = (value: unknown) => Result.Result<unknown, DatabaseError.DatabaseError>

const decoders = new WeakMap<ColumnInfo, Decode>()

const decodeError = (table: string, column: string, why: string, cause?: unknown) =>
  DatabaseError.make(
    new DatabaseError.DecodeError({ message: errorMessage(`table ${table}, column ${column}`, why), table }),
    cause === undefined ? undefined : { cause }
  )

/** @internal */
export const columnDecoder = (info: TableInfo, column: ColumnInfo): Decode => {
  let decode = decoders.get(column)
  if (decode !== undefined) return decode
  const sd = schemaDialects[info.dialect]
  const schema = column.def.schema
  const parser = syncFirst(SchemaParser.decodeUnknownExit(schema), SchemaParser.decodeUnknownEffect(schema))
  decode = (value) => {
    if (value === null || value === undefined) return Result.succeed(null)
    let encoded: unknown
    try {
      encoded = canonicalToRep(fromDriverColumn(sd, value, column.type, column.def), column.type, column.def.kind.rep)
    } catch (e) {
      return Result.fail(decodeError(info.def.name, column.name, e instanceof Error ? e.message : foreignText(String(e)), e))
    }
    const decoded = parser.sync(encoded)
    if (decoded === undefined) {
      return Result.fail(decodeError(info.def.name, column.name, "its Schema decodes asynchronously or needs a service, which a projection cannot run", undefined))
    }
    return Result.isSuccess(decoded)
      ? Result.succeed(decoded.success)
      : Result.fail(decodeError(info.def.name, column.name, foreignText(String(new Schema.SchemaError(decoded.failure))), decoded.failure))
  }
  decoders.set(column, decode)
  return decode
}
