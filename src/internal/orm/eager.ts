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
import { decodeAll, tableInfo, type TableInfo } from "./tableInfo.js"

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

const hasNull = (values: ReadonlyArray<unknown>) => values.some((v) => v === null || v === undefined)

/**
 * Selects the target rows whose `fields` match one of `keys` in one
 * statement (the dialect binds the whole key list, whatever its length), and
 * decodes them; rows come back ordered by the target's primary key so loaded
 * arrays are deterministic.
 *
 * @internal
 */
export const selectByKeys = (
  runner: Runner,
  info: TableInfo,
  fields: ReadonlyArray<string>,
  keys: ReadonlyArray<ReadonlyArray<unknown>>
) =>
  Effect.gen(function*() {
    const columns = fields.map((f) => info.byField.get(f)!)
    const order = info.primaryKey.length > 0 ? ` ORDER BY ${info.primaryKey.map((c) => c.quoted).join(", ")}` : ""
    // One array of encoded values per column.
    const values = columns.map(() => new Array<unknown>(keys.length))
    for (let row = 0; row < keys.length; row++) {
      for (let k = 0; k < columns.length; k++) {
        const encoded = columns[k]!.encode(keys[row]![k])
        if (Result.isFailure(encoded)) return yield* Effect.fail(encoded.failure)
        values[k]![row] = encoded.success
      }
    }
    const params = new Params(runner.dialect)
    const where = yield* Effect.fromResult(inList(columns, values, params, false))
    const result = yield* runner.run(`SELECT ${info.selectList} FROM ${info.qualified} WHERE ${where}${order}`, params.values)
    return yield* decodeAll(info, result.rows)
  })

/**
 * Attaches the relations of `spec` to `rows` (rows of `table`): one
 * statement per relation and level, never one per row.
 *
 * @internal
 */
export const loadRelations = (
  runner: Runner,
  table: Table.Any,
  rows: ReadonlyArray<any>,
  spec: Relation.Spec
): Effect.Effect<Array<any>, DatabaseError.DatabaseError> =>
  Effect.gen(function*() {
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
      const keys = new Map<unknown, ReadonlyArray<unknown>>()
      for (const row of out) {
        const key = joinKey(row, join.sourceFields)
        if (keys.has(key)) continue
        const values = join.sourceFields.map((f) => row[f])
        if (!hasNull(values)) keys.set(key, values)
      }
      const targets = keys.size === 0 ? [] : yield* selectByKeys(runner, info, join.targetFields, [...keys.values()])
      const loaded = yield* loadRelations(runner, relation.target, targets, relation.nested)
      const byKey = new Map<unknown, Array<any>>()
      for (const target of loaded) {
        const key = joinKey(target, join.targetFields)
        const group = byKey.get(key)
        if (group === undefined) byKey.set(key, [target])
        else group.push(target)
      }
      for (const row of out) {
        const group = byKey.get(joinKey(row, join.sourceFields)) ?? []
        row[name] = relation.kind === "many" ? group : Option.fromNullishOr(group[0])
      }
    }
    return out
  })
