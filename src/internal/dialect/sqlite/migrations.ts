/**
 * SQLite DDL of generated migrations. SQLite's ALTER TABLE can rename a
 * table or column, add a column that is nullable or has a constant default,
 * and drop a column nothing else depends on; every other change is the
 * table rebuild SQLite documents (https://www.sqlite.org/lang_altertable.html#otheralter):
 * create the new table under a scratch name, copy the rows, drop the old
 * table, rename the new one, recreate its indexes and triggers.
 *
 * The rebuild relies on how the migration runner applies statements:
 * `PRAGMA foreign_keys = OFF` before the transaction (so dropping the old
 * table neither cascades nor fails), `PRAGMA foreign_key_check` before the
 * commit. Child tables keep referencing the table by name, so their foreign
 * keys point at the rebuilt table once it has the old name.
 *
 * @internal
 */
import type { ColumnMetadata, TableMetadata } from "../../../Metadata.js"
import { INTEGER_TYPES } from "../ddlCommon.js"
import { isSingleStatement, quoteString, tokenize } from "../../schema/sqlText.js"
import type { MigrationDdl, TableChange, TableStatements } from "../schemaDialect.js"
import { ddl } from "./ddl.js"
import { lexRules } from "./lexer.js"

const { quote } = ddl

const CONSTANT_KEYWORDS = /^(NULL|TRUE|FALSE)$/i

/** A literal (number, string, blob, NULL, TRUE, FALSE), the only defaults ADD COLUMN accepts. */
const isConstant = (expr: string): boolean => {
  const tokens = tokenize(expr, lexRules)?.filter((t) => t.t !== "comment")
  if (tokens === undefined) return false
  const inner = tokens.length >= 2 && tokens[0]!.t === "op" && tokens[0]!.v === "(" && tokens[tokens.length - 1]!.v === ")"
    ? tokens.slice(1, -1)
    : tokens
  const [a, b] = inner
  if (inner.length === 1) return a!.t === "str" || a!.t === "num" || (a!.t === "id" && !a!.quoted && CONSTANT_KEYWORDS.test(a!.v))
  return inner.length === 2 && a!.t === "op" && (a!.v === "-" || a!.v === "+") && b!.t === "num"
}

const isNull = (expr: string | undefined): boolean => expr === undefined || /^\s*\(?\s*NULL\s*\)?\s*$/i.test(expr)

/** ADD COLUMN takes no key, no auto increment, and NOT NULL only with a non-NULL constant default. */
const canAdd = (column: ColumnMetadata, table: TableMetadata): boolean =>
  !table.primaryKey.includes(column.name) && !column.autoIncrement &&
  (column.default === undefined || isConstant(column.default)) &&
  (column.nullable || !isNull(column.default))

/** DROP COLUMN refuses a key, UNIQUE, indexed or foreign key column. */
const canDrop = (column: ColumnMetadata, change: TableChange): boolean => {
  const { from, to } = change
  const uses = (columns: ReadonlyArray<string>) => columns.includes(column.name)
  return !uses(from.primaryKey) && !from.uniques.some((u) => uses(u.columns)) &&
    !to.indexes.some((i) => uses(i.columns) || i.expressions !== undefined || i.where !== undefined) &&
    !from.foreignKeys.some((fk) => uses(fk.columns))
}

/** SQLite's rowid alias: a single-column integer primary key (normalized as auto-increment). */
const hasRowidAlias = (table: TableMetadata): boolean =>
  table.primaryKey.length === 1 &&
  table.columns.some((c) => c.name === table.primaryKey[0] && c.autoIncrement && INTEGER_TYPES.has(c.type))

const needsRebuild = (change: TableChange): boolean =>
  change.columns.altered.length > 0 || change.primaryKeyChanged ||
  change.uniques.added.length > 0 || change.uniques.dropped.length > 0 ||
  change.foreignKeys.added.length > 0 || change.foreignKeys.dropped.length > 0 ||
  change.columns.added.some((c) => !canAdd(c, change.to)) ||
  change.columns.dropped.some((c) => !canDrop(c, change))

/**
 * The copy keeps every row with its rowid (also of tables whose rowid is
 * not a column); a column that becomes NOT NULL takes its default where it
 * was NULL; new columns take their defaults.
 */
const copyRows = (change: TableChange, scratch: string): string => {
  const { from, to } = change
  const kept = to.columns.filter((c) => from.columns.some((f) => f.name === c.name))
  const value = (c: ColumnMetadata): string => {
    const before = from.columns.find((f) => f.name === c.name)!
    return before.nullable && !c.nullable && c.default !== undefined
      ? `COALESCE(${quote(c.name)}, ${ddl.defaultExpression(c.default)})`
      : quote(c.name)
  }
  const rowid = hasRowidAlias(to) ? [] : ["rowid"]
  const targets = [...rowid, ...kept.map((c) => quote(c.name))]
  const values = [...rowid, ...kept.map(value)]
  return `INSERT INTO ${quote(scratch)} (${targets.join(", ")}) SELECT ${values.join(", ")} FROM ${quote(to.name)}`
}

/**
 * An AUTOINCREMENT key never reuses a value, even of deleted rows: its
 * counter in `sqlite_sequence` goes with the old table when it is dropped,
 * so the new table takes it over first (the copied rows set a counter that
 * may be lower).
 */
const keepCounter = (table: string, scratch: string): ReadonlyArray<string> => [
  `DELETE FROM sqlite_sequence WHERE name = ${quoteString(scratch)}`,
  `INSERT INTO sqlite_sequence (name, seq) SELECT ${quoteString(scratch)}, seq FROM sqlite_sequence WHERE name = ${quoteString(table)}`
]

/**
 * Whether the rebuilt table's key is AUTOINCREMENT: normalizing makes every
 * rowid alias auto-increment, so the table as written decides (a reflected
 * table cannot tell; it keeps the keyword).
 */
const autoIncrements = (change: TableChange): boolean => {
  if (!hasRowidAlias(change.to)) return false
  const key = change.to.primaryKey[0]
  return change.written.columns.find((c) => c.name === key)?.autoIncrement ?? true
}

const rebuild = (change: TableChange): ReadonlyArray<string> => {
  const { from, to } = change
  const scratch = `${to.name}__rebuild`
  const autoIncrement = autoIncrements(change)
  const columns = to.columns.map((c) => (to.primaryKey.length === 1 && c.name === to.primaryKey[0] ? { ...c, autoIncrement } : c))
  // Indexes are created on the final table: their names are free only once the old table is dropped.
  const [create] = ddl.createTable({ ...to, name: scratch, columns, indexes: [] }, { deferred: [] })
  return [
    create!,
    copyRows(change, scratch),
    ...(autoIncrement ? keepCounter(to.name, scratch) : []),
    `DROP TABLE ${quote(to.name)}`,
    // Views and other tables' triggers name the dropped table; the default rename re-checks them
    // against the schema and fails ("error in view ..."). The legacy rename leaves them alone, and
    // they read the rebuilt table once it has the name.
    "PRAGMA legacy_alter_table = ON",
    `ALTER TABLE ${quote(scratch)} RENAME TO ${quote(to.name)}`,
    "PRAGMA legacy_alter_table = OFF",
    ...to.indexes.map((i) => ddl.createIndex(to, i)),
    // Dropping the table dropped its triggers; they come back as the database printed them.
    ...(to.triggers ?? from.triggers ?? []).map((t) => t.definition)
  ]
}

const alterTable = (change: TableChange): TableStatements | { readonly unsupported: string } => {
  if (needsRebuild(change)) {
    // The triggers are recreated from their text as read before this migration's column renames.
    if ((change.from.triggers ?? []).length > 0 && change.formerColumnNames.size > 0) {
      return {
        unsupported: `table ${change.to.name}: it has triggers and its columns are renamed in a migration that also rebuilds it; ` +
          `rename the columns in a migration of their own first`
      }
    }
    return { before: [], alter: rebuild(change), indexes: [], foreignKeys: [] }
  }
  const { to } = change
  return {
    before: change.indexes.dropped.flatMap((i) => (i.name === undefined ? [] : [`DROP INDEX ${quote(i.name)}`])),
    alter: [
      ...change.columns.dropped.map((c) => `ALTER TABLE ${quote(to.name)} DROP COLUMN ${quote(c.name)}`),
      ...change.columns.added.map((c) => `ALTER TABLE ${quote(to.name)} ADD COLUMN ${ddl.columnDefinition(c, to)}`)
    ],
    indexes: change.indexes.added.map((i) => ddl.createIndex(to, i)),
    foreignKeys: []
  }
}

const word = (t: { readonly t: string; readonly v: string } | undefined, w: string): boolean =>
  t !== undefined && t.t === "id" && t.v.toUpperCase() === w

/**
 * One statement, or one CREATE TRIGGER whose `;` all stand between its
 * BEGIN and its final END (a trigger definition as SQLite prints it).
 */
const isSingle = (sql: string): boolean => {
  if (isSingleStatement(sql, lexRules)) return true
  const tokens = tokenize(sql, lexRules)?.filter((t) => t.t !== "comment" && !(t.t === "id" && t.quoted))
  if (tokens === undefined) return false
  const code = word(tokens.at(-1), "END") ? tokens : tokens.at(-1)?.v === ";" && word(tokens.at(-2), "END") ? tokens.slice(0, -1) : undefined
  if (code === undefined) return false
  const trigger = word(code[0], "CREATE") && (word(code[1], "TRIGGER") || ((word(code[1], "TEMP") || word(code[1], "TEMPORARY")) && word(code[2], "TRIGGER")))
  const begin = code.findIndex((t) => word(t, "BEGIN"))
  const firstSeparator = code.findIndex((t) => t.t === "op" && t.v === ";")
  return trigger && begin > 0 && firstSeparator > begin
}

/** @internal */
export const migrations: MigrationDdl = {
  isSingleStatement: isSingle,
  renameTable: (table, to) => [`ALTER TABLE ${quote(table.name)} RENAME TO ${quote(to)}`],
  renameColumn: (table, from, to) => [`ALTER TABLE ${quote(table.name)} RENAME COLUMN ${quote(from)} TO ${quote(to)}`],
  alterTable
}
