/**
 * One reflected table as a `Table.make(...)` declaration: fields named in
 * camelCase with the table's `columnNames` convention (or `Column.name`
 * where it does not give the column's name), and keys, constraints,
 * indexes, foreign keys and partitioning as annotations and options.
 *
 * @internal
 */
import type { ForeignKeyMetadata, ReferentialAction, TableMetadata } from "../../Metadata.js"
import type { SchemaDialect } from "../dialect/schemaDialect.js"
import { snakeCase, validateIdentifier } from "../schema/identifier.js"
import { fieldCode, valueSchema } from "./column.js"
import { camelCase, isIdentifier, key, str, uniqueNames } from "./names.js"

/** A table as the generated module names it. */
export interface Named {
  readonly table: TableMetadata
  readonly exportName: string
  /** Field names by column name. */
  readonly fields: ReadonlyMap<string, string>
  readonly columnNames: "snake_case" | "preserve"
}

/** Field names for a table's columns, and the naming convention that gives most of them their column's name. */
export const nameFields = (table: TableMetadata): Pick<Named, "fields" | "columnNames"> => {
  const unique = uniqueNames([], { allowReserved: true })
  const fields = new Map(table.columns.map((c) => [c.name, unique(camelCase(c.name))]))
  const bySnake = table.columns.filter((c) => snakeCase(fields.get(c.name)!) === c.name).length
  const byName = table.columns.filter((c) => fields.get(c.name) === c.name).length
  return { fields, columnNames: bySnake > byName ? "snake_case" : "preserve" }
}

/** `Other.columns.field`. */
export const columnAccess = (target: Named, column: string): string => {
  const field = target.fields.get(column)!
  return `${target.exportName}.columns${isIdentifier(field) ? `.${field}` : `[${str(field)}]`}`
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Constraints and indexes in a stable order (reflection's order may follow the catalog's). */
export const sortedLists = (table: TableMetadata): TableMetadata => ({
  ...table,
  uniques: [...table.uniques].sort((a, b) => compare(`${a.name ?? ""} ${a.columns.join(",")}`, `${b.name ?? ""} ${b.columns.join(",")}`)),
  indexes: [...table.indexes].sort((a, b) =>
    compare(`${a.name ?? ""} ${a.columns.join(",")} ${(a.expressions ?? []).join(",")}`, `${b.name ?? ""} ${b.columns.join(",")} ${(b.expressions ?? []).join(",")}`)
  ),
  foreignKeys: [...table.foreignKeys].sort((a, b) => compare(`${a.columns.join(",")} ${a.name ?? ""}`, `${b.columns.join(",")} ${b.name ?? ""}`))
})

/** The column name the table's convention gives `field`. */
const impliedName = (named: Named, field: string): string => (named.columnNames === "snake_case" ? snakeCase(field) : field)

const tableKey = (name: string, schema: string | undefined): string => `${schema ?? ""}.${name}`

/** What a table's code needs to know about the others. */
export interface TableContext {
  readonly dialect: SchemaDialect
  readonly find: (name: string, schema: string | undefined) => Named | undefined
  /** Whether `target` is reachable back from this table through foreign keys: its thunks then carry a return type. */
  readonly inCycle: (target: Named) => boolean
}

const actionOptions = (fk: ForeignKeyMetadata): Array<string> => [
  ...(fk.onDelete === "no action" ? [] : [`onDelete: ${str(fk.onDelete satisfies ReferentialAction)}`]),
  ...(fk.onUpdate === "no action" ? [] : [`onUpdate: ${str(fk.onUpdate)}`]),
  ...(fk.name === undefined ? [] : [`name: ${str(fk.name)}`])
]

const MAX_LINE = 120

/** `head(a, b)`, broken over lines when it is long. */
const call = (head: string, args: ReadonlyArray<string>, indent: string): string => {
  const oneLine = `${head}(${args.join(", ")})`
  return indent.length + oneLine.length <= MAX_LINE
    ? oneLine
    : `${head}(\n${args.map((a) => `${indent}  ${a}`).join(",\n")}\n${indent})`
}

const list = (items: ReadonlyArray<string>): string => `[${items.join(", ")}]`

/** `{ a, b }`, or one part per line when that would be long (for list items, at `indent`). */
const objectLiteral = (parts: ReadonlyArray<string>, indent = "    "): string => {
  const oneLine = `{ ${parts.join(", ")} }`
  return indent.length + oneLine.length <= MAX_LINE ? oneLine : `{\n${parts.map((p) => `${indent}  ${p}`).join(",\n")}\n${indent}}`
}

/** The `export const X = Table.make(...)` of `named`, with `// note:` lines for what it cannot say exactly. */
export const tableCode = (named: Named, ctx: TableContext): string => {
  const { table } = named
  const field = (column: string) => named.fields.get(column)!
  const fieldList = (columns: ReadonlyArray<string>) => list(columns.map((c) => str(field(c))))
  const tableNotes: Array<string> = []
  const resolved = table.foreignKeys.flatMap((fk) => {
    const target = ctx.find(fk.references.table, fk.references.schema ?? table.schema)
    if (target === undefined || fk.references.columns.some((c) => !target.fields.has(c))) {
      tableNotes.push(
        `the foreign key (${fk.columns.join(", ")}) references ${
          fk.references.schema === undefined ? "" : `${fk.references.schema}.`
        }${fk.references.table}, which is not generated here: it is left out`
      )
      return []
    }
    return [{ fk, target }]
  })
  for (const { fk, target } of resolved) {
    fk.columns.forEach((column, i) => {
      const own = table.columns.find((c) => c.name === column)
      const referenced = target.table.columns.find((c) => c.name === fk.references.columns[i])
      if (own === undefined || referenced === undefined) return
      const [a, b] = [valueSchema(own, ctx.dialect), valueSchema(referenced, ctx.dialect)]
      if (a !== b) {
        tableNotes.push(
          `${column} (${a}) references ${target.table.name}.${referenced.name} (${b}): relations that join them compare values of different types`
        )
      }
    })
  }
  // A column's own foreign key is an annotation; composite ones (and a second one on a column) are table options.
  const onColumn = new Map<string, (typeof resolved)[number]>()
  const onTable: typeof resolved = []
  for (const r of resolved) {
    if (r.fk.columns.length === 1 && !onColumn.has(r.fk.columns[0]!)) onColumn.set(r.fk.columns[0]!, r)
    else onTable.push(r)
  }
  // Names createAll would refuse (it takes plain identifiers only): the declaration is still written, as the database has it.
  const names = [
    table.name,
    ...table.columns.map((c) => c.name),
    ...table.indexes.flatMap((i) => (i.name === undefined ? [] : [i.name])),
    ...table.uniques.flatMap((u) => (u.name === undefined ? [] : [u.name])),
    ...table.foreignKeys.flatMap((fk) => (fk.name === undefined ? [] : [fk.name]))
  ]
  for (const name of names) {
    const problem = validateIdentifier(name, ctx.dialect.maxIdentifierLength)
    if (problem !== undefined) tableNotes.push(`createAll refuses this table as it is: ${problem}`)
  }
  const singleKey = table.primaryKey.length === 1 ? table.primaryKey[0] : undefined
  const namelessUniques = new Set(
    table.uniques.filter((u) => u.name === undefined && u.columns.length === 1).map((u) => u.columns[0]!)
  )
  const lines: Array<string> = []
  for (const c of table.columns) {
    const ref = onColumn.get(c.name)
    const thunk = ref === undefined ? undefined : `${ctx.inCycle(ref.target) ? "(): Column.ColumnRef" : "()"} => ${columnAccess(ref.target, ref.fk.references.columns[0]!)}`
    const f = fieldCode(c, {
      dialect: ctx.dialect,
      primaryKey: singleKey === c.name,
      unique: namelessUniques.has(c.name),
      ...(ref === undefined ? {} : {
        references: call("Column.references", [thunk!, ...(actionOptions(ref.fk).length === 0 ? [] : [objectLiteral(actionOptions(ref.fk))])], "    ")
      }),
      ...(impliedName(named, field(c.name)) === c.name ? {} : { name: `Column.name(${str(c.name)})` })
    })
    lines.push([
      ...f.notes.map((note) => `  // note: ${note}`),
      `  ${key(field(c.name))}: ${f.annotations.length === 0 ? f.schema : call(`${f.schema}.pipe`, f.annotations, "  ")}`
    ].join("\n"))
  }
  const options: Array<string> = []
  if (named.columnNames === "snake_case") options.push(`columnNames: "snake_case"`)
  if (table.schema !== undefined) options.push(`schema: ${str(table.schema)}`)
  if (table.primaryKey.length > 1) options.push(`primaryKey: ${fieldList(table.primaryKey)}`)
  const uniques = table.uniques.filter((u) => !(u.name === undefined && u.columns.length === 1))
  if (uniques.length > 0) {
    options.push(`uniques: [\n${uniques.map((u) => `    ${objectLiteral([...(u.name === undefined ? [] : [`name: ${str(u.name)}`]), `columns: ${fieldList(u.columns)}`])}`).join(",\n")}\n  ]`)
  }
  if (table.indexes.length > 0) {
    const indexes = table.indexes.map((i) =>
      `    ${
        objectLiteral([
          ...(i.name === undefined ? [] : [`name: ${str(i.name)}`]),
          `columns: ${fieldList(i.columns)}`,
          ...(i.unique ? ["unique: true"] : []),
          ...(i.method === undefined ? [] : [`method: ${str(i.method)}`]),
          ...(i.expressions === undefined ? [] : [`expressions: ${list(i.expressions.map(str))}`]),
          ...(i.where === undefined ? [] : [`where: ${str(i.where)}`])
        ])
      }`
    )
    options.push(`indexes: [\n${indexes.join(",\n")}\n  ]`)
  }
  if (onTable.length > 0) {
    const fks = onTable.map(({ fk, target }) => {
      const refs = list(fk.references.columns.map((c) => columnAccess(target, c)))
      const thunk = `${ctx.inCycle(target) ? "(): ReadonlyArray<Column.ColumnRef>" : "()"} => ${refs}`
      return `    ${objectLiteral([`columns: ${fieldList(fk.columns)}`, `references: ${thunk}`, ...actionOptions(fk)])}`
    })
    options.push(`foreignKeys: [\n${fks.join(",\n")}\n  ]`)
  }
  if (table.partitionBy !== undefined) options.push(`partitionBy: ${str(table.partitionBy)}`)
  if (table.partitions !== undefined && table.partitions.length > 0) {
    options.push(`partitions: [\n${table.partitions.map((p) => `    ${objectLiteral([`name: ${str(p.name)}`, `bound: ${str(p.bound)}`])}`).join(",\n")}\n  ]`)
  }
  const head = [
    ...tableNotes.map((n) => `// note: ${n}`),
    `export const ${named.exportName} = Table.make(${str(table.name)}, {`
  ]
  const tail = options.length === 0 ? "})" : `}, {\n${options.map((o) => `  ${o}`).join(",\n")}\n})`
  return [...head, lines.join(",\n"), tail].join("\n")
}

export { tableKey }
