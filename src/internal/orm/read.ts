import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { Row } from "../../Connection.js"
import * as DatabaseError from "../../DatabaseError.js"
import type * as Query from "../../Query.js"
import type * as Table from "../../Table.js"
import { compileCount, compileQuery, compileSelectCached, inputError, isPlain, Params } from "./compile.js"
import { loadRelations } from "./eager.js"
import type { Dialect } from "../dialect/Dialect.js"
import type { Runner } from "./runner.js"
import { errorMessage, showValue } from "../errorMessage.js"
import type { RowCodec } from "../schema/codec.js"
import { decodeAll, decodeSelectedNow, tableInfo, type TableInfo } from "./tableInfo.js"

// Generator functions here are made once (`Effect.fnUntraced` at module level): see `hold` in
// database.ts for why a generator closure made per call costs microseconds.

export { decodeAll }


/** @internal */
export const info = (runner: Runner, table: Table.Any): Effect.Effect<TableInfo, DatabaseError.DatabaseError> =>
  Effect.fromResult(tableInfo(table, runner.dialect.name, runner.dialect.valueOptions))

/** Runs a select and loads its relations; compiling is synchronous, one statement per level. */
const runSelect = (runner: Runner, query: Query.Any): Effect.Effect<Array<any>, DatabaseError.DatabaseError> =>
  Effect.suspend(() => {
    const i = tableInfo(query.table, runner.dialect.name, runner.dialect.valueOptions)
    if (Result.isFailure(i)) return Effect.fail(i.failure)
    const compiled = compileQuery(i.success, runner.dialect, query)
    if (Result.isFailure(compiled)) return Effect.fail(compiled.failure)
    const { decodeRow, params, sql } = compiled.success
    if (decodeRow !== undefined) {
      return Effect.flatMap(runner.run(sql, params), (result) => Effect.fromResult(decodeProjected(decodeRow, result.rows)))
    }
    const rows = Effect.flatMap(runner.run(sql, params), (result) => decodeAll(i.success, result.rows))
    return hasRelations(query)
      ? Effect.flatMap(rows, (decoded) => loadRelations(runner, query.table, decoded, query.relations))
      : rows
  })

const decodeProjected = (
  decodeRow: (row: Record<string, unknown>) => Result.Result<Record<string, unknown>, DatabaseError.DatabaseError>,
  rows: ReadonlyArray<Row>
): Result.Result<Array<any>, DatabaseError.DatabaseError> => {
  const out: Array<any> = new Array(rows.length)
  for (let i = 0; i < rows.length; i++) {
    const decoded = decodeRow(rows[i]!)
    if (Result.isFailure(decoded)) return Result.fail(decoded.failure)
    out[i] = decoded.success
  }
  return Result.succeed(out)
}

const hasRelations = (query: Query.Any) => {
  for (const _ in query.relations) return true
  return false
}

/** @internal */
export const selectAll = runSelect

/**
 * Whole rows of a plain query without relations, at most `atMost` of them,
 * handed to `then`: compiled when called (from the shape cache: pure work
 * on the query, so a bad value fails without touching the connection), run
 * and decoded in one step where the runner can (`Runner.runThen`); anything
 * else is `selectAtMost` then `then`.
 *
 * @internal
 */
export const selectThen = <A>(
  runner: Runner,
  query: Query.Any,
  atMost: number | undefined,
  then: (rows: ReadonlyArray<any>) => Effect.Effect<A, DatabaseError.DatabaseError>
): Effect.Effect<A, DatabaseError.DatabaseError> => {
  const q = atMost === undefined || (query.limit !== undefined && query.limit <= atMost) ? query : { ...query, limit: atMost }
  if (hasRelations(q) || !isPlain(q)) return Effect.flatMap(runSelect(runner, q), then)
  const i = tableInfo(q.table, runner.dialect.name, runner.dialect.valueOptions)
  if (Result.isFailure(i)) return Effect.fail(i.failure)
  const info = i.success
  const compiled = compileSelectCached(info, runner.dialect, q)
  if (Result.isFailure(compiled)) return Effect.fail(compiled.failure)
  return runner.runThen(compiled.success[0], compiled.success[1], (result) => {
    const decoded = decodeSelectedNow(info, result.rows, "name")
    if (decoded === undefined) return Effect.flatMap(decodeAll(info, result.rows), then)
    return Result.isSuccess(decoded) ? then(decoded.success) : Effect.fail(decoded.failure)
  })
}

/** @internal */
export const selectAtMost = (runner: Runner, query: Query.Any, n: number) =>
  runSelect(runner, query.limit === undefined || query.limit > n ? { ...query, limit: n } : query)

/** @internal */
export const count = Effect.fnUntraced(function*(runner: Runner, query: Query.Any) {
  const i = yield* info(runner, query.table)
  const [sql, params] = yield* Effect.fromResult(compileCount(i, runner.dialect, query))
  const result = yield* runner.run(sql, params)
  return Number(result.rows[0]?.n ?? 0)
})

/** @internal */
export const streamQuery = (runner: Runner, query: Query.Any): Stream.Stream<any, DatabaseError.DatabaseError> =>
  Stream.unwrap(Effect.gen(function*() {
    if (Object.keys(query.relations).length > 0) {
      return yield* Effect.fail(inputError(
        errorMessage(
          `stream of ${query.table.name}`,
          "stream does not load relations",
          "use all() with with(...), or stream and load per chunk"
        ),
        query.table.name
      ))
    }
    const i = yield* info(runner, query.table)
    const { decodeRow, params, sql } = yield* Effect.fromResult(compileQuery(i, runner.dialect, query))
    const codec = i.codec
    return decodeChunks(
      runner.stream(sql, params),
      decodeRow ?? ((row) => codec.decodeEither(row)),
      (row) => codec.decode(row) as Effect.Effect<any, DatabaseError.DatabaseError>
    )
  }))

type Decoded = Result.Result<any, DatabaseError.DatabaseError>

/**
 * Decodes a stream's rows a chunk at a time, synchronously where the Schema
 * allows (an Effect per row cost more than the driver's read of it); rows
 * whose Schema needs an Effect (`decodeEither` gives undefined) go through
 * `decodeEffect` one by one. A row that fails ends the stream with its error
 * after the rows decoded before it, as a decode per row did.
 */
const decodeChunks = (
  rows: Stream.Stream<Row, DatabaseError.DatabaseError>,
  decodeEither: (row: Row) => Decoded | undefined,
  decodeEffect: (row: Row) => Effect.Effect<any, DatabaseError.DatabaseError>
): Stream.Stream<any, DatabaseError.DatabaseError> =>
  Stream.transformPull(rows, (pull) =>
    Effect.sync(() => {
      // The error of a chunk whose first rows were emitted: the next pull fails with it.
      let pending: DatabaseError.DatabaseError | undefined
      const failAfter = (out: Array<any>, error: DatabaseError.DatabaseError) => {
        if (out.length === 0) return Effect.fail(error)
        pending = error
        return Effect.succeed(out as unknown as readonly [any, ...Array<any>])
      }
      // From row `at` on, through the Effect path (Schemas that need one).
      const decodeRest = (
        chunk: ReadonlyArray<Row>,
        at: number,
        out: Array<any>
      ): Effect.Effect<readonly [any, ...Array<any>], DatabaseError.DatabaseError> =>
        at === chunk.length
          ? Effect.succeed(out as unknown as readonly [any, ...Array<any>])
          : Effect.matchEffect(decodeEffect(chunk[at]!), {
            onFailure: (error) => failAfter(out, error),
            onSuccess: (row) => {
              out.push(row)
              return decodeRest(chunk, at + 1, out)
            }
          })
      const decodeChunk = (chunk: ReadonlyArray<Row>) => {
        const out: Array<any> = []
        for (let at = 0; at < chunk.length; at++) {
          const decoded = decodeEither(chunk[at]!)
          if (decoded === undefined) return decodeRest(chunk, at, out)
          if (Result.isFailure(decoded)) return failAfter(out, decoded.failure)
          out.push(decoded.success)
        }
        return Effect.succeed(out as unknown as readonly [any, ...Array<any>])
      }
      return Effect.suspend(() => pending !== undefined ? Effect.fail(pending) : Effect.flatMap(pull, decodeChunk))
    }))

/** @internal */
export const decodeStatement = (runner: Runner, table: Table.Any, rows: ReadonlyArray<Row>) =>
  Effect.flatMap(info(runner, table), (i) => decodeAll(i, rows))

/**
 * The primary key given as a value, a tuple in key order, or a record of key fields.
 *
 * @internal
 */
export const primaryKeyValues = (i: TableInfo, pk: unknown): Result.Result<ReadonlyArray<unknown>, DatabaseError.DatabaseError> => {
  const fields = i.primaryKey.map((c) => c.field)
  const shape = `(${fields.join(", ")})`
  const fail = (why: string, hint?: string) => Result.fail(inputError(errorMessage(`get of ${i.def.name}`, why, hint), i.def.name))
  if (fields.length === 0) return fail("the table has no primary key", "query it with Query.select")
  if (Array.isArray(pk)) {
    return pk.length === fields.length
      ? Result.succeed(pk)
      : fail(`the primary key is ${shape}; got a tuple of ${pk.length} values`)
  }
  if (isKeyRecord(pk)) {
    const record = pk as Record<string, unknown>
    const missing = fields.filter((f) => record[f] === undefined)
    return missing.length === 0
      ? Result.succeed(fields.map((f) => record[f]))
      : fail(`the primary key is ${shape}; missing ${missing.join(", ")}`)
  }
  return fields.length === 1
    ? Result.succeed([pk])
    : fail(`the table has a composite primary key ${shape}`, "pass a tuple or a record")
}

const isKeyRecord = (pk: unknown): boolean =>
  typeof pk === "object" && pk !== null && !(pk instanceof Date) && !(pk instanceof Uint8Array)

/** The primary key's bound parameters: a single-column key given as its value skips the shape checks. */
const keyParams = (i: TableInfo, pk: unknown): Result.Result<Array<unknown>, DatabaseError.DatabaseError> => {
  const key = i.primaryKey
  if (key.length === 1 && !Array.isArray(pk) && !isKeyRecord(pk)) {
    const e = key[0]!.encode(pk)
    return Result.isFailure(e) ? Result.fail(e.failure) : Result.succeed([e.success])
  }
  const values = primaryKeyValues(i, pk)
  if (Result.isFailure(values)) return Result.fail(values.failure)
  const encoded: Array<unknown> = new Array(key.length)
  for (let k = 0; k < key.length; k++) {
    const e = key[k]!.encode(values.success[k])
    if (Result.isFailure(e)) return Result.fail(e.failure)
    encoded[k] = e.success
  }
  return Result.succeed(encoded)
}

const none = Effect.succeed(Option.none())

/**
 * What a point lookup of a table needs, built once per table and dialect:
 * its metadata, SQL and what to do with the row read. One lookup per `get`
 * (the chain holds a table's other dialects, rarely more than one).
 */
interface PointLookup {
  readonly dialect: Dialect
  readonly info: TableInfo
  readonly sql: string
  readonly found: (row: Row | undefined) => Effect.Effect<Option.Option<any>, DatabaseError.DatabaseError>
  readonly next: PointLookup | undefined
}

const pointLookups = new WeakMap<Table.Any, PointLookup>()

const pointLookup = (table: Table.Any, dialect: Dialect): Result.Result<PointLookup, DatabaseError.DatabaseError> => {
  const first = pointLookups.get(table)
  for (let p = first; p !== undefined; p = p.next) if (p.dialect === dialect) return Result.succeed(p)
  const i = tableInfo(table, dialect.name, dialect.valueOptions)
  if (Result.isFailure(i)) return Result.fail(i.failure)
  const info = i.success
  const params = new Params(dialect)
  const lookup: PointLookup = {
    dialect,
    info,
    sql: `SELECT ${info.selectList} FROM ${info.qualified} WHERE ${
      info.primaryKey.map((c) => `${c.quoted} = ${params.add(null)}`).join(" AND ")
    }`,
    found: found(info.codec),
    next: first
  }
  pointLookups.set(table, lookup)
  return Result.succeed(lookup)
}

const found = (codec: RowCodec) => {
  const inPlace = codec.selectedInPlace
  return (row: Row | undefined): Effect.Effect<Option.Option<any>, DatabaseError.DatabaseError> => {
    if (row === undefined) return none
    if (inPlace !== undefined && inPlace(row)) return Effect.succeed(Option.some(row))
    // What decodeSelected does past its in-place check, which has just failed.
    const decoded = codec.decodeEither(row)
    if (decoded === undefined) return Effect.map(codec.decode(row) as Effect.Effect<any, DatabaseError.DatabaseError>, Option.some)
    return Result.isSuccess(decoded) ? Effect.succeed(Option.some(decoded.success)) : Effect.fail(decoded.failure)
  }
}

/**
 * `get` is the point lookup benchmarks measure: cached SQL, the key checked
 * and bound without the Schema where it is a plain value, the driver's
 * single-row read, the row validated in place, and on SQLite all of it in
 * one fiber step (see `Runner.firstRowThen`). The key is checked and bound
 * when `get` is called (pure work on its arguments), so a bad key fails
 * without touching the connection.
 *
 * @internal
 */
export const get = (runner: Runner, table: Table.Any, pk: unknown): Effect.Effect<Option.Option<any>, DatabaseError.DatabaseError> => {
  const lookup = pointLookup(table, runner.dialect)
  if (Result.isFailure(lookup)) return Effect.fail(lookup.failure)
  const { found, info, sql } = lookup.success
  const params = keyParams(info, pk)
  return Result.isFailure(params) ? Effect.fail(params.failure) : runner.firstRowThen(sql, params.success, found)
}

/** @internal */
export const notFound = (table: Table.Any, pk: unknown) =>
  DatabaseError.make(
    new DatabaseError.NotFoundError({
      message: errorMessage(`getOrFail of ${table.name}`, `no row with primary key ${showValue(pk)}`),
      table: table.name
    })
  )
