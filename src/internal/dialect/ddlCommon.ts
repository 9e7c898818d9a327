/**
 * DDL fragments spelled the same way by SQLite and PostgreSQL (given each
 * dialect's quoting and literals).
 *
 * @internal
 */
import type { ColumnMetadata, ForeignKeyMetadata, IndexMetadata, ReferentialAction, TableMetadata } from "../../Metadata.js"
import { tokenize } from "../schema/sqlText.js"
import type { TableName } from "./schemaDialect.js"

/** @internal */
export interface Spelling {
  readonly quote: (identifier: string) => string
  readonly qualify: (table: TableName) => string
  readonly literal: (value: unknown, type: ColumnMetadata["type"]) => string
}

const BARE_KEYWORDS = /^(NULL|TRUE|FALSE|CURRENT_TIMESTAMP|CURRENT_DATE|CURRENT_TIME)$/i

/**
 * Literals may stand bare after DEFAULT; anything else is parenthesized,
 * which SQLite requires for expressions and PostgreSQL accepts.
 *
 * @internal
 */
export const renderDefault = (expr: string): string => {
  const tokens = tokenize(expr)
  if (tokens !== undefined) {
    const [a, b] = tokens
    if (tokens.length === 1 && (a!.t === "str" || a!.t === "num" || (a!.t === "id" && !a!.quoted && BARE_KEYWORDS.test(a!.v)))) {
      return expr.trim()
    }
    if (tokens.length === 2 && a!.t === "op" && a!.v === "-" && b!.t === "num") return expr.trim()
  }
  return `(${expr})`
}

/** @internal */
export const renderCheck = (s: Spelling, column: ColumnMetadata, values: ReadonlyArray<string | number>): string =>
  `CHECK (${s.quote(column.name)} IN (${values.map((v) => s.literal(v, column.type)).join(", ")}))`

/** @internal */
export const columnList = (s: Spelling, columns: ReadonlyArray<string>): string => columns.map(s.quote).join(", ")

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

/** @internal */
export const uniqueClause = (s: Spelling, u: { readonly name?: string; readonly columns: ReadonlyArray<string> }): string =>
  `${u.name === undefined ? "" : `CONSTRAINT ${s.quote(u.name)} `}UNIQUE (${columnList(s, u.columns)})`

/** @internal */
export const createIndex = (s: Spelling, table: TableMetadata, index: IndexMetadata, indexName: string): string =>
  `CREATE ${index.unique ? "UNIQUE " : ""}INDEX ${indexName} ON ${s.qualify(table)} (${columnList(s, index.columns)})`

/** @internal */
export const createTableStatement = (s: Spelling, table: TableMetadata, parts: ReadonlyArray<string>): string =>
  `CREATE TABLE ${s.qualify(table)} (\n  ${parts.join(",\n  ")}\n)`
