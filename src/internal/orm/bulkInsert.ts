/**
 * Multi-row INSERT (and upsert) statements, and the single-pass bulk write
 * for plain tables: every row checked with the compiled insert check and
 * bound straight into the statement's parameters, in one loop, before any
 * SQL runs.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as DatabaseError from "../../DatabaseError.js"
import { markDriverValues } from "../driverValues.js"
import { Params } from "./compile.js"
import { keyOf } from "./eager.js"
import { type BindRow, type CopyRow, makeRowBinder, makeRowCopier } from "./rowBinder.js"
import type { Runner } from "./runner.js"
import type { ColumnInfo, TableInfo } from "./tableInfo.js"

/** @internal */
export type Mode = "insert" | "upsert"

/**
 * Rows per statement of a bulk write (the parameter limit permitting): a
 * size the driver prepares once and runs again for every chunk.
 *
 * @internal
 */
export const CHUNK_ROWS = 1000

/** @internal */
export const chunkRows = (runner: Runner, width: number): number =>
  Math.max(1, Math.min(CHUNK_ROWS, Math.floor(runner.dialect.capabilities.maxParameters / Math.max(1, width))))

/**
 * A Map key for a primary key: the value itself for a one-column key of a
 * primitive type (no string building on the bulk path), else a composed string.
 *
 * @internal
 */
export const pkKey = (info: TableInfo, row: Record<string, unknown>, by: "field" | "name"): unknown => {
  const key = info.primaryKey
  if (key.length === 1) {
    const v = row[by === "field" ? key[0]!.field : key[0]!.name]
    if (typeof v === "number" || typeof v === "string" || typeof v === "bigint") return v
  }
  return keyOf(key.map((c) => row[by === "field" ? c.field : c.name]))
}

// Statement text per table, column set, mode, row count and RETURNING: bulk
// writes reuse a handful of shapes, so the text (and the driver's prepared
// statement) is built once instead of once per chunk.
const insertSqlCache = new WeakMap<TableInfo, Map<string, string>>()

/** @internal */
export const insertSql = (
  runner: Runner,
  info: TableInfo,
  columns: ReadonlyArray<ColumnInfo>,
  rowCount: number,
  mode: Mode,
  returning = true
): string => {
  let cache = insertSqlCache.get(info)
  if (cache === undefined) insertSqlCache.set(info, cache = new Map())
  const key = `${mode}:${returning ? "r" : ""}:${rowCount}:${columns.map((c) => c.name).join(",")}`
  let sql = cache.get(key)
  if (sql !== undefined) return sql
  let conflict = ""
  if (mode === "upsert") {
    const pk = new Set(info.primaryKey.map((c) => c.field))
    // A GENERATED ALWAYS column can only be set to DEFAULT; the stored value stays.
    const updates = columns.filter((c) => !pk.has(c.field) && c.overriding === undefined)
    // With nothing else to update, a no-op update still makes RETURNING return the row
    // (a GENERATED ALWAYS key cannot even be set to itself: another column is).
    const keyParts = info.primaryKey.filter((c) => c.overriding === undefined)
    const spare = info.columns.find((c) => c.overriding === undefined)
    const set = updates.length > 0 || keyParts.length > 0 || spare === undefined
      ? (updates.length > 0 ? updates : keyParts.length > 0 ? keyParts : info.primaryKey).map((c) =>
        `${c.quoted} = excluded.${c.quoted}`
      )
      : [`${spare.quoted} = ${info.qualified}.${spare.quoted}`]
    conflict = ` ON CONFLICT (${info.primaryKey.map((c) => c.quoted).join(", ")}) DO UPDATE SET ${set.join(", ")}`
  }
  const params = new Params(runner.dialect)
  const tuples: Array<string> = new Array(rowCount)
  for (let r = 0; r < rowCount; r++) {
    const placeholders: Array<string> = new Array(columns.length)
    for (let k = 0; k < columns.length; k++) placeholders[k] = params.add(undefined)
    tuples[r] = `(${placeholders.join(", ")})`
  }
  const overriding = columns.find((c) => c.overriding !== undefined)?.overriding
  sql = `INSERT INTO ${info.qualified} (${columns.map((c) => c.quoted).join(", ")})${
    overriding === undefined ? "" : ` ${overriding}`
  } VALUES ${tuples.join(", ")}${conflict}${returning ? ` RETURNING ${info.selectList}` : ""}`
  // Row counts vary with the input; keep the few recent shapes, not every one ever seen.
  if (cache.size >= 16) cache.delete(cache.keys().next().value!)
  cache.set(key, sql)
  return sql
}

/** A column with the compiled check of its field in the insert Schema. */
interface Binder {
  readonly column: ColumnInfo
  readonly key: string
  readonly optional: boolean
  readonly check: (value: unknown) => boolean
}

const binderCache = new WeakMap<TableInfo, ReadonlyArray<Binder> | null>()

/** The columns in order with their fields' checks, or `null` when the insert Schema is not a plain struct of them. */
const bindersOf = (info: TableInfo): ReadonlyArray<Binder> | null => {
  let binders = binderCache.get(info)
  if (binders !== undefined) return binders
  const fields = info.codec.insertFields
  binders = null
  if (fields !== undefined && fields.length === info.columns.length) {
    const list: Array<Binder> = []
    for (const column of info.columns) {
      const field = fields.find((f) => f.key === column.field)
      if (field === undefined || column.def.encodedKey !== column.field) break
      list.push({ column, key: column.field, optional: field.optional, check: field.check })
    }
    if (list.length === info.columns.length) binders = list
  }
  binderCache.set(info, binders)
  return binders
}

/** What the single pass made of the rows: the statements' parameters, and the stored rows when they are known. */
interface Plan {
  readonly columns: ReadonlyArray<ColumnInfo>
  readonly mode: Mode
  readonly chunks: ReadonlyArray<Array<unknown>>
  readonly stored: Array<Record<string, unknown>> | undefined
}

/** `b` follows `a` in a strict order of numbers, bigints or strings: then it is not `a`, nor any key before it. */
const increases = (a: unknown, b: unknown): boolean => {
  const type = typeof a
  return type === typeof b && (type === "number" || type === "string" || type === "bigint") && (b as number) > (a as number)
}

// One binder per table, set of columns given and whether rows are returned.
const rowBinders = new WeakMap<ReadonlyArray<Binder>, Map<string, BindRow>>()

const rowBinderOf = (binders: ReadonlyArray<Binder>, present: ReadonlyArray<boolean>, returnRows: boolean): BindRow => {
  let byShape = rowBinders.get(binders)
  if (byShape === undefined) rowBinders.set(binders, byShape = new Map())
  const shape = `${present.map((p) => p ? "1" : "0").join("")}${returnRows ? "r" : ""}`
  let bind = byShape.get(shape)
  if (bind === undefined) {
    bind = makeRowBinder(binders.map((b, k) => ({
      key: b.key,
      present: present[k]!,
      optional: b.optional,
      check: b.check,
      toParameter: b.column.toParameter,
      asIs: b.column.asIsParameter,
      // A NULL key makes the row an insert in the general path; a NULL reads back as null only where the Schema says so.
      nullRefused: b.column.def.primaryKey || (returnRows && b.column.def.nullRep !== "null")
    })))
    byShape.set(shape, bind)
  }
  return bind
}

// The stored row's copy per table (every column given: the only case whose input is returned).
const rowCopiers = new WeakMap<ReadonlyArray<Binder>, CopyRow>()

const rowCopierOf = (binders: ReadonlyArray<Binder>): CopyRow => {
  let copy = rowCopiers.get(binders)
  if (copy === undefined) rowCopiers.set(binders, copy = makeRowCopier(binders.map((b) => b.key)))
  return copy
}

/**
 * The single pass, or `undefined` when these rows need the general path:
 * anything it cannot vouch for (a row the compiled checks refuse, a value
 * that does not bind, a foreign field, rows with different column sets, a
 * duplicate or partial key, a row whose stored form the metadata cannot
 * tell) goes back to the general path, which writes it or refuses it with
 * its own message. It accepts only rows the general path writes, with the
 * same parameters: each field is checked by the insert Schema's compiled
 * check (`plainStructFields`, which holds exactly when the Schema encodes
 * the value to itself), and the values bind through the same `toParameter`
 * (or as they are, where `asIsParameter` shows that is what it returns).
 */
const plan = (
  runner: Runner,
  info: TableInfo,
  rows: ReadonlyArray<unknown>,
  mode: Mode,
  returnRows: boolean
): Plan | undefined => {
  const binders = bindersOf(info)
  if (binders === null || rows.length === 0) return undefined
  if (returnRows && !info.storedAsWritten) return undefined
  if (mode === "upsert" && info.primaryKey.length === 0) return undefined
  const first = rows[0]
  if (typeof first !== "object" || first === null) return undefined
  const present = binders.map((b) => (first as Record<string, unknown>)[b.key] !== undefined)
  const columns = info.columns.filter((_, k) => present[k])
  const width = columns.length
  // Rows of the stored form only when every column is given (nothing left to a default).
  if (width === 0 || (returnRows && width !== binders.length)) return undefined
  let keyParts = 0
  for (const c of info.primaryKey) if (columns.includes(c)) keyParts++
  if (mode === "upsert" && keyParts > 0 && keyParts < info.primaryKey.length) return undefined
  // As the general path classifies: an upsert of rows without their key inserts them.
  const rowMode: Mode = mode === "upsert" && keyParts > 0 ? "upsert" : "insert"
  const key = info.primaryKey
  const singleKey = rowMode === "upsert" && key.length === 1 ? key[0]!.field : undefined
  const upsert = rowMode === "upsert"
  const keyOfRow = (row: Record<string, unknown>): unknown => singleKey !== undefined ? row[singleKey] : pkKey(info, row, "field")
  // Keys that so far strictly increase are distinct without a Set (rows
  // usually come in key order; a Set of 10k keys costs ~200 ns a row): the
  // Set is made, with the keys before, at the first key out of order.
  let seen: Set<unknown> | undefined
  let last: unknown
  const perChunk = chunkRows(runner, width)
  const chunks: Array<Array<unknown>> = []
  const stored: Array<Record<string, unknown>> | undefined = returnRows ? new Array(rows.length) : undefined
  const bindRow = rowBinderOf(binders, present, returnRows)
  const copyRow = returnRows ? rowCopierOf(binders) : undefined
  let params: Array<unknown> = []
  let at = 0
  try {
    for (let i = 0; i < rows.length; i++) {
      if (i % perChunk === 0) {
        params = new Array(Math.min(perChunk, rows.length - i) * width)
        chunks.push(params)
        at = 0
      }
      // A plain object of exactly the given fields, each checked and bound.
      at = bindRow(rows[i], params, at)
      if (at < 0) return undefined
      const row = rows[i] as Record<string, unknown>
      if (upsert) {
        const id = keyOfRow(row)
        if (seen === undefined && (i === 0 || increases(last, id))) {
          last = id
        } else {
          if (seen === undefined) {
            seen = new Set()
            for (let j = 0; j < i; j++) seen.add(keyOfRow(rows[j] as Record<string, unknown>))
          }
          if (seen.has(id)) return undefined
          seen.add(id)
        }
      }
      // Exactly the table's fields, each stored as given (`storedAsWritten`): what a read-back decodes to.
      if (stored !== undefined) stored[i] = copyRow!(row)
    }
  } catch {
    return undefined
  }
  for (const params of chunks) markDriverValues(params)
  return { columns, mode: rowMode, chunks, stored }
}

/**
 * Writes rows of a plain table without hooks in one pass, or returns
 * `undefined` when the general path must (see `plan`). `returnRows`: the
 * stored rows are wanted, so only rows the metadata proves are stored as
 * given qualify (no `RETURNING`); otherwise the result is the count the
 * database reports. Several statements run atomically; one is atomic by
 * itself.
 *
 * @internal
 */
export const writePlain = (
  runner: Runner,
  info: TableInfo,
  rows: ReadonlyArray<unknown>,
  mode: Mode,
  returnRows: boolean
): Effect.Effect<Array<Record<string, unknown>> | number, DatabaseError.DatabaseError> | undefined => {
  const p = plan(runner, info, rows, mode, returnRows)
  if (p === undefined) return undefined
  const width = p.columns.length
  const reuse = { reuse: true } as const
  const statement = (params: Array<unknown>) =>
    runner.run(insertSql(runner, info, p.columns, params.length / width, p.mode, false), params, reuse)
  const done = (count: number) => p.stored ?? count
  if (p.chunks.length === 1) return Effect.map(statement(p.chunks[0]!), (r) => done(r.rowsAffected))
  return runner.atomically(Effect.suspend(() => {
    let count = 0
    return Effect.as(
      Effect.forEach(p.chunks, (params) => Effect.map(statement(params), (r) => void (count += r.rowsAffected)), { discard: true }),
      undefined
    ).pipe(Effect.map(() => done(count)))
  }))
}
