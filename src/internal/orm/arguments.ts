/**
 * The shapes write arguments must have, checked before any SQL: a row is a
 * plain object of fields, a list of rows is an array, options are an object.
 * Anything else (a `Set`, a `Map`, a `Date`, `null`, a number) would
 * otherwise be read as a row without fields and insert an empty row, or
 * crash with a `TypeError`.
 *
 * @internal
 */
import * as Option from "effect/Option"
import * as Query from "../../Query.js"
import * as Relation from "../../Relation.js"
import * as Table from "../../Table.js"

/** How a value is named in a message: its kind, and a short rendering for primitives. */
const describe = (value: unknown): string => {
  if (value === null) return "null"
  if (value === undefined) return "undefined"
  if (Array.isArray(value)) return "an array"
  switch (typeof value) {
    case "string":
      return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`
    case "number":
    case "boolean":
      return `the ${typeof value} ${String(value)}`
    case "bigint":
      return `the bigint ${value}n`
    case "function":
      return "a function"
    case "symbol":
      return "a symbol"
  }
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name
  return typeof name === "string" && name !== "" ? `a ${name}` : "an object"
}

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Why `value` cannot be a row of `table`, if it cannot. Rows are plain
 * objects, or instances of the table's own row class (a `Model.Class` table
 * decodes rows to instances, and they may be saved back).
 *
 * @internal
 */
export const rowProblem = (table: Table.Any, value: unknown): string | undefined => {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    if (isPlainObject(value)) return undefined
    const rowClass = table.schema as unknown
    if (typeof rowClass === "function" && typeof rowClass.prototype === "object" && value instanceof rowClass) return undefined
  }
  return `a row of ${table.name} must be a plain object of its fields, got ${describe(value)}`
}

/** @internal */
export const rowsProblem = (table: Table.Any, rows: unknown): string | undefined => {
  if (!Array.isArray(rows)) return `expected an array of rows of ${table.name}, got ${describe(rows)}`
  for (let i = 0; i < rows.length; i++) {
    const problem = rowProblem(table, rows[i])
    if (problem !== undefined) return `row ${i}: ${problem}`
  }
  return undefined
}

/**
 * Related rows given to `save` under a relation's name: nothing, for `many`
 * an array of rows, otherwise a row or an `Option` of one.
 *
 * @internal
 */
export const relationValueProblem = (relation: Relation.Any, value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined
  if (relation.kind === "many") return rowsProblem(relation.target, value)
  const row = Option.isOption(value) ? Option.getOrUndefined(value) : value
  return row === undefined ? undefined : rowProblem(relation.target, row)
}

/**
 * The related rows nested in `rows` under the names of `spec` (one level;
 * deeper levels are checked when their rows are saved).
 *
 * @internal
 */
export const relationValuesProblem = (
  table: Table.Any,
  rows: ReadonlyArray<Record<string, unknown>>,
  spec: Relation.Spec
): string | undefined => {
  for (const name of Object.keys(spec)) {
    for (let i = 0; i < rows.length; i++) {
      const problem = relationValueProblem(spec[name]!, rows[i]![name])
      if (problem !== undefined) return `row ${i} of ${table.name}, relation "${name}": ${problem}`
    }
  }
  return undefined
}

/**
 * Everything `save`/`saveAll`/`insert`/`insertAll` are given: the table, the
 * row (`single`) or rows, the options and the related rows.
 *
 * @internal
 */
export const saveArgumentsProblem = (table: unknown, rows: unknown, options: unknown, single: boolean): string | undefined => {
  const tableIssue = tableProblem(table)
  if (tableIssue !== undefined) return tableIssue
  const t = table as Table.Any
  return (single ? rowProblem(t, (rows as ReadonlyArray<unknown>)[0]) : rowsProblem(t, rows)) ??
    saveOptionsProblem(options) ??
    relationValuesProblem(t, rows as ReadonlyArray<Record<string, unknown>>, (options as { readonly with?: Relation.Spec } | undefined)?.with ?? {})
}

/** @internal */
export const tableProblem = (table: unknown): string | undefined =>
  Table.isTable(table) ? undefined : `expected a Table, got ${describe(table)}`

/**
 * The options of `save`/`saveAll`/`insert`/`insertAll`: absent, or an object
 * whose `with` (if given) maps names to relations.
 *
 * @internal
 */
export const saveOptionsProblem = (options: unknown): string | undefined => {
  if (options === undefined) return undefined
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    return `the options must be an object such as { with: { devices: userDevices } }, got ${describe(options)}`
  }
  const returning = (options as { readonly returning?: unknown }).returning
  if (returning !== undefined && typeof returning !== "boolean") {
    return `option "returning" must be true, false or absent, got ${describe(returning)}`
  }
  const spec = (options as { readonly with?: unknown }).with
  if (spec === undefined) return undefined
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    return `option "with" must map names to relations, got ${describe(spec)}`
  }
  for (const [name, relation] of Object.entries(spec)) {
    if (!Relation.isRelation(relation)) return `option "with": "${name}" is not a relation (got ${describe(relation)})`
  }
  return undefined
}

/** @internal */
export const queryProblem = (query: unknown): string | undefined =>
  Query.isSelect(query) ? undefined : `expected a query (Query.select(...)), got ${describe(query)}`

/**
 * The values of `update`: a plain object of fields.
 *
 * @internal
 */
export const valuesProblem = (table: Table.Any, values: unknown): string | undefined =>
  typeof values === "object" && values !== null && !Array.isArray(values) && isPlainObject(values)
    ? undefined
    : `update of ${table.name} expects a plain object of the fields to set, got ${describe(values)}`
