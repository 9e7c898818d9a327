/**
 * What changes between two `Metadata` values, table by table: which tables
 * are created, dropped or renamed, and for each table on both sides its
 * column, key, constraint and index differences (`TableChange`). Renames
 * come only from the declared `renamedFrom` hints, never from guessing.
 *
 * @internal
 */
import type {
  ColumnMetadata,
  ForeignKeyMetadata,
  IndexMetadata,
  Metadata,
  TableMetadata,
  UniqueMetadata
} from "../../Metadata.js"
import type { ColumnAlteration, Delta, SchemaDialect, TableChange } from "../dialect/schemaDialect.js"

/** @internal */
export const tableKey = (t: { readonly name: string; readonly schema?: string | undefined }): string =>
  t.schema === undefined ? t.name : `${t.schema}.${t.name}`

/**
 * The declared renames of one direction.
 *
 * @internal
 */
export interface Renames {
  readonly tables: ReadonlyArray<{ readonly schema?: string | undefined; readonly from: string; readonly to: string }>
  /** `table` is the table's name on the target side. */
  readonly columns: ReadonlyArray<
    { readonly schema?: string | undefined; readonly table: string; readonly from: string; readonly to: string }
  >
}

/**
 * Reads the `renamedFrom` hints of `to` against `from`: a table (column) is
 * renamed when its name is not on the source side but one of its former
 * names is, and that former name is not also wanted on the target side.
 *
 * @internal
 */
export const declaredRenames = (from: Metadata, to: Metadata): Renames => {
  const tables: Array<Renames["tables"][number]> = []
  const columns: Array<Renames["columns"][number]> = []
  const fromTables = new Map(from.tables.map((t) => [tableKey(t), t]))
  const toKeys = new Set(to.tables.map(tableKey))
  for (const t of to.tables) {
    let source = fromTables.get(tableKey(t))
    if (source === undefined) {
      for (const former of t.renamedFrom ?? []) {
        const key = tableKey({ name: former, schema: t.schema })
        const candidate = fromTables.get(key)
        if (candidate !== undefined && !toKeys.has(key) && !tables.some((r) => r.schema === t.schema && r.from === former)) {
          tables.push({ schema: t.schema, from: former, to: t.name })
          source = candidate
          break
        }
      }
    }
    if (source === undefined) continue
    const sourceColumns = new Set(source.columns.map((c) => c.name))
    const targetColumns = new Set(t.columns.map((c) => c.name))
    const taken = new Set<string>()
    for (const c of t.columns) {
      if (sourceColumns.has(c.name)) continue
      const former = (c.renamedFrom ?? []).find((f) => sourceColumns.has(f) && !targetColumns.has(f) && !taken.has(f))
      if (former === undefined) continue
      taken.add(former)
      columns.push({ schema: t.schema, table: t.name, from: former, to: c.name })
    }
  }
  return { tables, columns }
}

/**
 * The same renames in the other direction (for `down`).
 *
 * @internal
 */
export const reverseRenames = (renames: Renames): Renames => ({
  tables: renames.tables.map((r) => ({ schema: r.schema, from: r.to, to: r.from })),
  columns: renames.columns.map((r) => ({
    schema: r.schema,
    table: renames.tables.find((t) => t.schema === r.schema && t.to === r.table)?.from ?? r.table,
    from: r.to,
    to: r.from
  }))
})

/**
 * The source metadata with the renames applied: tables and columns carry
 * their target names, and so do the keys, constraints, indexes and foreign
 * keys that name them (as the database rewrites them on rename).
 *
 * @internal
 */
export const applyRenames = (from: Metadata, renames: Renames): Metadata => {
  const renamedTable = (schema: string | undefined, name: string): string =>
    renames.tables.find((r) => r.schema === schema && r.from === name)?.to ?? name
  const renamedColumn = (schema: string | undefined, targetTable: string, name: string): string =>
    renames.columns.find((r) => r.schema === schema && r.table === targetTable && r.from === name)?.to ?? name
  return {
    ...from,
    tables: from.tables.map((t): TableMetadata => {
      const name = renamedTable(t.schema, t.name)
      const cols = (names: ReadonlyArray<string>) => names.map((c) => renamedColumn(t.schema, name, c))
      return {
        ...t,
        name,
        columns: t.columns.map((c) => ({ ...c, name: renamedColumn(t.schema, name, c.name) })),
        primaryKey: cols(t.primaryKey),
        uniques: t.uniques.map((u) => ({ ...u, columns: cols(u.columns) })),
        indexes: t.indexes.map((i) => ({ ...i, columns: cols(i.columns) })),
        foreignKeys: t.foreignKeys.map((fk) => {
          const targetSchema = fk.references.schema ?? t.schema
          const target = renamedTable(targetSchema, fk.references.table)
          return {
            ...fk,
            columns: cols(fk.columns),
            references: {
              ...fk.references,
              table: target,
              columns: fk.references.columns.map((c) => renamedColumn(targetSchema, target, c))
            }
          }
        })
      }
    })
  }
}

const json = (value: unknown): string => JSON.stringify(value ?? null)

const uniqueKey = (u: UniqueMetadata): string => json(u.columns)
const indexKey = (i: IndexMetadata): string => json([i.columns, i.expressions, i.unique, i.method, i.where])
const fkKey = (fk: ForeignKeyMetadata): string =>
  json([fk.columns, fk.references.schema, fk.references.table, fk.references.columns, fk.onDelete, fk.onUpdate])

/** As `Metadata.diff` matches them: by meaning, and by name when both sides have one. */
const delta = <A extends { readonly name?: string | undefined }>(
  from: ReadonlyArray<A>,
  to: ReadonlyArray<A>,
  keyOf: (a: A) => string
): Delta<A> => {
  const remaining = [...from]
  const added: Array<A> = []
  for (const t of to) {
    const i = remaining.findIndex((f) => keyOf(f) === keyOf(t) && (f.name === undefined || t.name === undefined || f.name === t.name))
    if (i >= 0) remaining.splice(i, 1)
    else added.push(t)
  }
  return { added, dropped: remaining }
}

const typeKey = (t: { readonly name: string; readonly schema?: string | undefined } | undefined): string =>
  t === undefined ? "" : json([t.schema, t.name])

/** @internal */
export const namedTypeKey = (t: { readonly name: string; readonly schema?: string | undefined }): string => json([t.schema, t.name])

const alteration = (
  from: ColumnMetadata,
  to: ColumnMetadata,
  table: TableMetadata,
  dialect: SchemaDialect,
  recreatedTypes: ReadonlySet<string>
): ColumnAlteration | undefined => {
  const named = dialect.namedTypes?.typeOf(to, table)
  const type = from.type !== to.type || from.length !== to.length || json(from.array) !== json(to.array) ||
    typeKey(from.enum) !== typeKey(to.enum) || typeKey(from.domain) !== typeKey(to.domain) ||
    (to.type === "other" && to.array === undefined && from.dbType.toLowerCase() !== to.dbType.toLowerCase()) ||
    (named !== undefined && recreatedTypes.has(namedTypeKey(named)))
  const a: ColumnAlteration = {
    from,
    to,
    type,
    nullable: from.nullable !== to.nullable,
    default: from.default !== to.default,
    check: json(from.check) !== json(to.check),
    identity: from.autoIncrement !== to.autoIncrement || from.identity !== to.identity || from.serial !== to.serial
  }
  return a.type || a.nullable || a.default || a.check || a.identity ? a : undefined
}

/**
 * How `from` (with renames applied) becomes `to`; undefined when nothing
 * changes.
 *
 * @internal
 */
export const tableChange = (
  from: TableMetadata,
  to: TableMetadata,
  written: TableMetadata,
  formerName: string,
  formerColumnNames: ReadonlyMap<string, string>,
  dialect: SchemaDialect,
  recreatedTypes: ReadonlySet<string>
): TableChange | undefined => {
  const fromColumns = new Map(from.columns.map((c) => [c.name, c]))
  const toNames = new Set(to.columns.map((c) => c.name))
  const altered: Array<ColumnAlteration> = []
  for (const c of to.columns) {
    const before = fromColumns.get(c.name)
    const a = before === undefined ? undefined : alteration(before, c, to, dialect, recreatedTypes)
    if (a !== undefined) altered.push(a)
  }
  const change: TableChange = {
    from,
    to,
    written,
    formerName,
    formerColumnNames,
    columns: {
      added: to.columns.filter((c) => !fromColumns.has(c.name)),
      dropped: from.columns.filter((c) => !toNames.has(c.name)),
      altered
    },
    primaryKeyChanged: json(from.primaryKey) !== json(to.primaryKey),
    uniques: delta(from.uniques, to.uniques, uniqueKey),
    indexes: delta(from.indexes, to.indexes, indexKey),
    foreignKeys: delta(from.foreignKeys, to.foreignKeys, fkKey)
  }
  const empty = change.columns.added.length + change.columns.dropped.length + altered.length === 0 &&
    !change.primaryKeyChanged &&
    [change.uniques, change.indexes, change.foreignKeys].every((d) => d.added.length + d.dropped.length === 0)
  return empty ? undefined : change
}
