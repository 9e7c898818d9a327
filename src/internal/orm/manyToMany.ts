import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as DatabaseError from "../../DatabaseError.js"
import type * as Relation from "../../Relation.js"
import type * as Table from "../../Table.js"
import { errorMessage } from "../errorMessage.js"
import { inList, Params } from "./compile.js"
import { distinctKeys, groupByKey, type Join, joinKey, keyOf, resolveJoin, selectByKeys } from "./eager.js"
import type { Runner } from "./runner.js"
import { decodeSelected, tableInfo, type TableInfo } from "./tableInfo.js"

// Generator functions here are made once (`Effect.fnUntraced` at module level): see `hold` in
// database.ts for why a generator closure made per call costs microseconds.

/**
 * The two joins of a many-to-many relation: `source` pairs the source
 * table's fields (`sourceFields`) with the link's (`targetFields`), `target`
 * pairs the target table's fields with the link's.
 *
 * @internal
 */
export interface ThroughJoin {
  readonly link: Table.Any
  readonly source: Join
  readonly target: Join
}

const schemaError = (message: string, table: string) =>
  DatabaseError.make(new DatabaseError.SchemaError({ message, table }))

// Relations are immutable values: their joins are found once.
const throughJoins = new WeakMap<Relation.Any, Result.Result<ThroughJoin, DatabaseError.DatabaseError>>()

/**
 * The joins of a many-to-many relation, found like a one-to-many's: each
 * side is the link's one foreign key to that table, unless given.
 *
 * @internal
 */
export const resolveThrough = (relation: Relation.Any): Result.Result<ThroughJoin, DatabaseError.DatabaseError> => {
  let found = throughJoins.get(relation)
  if (found === undefined) {
    found = findThrough(relation)
    throughJoins.set(relation, found)
  }
  return found
}

// Each side of the link is a one-to-many relation from that table to the link: the existing resolution applies.
const sideOf = (relation: Relation.Any, table: Table.Any, link: Table.Any, on: Relation.Any["on"]): Relation.Any => ({
  ...relation,
  source: table,
  target: link,
  kind: "many",
  foreignKeySide: "target",
  on,
  nested: {},
  through: undefined
})

const findThrough = (relation: Relation.Any): Result.Result<ThroughJoin, DatabaseError.DatabaseError> => {
  const through = relation.through!
  const { source, target } = relation
  if (source.name === target.name && through.on === undefined) {
    return Result.fail(schemaError(
      `relation ${source.name} → ${target.name} through ${through.table.name}: both sides are ${source.name}, so the link's foreign keys cannot say which is which (pass "on" to Relation.manyToMany)`,
      source.name
    ))
  }
  const describe = (e: DatabaseError.DatabaseError) =>
    schemaError(`relation ${source.name} → ${target.name} through ${through.table.name}: ${e.reason.message}`, source.name)
  const sourceJoin = resolveJoin(sideOf(relation, source, through.table, through.on?.source))
  if (Result.isFailure(sourceJoin)) return Result.fail(describe(sourceJoin.failure))
  const targetJoin = resolveJoin(sideOf(relation, target, through.table, through.on?.target))
  if (Result.isFailure(targetJoin)) return Result.fail(describe(targetJoin.failure))
  return Result.succeed({ link: through.table, source: sourceJoin.success, target: targetJoin.success })
}

const linkAlias = (k: number) => `__link_${k}`

/**
 * The target rows of a many-to-many relation for `owners` (rows of its
 * source), in one statement: the targets joined to the link, filtered by
 * the owners' keys (one bound list, whatever its length). Returns, per
 * owner key (`joinKey` of the source fields), its targets ordered by the
 * target's primary key.
 *
 * @internal
 */
export const selectThrough = Effect.fnUntraced(function*(
  runner: Runner,
  relation: Relation.Any,
  join: ThroughJoin,
  owners: ReadonlyArray<Record<string, unknown>>
) {
  const dialect = runner.dialect
  const info = yield* Effect.fromResult(tableInfo(relation.target, dialect.name, dialect.valueOptions))
  const link = yield* Effect.fromResult(tableInfo(join.link, dialect.name, dialect.valueOptions))
  const ownerColumns = join.source.targetFields.map((f) => link.byField.get(f)!)
  const values = yield* Effect.fromResult(distinctKeys(owners, join.source.sourceFields, ownerColumns))
  if (values[0]!.length === 0) return new Map<unknown, Array<any>>()
  const t = dialect.quoteIdentifier("t")
  const l = dialect.quoteIdentifier("l")
  const params = new Params(dialect)
  const where = yield* Effect.fromResult(inList(
    ownerColumns.map((c) => ({ quoted: `${l}.${c.quoted}`, dbType: c.dbType, name: c.name })),
    values,
    params,
    false
  ))
  const on = join.target.sourceFields.map((f, k) =>
    `${l}.${link.byField.get(join.target.targetFields[k]!)!.quoted} = ${t}.${info.byField.get(f)!.quoted}`
  ).join(" AND ")
  // Link columns come back under aliases the target's own columns cannot have; they are decoded as link rows.
  const list = [
    ...info.columns.map((c) => `${t}.${c.quoted} AS ${c.quoted}`),
    ...link.columns.map((c, k) => `${l}.${c.quoted} AS ${dialect.quoteIdentifier(linkAlias(k))}`)
  ].join(", ")
  const order = info.primaryKey.length > 0 ? ` ORDER BY ${info.primaryKey.map((c) => `${t}.${c.quoted}`).join(", ")}` : ""
  const result = yield* runner.run(
    `SELECT ${list} FROM ${info.qualified} AS ${t} INNER JOIN ${link.qualified} AS ${l} ON ${on} WHERE ${where}${order}`,
    params.values
  )
  const targetRows: Array<Record<string, unknown>> = new Array(result.rows.length)
  const linkRows: Array<Record<string, unknown>> = new Array(result.rows.length)
  // Split into rows keyed by field, which decode without a second copy.
  result.rows.forEach((raw, i) => {
    const own: Record<string, unknown> = {}
    for (const c of info.columns) own[c.field] = raw[c.name]
    const linkRow: Record<string, unknown> = {}
    link.columns.forEach((c, k) => {
      linkRow[c.field] = raw[linkAlias(k)]
    })
    targetRows[i] = own
    linkRows[i] = linkRow
  })
  const targets = yield* decodeSelected(info, targetRows, "field")
  const links = yield* decodeSelected(link, linkRows, "field")
  return groupByKey(links.map((linkRow) => joinKey(linkRow, join.source.targetFields)), targets as Array<any>)
})

/** The link rows of the owners with these keys (values of the link's source fields), decoded. */
const selectLinks = (runner: Runner, link: TableInfo, join: ThroughJoin, keys: ReadonlyArray<ReadonlyArray<unknown>>) =>
  Effect.suspend(() => {
    const columns = join.source.targetFields.map((f) => link.byField.get(f)!)
    const values = columns.map(() => new Array<unknown>(keys.length))
    for (let row = 0; row < keys.length; row++) {
      for (let k = 0; k < columns.length; k++) {
        const encoded = columns[k]!.encode(keys[row]![k])
        if (Result.isFailure(encoded)) return Effect.fail(encoded.failure)
        values[k]![row] = encoded.success
      }
    }
    return selectByKeys(runner, link, join.source.targetFields, values)
  })

/** How `saveThrough` writes: the ORM's own save, insert and delete, so hooks and chunking apply. */
export interface ThroughWrites<E> {
  readonly saveTargets: (table: Table.Any, rows: ReadonlyArray<Record<string, unknown>>, spec: Relation.Spec) => Effect.Effect<Array<any>, E>
  readonly insertLinks: (table: Table.Any, rows: ReadonlyArray<Record<string, unknown>>) => Effect.Effect<unknown, E>
  readonly deleteLinks: (table: Table.Any, rows: ReadonlyArray<Record<string, unknown>>) => Effect.Effect<unknown, E>
}

/**
 * Saves the targets listed under `name` in `rows` (already stored as
 * `stored`), then makes the link rows of those owners match the lists:
 * links to targets not listed any more are deleted, missing ones inserted,
 * the others left as they are (extra columns of the link kept). Owners that
 * do not give the relation keep their links. Sets `stored[i][name]` to the
 * saved targets, in the order given.
 *
 * A target listed several times with one primary key (under one owner or
 * several) is saved once, with its last occurrence's values, as saving the
 * rows one after another would leave it.
 *
 * @internal
 */
export const saveThrough = Effect.fnUntraced(function*<E>(
  runner: Runner,
  relation: Relation.Any,
  name: string,
  rows: ReadonlyArray<Record<string, unknown>>,
  stored: Array<any>,
  writes: ThroughWrites<E>
) {
  const owners: Array<number> = []
  rows.forEach((row, i) => {
    if (row[name] !== undefined && row[name] !== null) owners.push(i)
  })
  if (owners.length === 0) return
  const join = yield* Effect.fromResult(resolveThrough(relation))
  const dialect = runner.dialect
  const link = yield* Effect.fromResult(tableInfo(join.link, dialect.name, dialect.valueOptions))
  const info = yield* Effect.fromResult(tableInfo(relation.target, dialect.name, dialect.valueOptions))
  if (link.primaryKey.length === 0) {
    return yield* Effect.fail(schemaError(
      errorMessage(
        `save of ${relation.source.name} with ${name}`,
        `the link table ${join.link.name} has no primary key, so its rows cannot be deleted one by one`,
        `declare a primary key on ${join.link.name}, e.g. its two foreign keys`
      ),
      join.link.name
    ))
  }

  // Targets, one per primary key (rows without a key are new and distinct).
  const unique: Array<Record<string, unknown>> = []
  const slotOfKey = new Map<unknown, number>()
  const slots: Array<Array<number>> = owners.map((i) =>
    (rows[i]![name] as ReadonlyArray<Record<string, unknown>>).map((target) => {
      const pk = info.primaryKey.map((c) => target[c.field])
      if (pk.length === 0 || pk.some((v) => v === undefined || v === null)) return unique.push(target) - 1
      const key = keyOf(pk)
      const slot = slotOfKey.get(key)
      if (slot === undefined) {
        slotOfKey.set(key, unique.length)
        return unique.push(target) - 1
      }
      unique[slot] = target
      return slot
    })
  )
  const saved = unique.length === 0 ? [] : yield* writes.saveTargets(relation.target, unique, relation.nested)

  // The links each owner should have, keyed by (owner fields, target fields) of the link.
  const linkFields = [...join.source.targetFields, ...join.target.targetFields]
  const wanted = new Map<unknown, Record<string, unknown>>()
  owners.forEach((i, o) => {
    const owner = stored[i]
    const list: Array<any> = []
    const seen = new Set<number>()
    for (const slot of slots[o]!) {
      if (seen.has(slot)) continue
      seen.add(slot)
      const target = saved[slot]
      list.push(target)
      const linkRow: Record<string, unknown> = {}
      join.source.targetFields.forEach((f, k) => {
        linkRow[f] = owner[join.source.sourceFields[k]!]
      })
      join.target.targetFields.forEach((f, k) => {
        linkRow[f] = target[join.target.sourceFields[k]!]
      })
      wanted.set(keyOf(linkFields.map((f) => linkRow[f])), linkRow)
    }
    owner[name] = list
  })

  const ownerKeys = new Map<unknown, ReadonlyArray<unknown>>()
  for (const i of owners) {
    const values = join.source.sourceFields.map((f) => stored[i][f])
    ownerKeys.set(keyOf(values), values)
  }
  const existing = yield* selectLinks(runner, link, join, [...ownerKeys.values()])
  const stale: Array<Record<string, unknown>> = []
  for (const row of existing) {
    const key = keyOf(linkFields.map((f) => row[f]))
    if (wanted.has(key)) wanted.delete(key)
    else stale.push(row)
  }
  if (stale.length > 0) yield* writes.deleteLinks(join.link, stale)
  if (wanted.size > 0) yield* writes.insertLinks(join.link, [...wanted.values()])
})
