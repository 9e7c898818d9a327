import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { Row } from "../../Connection.js"
import * as DatabaseError from "../../DatabaseError.js"
import type * as Query from "../../Query.js"
import type * as Table from "../../Table.js"
import { compileCount, compileSelect, inputError, Params } from "./compile.js"
import { loadRelations } from "./eager.js"
import type { Runner } from "./runner.js"
import { tableInfo, type TableInfo } from "./tableInfo.js"

const fromEither = <A>(e: Either.Either<A, DatabaseError.DatabaseError>): Effect.Effect<A, DatabaseError.DatabaseError> =>
  Either.isRight(e) ? Effect.succeed(e.right) : Effect.fail(e.left)

/** @internal */
export const info = (runner: Runner, table: Table.Any) => fromEither(tableInfo(table, runner.dialect.name))

/** @internal */
export const decodeAll = (info: TableInfo, rows: ReadonlyArray<Row>): Effect.Effect<Array<any>, DatabaseError.DatabaseError> =>
  Effect.forEach(rows, (row) => info.codec.decode(row) as Effect.Effect<any, DatabaseError.DatabaseError>)

/** Runs a select and loads its relations. */
const runSelect = (runner: Runner, query: Query.Any) =>
  Effect.gen(function*() {
    const i = yield* info(runner, query.table)
    const [sql, params] = yield* fromEither(compileSelect(i, runner.dialect, query))
    const result = yield* runner.run(sql, params)
    const rows = yield* decodeAll(i, result.rows)
    return yield* loadRelations(runner, query.table, rows, query.relations)
  })

/** @internal */
export const selectAll = runSelect

/** @internal */
export const selectAtMost = (runner: Runner, query: Query.Any, n: number) =>
  runSelect(runner, query.limit === undefined || query.limit > n ? { ...query, limit: n } : query)

/** @internal */
export const count = (runner: Runner, query: Query.Any) =>
  Effect.gen(function*() {
    const i = yield* info(runner, query.table)
    const [sql, params] = yield* fromEither(compileCount(i, runner.dialect, query))
    const result = yield* runner.run(sql, params)
    return Number(result.rows[0]?.n ?? 0)
  })

/** @internal */
export const streamQuery = (runner: Runner, query: Query.Any): Stream.Stream<any, DatabaseError.DatabaseError> =>
  Stream.unwrap(Effect.gen(function*() {
    if (Object.keys(query.relations).length > 0) {
      return yield* Effect.fail(inputError("stream does not load relations; use all() with with(...), or stream and load per chunk", query.table.name))
    }
    const i = yield* info(runner, query.table)
    const [sql, params] = yield* fromEither(compileSelect(i, runner.dialect, query))
    return Stream.mapEffect(runner.stream(sql, params), (row) => i.codec.decode(row) as Effect.Effect<any, DatabaseError.DatabaseError>)
  }))

/** @internal */
export const decodeStatement = (runner: Runner, table: Table.Any, rows: ReadonlyArray<Row>) =>
  Effect.flatMap(info(runner, table), (i) => decodeAll(i, rows))

const getSqlCache = new WeakMap<TableInfo, string>()

/** The primary key given as a value, a tuple in key order, or a record of key fields. */
const primaryKeyValues = (i: TableInfo, pk: unknown): Either.Either<ReadonlyArray<unknown>, DatabaseError.DatabaseError> => {
  const fields = i.primaryKey.map((c) => c.field)
  const shape = `(${fields.join(", ")})`
  if (fields.length === 0) return Either.left(inputError(`get needs a primary key, and table ${i.def.name} has none`, i.def.name))
  if (Array.isArray(pk)) {
    return pk.length === fields.length
      ? Either.right(pk)
      : Either.left(inputError(`table ${i.def.name} has primary key ${shape}; got a tuple of ${pk.length} values`, i.def.name))
  }
  if (typeof pk === "object" && pk !== null && !(pk instanceof Date) && !(pk instanceof Uint8Array)) {
    const record = pk as Record<string, unknown>
    const missing = fields.filter((f) => record[f] === undefined)
    return missing.length === 0
      ? Either.right(fields.map((f) => record[f]))
      : Either.left(inputError(`primary key of ${i.def.name} is ${shape}; missing ${missing.join(", ")}`, i.def.name))
  }
  return fields.length === 1
    ? Either.right([pk])
    : Either.left(inputError(`table ${i.def.name} has a composite primary key ${shape}; pass a tuple or a record`, i.def.name))
}

/** @internal */
export const get = (runner: Runner, table: Table.Any, pk: unknown) =>
  Effect.gen(function*() {
    const i = yield* info(runner, table)
    const values = yield* fromEither(primaryKeyValues(i, pk))
    let sql = getSqlCache.get(i)
    if (sql === undefined) {
      const params = new Params(runner.dialect)
      sql = `SELECT ${i.selectList} FROM ${i.qualified} WHERE ${i.primaryKey.map((c) => `${c.quoted} = ${params.add(null)}`).join(" AND ")}`
      getSqlCache.set(i, sql)
    }
    const encoded: Array<unknown> = []
    for (let k = 0; k < values.length; k++) encoded.push(yield* fromEither(i.primaryKey[k]!.encode(values[k])))
    const result = yield* runner.run(sql, encoded)
    const row = result.rows[0]
    return row === undefined ? Option.none() : Option.some(yield* (i.codec.decode(row) as Effect.Effect<any, DatabaseError.DatabaseError>))
  })

/** @internal */
export const notFound = (table: Table.Any, pk: unknown) =>
  DatabaseError.make(
    new DatabaseError.NotFoundError({
      message: `no ${table.name} row with primary key ${JSON.stringify(pk, (_, v) => typeof v === "bigint" ? v.toString() : v)}`,
      table: table.name
    })
  )
