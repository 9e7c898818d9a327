/**
 * Metadata as text for people: one block per table, one line per column,
 * then its keys and indexes. Scripts use `reflect --json`, which prints the
 * `Metadata` itself.
 *
 * @internal
 */
import type { ColumnMetadata, Metadata, TableMetadata } from "../../Metadata.js"
import { tableLabel } from "./handler.js"

const columnLine = (column: ColumnMetadata, table: TableMetadata): string =>
  [
    `  ${column.name}`,
    column.dbType,
    ...(table.primaryKey.length === 1 && table.primaryKey[0] === column.name ? ["primary key"] : []),
    ...(column.autoIncrement ? ["auto increment"] : []),
    ...(column.nullable ? [] : ["not null"]),
    ...(column.default === undefined ? [] : [`default ${column.default}`])
  ].join(" ")

const tableBlock = (table: TableMetadata): string =>
  [
    tableLabel(table),
    ...table.columns.map((column) => columnLine(column, table)),
    ...(table.primaryKey.length > 1 ? [`  primary key (${table.primaryKey.join(", ")})`] : []),
    ...table.uniques.map((unique) => `  unique (${unique.columns.join(", ")})`),
    ...table.foreignKeys.map((fk) =>
      `  foreign key (${fk.columns.join(", ")}) references ${tableLabel({ name: fk.references.table, schema: fk.references.schema })} (${
        fk.references.columns.join(", ")
      })${fk.onDelete === "no action" ? "" : ` on delete ${fk.onDelete}`}`
    ),
    ...table.indexes.map((index) =>
      `  ${index.unique ? "unique " : ""}index ${index.name ?? ""}(${[...index.columns, ...(index.expressions ?? [])].join(", ")})`
    )
  ].join("\n")

/** @internal */
export const describeMetadata = (metadata: Metadata): string =>
  metadata.tables.length === 0 ? "no tables" : metadata.tables.map(tableBlock).join("\n\n")
