/**
 * The DDL every dialect derives the same way. A dialect states only where it
 * differs (`DdlRules`: type names, literal spellings, column clauses, limits)
 * and `dialectDdl` builds its part of the `SchemaDialect` from that, so the
 * statement skeletons exist once.
 *
 * @internal
 */
import type { ColumnMetadata, ForeignKeyMetadata, IndexMetadata, NeutralType, ReferentialAction, TableMetadata } from "../../Metadata.js"
import { generatedName, quoteWith } from "../schema/identifier.js"
import { type LexRules, tokenize } from "../schema/sqlText.js"
import { ValueError } from "../schema/values.js"
import type { SchemaDialect, TableName } from "./schemaDialect.js"

/** @internal */
export interface Spelling {
  readonly quote: (identifier: string) => string
  readonly qualify: (table: TableName) => string
  readonly literal: (value: unknown, type: NeutralType) => string
}

// Both dialects accept standard double-quoted identifiers.
const quote = quoteWith("\"")

const qualify = (table: TableName): string =>
  table.schema === undefined ? quote(table.name) : `${quote(table.schema)}.${quote(table.name)}`

/** @internal */
export const INTEGER_TYPES: ReadonlySet<NeutralType> = new Set(["smallint", "integer", "bigint"])

const SHARED_TYPE_NAMES = {
  smallint: "SMALLINT",
  integer: "INTEGER",
  bigint: "BIGINT",
  real: "REAL",
  numeric: "NUMERIC",
  text: "TEXT",
  varchar: "VARCHAR",
  char: "CHAR",
  boolean: "BOOLEAN",
  date: "DATE",
  time: "TIME",
  uuid: "UUID"
} as const satisfies Partial<Record<NeutralType, string>>

/**
 * The spellings a dialect must choose itself; the compiler insists on all of
 * them, so a new neutral type cannot silently lack a spelling.
 *
 * @internal
 */
export type DialectTypeNames = Readonly<Record<Exclude<NeutralType, keyof typeof SHARED_TYPE_NAMES>, string>>

/**
 * Only `varchar` and `char` keep a declared length; `numeric(10,2)` and
 * `timestamp(3)` read back as their bare type.
 *
 * @internal
 */
export const withLength = (type: NeutralType, length: number | undefined): { readonly type: NeutralType; readonly length?: number } =>
  (type === "varchar" || type === "char") && length !== undefined ? { type, length } : { type }

/** @internal */
export type TypeAliases = { readonly [K in NeutralType]?: ReadonlyArray<string> }

/** Names that read back as the same neutral type in every dialect. */
const SHARED_ALIASES: TypeAliases = {
  smallint: ["smallint", "int2"],
  integer: ["integer", "int"],
  bigint: ["bigint", "int8"],
  double: ["double precision", "float"],
  numeric: ["numeric", "decimal"],
  text: ["text"],
  varchar: ["varchar", "character varying"],
  char: ["char", "character"],
  boolean: ["boolean", "bool"],
  timestamp: ["timestamptz"],
  date: ["date"],
  time: ["time"],
  uuid: ["uuid"],
  json: ["json", "jsonb"]
}

/**
 * Looks a type name (without length, any case) up among the shared aliases
 * and the dialect's own, which win. A `Map`, because a plain object would
 * also answer `constructor` or `__proto__`.
 *
 * @internal
 */
export const typeNameReader = (aliases: TypeAliases): (name: string) => NeutralType | undefined => {
  const names = new Map<string, NeutralType>()
  for (const table of [SHARED_ALIASES, aliases]) {
    for (const [type, list] of Object.entries(table) as Array<[NeutralType, ReadonlyArray<string>]>) {
      for (const name of list) names.set(name.toLowerCase(), type)
    }
  }
  return (name) => names.get(name.toLowerCase())
}

/**
 * How a dialect writes the literals that have no common SQL spelling.
 *
 * @internal
 */
export interface LiteralSpelling {
  /** A string literal: quoted so that the server reads exactly `value`, whatever its settings. */
  readonly string: (value: string) => string
  readonly boolean: (value: boolean) => string
  readonly bytes: (hex: string) => string
  /** `text` is already a string literal (from `string`). */
  readonly json: (text: string) => string
  /** A date-time's text, before quoting; ISO 8601 in UTC when absent. */
  readonly dateTime?: (value: Date) => string
  /** A native array (a column of type `other` holding an array); absent: arrays are JSON. */
  readonly array?: (values: ReadonlyArray<unknown>) => string
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")

const literalWith = (spell: LiteralSpelling) => (value: unknown, type: NeutralType): string => {
  if (value === null || value === undefined) return "NULL"
  if (typeof value === "boolean") return spell.boolean(value)
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new ValueError(`${value} cannot be written as a SQL literal`)
    return String(value)
  }
  if (typeof value === "bigint") return value.toString()
  if (typeof value === "string") return spell.string(value)
  if (value instanceof Date) return spell.string(spell.dateTime?.(value) ?? value.toISOString())
  if (value instanceof Uint8Array) return spell.bytes(hex(value))
  if (type === "other" && Array.isArray(value) && spell.array !== undefined) return spell.array(value)
  if (type === "json" || typeof value === "object") return spell.json(spell.string(JSON.stringify(value)))
  throw new ValueError(`${typeof value} cannot be written as a SQL literal`)
}

const BARE_KEYWORDS = /^(NULL|TRUE|FALSE|CURRENT_TIMESTAMP|CURRENT_DATE|CURRENT_TIME)$/i

/**
 * Literals may stand bare after DEFAULT; anything else is parenthesized,
 * which SQLite requires for expressions and PostgreSQL accepts.
 */
const renderDefault = (expr: string, rules: LexRules): string => {
  const tokens = tokenize(expr, rules)
  if (tokens !== undefined) {
    const [a, b] = tokens
    if (tokens.length === 1 && (a!.t === "str" || a!.t === "num" || (a!.t === "id" && !a!.quoted && BARE_KEYWORDS.test(a!.v)))) {
      return expr.trim()
    }
    if (tokens.length === 2 && a!.t === "op" && a!.v === "-" && b!.t === "num") return expr.trim()
  }
  return `(${expr})`
}

const renderCheck = (s: Spelling, column: ColumnMetadata, values: ReadonlyArray<string | number>): string =>
  `CHECK (${s.quote(column.name)} IN (${values.map((v) => s.literal(v, column.type)).join(", ")}))`

const columnList = (s: Spelling, columns: ReadonlyArray<string>): string => columns.map(s.quote).join(", ")

const action = (a: ReferentialAction): string => a.toUpperCase()

/** @internal */
export const foreignKeyClause = (s: Spelling, table: TableMetadata, fk: ForeignKeyMetadata): string => {
  const target: TableName = fk.references.schema !== undefined
    ? { name: fk.references.table, schema: fk.references.schema }
    : table.schema !== undefined
    ? { name: fk.references.table, schema: table.schema }
    : { name: fk.references.table }
  return [
    fk.name === undefined ? "" : `CONSTRAINT ${s.quote(fk.name)} `,
    `FOREIGN KEY (${columnList(s, fk.columns)}) REFERENCES ${s.qualify(target)} (${columnList(s, fk.references.columns)})`,
    fk.onDelete === "no action" ? "" : ` ON DELETE ${action(fk.onDelete)}`,
    fk.onUpdate === "no action" ? "" : ` ON UPDATE ${action(fk.onUpdate)}`
  ].join("")
}

const uniqueClause = (s: Spelling, u: { readonly name?: string; readonly columns: ReadonlyArray<string> }): string =>
  `${u.name === undefined ? "" : `CONSTRAINT ${s.quote(u.name)} `}UNIQUE (${columnList(s, u.columns)})`

const createIndex = (s: Spelling, table: TableMetadata, index: IndexMetadata, indexName: string): string =>
  `CREATE ${index.unique ? "UNIQUE " : ""}INDEX ${indexName} ON ${s.qualify(table)}` +
  // The default B-tree is left unsaid: SQLite knows no USING clause.
  (index.method === undefined || index.method.toLowerCase() === "btree" ? "" : ` USING ${index.method}`) +
  ` (${index.expressions === undefined ? columnList(s, index.columns) : index.expressions.join(", ")})` +
  (index.where === undefined ? "" : ` WHERE ${index.where}`)

/** Partitions live in their parent's schema. */
const createPartitions = (s: Spelling, table: TableMetadata): Array<string> =>
  (table.partitions ?? []).map((p) =>
    `CREATE TABLE ${s.qualify(table.schema === undefined ? { name: p.name } : { name: p.name, schema: table.schema })} ` +
    `PARTITION OF ${s.qualify(table)} ${p.bound}`
  )

/**
 * Where the dialects' column definitions differ; the clause order around
 * them (type, NOT NULL, key, DEFAULT, CHECK) is the same for both.
 *
 * @internal
 */
export interface ColumnClauses {
  /** The type plus anything the dialect writes right after it (e.g. identity). */
  readonly type: string
  readonly notNull: boolean
  /** An inline PRIMARY KEY clause (see `DdlRules.inlinePrimaryKey`). */
  readonly primaryKey?: string | undefined
  readonly default: string | undefined
  readonly check: ReadonlyArray<string | number> | undefined
}

const columnDefinition = (s: Spelling, lexRules: LexRules, column: ColumnMetadata, c: ColumnClauses): string => {
  const parts = [s.quote(column.name), c.type]
  if (c.notNull) parts.push("NOT NULL")
  if (c.primaryKey !== undefined) parts.push(c.primaryKey)
  if (c.default !== undefined) parts.push(`DEFAULT ${renderDefault(c.default, lexRules)}`)
  if (c.check !== undefined && c.check.length > 0) parts.push(renderCheck(s, column, c.check))
  return parts.join(" ")
}

/**
 * What a dialect states about its DDL.
 *
 * @internal
 */
export interface DdlRules
  extends Pick<SchemaDialect, "name" | "maxIdentifierLength" | "supportsSchemas" | "lexRules" | "parseType" | "validateTable" | "normalizeColumn">
{
  readonly typeNames: DialectTypeNames
  readonly literal: LiteralSpelling
  readonly column: (column: ColumnMetadata, table: TableMetadata) => ColumnClauses
  /**
   * Whether a single-column primary key is declared on its column instead of
   * as a table constraint (SQLite takes AUTOINCREMENT only on the column).
   */
  readonly inlinePrimaryKey: boolean
  /** Generated index names are shortened (with a hash) to this many characters. */
  readonly maxGeneratedName: number
  readonly alterForeignKeys?: (s: Spelling) => NonNullable<SchemaDialect["alterForeignKeys"]>
}

/**
 * A `SchemaDialect` but for catalog reading and driver values.
 *
 * @internal
 */
export type Ddl = Omit<SchemaDialect, "existingTables" | "introspect" | "fromDriver" | "toDriver" | "unstorable" | "asIsParameter">

/**
 * The pieces of `createTable` that a dialect's migrations reuse, so an added
 * column or index is spelled exactly as a created one.
 *
 * @internal
 */
export interface DdlParts {
  /** `"name" TYPE NOT NULL DEFAULT ... CHECK (...)`, as in CREATE TABLE. */
  readonly columnDefinition: (column: ColumnMetadata, table: TableMetadata) => string
  readonly createIndex: (table: TableMetadata, index: IndexMetadata) => string
  /** The index's name as `createIndex` spells it (given or generated), quoted. */
  readonly indexName: (table: TableMetadata, index: IndexMetadata) => string
  /** A DEFAULT expression as it follows `DEFAULT` (literals bare, expressions parenthesized). */
  readonly defaultExpression: (expr: string) => string
  /** `CHECK ("c" IN (...))` of a column's literal list. */
  readonly checkClause: (column: ColumnMetadata, values: ReadonlyArray<string | number>) => string
  readonly rules: DdlRules
}

/** @internal */
export const dialectDdl = (rules: DdlRules): Ddl & DdlParts => {
  const s: Spelling = { quote, qualify, literal: literalWith(rules.literal) }
  const typeNames: Readonly<Record<NeutralType, string>> = { ...SHARED_TYPE_NAMES, ...rules.typeNames }
  const indexName = (table: TableMetadata, index: IndexMetadata): string =>
    quote(index.name ?? generatedName(["ix", table.name, ...index.columns], rules.maxGeneratedName))
  const inlineKeyColumns = rules.inlinePrimaryKey ? 1 : 0
  const { lexRules, maxIdentifierLength, name, normalizeColumn, parseType, supportsSchemas, validateTable } = rules
  return {
    name,
    maxIdentifierLength,
    supportsSchemas,
    lexRules,
    parseType,
    validateTable,
    normalizeColumn,
    ...s,
    columnType: (type, length) => {
      const spelled = typeNames[type]
      return (type === "varchar" || type === "char") && length !== undefined ? `${spelled}(${length})` : spelled
    },
    createTable: (table, options) => {
      const parts = table.columns.map((c) => columnDefinition(s, lexRules, c, rules.column(c, table)))
      if (table.primaryKey.length > inlineKeyColumns) parts.push(`PRIMARY KEY (${columnList(s, table.primaryKey)})`)
      for (const u of table.uniques) parts.push(uniqueClause(s, u))
      for (const fk of table.foreignKeys) {
        if (!options.deferred.includes(fk)) parts.push(foreignKeyClause(s, table, fk))
      }
      return [
        `CREATE TABLE ${qualify(table)} (\n  ${parts.join(",\n  ")}\n)` +
        (table.partitionBy === undefined ? "" : ` PARTITION BY ${table.partitionBy}`),
        ...createPartitions(s, table),
        ...table.indexes.map((i) => createIndex(s, table, i, indexName(table, i)))
      ]
    },
    dropTable: (table) => `DROP TABLE ${qualify(table)}`,
    columnDefinition: (c, table) => columnDefinition(s, lexRules, c, rules.column(c, table)),
    createIndex: (table, i) => createIndex(s, table, i, indexName(table, i)),
    indexName,
    defaultExpression: (expr) => renderDefault(expr, lexRules),
    checkClause: (column, values) => renderCheck(s, column, values),
    rules,
    ...(rules.alterForeignKeys === undefined ? {} : { alterForeignKeys: rules.alterForeignKeys(s) })
  }
}
