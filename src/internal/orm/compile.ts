import * as Either from "effect/Either"
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
): Either.Either<string, DatabaseError.DatabaseError> => {
  try {
    return Either.right(params.dialect.inList(columns, values, (v) => params.add(v), negated))
  } catch (e) {
    if (!(e instanceof ValueError)) throw e
    return Either.left(inputError(`column ${columns.map((c) => c.name).join(", ")}: ${e.message}`))
  }
}

/** @internal */
export const inputError = (message: string, table?: string) =>
  DatabaseError.make(new DatabaseError.InputError({ message, ...(table === undefined ? {} : { table }) }))

const resolveColumn = (info: TableInfo, ref: Column.ColumnRef): Either.Either<ColumnInfo, DatabaseError.DatabaseError> =>
  ref.table !== info.def.name
    ? Either.left(DatabaseError.make(
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
): Either.Either<string, DatabaseError.DatabaseError> => {
  switch (condition._tag) {
    case "Compare":
      return Either.flatMap(resolveColumn(info, condition.column), (c) => {
        if (condition.value === null || condition.value === undefined) {
          if (condition.op === "=") return Either.right(`${c.quoted} IS NULL`)
          if (condition.op === "<>") return Either.right(`${c.quoted} IS NOT NULL`)
          return Either.left(inputError(
            errorMessage(`query on ${info.def.name}`, `cannot compare ${c.field} ${condition.op} NULL`, "use Query.isNull or Query.isNotNull"),
            info.def.name
          ))
        }
        return Either.map(c.encode(condition.value), (v) => `${c.quoted} ${condition.op} ${params.add(v)}`)
      })
    case "In":
      return Either.flatMap(resolveColumn(info, condition.column), (c) => {
        if (condition.values.length === 0) return Either.right(condition.negated ? "1 = 1" : "1 = 0")
        const values: Array<unknown> = new Array(condition.values.length)
        for (let i = 0; i < values.length; i++) {
          const encoded = c.encode(condition.values[i])
          if (Either.isLeft(encoded)) return Either.left(encoded.left)
          values[i] = encoded.right
        }
        return inList([c], [values], params, condition.negated)
      })
    case "Like":
      return Either.map(resolveColumn(info, condition.column), (c) => `${c.quoted} LIKE ${params.add(condition.pattern)}`)
    case "IsNull":
      return Either.map(resolveColumn(info, condition.column), (c) => `${c.quoted} IS ${condition.negated ? "NOT " : ""}NULL`)
    case "And":
    case "Or": {
      if (condition.conditions.length === 0) return Either.right(condition._tag === "And" ? "1 = 1" : "1 = 0")
      return Either.map(
        Either.all(condition.conditions.map((c) => compileCondition(info, c, params))),
        (parts) => parts.length === 1 ? parts[0]! : `(${parts.join(condition._tag === "And" ? " AND " : " OR ")})`
      )
    }
    case "Not":
      return Either.map(compileCondition(info, condition.condition, params), (inner) => `NOT (${inner})`)
  }
}

const whereClause = (info: TableInfo, query: Query.Any, params: Params) =>
  query.condition === undefined
    ? Either.right("")
    : Either.map(compileCondition(info, query.condition, params), (sql) => ` WHERE ${sql}`)

const nonNegativeInt = (name: string, n: number | undefined, table: string) =>
  n === undefined || (Number.isInteger(n) && n >= 0)
    ? Either.right(n)
    : Either.left(inputError(errorMessage(`query on ${table}`, `${name} must be a non-negative integer, got ${showValue(n)}`), table))

/**
 * SELECT for a query. Written without generators: it runs on every query, and
 * `Either.gen` costs more than the string building.
 *
 * @internal
 */
export const compileSelect = (
  info: TableInfo,
  dialect: Dialect,
  query: Query.Any
): Either.Either<readonly [string, ReadonlyArray<unknown>], DatabaseError.DatabaseError> => {
  const params = new Params(dialect)
  let sql = `SELECT ${info.selectList} FROM ${info.qualified}`
  if (query.condition !== undefined) {
    const where = compileCondition(info, query.condition, params)
    if (Either.isLeft(where)) return Either.left(where.left)
    sql += ` WHERE ${where.right}`
  }
  if (query.order.length > 0) {
    const parts: Array<string> = []
    for (const o of query.order) {
      const c = resolveColumn(info, o.column)
      if (Either.isLeft(c)) return Either.left(c.left)
      parts.push(`${c.right.quoted} ${o.direction === "desc" ? "DESC" : "ASC"}`)
    }
    sql += ` ORDER BY ${parts.join(", ")}`
  }
  const limit = nonNegativeInt("limit", query.limit, info.def.name)
  if (Either.isLeft(limit)) return Either.left(limit.left)
  const offset = nonNegativeInt("offset", query.offset, info.def.name)
  if (Either.isLeft(offset)) return Either.left(offset.left)
  if (limit.right !== undefined) sql += ` LIMIT ${params.add(limit.right)}`
  if (offset.right !== undefined) {
    sql += `${limit.right === undefined ? ` LIMIT ${dialect.unboundedLimit}` : ""} OFFSET ${params.add(offset.right)}`
  }
  return Either.right([sql, params.values] as const)
}

/** @internal */
export const compileCount = (info: TableInfo, dialect: Dialect, query: Query.Any) =>
  Either.gen(function*() {
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
    ? Either.left(inputError(errorMessage(`${what} of ${info.def.name}`, "takes a query without orderBy, limit or offset"), info.def.name))
    : Either.right(undefined)

/** @internal */
export const compileDelete = (info: TableInfo, dialect: Dialect, query: Query.Any) =>
  Either.gen(function*() {
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
  Either.gen(function*() {
    yield* refuseOrderAndPaging(info, query, "update")
    const params = new Params(dialect)
    const sets: Array<string> = []
    for (const [field, value] of Object.entries(values)) {
      if (value === undefined) continue
      const c = yield* column(info, field)
      sets.push(`${c.quoted} = ${params.add(yield* c.encode(value))}`)
    }
    if (sets.length === 0) {
      return yield* Either.left(
        inputError(errorMessage(`update of ${info.def.name}`, "sets no column", "give at least one field to change"), info.def.name)
      )
    }
    return [`UPDATE ${info.qualified} SET ${sets.join(", ")}${yield* whereClause(info, query, params)}`, params.values] as const
  })
