import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Option from "effect/Option"
import * as DatabaseError from "../../DatabaseError.js"
import type * as Relation from "../../Relation.js"
import type * as Table from "../../Table.js"
import { analyze } from "../schema/analyze.js"
import { inList, Params } from "./compile.js"
import { resolveThrough, selectThrough } from "./manyToMany.js"
import type { Runner } from "./runner.js"
import { type ColumnInfo, decodeSelected, tableInfo, type TableInfo } from "./tableInfo.js"

// Generator functions here are made once (`Effect.fnUntraced` at module level): see `hold` in
// database.ts for why a generator closure made per call costs microseconds.

/** The join of a relation: `source[sourceFields] = target[targetFields]`. */
export interface Join {
  readonly sourceFields: ReadonlyArray<string>
  readonly targetFields: ReadonlyArray<string>
}

const schemaError = (message: string, table: string) =>
  DatabaseError.make(new DatabaseError.SchemaError({ message, table }))

/**
 * The join columns of a relation: explicit `on`, else the one foreign key
 * between the two tables on the side the relation says.
 *
 * @internal
 */
export const resolveJoin = (relation: Relation.Any): Result.Result<Join, DatabaseError.DatabaseError> => {
  if (relation.through !== undefined) {
    return Result.fail(schemaError(
      `relation ${relation.source.name} → ${relation.target.name} goes through ${relation.through.table.name}, which this operation cannot follow (join the link table and its target explicitly)`,
      relation.source.name
    ))
  }
  let join = joins.get(relation)
  if (join === undefined) {
    join = findJoin(relation)
    joins.set(relation, join)
  }
  return join
}

// Relations are immutable values: their join is found once.
const joins = new WeakMap<Relation.Any, Result.Result<Join, DatabaseError.DatabaseError>>()

const findJoin = (relation: Relation.Any): Result.Result<Join, DatabaseError.DatabaseError> => {
  const { source, target } = relation
  if (relation.on !== undefined) {
    const { source: s, target: t } = relation.on
    const missing = [
      ...s.filter((f) => !(f in source.fields)).map((f) => `${source.name}.${f}`),
      ...t.filter((f) => !(f in target.fields)).map((f) => `${target.name}.${f}`)
    ]
    if (missing.length > 0) return Result.fail(schemaError(`relation ${source.name} → ${target.name}: unknown fields ${missing.join(", ")}`, source.name))
    if (s.length !== t.length || s.length === 0) {
      return Result.fail(schemaError(`relation ${source.name} → ${target.name}: "on" needs the same non-zero number of fields on both sides`, source.name))
    }
    return Result.succeed({ sourceFields: s, targetFields: t })
  }
  const [holder, referenced] = relation.foreignKeySide === "target" ? [target, source] : [source, target]
  return Result.flatMap(analyze(holder), (def) => {
    const candidates = def.foreignKeys.flatMap((fk) => {
      const refs = fk.references()
      return refs.length > 0 && refs.every((r) => r.table === referenced.name)
        ? [{ holderFields: fk.fields, referencedFields: refs.map((r) => r.field) }]
        : []
    })
    if (candidates.length !== 1) {
      return Result.fail(schemaError(
        candidates.length === 0
          ? `no foreign key from ${holder.name} to ${referenced.name}; declare one with Column.references or pass "on" to the relation`
          : `${candidates.length} foreign keys from ${holder.name} to ${referenced.name}; pass "on" to say which one the relation uses`,
        source.name
      ))
    }
    const fk = candidates[0]!
    return Result.succeed(
      relation.foreignKeySide === "target"
        ? { sourceFields: fk.referencedFields, targetFields: fk.holderFields }
        : { sourceFields: fk.holderFields, targetFields: fk.referencedFields }
    )
  })
}

/**
 * A Map key for the values of a join: the value itself for one primitive
 * column (the common case, no string building per row), else a composed
 * string.
 *
 * @internal
 */
export const joinKey = (row: Record<string, unknown>, fields: ReadonlyArray<string>): unknown => {
  if (fields.length === 1) {
    const v = row[fields[0]!]
    if (typeof v === "number" || typeof v === "string" || typeof v === "bigint") return v
  }
  return keyOf(fields.map((f) => row[f]))
}

/** @internal */
export const keyOf = (values: ReadonlyArray<unknown>): string => {
  let key = ""
  for (const v of values) {
    // An integer is one key whether the driver returned a number or a bigint (SQLite safeIntegers).
    key += v instanceof Date ? `d${v.toISOString()}` : `${typeof v === "bigint" ? "number" : typeof v}${String(v)}`
    key += "\u0000"
  }
  return key
}

/**
 * The distinct non-null join keys of `rows` (values of `fields`), encoded
 * for the `columns` they are compared with: `values[k]` holds column k's
 * value of every key. A key of one column is its value (no array per row).
 *
 * @internal
 */
export const distinctKeys = (
  rows: ReadonlyArray<Record<string, unknown>>,
  fields: ReadonlyArray<string>,
  columns: ReadonlyArray<ColumnInfo>
): Result.Result<Array<Array<unknown>>, DatabaseError.DatabaseError> => {
  const values: Array<Array<unknown>> = columns.map(() => [])
  const seen = new Set<unknown>()
  if (fields.length === 1) {
    const field = fields[0]!
    const column = columns[0]!
    const out = values[0]!
    for (const row of rows) {
      const v = row[field]
      if (v === null || v === undefined) continue
      const key = typeof v === "number" || typeof v === "string" || typeof v === "bigint" ? v : keyOf([v])
      if (seen.has(key)) continue
      seen.add(key)
      const encoded = column.encode(v)
      if (Result.isFailure(encoded)) return Result.fail(encoded.failure)
      out.push(encoded.success)
    }
    return Result.succeed(values)
  }
  for (const row of rows) {
    const key = joinKey(row, fields)
    if (seen.has(key)) continue
    seen.add(key)
    let nulls = false
    for (const f of fields) if (row[f] === null || row[f] === undefined) nulls = true
    if (nulls) continue
    for (let k = 0; k < columns.length; k++) {
      const encoded = columns[k]!.encode(row[fields[k]!])
      if (Result.isFailure(encoded)) return Result.fail(encoded.failure)
      values[k]!.push(encoded.success)
    }
  }
  return Result.succeed(values)
}

/**
 * Selects the target rows whose `fields` match one of the keys of `values`
 * (already encoded, one array per field) in one statement (the dialect binds
 * the whole key list as a fixed number of parameters, whatever its length),
 * and decodes them; rows come back ordered by the target's primary key so
 * loaded arrays are deterministic. Columns are selected under their field
 * names, so plain rows are validated in place rather than copied.
 *
 * @internal
 */
export const selectByKeys = (
  runner: Runner,
  info: TableInfo,
  fields: ReadonlyArray<string>,
  values: ReadonlyArray<ReadonlyArray<unknown>>
): Effect.Effect<Array<any>, DatabaseError.DatabaseError> => {
  if (values[0]!.length === 0) return Effect.succeed([])
  const columns = fields.map((f) => info.byField.get(f)!)
  const integerKey = integerKeyOf(info)
  const order = info.primaryKey.length > 0 && integerKey === undefined
    ? ` ORDER BY ${info.primaryKey.map((c) => c.quoted).join(", ")}`
    : ""
  const params = new Params(runner.dialect)
  const where = inList(columns, values, params, false)
  if (Result.isFailure(where)) return Effect.fail(where.failure)
  const list = info.fieldSelectList ?? info.selectList
  const decoded = Effect.flatMap(
    runner.run(`SELECT ${list} FROM ${info.qualified} WHERE ${where.success}${order}`, params.values),
    (result) => decodeSelected(info, result.rows, info.fieldSelectList === undefined ? "name" : "field")
  )
  return integerKey === undefined ? decoded : Effect.map(decoded, (rows) => orderedBy(rows, integerKey))
}

/**
 * The field of a primary key that is one integer column read back as the
 * number or bigint it holds, whose order JavaScript's `<` gives exactly:
 * such rows are put in key order here instead of by `ORDER BY`, which made
 * SQLite sort in a temporary B-tree (a sixth of a 3-level load) though rows
 * read through the foreign key's index usually come in key order already.
 */
const integerKeyOf = (info: TableInfo): string | undefined => {
  if (info.primaryKey.length !== 1) return undefined
  const key = info.primaryKey[0]!
  const integer = key.type === "smallint" || key.type === "integer" || key.type === "bigint"
  return integer && key.readsBackAsWritten ? key.field : undefined
}

const orderedBy = (rows: Array<any>, field: string): Array<any> => {
  for (let i = 1; i < rows.length; i++) {
    if (rows[i - 1][field] > rows[i][field]) return rows.sort((a, b) => a[field] < b[field] ? -1 : a[field] > b[field] ? 1 : 0)
  }
  return rows
}

/**
 * `values` grouped by their `keys` (`keys[i]` is the key of `values[i]`), in
 * their order, each group an array of exactly its length: a group grown by
 * `push` from one row takes 17 slots, and the groups live as long as the
 * rows they are attached to. Rows usually come with each key's rows
 * together (read in key order, or through the foreign key's index): each
 * such run is sliced out whole, one Map entry per group instead of several
 * Map operations per row; keys that come back after another key take
 * `groupScattered`.
 *
 * @internal
 */
export const groupByKey = <A>(keys: ReadonlyArray<unknown>, values: ReadonlyArray<A>): Map<unknown, Array<A>> => {
  const groups = new Map<unknown, Array<A>>()
  let start = 0
  for (let i = 1; i <= keys.length; i++) {
    if (i < keys.length && sameKey(keys[i], keys[start])) continue
    const key = keys[start]
    if (groups.has(key)) return groupScattered(keys, values)
    groups.set(key, values.slice(start, i))
    start = i
  }
  return groups
}

// The Map's own key equality (SameValueZero).
const sameKey = (a: unknown, b: unknown): boolean => a === b || (a !== a && b !== b)

const groupScattered = <A>(keys: ReadonlyArray<unknown>, values: ReadonlyArray<A>): Map<unknown, Array<A>> => {
  const left = new Map<unknown, number>()
  for (let i = 0; i < keys.length; i++) left.set(keys[i], (left.get(keys[i]) ?? 0) + 1)
  // Filled from the end, so each group keeps the values' order.
  const groups = new Map<unknown, Array<A>>()
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i]
    const at = left.get(key)! - 1
    left.set(key, at)
    let group = groups.get(key)
    if (group === undefined) groups.set(key, group = new Array(at + 1))
    group[at] = values[i]!
  }
  return groups
}

/**
 * Attaches the relations of `spec` to `rows` (rows of `table`): one
 * statement per relation and level, never one per row.
 *
 * @internal
 */
export const loadRelations: (
  runner: Runner,
  table: Table.Any,
  rows: ReadonlyArray<any>,
  spec: Relation.Spec
) => Effect.Effect<Array<any>, DatabaseError.DatabaseError> = Effect.fnUntraced(function*(
  runner: Runner,
  table: Table.Any,
  rows: ReadonlyArray<any>,
  spec: Relation.Spec
) {
  const names = Object.keys(spec)
  if (names.length === 0) return rows as Array<any>
  // Relations are checked even when there are no rows, so a wrong one fails every time.
  const joins = new Map<string, Join>()
  for (const name of names) {
    const relation = spec[name]!
    if (relation.source.name !== table.name) {
      return yield* Effect.fail(schemaError(
        `relation "${name}" starts from ${relation.source.name}, but the rows are of ${table.name}`,
        table.name
      ))
    }
    if (relation.through !== undefined) yield* Effect.fromResult(resolveThrough(relation))
    else joins.set(name, yield* Effect.fromResult(resolveJoin(relation)))
  }
  if (rows.length === 0) return rows as Array<any>
  // The rows were just decoded by us: relations are attached in place.
  const out = rows as Array<any>
  for (const name of names) {
    const relation = spec[name]!
    if (relation.through !== undefined) {
      const through = yield* Effect.fromResult(resolveThrough(relation))
      const byOwner = yield* selectThrough(runner, relation, through, out)
      // Nested relations of the targets: one statement per level for all owners together.
      yield* loadRelations(runner, relation.target, [...byOwner.values()].flat(), relation.nested)
      for (const row of out) row[name] = byOwner.get(joinKey(row, through.source.sourceFields)) ?? []
      continue
    }
    const join = joins.get(name)!
    const info = yield* Effect.fromResult(tableInfo(relation.target, runner.dialect.name, runner.dialect.valueOptions))
    const columns = join.targetFields.map((f) => info.byField.get(f)!)
    const values = yield* Effect.fromResult(distinctKeys(out, join.sourceFields, columns))
    const targets = yield* selectByKeys(runner, info, join.targetFields, values)
    const loaded = yield* loadRelations(runner, relation.target, targets, relation.nested)
    const byKey = groupByKey(loaded.map((target) => joinKey(target, join.targetFields)), loaded)
    for (const row of out) {
      const group = byKey.get(joinKey(row, join.sourceFields)) ?? []
      row[name] = relation.kind === "many" ? group : Option.fromNullishOr(group[0])
    }
  }
  return out
})
