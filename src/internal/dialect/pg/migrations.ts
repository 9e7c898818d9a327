/**
 * PostgreSQL DDL of generated migrations: every change is an ALTER on the
 * live table (PostgreSQL keeps rows, and foreign keys follow renames by
 * reference), so nothing is rebuilt.
 *
 * @internal
 */
import type { ColumnMetadata, TableMetadata } from "../../../Metadata.js"
import { generatedName } from "../../schema/identifier.js"
import { isSingleStatement, quoteString } from "../../schema/sqlText.js"
import type { ColumnAlteration, MigrationDdl, NamedType, TableChange, TableName, TableStatements } from "../schemaDialect.js"
import { ddl } from "./ddl.js"
import { namedTypeOf } from "./columnKinds.js"

const { qualify, quote } = ddl

const nameIn = (table: TableName, name: string): TableName =>
  table.schema === undefined ? { name } : { name, schema: table.schema }

const typeName = (t: { readonly name: string; readonly schema?: string | undefined }): string =>
  t.schema === undefined ? quote(t.name) : `${quote(t.schema)}.${quote(t.name)}`

/** The type a column is converted to: its enum or domain, else its own spelling (no identity clause). */
const plainType = (column: ColumnMetadata, table: TableMetadata): string => {
  const named = namedTypeOf(column, table)
  if (named !== undefined && column.array?.enum !== undefined) return `${typeName(named)}${"[]".repeat(column.array.dimensions ?? 1)}`
  return named !== undefined ? typeName(named) : column.dbType
}

/** Through text for named types: an enum or domain value converts to another one by its label or base text. */
const usingCast = (column: ColumnMetadata, table: TableMetadata): string => {
  const target = plainType(column, table)
  return namedTypeOf(column, table) === undefined ? `${quote(column.name)}::${target}` : `${quote(column.name)}::text::${target}`
}

/**
 * PostgreSQL names an unnamed PRIMARY KEY `<table>_pkey` and a column CHECK
 * `<table>_<column>_check` when the table is created; renames keep them.
 */
const pkeyName = (table: string): string => `${table}_pkey`
const checkName = (table: string, column: string): string => `${table}_${column}_check`
/** And an unnamed UNIQUE `<table>_<columns>_key`. */
const uniqueName = (table: string, columns: ReadonlyArray<string>): string => `${[table, ...columns].join("_")}_key`

/** PostgreSQL shortens longer generated names by rules of its own; those are not guessed. */
const MAX_IDENTIFIER = 63

/**
 * PostgreSQL keeps a constraint's name when its table or column is renamed;
 * renaming the ones it named after them keeps the names this planner expects
 * for later migrations (a changed primary key or check of a renamed table).
 * Names past the identifier limit were shortened by PostgreSQL and are left
 * alone.
 */
const renamedConstraints = (table: string, names: ReadonlyArray<readonly [string, string]>): ReadonlyArray<string> =>
  names
    .filter(([from, to]) => from !== to && from.length <= MAX_IDENTIFIER && to.length <= MAX_IDENTIFIER)
    .map(([from, to]) => `ALTER TABLE ${table} RENAME CONSTRAINT ${quote(from)} TO ${quote(to)}`)

/** The column's name when the table was created (before this migration's renames). */
const formerColumn = (change: TableChange, name: string): string => change.formerColumnNames.get(name) ?? name

/**
 * The name a column's check has once this migration's renames ran: the
 * renames rename it along (`renamedConstraints`), except past the limit.
 */
const currentCheckName = (change: TableChange, column: string): string => {
  const former = formerColumn(change, column)
  let name = checkName(change.formerName, former)
  for (const next of [checkName(change.to.name, former), checkName(change.to.name, column)]) {
    if (next !== name && name.length <= MAX_IDENTIFIER && next.length <= MAX_IDENTIFIER) name = next
  }
  return name
}

const generated = (column: ColumnMetadata): string => column.identity === "always" ? "ALWAYS" : "BY DEFAULT"

const columnStatements = (
  change: TableChange,
  a: ColumnAlteration
): ReadonlyArray<string> | { readonly unsupported: string } => {
  const table = qualify(change.to)
  const alter = (clause: string) => `ALTER TABLE ${table} ALTER COLUMN ${quote(a.to.name)} ${clause}`
  const out: Array<string> = []
  const label = `column ${change.to.name}.${a.to.name}`
  if (a.identity && a.to.autoIncrement && a.to.serial === true && a.from.serial !== true) {
    return { unsupported: `${label}: turning a column into a serial is not generated; use Column.identity("byDefault") or write this migration by hand` }
  }
  if (a.check && a.from.check !== undefined) {
    // Without IF EXISTS: were the name not PostgreSQL's, the old check must not silently stay.
    out.push(`ALTER TABLE ${table} DROP CONSTRAINT ${quote(currentCheckName(change, a.to.name))}`)
  }
  if (a.identity && a.from.autoIncrement && a.from.serial !== true && (!a.to.autoIncrement || a.to.serial === true)) {
    out.push(alter("DROP IDENTITY IF EXISTS"))
  }
  // A serial's default is its sequence; the sequence stays owned by the column.
  const fromDefault = a.from.autoIncrement ? (a.from.serial === true ? "sequence" : undefined) : a.from.default
  const dropsDefault = fromDefault !== undefined && (a.type || (a.identity && a.to.autoIncrement && a.to.serial !== true) || (a.default && a.to.default === undefined))
  if (dropsDefault) out.push(alter("DROP DEFAULT"))
  if (a.type) out.push(alter(`TYPE ${plainType(a.to, change.to)} USING ${usingCast(a.to, change.to)}`))
  if (a.nullable && a.to.nullable) out.push(alter("DROP NOT NULL"))
  if (a.nullable && !a.to.nullable) {
    // Rows the old column left NULL take the new default, so SET NOT NULL finds none.
    if (a.to.default !== undefined && !a.to.autoIncrement) {
      out.push(`UPDATE ${table} SET ${quote(a.to.name)} = ${ddl.defaultExpression(a.to.default)} WHERE ${quote(a.to.name)} IS NULL`)
    }
    out.push(alter("SET NOT NULL"))
  }
  if (a.to.default !== undefined && !a.to.autoIncrement && (a.default || dropsDefault)) {
    out.push(alter(`SET DEFAULT ${ddl.defaultExpression(a.to.default)}`))
  }
  if (a.identity && a.to.autoIncrement && a.to.serial !== true) {
    if (a.from.autoIncrement && a.from.serial !== true) {
      out.push(alter(`SET GENERATED ${generated(a.to)}`))
    } else {
      out.push(alter(`ADD GENERATED ${generated(a.to)} AS IDENTITY`))
      // The new sequence starts after the values the rows already have.
      out.push(
        `SELECT setval(pg_get_serial_sequence(${quoteString(table)}, ${quoteString(a.to.name)}), ` +
          `coalesce(max(${quote(a.to.name)}), 0) + 1, false) FROM ${table}`
      )
    }
  }
  if (a.check && a.to.check !== undefined && a.to.check.length > 0) {
    const name = generatedName([change.to.name, a.to.name, "check"], MAX_IDENTIFIER)
    out.push(`ALTER TABLE ${table} ADD CONSTRAINT ${quote(name)} ${ddl.checkClause(a.to, a.to.check)}`)
  }
  return out
}

const alterTable = (change: TableChange): TableStatements | { readonly unsupported: string } => {
  const { from, to } = change
  const former = qualify(nameIn(to, change.formerName))
  const table = qualify(to)
  const before: Array<string> = []
  const unnamed = (what: string) => ({
    unsupported: `table ${to.name}: a ${what} without a name cannot be dropped by a generated migration; name it or write this migration by hand`
  })
  for (const fk of change.foreignKeys.dropped) {
    if (fk.name === undefined) return unnamed("foreign key")
    before.push(`ALTER TABLE ${former} DROP CONSTRAINT ${quote(fk.name)}`)
  }
  for (const u of change.uniques.dropped) {
    const name = u.name ?? uniqueName(change.formerName, u.columns.map((c) => formerColumn(change, c)))
    if (name.length > MAX_IDENTIFIER) return unnamed("unique constraint")
    before.push(`ALTER TABLE ${former} DROP CONSTRAINT ${quote(name)}`)
  }
  for (const i of change.indexes.dropped) {
    if (i.name === undefined) return unnamed("index")
    before.push(`DROP INDEX ${qualify(nameIn(to, i.name))}`)
  }
  if (change.primaryKeyChanged && from.primaryKey.length > 0) {
    before.push(`ALTER TABLE ${former} DROP CONSTRAINT ${quote(pkeyName(change.formerName))}`)
  }
  const alter: Array<string> = []
  for (const c of change.columns.dropped) alter.push(`ALTER TABLE ${table} DROP COLUMN ${quote(c.name)}`)
  for (const a of change.columns.altered) {
    const statements = columnStatements(change, a)
    if ("unsupported" in statements) return statements
    alter.push(...statements)
  }
  for (const c of change.columns.added) alter.push(`ALTER TABLE ${table} ADD COLUMN ${ddl.columnDefinition(c, to)}`)
  if (change.primaryKeyChanged && to.primaryKey.length > 0) {
    alter.push(`ALTER TABLE ${table} ADD PRIMARY KEY (${to.primaryKey.map(quote).join(", ")})`)
  }
  for (const u of change.uniques.added) {
    alter.push(`ALTER TABLE ${table} ADD ${u.name === undefined ? "" : `CONSTRAINT ${quote(u.name)} `}UNIQUE (${u.columns.map(quote).join(", ")})`)
  }
  return {
    before,
    alter,
    indexes: change.indexes.added.map((i) => ddl.createIndex(to, i)),
    foreignKeys: change.foreignKeys.added.map((fk) => ddl.alterForeignKeys!.add(to, fk))
  }
}

type EnumType = NamedType & { readonly kind: "enum" }

/** New labels go where they are declared: after the label before them (or before the first one). */
const extendEnum = (from: EnumType, to: EnumType): ReadonlyArray<string> => {
  const out: Array<string> = []
  to.labels.forEach((label, i) => {
    if (from.labels.includes(label)) return
    const position = i > 0 ? `AFTER ${ddl.literal(to.labels[i - 1]!, "text")}` : `BEFORE ${ddl.literal(to.labels.find((l) => from.labels.includes(l))!, "text")}`
    out.push(`ALTER TYPE ${typeName(to)} ADD VALUE ${ddl.literal(label, "text")} ${position}`)
  })
  return out
}

/** Within PostgreSQL's limit, which would otherwise truncate it silently. */
const asideName = (type: NamedType): string => generatedName([type.name, "_old"], MAX_IDENTIFIER)

/** @internal */
export const migrations: MigrationDdl = {
  isSingleStatement: (sql) => isSingleStatement(sql, ddl.lexRules),
  renameTable: (table, to, former) => {
    const renamed = qualify(nameIn(table, to))
    const constraints: Array<[string, string]> = [
      ...(former !== undefined && former.primaryKey.length > 0 ? [[pkeyName(table.name), pkeyName(to)] as [string, string]] : []),
      ...(former?.columns ?? []).filter((c) => c.check !== undefined).map((c): [string, string] => [checkName(table.name, c.name), checkName(to, c.name)])
    ]
    return [
      `ALTER TABLE ${qualify(table)} RENAME TO ${quote(to)}`,
      ...renamedConstraints(renamed, constraints)
    ]
  },
  renameColumn: (table, from, to, former) => [
    `ALTER TABLE ${qualify(table)} RENAME COLUMN ${quote(from)} TO ${quote(to)}`,
    ...renamedConstraints(qualify(table), former?.check === undefined ? [] : [[checkName(table.name, from), checkName(table.name, to)]])
  ],
  alterTable,
  extendEnum,
  renameAside: (type) => `ALTER ${type.kind === "enum" ? "TYPE" : "DOMAIN"} ${typeName(type)} RENAME TO ${quote(asideName(type))}`,
  dropAside: (type) =>
    `DROP ${type.kind === "enum" ? "TYPE" : "DOMAIN"} ${typeName({ name: asideName(type), ...(type.schema === undefined ? {} : { schema: type.schema }) })}`
}
