/**
 * The planner: the difference between two `Metadata` values as the ordered
 * statements of a migration, both ways, for one dialect.
 *
 * `from` is what the existing migrations produce (reflected), `to` the
 * declared tables. Both are normalized first, so they compare as
 * `Metadata.diff` compares them; DDL uses the defaults as each side wrote
 * them. The dialect's `migrations` member spells the statements (PostgreSQL
 * ALTERs, SQLite ALTERs or table rebuilds); this file decides what changes
 * and in which order the statements run:
 *
 * 1. drop the foreign keys, constraints and indexes that go away,
 * 2. rename tables, then columns,
 * 3. create (or extend, or set aside and recreate) enum and domain types,
 * 4. create new tables, referenced ones first,
 * 5. alter the tables on both sides (columns, keys, uniques; SQLite rebuilds),
 * 6. add indexes, then foreign keys,
 * 7. drop tables, children first, then the types no longer used.
 *
 * @internal
 */
import * as Result from "effect/Result"
import type { DatabaseError } from "../../DatabaseError.js"
import type { ColumnMetadata, ForeignKeyMetadata, Metadata, TableMetadata } from "../../Metadata.js"
import type { SchemaDialect, TableChange } from "../dialect/schemaDialect.js"
import { schemaError } from "../schema/analyze.js"
import { plan as creationOrder } from "../schema/ddl.js"
import { normalize } from "../schema/normalize.js"
import { applyRenames, declaredRenames, type Renames, reverseRenames, tableChange, tableKey } from "./changes.js"
import type { PlannedMigration } from "./model.js"
import { isWidening } from "./risk.js"
import { planTypes } from "./types.js"

/**
 * The runner's own table: never part of a plan, whichever side has it.
 *
 * @internal
 */
export const MIGRATIONS_TABLE = "effect_sqlservice_migrations"

const withoutRunnerTable = (metadata: Metadata): Metadata => ({
  ...metadata,
  tables: metadata.tables.filter((t) => t.name !== MIGRATIONS_TABLE)
})

/**
 * Normalized for comparison, but with each column's DEFAULT as the side
 * wrote it: the canonical form is for comparing, not always for running
 * (a timestamp literal becomes an ISO string, casts are gone).
 */
const prepared = (metadata: Metadata, dialect: SchemaDialect): Metadata => {
  const raw = new Map(metadata.tables.map((t) => [tableKey(t), t]))
  const normalized = normalize(metadata, dialect.name)
  return {
    ...normalized,
    tables: normalized.tables.map((t) => {
      const rawTable = raw.get(tableKey(t))
      return {
        ...t,
        columns: t.columns.map((c): ColumnMetadata => {
          const written = rawTable?.columns.find((r) => r.name === c.name)?.default
          return c.default === undefined || written === undefined ? c : { ...c, default: written }
        })
      }
    })
  }
}

/** Defaults compare by their canonical form; `prepared` keeps the written one for DDL. */
const comparable = (metadata: Metadata, dialect: SchemaDialect): Map<string, TableMetadata> =>
  new Map(normalize(metadata, dialect.name).tables.map((t) => [tableKey(t), t]))

/**
 * A new table with its columns' auto-increment as the side wrote them.
 * Normalizing makes every SQLite rowid alias auto-increment (the two compare
 * equal); created from that, a key declared without `Column.autoIncrement`
 * became AUTOINCREMENT, unlike `createAll`, and the next rebuild, which
 * follows the declaration, silently dropped it again with its counter.
 */
const keysAsWritten = (t: TableMetadata, written: Metadata): TableMetadata => {
  const w = written.tables.find((x) => tableKey(x) === tableKey(t))
  if (w === undefined) return t
  return {
    ...t,
    columns: t.columns.map((c) => {
      const autoIncrement = w.columns.find((x) => x.name === c.name)?.autoIncrement
      return autoIncrement === undefined || autoIncrement === c.autoIncrement ? c : { ...c, autoIncrement }
    })
  }
}

interface Direction {
  readonly statements: ReadonlyArray<string>
  readonly destructive: ReadonlyArray<string>
  readonly irreversible: ReadonlyArray<string>
  readonly summary: ReadonlyArray<string>
  readonly transactional: boolean
}

const label = tableKey

const columnLabel = (t: TableMetadata, c: { readonly name: string }): string => `${label(t)}.${c.name}`

/** A column's type by meaning (`varchar(50)`, `bigint`, enum `mood`), the same whichever side spelled it. */
const typeText = (c: ColumnMetadata): string =>
  c.enum !== undefined ? `enum ${c.enum.name}` : c.domain !== undefined ? `domain ${c.domain.name}`
  : c.type === "other" ? c.dbType.toLowerCase() : c.length === undefined ? c.type : `${c.type}(${c.length})`

/** What changed about an altered column, for the summary. */
const alterationWords = (a: TableChange["columns"]["altered"][number]): string =>
  [
    a.type ? `type ${typeText(a.from)} → ${typeText(a.to)}` : undefined,
    a.nullable ? (a.to.nullable ? "nullable" : "not null") : undefined,
    a.default ? (a.to.default === undefined ? "no default" : `default ${a.to.default}`) : undefined,
    a.check ? "check" : undefined,
    a.identity ? (a.to.autoIncrement ? `identity ${a.to.serial === true ? "serial" : a.to.identity ?? "auto-increment"}` : "no identity") : undefined
  ].filter((w) => w !== undefined).join(", ")

const direction = (
  fromInput: Metadata,
  toInput: Metadata,
  renames: Renames,
  dialect: SchemaDialect
): Result.Result<Direction, DatabaseError> => {
  const ddl = dialect.migrations
  if (ddl === undefined) return Result.fail(schemaError(`${dialect.name}: this dialect cannot plan migrations`))
  const from = applyRenames(prepared(fromInput, dialect), renames)
  const to = prepared(toInput, dialect)
  // Compared without the written defaults, which differ in spelling between the sides.
  const fromCompared = comparable(applyRenames(fromInput, renames), dialect)
  const toCompared = comparable(toInput, dialect)
  const fromTables = new Map(from.tables.map((t) => [tableKey(t), t]))
  const toTables = new Map(to.tables.map((t) => [tableKey(t), t]))
  const created = to.tables.filter((t) => !fromTables.has(tableKey(t))).map((t) => keysAsWritten(t, toInput))
  const dropped = from.tables.filter((t) => !toTables.has(tableKey(t)))
  const summary: Array<string> = []
  const destructive: Array<string> = []
  const irreversible: Array<string> = []

  const renameStatements = [
    ...renames.tables.map((r) => {
      summary.push(`rename table ${label({ name: r.from, schema: r.schema })} to ${r.to}`)
      const former = fromInput.tables.find((t) => t.name === r.from && t.schema === r.schema)
      return ddl.renameTable({ name: r.from, ...(r.schema === undefined ? {} : { schema: r.schema }) }, r.to, former)
    }).flat(),
    ...renames.columns.map((r) => {
      summary.push(`rename column ${label({ name: r.table, schema: r.schema })}.${r.from} to ${r.to}`)
      // The table as it was before this migration (its name may be one a table rename replaces).
      const formerTable = renames.tables.find((t) => t.to === r.table && t.schema === r.schema)?.from ?? r.table
      const former = fromInput.tables.find((t) => t.name === formerTable && t.schema === r.schema)?.columns.find((c) => c.name === r.from)
      return ddl.renameColumn({ name: r.table, ...(r.schema === undefined ? {} : { schema: r.schema }) }, r.from, r.to, former)
    }).flat()
  ]

  const types = planTypes(from, to, dialect, ddl)
  if (Result.isFailure(types)) return Result.fail(types.failure)
  const { recreated } = types.success
  summary.push(...types.success.summary)
  destructive.push(...types.success.destructive)

  // Tables on both sides.
  const before: Array<string> = []
  const alter: Array<string> = []
  const indexes: Array<string> = []
  const foreignKeys: Array<string> = []
  for (const t of to.tables) {
    const f = fromTables.get(tableKey(t))
    if (f === undefined) continue
    const formerName = renames.tables.find((r) => r.schema === t.schema && r.to === t.name)?.from ?? t.name
    const formerColumnNames = new Map(
      renames.columns.filter((r) => r.schema === t.schema && r.table === t.name).map((r) => [r.to, r.from])
    )
    if (JSON.stringify([f.partitionBy, f.partitions]) !== JSON.stringify([t.partitionBy, t.partitions])) {
      return Result.fail(schemaError(
        `table ${label(t)}: its partitioning changes, which a generated migration does not do (the rows would move between tables); write this migration by hand`,
        t.name
      ))
    }
    const written = toInput.tables.find((w) => tableKey(w) === tableKey(t)) ?? t
    const change = tableChange(f, t, written, formerName, formerColumnNames, dialect, recreated)
    // Defaults compare in canonical form: a column whose default only changed spelling is unchanged.
    const fc = fromCompared.get(tableKey(t))
    const tc = toCompared.get(tableKey(t))
    const real = change === undefined ? undefined : withoutSpellingChanges(change, fc, tc)
    if (real === undefined) continue
    const statements = ddl.alterTable(real)
    if ("unsupported" in statements) return Result.fail(schemaError(statements.unsupported, t.name))
    before.push(...statements.before)
    alter.push(...statements.alter)
    indexes.push(...statements.indexes)
    foreignKeys.push(...statements.foreignKeys)
    describe(real, summary, destructive, irreversible)
  }

  // New tables, referenced ones first. Where foreign keys can be added later, those to tables
  // that exist already wait until every table has its final columns and keys.
  const creation = creationOrder(created, dialect)
  if (Result.isFailure(creation)) return Result.fail(creation.failure)
  const alterFks = dialect.alterForeignKeys
  const creates: Array<string> = []
  for (const t of creation.success.order) {
    const cycle = creation.success.deferred.get(t) ?? []
    const deferred: ReadonlyArray<ForeignKeyMetadata> = alterFks === undefined
      ? cycle
      : t.foreignKeys.filter((fk) => cycle.includes(fk) || !created.some((c) => c.name === fk.references.table && c.schema === (fk.references.schema ?? t.schema)))
    creates.push(...dialect.createTable(t, { deferred }))
    if (alterFks !== undefined) foreignKeys.push(...deferred.map((fk) => alterFks.add(t, fk)))
    summary.push(`create table ${label(t)}`)
  }

  // Dropped tables, children first; foreign keys that close a cycle go first.
  const dropping = creationOrder(dropped, dialect)
  if (Result.isFailure(dropping)) return Result.fail(dropping.failure)
  const drops: Array<string> = []
  for (const t of [...dropping.success.order].reverse()) {
    for (const fk of dropping.success.deferred.get(t) ?? []) {
      if (alterFks !== undefined && fk.name !== undefined) before.push(alterFks.drop(t, fk.name))
    }
    drops.push(dialect.dropTable(t))
    summary.push(`drop table ${label(t)}`)
    destructive.push(`drop table ${label(t)}`)
    irreversible.push(`table ${label(t)} is dropped by up; down re-creates it empty`)
  }

  const statements = [
    ...before,
    ...renameStatements,
    ...types.success.statements,
    ...creates,
    ...alter,
    ...indexes,
    ...foreignKeys,
    ...drops,
    ...types.success.drops
  ]
  const bad = statements.find((s) => !ddl.isSingleStatement(s))
  if (bad !== undefined) return Result.fail(schemaError(`refusing to plan DDL that is not exactly one statement: ${bad}`))
  return Result.succeed({ statements, destructive, irreversible, summary, transactional: types.success.transactional })
}

/**
 * Drops the parts of a change that exist only because the two sides spell
 * a default differently (`'a'::text` against `'a'`).
 */
const withoutSpellingChanges = (
  change: TableChange,
  from: TableMetadata | undefined,
  to: TableMetadata | undefined
): TableChange | undefined => {
  const defaultOf = (t: TableMetadata | undefined, name: string) => t?.columns.find((c) => c.name === name)?.default
  const altered = change.columns.altered.flatMap((a) => {
    const changed = a.default && defaultOf(from, a.from.name) !== defaultOf(to, a.to.name)
    const next = { ...a, default: changed }
    return next.type || next.nullable || next.default || next.check || next.identity ? [next] : []
  })
  const next: TableChange = { ...change, columns: { ...change.columns, altered } }
  const empty = next.columns.added.length + next.columns.dropped.length + altered.length === 0 && !next.primaryKeyChanged &&
    [next.uniques, next.indexes, next.foreignKeys].every((d) => d.added.length + d.dropped.length === 0)
  return empty ? undefined : next
}

/** Summary, destructive and irreversible lines of one changed table. */
const describe = (
  change: TableChange,
  summary: Array<string>,
  destructive: Array<string>,
  irreversible: Array<string>
): void => {
  const t = change.to
  for (const c of change.columns.dropped) {
    summary.push(`drop column ${columnLabel(t, c)}`)
    destructive.push(`drop column ${columnLabel(t, c)}`)
    irreversible.push(`column ${columnLabel(t, c)} is dropped by up; down re-creates it empty`)
  }
  for (const c of change.columns.added) {
    summary.push(`add column ${columnLabel(t, c)}`)
    if (!c.nullable && c.default === undefined && !c.autoIncrement) {
      destructive.push(`add NOT NULL column ${columnLabel(t, c)} without a default (fails on a table with rows)`)
    }
  }
  for (const a of change.columns.altered) {
    summary.push(`alter column ${columnLabel(t, a.to)}: ${alterationWords(a)}`)
    if (a.type && !isWidening(a.from, a.to)) destructive.push(`narrow column ${columnLabel(t, a.to)} from ${typeText(a.from)} to ${typeText(a.to)}`)
    if (a.nullable && !a.to.nullable) destructive.push(`set NOT NULL on column ${columnLabel(t, a.to)}`)
  }
  if (change.primaryKeyChanged) summary.push(`change primary key of ${label(t)} to (${t.primaryKey.join(", ")})`)
  const list = (cols: ReadonlyArray<string>) => `(${cols.join(", ")})`
  for (const u of change.uniques.dropped) summary.push(`drop unique ${list(u.columns)} on ${label(t)}`)
  for (const u of change.uniques.added) summary.push(`add unique ${list(u.columns)} on ${label(t)}`)
  for (const i of change.indexes.dropped) summary.push(`drop index ${i.name ?? list(i.columns)} on ${label(t)}`)
  for (const i of change.indexes.added) summary.push(`add index ${i.name ?? list(i.columns)} on ${label(t)}`)
  for (const fk of change.foreignKeys.dropped) {
    summary.push(`drop foreign key ${list(fk.columns)} → ${fk.references.table} on ${label(t)}`)
  }
  for (const fk of change.foreignKeys.added) {
    summary.push(`add foreign key ${list(fk.columns)} → ${fk.references.table} on ${label(t)}`)
  }
}

/**
 * The migration from `from` (what the existing migrations produce) to `to`
 * (the declared tables) for `dialect`: `up`, and `down` back to `from` with
 * the renames reversed. Fails with a `SchemaError` for changes the dialect
 * cannot express, never with partial output.
 *
 * @internal
 */
export const planMigration = (
  from: Metadata,
  to: Metadata,
  dialect: SchemaDialect
): Result.Result<PlannedMigration, DatabaseError> =>
  Result.gen(function*() {
    const source = withoutRunnerTable(from)
    const target = withoutRunnerTable(to)
    const renames = declaredRenames(source, target)
    const up = yield* direction(source, target, renames, dialect)
    const down = yield* direction(target, source, reverseRenames(renames), dialect)
    return {
      up: up.statements,
      down: down.statements,
      destructive: { up: up.destructive, down: down.destructive },
      irreversible: up.irreversible,
      transactional: up.transactional && down.transactional,
      summary: up.summary
    }
  })
