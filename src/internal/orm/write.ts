import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Option from "effect/Option"
import * as DatabaseError from "../../DatabaseError.js"
import * as Hooks from "../../Hooks.js"
import * as Query from "../../Query.js"
import type * as Relation from "../../Relation.js"
import { Session } from "../../Session.js"
import * as Table from "../../Table.js"
import { queryProblem, relationValuesProblem, rowProblem, rowsProblem, saveArgumentsProblem, saveOptionsProblem, tableProblem, valuesProblem } from "./arguments.js"
import { compileDelete, compileUpdate, inputError, Params } from "./compile.js"
import { keyOf, loadRelations, resolveJoin } from "./eager.js"
import { decodeAll, info as infoOf, selectAll } from "./read.js"
import { saveThrough } from "./manyToMany.js"
import type { Runner } from "./runner.js"
import { clip, errorMessage, showValue } from "../errorMessage.js"
import { type ColumnInfo, tableInfo, type TableInfo } from "./tableInfo.js"
import { chunkRows, insertSql, type Mode, pkKey, writePlain } from "./bulkInsert.js"

// Generator functions here are made once (`Effect.fnUntraced` at module level): see `hold` in
// database.ts for why a generator closure made per call costs microseconds.

/** @internal */
export interface SaveOptions {
  /** Relations whose rows, nested in the given rows, are saved too (parents first). */
  readonly with?: Relation.Spec | undefined
  /** See `Session.SaveOptions.returning`. */
  readonly returning?: boolean | undefined
}


/**
 * What a write fails with: a `DatabaseError`, or whatever error of its own a
 * table's hook failed with, passed through untouched (the public API types
 * it with `Hooks.ErrorOf`).
 */
type WriteError = DatabaseError.DatabaseError | unknown

const runHook = (
  runner: Runner,
  table: Table.Any,
  name: Hooks.HookName,
  rows: ReadonlyArray<unknown>
): Effect.Effect<void, WriteError> => {
  const hook = Hooks.hooksOf(table)[name] as Hooks.Hook<unknown, unknown> | undefined
  if (hook === undefined || rows.length === 0) return Effect.void
  return inHookContext(runner, table, name, Effect.forEach(rows, (row) => hook(row), { discard: true }))
}

/**
 * A hook's effect with the session it runs in; `Hooks.fail` cannot know its
 * table and hook, so they are filled in here.
 */
const inHookContext = <A>(
  runner: Runner,
  table: Table.Any,
  name: string,
  effect: Effect.Effect<A, WriteError, Session>
): Effect.Effect<A, WriteError> =>
  effect.pipe(
    Effect.provideService(Session, runner.session()),
    Effect.mapError((e) =>
      DatabaseError.hasReason(e, "HookError")
        ? DatabaseError.make(
          new DatabaseError.HookError({ message: e.reason.message, table: table.name, hook: name }),
          { cause: e.cause }
        )
        : e
    )
  )

/**
 * Runs a before-hook (`beforeSave`, `beforeInsert`, `beforeUpdate`) on the
 * rows at `indexes`, one row after the other, and puts the rows they return
 * in place of the given ones. Whether any row was replaced.
 */
const runRowHook = (
  runner: Runner,
  table: Table.Any,
  name: "beforeSave" | "beforeInsert" | "beforeUpdate",
  rows: Array<Record<string, unknown>>,
  indexes: ReadonlyArray<number>
): Effect.Effect<boolean, WriteError> => {
  const hook = Hooks.hooksOf(table)[name] as Hooks.RowHook<unknown, unknown> | undefined
  if (hook === undefined || indexes.length === 0) return Effect.succeed(false)
  let replaced = false
  const each = Effect.forEach(indexes, (i) =>
    Effect.map(hook(rows[i]), (next) => {
      if (next !== undefined) {
        rows[i] = next as Record<string, unknown>
        replaced = true
      }
    }), { discard: true })
  return Effect.map(inHookContext(runner, table, name, each), () => replaced)
}

/**
 * Checks every row before any SQL runs: it must be an object of this
 * table's fields (relation keys allowed when saved with them), and either
 * carry its whole primary key or none of it (then the database generates it).
 */
const validateRows = (info: TableInfo, rows: ReadonlyArray<unknown>, relationNames: ReadonlySet<string>, mode: Mode) =>
  Effect.suspend(() => {
    const name = info.def.name
    const fail = (why: string, hint?: string) =>
      Effect.fail(inputError(errorMessage(`${mode === "insert" ? "insert" : "saveAll"} of ${name}`, why, hint), name))
    if (rows.length === 0) return fail("nothing to save: got an empty list")
    const seen = new Map<unknown, number>()
    const pkFields = info.primaryKey.map((c) => c.field)
    for (let i = 0; i < rows.length; i++) {
      const shape = rowProblem(info.table, rows[i])
      if (shape !== undefined) return Effect.fail(inputError(`row ${i}: ${shape}`, name))
      const row = rows[i] as Record<string, unknown>
      let clean = true
      for (const k in row) {
        if (!info.byField.has(k) && !relationNames.has(k)) {
          clean = false
          break
        }
      }
      const foreign = clean ? [] : Object.keys(row).filter((k) => !info.byField.has(k) && !relationNames.has(k))
      if (foreign.length > 0) {
        return fail(
          `row ${i} has fields the table does not have: ${clip(foreign.join(", "))}`,
          `a row of another table? relations to save go in the "with" option`
        )
      }
      if (mode === "insert" || pkFields.length === 0) continue
      let count = 0
      for (const f of pkFields) if ((row as Record<string, unknown>)[f] !== undefined) count++
      if (count === 0) continue
      // A key part the database generates (a sequence in a composite key) may be left out: the row is new.
      if (count < pkFields.length && info.primaryKey.every((c) => row[c.field] !== undefined || c.def.defaulted)) continue
      if (count < pkFields.length) {
        const present = pkFields.filter((f) => (row as Record<string, unknown>)[f] !== undefined)
        return fail(
          `row ${i} has part of the primary key (${present.join(", ")})`,
          `give all of ${pkFields.join(", ")} or none`
        )
      }
      const key = pkKey(info, row as Record<string, unknown>, "field")
      const earlier = seen.get(key)
      if (earlier !== undefined) {
        return fail(
          `rows ${earlier} and ${i} have the same primary key (${
            pkFields.map((f) => `${f}=${showValue((row as Record<string, unknown>)[f])}`).join(", ")
          })`,
          "save each row once per call"
        )
      }
      seen.set(key, i)
    }
    return Effect.void
  })

const stripRelations = (row: Record<string, unknown>, relationNames: ReadonlySet<string>) => {
  if (relationNames.size === 0) return row
  const out: Record<string, unknown> = {}
  for (const k in row) if (!relationNames.has(k)) out[k] = row[k]
  return out
}

/** Multi-row INSERT (or upsert) statements for rows sharing one column set, under the parameter limit. */
const writeGroup = Effect.fnUntraced(function*(
  runner: Runner,
  info: TableInfo,
  columns: ReadonlyArray<ColumnInfo>,
  rows: ReadonlyArray<Record<string, unknown>>,
  mode: Mode
) {
  const stored: Array<Record<string, unknown>> = []
  const returning = ` RETURNING ${info.selectList}`
  if (columns.length === 0) {
    for (let i = 0; i < rows.length; i++) {
      const result = yield* runner.run(`INSERT INTO ${info.qualified} DEFAULT VALUES${returning}`, [])
      stored.push(...result.rows)
    }
    return stored
  }
  const size = chunkRows(runner, columns.length)
  for (let start = 0; start < rows.length; start += size) {
    const chunk = rows.length <= size ? rows : rows.slice(start, start + size)
    const values: Array<unknown> = new Array(chunk.length * columns.length)
    let at = 0
    for (const row of chunk) for (const c of columns) values[at++] = row[c.name]
    const result = yield* runner.run(insertSql(runner, info, columns, chunk.length, mode), values, { reuse: true })
    for (const row of result.rows) stored.push(row)
  }
  return stored
})

/** The primary keys among `keys` that already exist (one statement per chunk). */
const existingKeys = Effect.fnUntraced(function*(runner: Runner, info: TableInfo, keys: ReadonlyArray<ReadonlyArray<unknown>>) {
  const found = new Set<string>()
  if (keys.length === 0) return found
  const width = info.primaryKey.length
  const size = Math.max(1, Math.floor(Math.min(runner.dialect.capabilities.maxParameters, 10_000) / width))
  const target = width === 1 ? info.primaryKey[0]!.quoted : `(${info.primaryKey.map((c) => c.quoted).join(", ")})`
  for (let start = 0; start < keys.length; start += size) {
    const params = new Params(runner.dialect)
    const tuples = keys.slice(start, start + size).map((key) => {
      const ps = key.map((v) => params.add(v))
      return width === 1 ? ps[0]! : `(${ps.join(", ")})`
    })
    const result = yield* runner.run(
      `SELECT ${info.primaryKey.map((c) => c.quoted).join(", ")} FROM ${info.qualified} WHERE ${target} IN (${tuples.join(", ")})`,
      params.values
    )
    for (const row of result.rows) found.add(keyOf(info.primaryKey.map((c) => row[c.name])))
  }
  return found
})

/** Encodes rows for writing, synchronously unless a Schema needs the Effect path. */
const encodeRows = (info: TableInfo, rows: ReadonlyArray<Record<string, unknown>>, mode: Mode) =>
  Effect.suspend(() => {
    const pending: Array<Pending> = new Array(rows.length)
    const key = info.primaryKey
    const classify = (i: number, encoded: Record<string, unknown>): Pending => {
      let hasKey = mode === "upsert"
      for (let k = 0; hasKey && k < key.length; k++) {
        const v = encoded[key[k]!.name]
        hasKey = v !== undefined && v !== null
      }
      return { index: i, encoded, mode: hasKey ? "upsert" : "insert" }
    }
    for (let i = 0; i < rows.length; i++) {
      const sync = info.codec.encodeInsertEither(rows[i])
      if (sync === undefined) {
        const encodeInsert = info.codec.encodeInsert as (row: unknown) => Effect.Effect<Record<string, unknown>, DatabaseError.DatabaseError>
        return Effect.forEach(rows, (row, j) => Effect.map(encodeInsert(row), (encoded) => classify(j, encoded)))
      }
      if (Result.isFailure(sync)) return Effect.fail(sync.failure)
      pending[i] = classify(i, sync.success)
    }
    return Effect.succeed(pending)
  })

interface Pending {
  readonly index: number
  readonly encoded: Record<string, unknown>
  readonly mode: Mode
}

interface Prepared {
  readonly info: TableInfo
  readonly pending: ReadonlyArray<Pending>
}

/** The part of saving rows of one table that runs no SQL: the key rule, then every value encoded and checked. */
const prepareRows = Effect.fnUntraced(function*(runner: Runner, table: Table.Any, rows: ReadonlyArray<Record<string, unknown>>, mode: Mode) {
  const info = yield* infoOf(runner, table)
  if (mode === "upsert" && info.primaryKey.length === 0) {
    return yield* Effect.fail(inputError(
      errorMessage(`saveAll of ${info.def.name}`, "the table has no primary key to tell new rows from existing ones", "use insert"),
      info.def.name
    ))
  }
  const pending = yield* encodeRows(info, rows, mode)
  return { info, pending } satisfies Prepared
})

/**
 * Saves rows of one table (no relations): validates, encodes (unless
 * `prepared` already did), classifies into inserts and upserts, runs hooks,
 * writes in multi-row statements and returns the stored rows decoded, in
 * input order.
 */
const saveRows = Effect.fnUntraced(function*(
  runner: Runner,
  table: Table.Any,
  rows: ReadonlyArray<Record<string, unknown>>,
  mode: Mode,
  prepared?: Prepared
) {
  const given = prepared ?? (yield* prepareRows(runner, table, rows, mode))
  const info = given.info
  let pending = given.pending

  const hooks = Hooks.hooksOf(table)
  const hooked = hooks.beforeInsert || hooks.afterInsert || hooks.beforeUpdate || hooks.afterUpdate || hooks.beforeSave ||
    hooks.afterSave
  // Hooks need to know inserts from updates; without hooks an upsert decides by itself.
  let updates = new Set<number>()
  if (hooked) {
    const keyed = pending.filter((p) => p.mode === "upsert")
    const existing = yield* existingKeys(runner, info, keyed.map((p) => info.primaryKey.map((c) => p.encoded[c.name])))
    updates = new Set(keyed.filter((p) => existing.has(keyOf(info.primaryKey.map((c) => p.encoded[c.name])))).map((p) => p.index))
    // Before-hooks may return the row to write; each sees what the one before it returned.
    const current = [...rows]
    const all = pending.map((p) => p.index)
    const replaced = [
      yield* runRowHook(runner, table, "beforeSave", current, all),
      yield* runRowHook(runner, table, "beforeInsert", current, all.filter((i) => !updates.has(i))),
      yield* runRowHook(runner, table, "beforeUpdate", current, all.filter((i) => updates.has(i)))
    ].some(Boolean)
    if (replaced) {
      // Returned rows are input like any other: checked and encoded again before anything is written.
      yield* validateRows(info, current, new Set(), mode)
      yield* checkValues(runner, table, current, {})
      pending = yield* encodeRows(info, current, mode)
    }
  }

  // Group by mode and column set: multi-row VALUES cannot say DEFAULT on SQLite.
  const groups = new Map<unknown, { mode: Mode; columns: Array<ColumnInfo>; items: Array<Pending> }>()
  const columns = info.columns
  for (const p of pending) {
    // A bit per present column; tables wider than 30 columns fall back to a string.
    let mask = 0
    let wide = ""
    for (let k = 0; k < columns.length; k++) {
      const present = p.encoded[columns[k]!.name] !== undefined
      if (k < 30) mask |= present ? 1 << k : 0
      else wide += present ? "1" : "0"
    }
    const key = wide === "" ? (p.mode === "upsert" ? -1 - mask : mask) : `${p.mode}${mask}${wide}`
    const group = groups.get(key)
    if (group === undefined) {
      groups.set(key, { mode: p.mode, columns: info.columns.filter((c) => p.encoded[c.name] !== undefined), items: [p] })
    } else {
      group.items.push(p)
    }
  }
  const stored: Array<any> = new Array(rows.length)
  for (const group of groups.values()) {
    const raw = yield* writeGroup(runner, info, group.columns, group.items.map((p) => p.encoded), group.mode)
    const decoded = yield* decodeAll(info, raw)
    if (group.mode === "upsert") {
      const byKey = new Map<unknown, unknown>()
      for (const row of decoded) byKey.set(pkKey(info, row, "field"), row)
      group.items.forEach((p, k) => {
        stored[p.index] = byKey.get(pkKey(info, p.encoded, "name")) ?? decoded[k]
      })
    } else {
      // INSERT ... RETURNING returns rows in VALUES order on both dialects.
      group.items.forEach((p, k) => {
        stored[p.index] = decoded[k]
      })
    }
  }
  if (hooked) {
    yield* runHook(runner, table, "afterInsert", pending.filter((p) => !updates.has(p.index)).map((p) => stored[p.index]))
    yield* runHook(runner, table, "afterUpdate", pending.filter((p) => updates.has(p.index)).map((p) => stored[p.index]))
    yield* runHook(runner, table, "afterSave", stored)
  }
  return stored
})

/**
 * Saves rows with their related rows: `belongsTo` targets first (their keys
 * fill this row's foreign key), then the rows, then children (their foreign
 * keys filled from the stored parents).
 */
const saveTree: (
  runner: Runner,
  table: Table.Any,
  rows: ReadonlyArray<Record<string, unknown>>,
  spec: Relation.Spec,
  mode: Mode
) => Effect.Effect<Array<any>, WriteError> = Effect.fnUntraced(function*(
  runner: Runner,
  table: Table.Any,
  rows: ReadonlyArray<Record<string, unknown>>,
  spec: Relation.Spec,
  mode: Mode
) {
  const names = Object.keys(spec)
  const relationNames = new Set(names)
  const info = yield* infoOf(runner, table)
  yield* validateRows(info, rows, relationNames, mode)
  for (const name of names) {
    if (spec[name]!.source.name !== table.name) {
      return yield* Effect.fail(inputError(
        errorMessage(`save of ${table.name}`, `relation "${name}" starts from ${spec[name]!.source.name}, not ${table.name}`),
        table.name
      ))
    }
  }
  const nested = relationValuesProblem(table, rows, spec)
  if (nested !== undefined) return yield* Effect.fail(inputError(nested, table.name))
  const own = names.length === 0 ? rows : rows.map((row) => ({ ...stripRelations(row, relationNames) }))

  // Parents of this row (many-to-one) are saved first.
  const parents: Record<string, ReadonlyArray<any>> = {}
  for (const name of names) {
    const relation = spec[name]!
    if (relation.foreignKeySide !== "source") continue
    const join = yield* Effect.fromResult(resolveJoin(relation))
    const indexes: Array<number> = []
    const targets: Array<Record<string, unknown>> = []
    rows.forEach((row, i) => {
      const value = row[name]
      const target = Option.isOption(value) ? Option.getOrUndefined(value) : value
      if (target !== undefined && target !== null) {
        indexes.push(i)
        targets.push(target as Record<string, unknown>)
      }
    })
    if (targets.length === 0) continue
    const saved = yield* saveTree(runner, relation.target, targets, relation.nested, "upsert")
    saved.forEach((target, k) => {
      join.sourceFields.forEach((f, j) => {
        own[indexes[k]!]![f] = target[join.targetFields[j]!]
      })
    })
    parents[name] = saved
  }

  const saved = yield* saveRows(runner, table, own, mode)
  // Rows get relation properties below; copies keep the decoded rows untouched.
  const stored = names.length === 0 ? saved : saved.map((row) => ({ ...row }))
  for (const [name, saved] of Object.entries(parents)) {
    let k = 0
    rows.forEach((row, i) => {
      const value = row[name]
      const present = Option.isOption(value) ? Option.isSome(value) : value !== undefined && value !== null
      if (present) stored[i][name] = Option.some(saved[k++])
    })
  }

  for (const name of names) {
    const relation = spec[name]!
    if (relation.through !== undefined) {
      yield* saveThrough(runner, relation, name, rows, stored, {
        saveTargets: (target, targets, nested) => saveTree(runner, target, targets, nested, "upsert"),
        insertLinks: (link, links) => saveRows(runner, link, links, "insert"),
        deleteLinks: (link, links) => deleteChecked(runner, link, links)
      })
      continue
    }
    if (relation.foreignKeySide !== "target") continue
    const join = yield* Effect.fromResult(resolveJoin(relation))
    const owners: Array<number> = []
    const children: Array<Record<string, unknown>> = []
    rows.forEach((row, i) => {
      const value = row[name]
      const list = relation.kind === "many"
        ? (value ?? []) as ReadonlyArray<Record<string, unknown>>
        : Option.isOption(value)
        ? Option.toArray(value) as Array<Record<string, unknown>>
        : value === undefined || value === null
        ? []
        : [value as Record<string, unknown>]
      for (const child of list) {
        const filled: Record<string, unknown> = { ...child }
        join.targetFields.forEach((f, j) => {
          filled[f] = stored[i][join.sourceFields[j]!]
        })
        owners.push(i)
        children.push(filled)
      }
    })
    rows.forEach((row, i) => {
      if (row[name] !== undefined) stored[i][name] = relation.kind === "many" ? [] : Option.none()
    })
    if (children.length === 0) continue
    const saved = yield* saveTree(runner, relation.target, children, relation.nested, "upsert")
    saved.forEach((child, k) => {
      const owner = stored[owners[k]!]
      if (relation.kind === "many") owner[name].push(child)
      else owner[name] = Option.some(child)
    })
  }
  yield* loadNotGiven(runner, table, stored, spec)
  return stored
})

/**
 * Relations of `spec` the save did not attach to a row (not given, or a
 * parent given as null) are loaded as stored, so every
 * saved row carries all of them (`Relation.Saved`).
 */
const loadNotGiven = (
  runner: Runner,
  table: Table.Any,
  stored: Array<any>,
  spec: Relation.Spec
) =>
  Effect.forEach(Object.keys(spec), (name) => {
    const missing = stored.filter((row) => row[name] === undefined)
    return missing.length === 0 ? Effect.void : loadRelations(runner, table, missing, { [name]: spec[name]! })
  }, { discard: true })

// One row of a table without hooks is one statement, atomic by itself: no savepoint needed.
const needsAtomicity = (table: Table.Any, rows: ReadonlyArray<unknown>, spec: Relation.Spec) =>
  Object.keys(spec).length > 0 || rows.length !== 1 || hasHooks(table)

const hasHooks = (table: Table.Any) => Object.keys(Hooks.hooksOf(table)).length > 0

/**
 * The values of rows and of the related rows nested in them, each checked
 * by its column (Schema and storage) so that a value the database cannot
 * hold is refused before any SQL, parents' writes included. Shapes are
 * left to `validateRows`.
 */
const checkValues = (
  runner: Runner,
  table: Table.Any,
  rows: ReadonlyArray<unknown>,
  spec: Relation.Spec
): Effect.Effect<void, DatabaseError.DatabaseError> =>
  Effect.suspend(() => {
    const info = tableInfo(table, runner.dialect.name, runner.dialect.valueOptions)
    if (Result.isFailure(info)) return Effect.fail(info.failure)
    const nested = new Map<string, Array<unknown>>()
    for (const row of rows) {
      if (typeof row !== "object" || row === null) continue
      for (const [field, value] of Object.entries(row)) {
        const column = info.success.byField.get(field)
        if (column !== undefined) {
          if (value === undefined || value === null) continue
          const encoded = column.encode(value)
          if (Result.isFailure(encoded)) return Effect.fail(encoded.failure)
        } else if (spec[field] !== undefined) {
          const related = Option.isOption(value) ? Option.toArray(value) : Array.isArray(value)
            ? value
            : value === undefined || value === null
            ? []
            : [value]
          nested.set(field, [...(nested.get(field) ?? []), ...related])
        }
      }
    }
    return Effect.forEach(nested, ([name, related]) => checkValues(runner, spec[name]!.target, related, spec[name]!.nested), { discard: true })
  })

const shapeError = (table: unknown, problem: string) => inputError(problem, Table.isTable(table) ? table.name : undefined)

/**
 * Rows of a plain table without hooks and no relations to save: one pass
 * over the rows and no RETURNING where the metadata allows (`writePlain`),
 * or `undefined` for the general path. The pass takes only plain objects of
 * the table's fields, so the rows it takes pass `saveArgumentsProblem`'s row
 * checks, which it does not repeat.
 */
const plainWrite = (
  runner: Runner,
  table: Table.Any,
  rows: ReadonlyArray<Record<string, unknown>>,
  options: SaveOptions,
  mode: Mode
) => {
  if (!Table.isTable(table) || !Array.isArray(rows) || saveOptionsProblem(options) !== undefined) return undefined
  if (options.with !== undefined && Object.keys(options.with).length > 0) return undefined
  if (options.returning === true || hasHooks(table)) return undefined
  const info = tableInfo(table, runner.dialect.name, runner.dialect.valueOptions)
  return Result.isSuccess(info) ? writePlain(runner, info.success, rows, mode, options.returning !== false) : undefined
}

/**
 * Saves rows of `table` (and their relations), all or nothing. Argument
 * shapes are checked first, before any statement (BEGIN included) runs.
 *
 * @internal
 */
export const saveAll = (
  runner: Runner,
  table: Table.Any,
  rows: ReadonlyArray<Record<string, unknown>>,
  options: SaveOptions = {},
  mode: Mode = "upsert",
  single = false
): Effect.Effect<Array<any> | number, WriteError> =>
  Effect.suspend(() => {
    const plain = plainWrite(runner, table, rows, options, mode)
    if (plain !== undefined) return plain
    const problem = saveArgumentsProblem(table, rows, options, single)
    if (problem !== undefined) return Effect.fail(shapeError(table, problem))
    const spec = options.with ?? {}
    const returnRows = options.returning !== false
    const atomic = <A, E>(write: Effect.Effect<A, E>) => needsAtomicity(table, rows, spec) ? runner.atomically(write) : write
    const result = <E>(write: Effect.Effect<Array<any>, E>) => returnRows ? write : Effect.map(write, (stored) => stored.length)
    // Every value is checked before any SQL runs, the BEGIN or SAVEPOINT of `atomic` included.
    if (Object.keys(spec).length === 0) {
      return result(Effect.flatMap(infoOf(runner, table), (info) =>
        Effect.andThen(
          validateRows(info, rows, new Set(), mode),
          Effect.flatMap(prepareRows(runner, table, rows, mode), (prepared) => atomic(saveRows(runner, table, rows, mode, prepared)))
        )))
    }
    return result(Effect.andThen(checkValues(runner, table, rows, spec), atomic(saveTree(runner, table, rows, spec, mode))))
  })

/**
 * `saveAll` of one row, whose shape problems are reported as the row's.
 *
 * @internal
 */
export const saveOne = (runner: Runner, table: Table.Any, row: Record<string, unknown>, options?: SaveOptions, mode?: Mode) =>
  Effect.map(saveAll(runner, table, [row], options, mode, true), (stored) => typeof stored === "number" ? stored : stored[0])

const primaryKeyCondition = Effect.fnUntraced(function*(info: TableInfo, params: Params, rows: ReadonlyArray<Record<string, unknown>>) {
  const tuples: Array<string> = []
  for (const row of rows) {
    const parts: Array<string> = []
    for (const c of info.primaryKey) {
      const value = row[c.field]
      if (value === undefined || value === null) {
        return yield* Effect.fail(
          inputError(errorMessage(`delete of ${info.def.name}`, `a row has no value for its primary key ${c.field}`), info.def.name)
        )
      }
      parts.push(params.add(yield* Effect.fromResult(c.encode(value))))
    }
    tuples.push(info.primaryKey.length === 1 ? parts[0]! : `(${parts.join(", ")})`)
  }
  const target = info.primaryKey.length === 1 ? info.primaryKey[0]!.quoted : `(${info.primaryKey.map((c) => c.quoted).join(", ")})`
  return `${target} IN (${tuples.join(", ")})`
})

/** Deletes rows given by value (matched on primary key); returns how many were deleted. */
export const deleteRows = (runner: Runner, table: Table.Any, rows: ReadonlyArray<Record<string, unknown>>) =>
  Effect.suspend(() => {
    const problem = tableProblem(table) ?? rowsProblem(table, rows)
    return problem === undefined ? runner.atomically(deleteChecked(runner, table, rows)) : Effect.fail(shapeError(table, problem))
  })

const deleteChecked = Effect.fnUntraced(function*(runner: Runner, table: Table.Any, rows: ReadonlyArray<Record<string, unknown>>) {
  const info = yield* infoOf(runner, table)
  if (info.primaryKey.length === 0) {
    return yield* Effect.fail(inputError(
      errorMessage(`delete of ${info.def.name}`, "deleting rows by value needs a primary key, and the table has none", "delete with a query"),
      info.def.name
    ))
  }
  if (rows.length === 0) return 0
  yield* runHook(runner, table, "beforeDelete", rows)
  let deleted = 0
  const size = Math.max(1, Math.floor(runner.dialect.capabilities.maxParameters / info.primaryKey.length))
  for (let start = 0; start < rows.length; start += size) {
    const params = new Params(runner.dialect)
    const where = yield* primaryKeyCondition(info, params, rows.slice(start, start + size))
    deleted += (yield* runner.run(`DELETE FROM ${info.qualified} WHERE ${where}`, params.values)).rowsAffected
  }
  yield* runHook(runner, table, "afterDelete", rows)
  return deleted
})

/** @internal */
export const deleteQuery = Effect.fnUntraced(function*(runner: Runner, query: Query.Any) {
  const info = yield* infoOf(runner, query.table)
  const hooks = Hooks.hooksOf(query.table)
  if (hooks.beforeDelete || hooks.afterDelete) {
    // The same refusals as without hooks (joins, paging, ...), before anything is selected.
    yield* Effect.fromResult(compileDelete(info, runner.dialect, query))
    // Hooks see the rows: select them, then delete exactly those.
    const rows = yield* selectAll(runner, { ...query, relations: {} })
    return yield* deleteRows(runner, query.table, rows)
  }
  const [sql, params] = yield* Effect.fromResult(compileDelete(info, runner.dialect, query))
  return (yield* runner.run(sql, params)).rowsAffected
})

/** @internal */
export const updateQuery = Effect.fnUntraced(function*(runner: Runner, query: Query.Any, values: Readonly<Record<string, unknown>>) {
  const shape = queryProblem(query) ?? valuesProblem(query.table, values)
  if (shape !== undefined) return yield* Effect.fail(inputError(shape, Query.isSelect(query) ? query.table.name : undefined))
  const info = yield* infoOf(runner, query.table)
  const [sql, params] = yield* Effect.fromResult(compileUpdate(info, runner.dialect, query, values))
  return (yield* runner.run(sql, params)).rowsAffected
})
