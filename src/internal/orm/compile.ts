import * as Result from "effect/Result"
import * as DatabaseError from "../../DatabaseError.js"
import type * as Column from "../../Column.js"
import type * as Query from "../../Query.js"
import type { Dialect } from "../dialect/Dialect.js"
import { ValueError } from "../schema/values.js"
import { errorMessage, showValue } from "../errorMessage.js"
import { type ColumnInfo, column, type TableInfo } from "./tableInfo.js"

/**
 * Collects bound parameters and hands out the dialect's placeholders, so
 * every value reaches SQL as a parameter and never as text.
 *
 * @internal
 */
export class Params {
  readonly values: Array<unknown> = []
  constructor(readonly dialect: Dialect) {}
  add(value: unknown): string {
    this.values.push(value)
    return this.dialect.placeholder(this.values.length)
  }
}

/**
 * `columns IN (rows)` by the dialect's `inList`, the values already encoded
 * (`values[k]` holds column k's value of every row). A value the dialect's
 * list encoding cannot carry is an `InputError`.
 *
 * @internal
 */
export const inList = (
  columns: ReadonlyArray<ColumnInfo>,
  values: ReadonlyArray<ReadonlyArray<unknown>>,
  params: Params,
  negated: boolean
): Result.Result<string, DatabaseError.DatabaseError> => {
  try {
    return Result.succeed(params.dialect.inList(columns, values, (v) => params.add(v), negated))
  } catch (e) {
    if (!(e instanceof ValueError)) throw e
    return Result.fail(inputError(`column ${columns.map((c) => c.name).join(", ")}: ${e.message}`))
  }
}

/** @internal */
export const inputError = (message: string, table?: string) =>
  DatabaseError.make(new DatabaseError.InputError({ message, ...(table === undefined ? {} : { table }) }))

const resolveColumn = (info: TableInfo, ref: Column.ColumnRef): Result.Result<ColumnInfo, DatabaseError.DatabaseError> =>
  ref.table !== info.def.name
    ? Result.fail(DatabaseError.make(
      new DatabaseError.SchemaError({
        message: errorMessage(`query on ${info.def.name}`, `${ref.table}.${ref.field} is not a column of table ${info.def.name}`),
        table: info.def.name
      })
    ))
    : column(info, ref.field)

/** @internal */
export const compileCondition = (
  info: TableInfo,
  condition: Query.Condition,
  params: Params
): Result.Result<string, DatabaseError.DatabaseError> => {
  switch (condition._tag) {
    case "Compare":
      return Result.flatMap(resolveColumn(info, condition.column), (c) => {
        if (condition.value === null || condition.value === undefined) {
          if (condition.op === "=") return Result.succeed(`${c.quoted} IS NULL`)
          if (condition.op === "<>") return Result.succeed(`${c.quoted} IS NOT NULL`)
          return Result.fail(inputError(
            errorMessage(`query on ${info.def.name}`, `cannot compare ${c.field} ${condition.op} NULL`, "use Query.isNull or Query.isNotNull"),
            info.def.name
          ))
        }
        return Result.map(c.encode(condition.value), (v) => `${c.quoted} ${condition.op} ${params.add(v)}`)
      })
    case "In":
      return Result.flatMap(resolveColumn(info, condition.column), (c) => {
        if (condition.values.length === 0) return Result.succeed(condition.negated ? "1 = 1" : "1 = 0")
        const values: Array<unknown> = new Array(condition.values.length)
        for (let i = 0; i < values.length; i++) {
          const encoded = c.encode(condition.values[i])
          if (Result.isFailure(encoded)) return Result.fail(encoded.failure)
          values[i] = encoded.success
        }
        return inList([c], [values], params, condition.negated)
      })
    case "Like":
      return Result.map(resolveColumn(info, condition.column), (c) => `${c.quoted} LIKE ${params.add(condition.pattern)}`)
    case "IsNull":
      return Result.map(resolveColumn(info, condition.column), (c) => `${c.quoted} IS ${condition.negated ? "NOT " : ""}NULL`)
    case "And":
    case "Or": {
      if (condition.conditions.length === 0) return Result.succeed(condition._tag === "And" ? "1 = 1" : "1 = 0")
      return Result.map(
        Result.all(condition.conditions.map((c) => compileCondition(info, c, params))),
        (parts) => parts.length === 1 ? parts[0]! : `(${parts.join(condition._tag === "And" ? " AND " : " OR ")})`
      )
    }
    case "Not":
      return Result.map(compileCondition(info, condition.condition, params), (inner) => `NOT (${inner})`)
  }
}

const whereClause = (info: TableInfo, query: Query.Any, params: Params) =>
  query.condition === undefined
    ? Result.succeed("")
    : Result.map(compileCondition(info, query.condition, params), (sql) => ` WHERE ${sql}`)

const nonNegativeInt = (name: string, n: number | undefined, table: string) =>
  n === undefined || (Number.isInteger(n) && n >= 0)
    ? Result.succeed(n)
    : Result.fail(inputError(errorMessage(`query on ${table}`, `${name} must be a non-negative integer, got ${showValue(n)}`), table))

/**
 * SELECT for a query. Written without generators: it runs on every query, and
 * `Result.gen` costs more than the string building.
 *
 * @internal
 */
export const compileSelect = (
  info: TableInfo,
  dialect: Dialect,
  query: Query.Any
): Result.Result<readonly [string, ReadonlyArray<unknown>], DatabaseError.DatabaseError> => {
  const params = new Params(dialect)
  let sql = `SELECT ${info.selectList} FROM ${info.qualified}`
  if (query.condition !== undefined) {
    const where = compileCondition(info, query.condition, params)
    if (Result.isFailure(where)) return Result.fail(where.failure)
    sql += ` WHERE ${where.success}`
  }
  if (query.order.length > 0) {
    const parts: Array<string> = []
    for (const o of query.order) {
      const c = resolveColumn(info, o.column)
      if (Result.isFailure(c)) return Result.fail(c.failure)
      parts.push(`${c.success.quoted} ${o.direction === "desc" ? "DESC" : "ASC"}`)
    }
    sql += ` ORDER BY ${parts.join(", ")}`
  }
  const limit = nonNegativeInt("limit", query.limit, info.def.name)
  if (Result.isFailure(limit)) return Result.fail(limit.failure)
  const offset = nonNegativeInt("offset", query.offset, info.def.name)
  if (Result.isFailure(offset)) return Result.fail(offset.failure)
  if (limit.success !== undefined) sql += ` LIMIT ${params.add(limit.success)}`
  if (offset.success !== undefined) {
    sql += `${limit.success === undefined ? ` LIMIT ${dialect.unboundedLimit}` : ""} OFFSET ${params.add(offset.success)}`
  }
  return Result.succeed([sql, params.values] as const)
}

/** @internal */
export const compileCount = (info: TableInfo, dialect: Dialect, query: Query.Any) =>
  Result.gen(function*() {
    const params = new Params(dialect)
    const where = yield* whereClause(info, query, params)
    const inner = `SELECT 1 FROM ${info.qualified}${where}`
    const limit = yield* nonNegativeInt("limit", query.limit, info.def.name)
    const offset = yield* nonNegativeInt("offset", query.offset, info.def.name)
    let paged = inner
    if (limit !== undefined) paged += ` LIMIT ${params.add(limit)}`
    if (offset !== undefined) paged += `${limit === undefined ? ` LIMIT ${dialect.unboundedLimit}` : ""} OFFSET ${params.add(offset)}`
    return [`SELECT COUNT(*) AS n FROM (${paged}) AS counted`, params.values] as const
  })

const refuseOrderAndPaging = (info: TableInfo, query: Query.Any, what: string) =>
  query.limit !== undefined || query.offset !== undefined || query.order.length > 0
    ? Result.fail(inputError(errorMessage(`${what} of ${info.def.name}`, "takes a query without orderBy, limit or offset"), info.def.name))
    : Result.succeed(undefined)

/** @internal */
export const compileDelete = (info: TableInfo, dialect: Dialect, query: Query.Any) =>
  Result.gen(function*() {
    yield* refuseOrderAndPaging(info, query, "delete")
    const params = new Params(dialect)
    return [`DELETE FROM ${info.qualified}${yield* whereClause(info, query, params)}`, params.values] as const
  })

/** @internal */
export const compileUpdate = (
  info: TableInfo,
  dialect: Dialect,
  query: Query.Any,
  values: Readonly<Record<string, unknown>>
) =>
  Result.gen(function*() {
    yield* refuseOrderAndPaging(info, query, "update")
    const params = new Params(dialect)
    const sets: Array<string> = []
    for (const [field, value] of Object.entries(values)) {
      if (value === undefined) continue
      const c = yield* column(info, field)
      sets.push(`${c.quoted} = ${params.add(yield* c.encode(value))}`)
    }
    if (sets.length === 0) {
      return yield* Result.fail(
        inputError(errorMessage(`update of ${info.def.name}`, "sets no column", "give at least one field to change"), info.def.name)
      )
    }
    return [`UPDATE ${info.qualified} SET ${sets.join(", ")}${yield* whereClause(info, query, params)}`, params.values] as const
  })
