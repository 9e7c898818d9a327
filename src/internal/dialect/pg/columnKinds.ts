/**
 * PostgreSQL's own column kinds: identity ALWAYS / BY DEFAULT, serial,
 * enum and domain types, arrays. What they look like in `Metadata`, how they
 * are spelled in DDL, and the catalog queries `createAll` / `dropAll` need
 * for the named types.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { ArrayMetadata, ColumnMetadata, NeutralType, TableMetadata } from "../../../Metadata.js"
import { quoteWith } from "../../schema/identifier.js"
import { str } from "../introspectCommon.js"
import type { NamedType, NamedTypes } from "../schemaDialect.js"

const quote = quoteWith("\"")

const qualifiedName = (t: { readonly name: string; readonly schema?: string | undefined }): string =>
  t.schema === undefined ? quote(t.name) : `${quote(t.schema)}.${quote(t.name)}`

/**
 * The enum or domain of a column (or the enum of its array's elements) as a
 * type of its own: its schema is the table's when the metadata leaves it out.
 *
 * @internal
 */
export const namedTypeOf = (column: ColumnMetadata, table: TableMetadata): NamedType | undefined => {
  const owner = (schema: string | undefined) => {
    const s = schema ?? table.schema
    return s === undefined ? {} : { schema: s }
  }
  if (column.enum !== undefined) {
    return { kind: "enum", name: column.enum.name, ...owner(column.enum.schema), labels: column.enum.labels }
  }
  const element = column.array?.enum
  if (element !== undefined) {
    return { kind: "enum", name: element.name, ...owner(element.schema), labels: element.labels }
  }
  if (column.domain !== undefined) {
    const { schema, ...domain } = column.domain
    return { kind: "domain", ...domain, ...owner(schema) }
  }
  return undefined
}

/**
 * The type clause of a column: the enum / domain by name, `serial` types by
 * their pseudo-type, identities after their type.
 *
 * @internal
 */
export const columnTypeClause = (column: ColumnMetadata, table: TableMetadata): string => {
  const named = namedTypeOf(column, table)
  if (named !== undefined && column.array?.enum !== undefined) return `${qualifiedName(named)}${"[]".repeat(column.array.dimensions ?? 1)}`
  if (named !== undefined) return qualifiedName(named)
  if (column.autoIncrement && column.serial === true) {
    return column.type === "bigint" ? "BIGSERIAL" : column.type === "smallint" ? "SMALLSERIAL" : "SERIAL"
  }
  if (column.autoIncrement) {
    return `${column.dbType} GENERATED ${column.identity === "always" ? "ALWAYS" : "BY DEFAULT"} AS IDENTITY`
  }
  return column.dbType
}

/**
 * `integer[]` → its element type; undefined for a type that is not an array.
 *
 * @internal
 */
export const arrayOf = (
  dbType: string,
  parseElement: (dbType: string) => { readonly type: NeutralType }
): ArrayMetadata | undefined => {
  const t = dbType.trim()
  if (!t.endsWith("[]")) return undefined
  const elementDbType = t.replace(/(\s*\[\s*\])+$/, "")
  const dimensions = (t.slice(elementDbType.length).match(/\[/g) ?? []).length
  return { element: parseElement(elementDbType).type, elementDbType, ...(dimensions > 1 ? { dimensions } : {}) }
}

/** As in DDL: a label with a backslash is an E'...' string, read the same whatever standard_conforming_strings says. */
const label = (l: string): string =>
  l.includes("\\") ? `E'${l.replaceAll("\\", "\\\\").replaceAll("'", "''")}'` : `'${l.replaceAll("'", "''")}'`

const create = (t: NamedType): string => {
  if (t.kind === "enum") return `CREATE TYPE ${qualifiedName(t)} AS ENUM (${t.labels.map(label).join(", ")})`
  return [
    `CREATE DOMAIN ${qualifiedName(t)} AS ${t.baseType}`,
    ...(t.default === undefined ? [] : [`DEFAULT ${t.default}`]),
    ...(t.notNull === true ? ["NOT NULL"] : []),
    ...t.checks
  ].join(" ")
}

const drop = (t: NamedType): string => `DROP ${t.kind === "enum" ? "TYPE" : "DOMAIN"} ${qualifiedName(t)}`

const schemaParam = (t: NamedType): string | null => t.schema ?? null

/** Types among `types` that exist (`present`) or that exist and no column of any table uses (`unused`). */
const TYPES = `
SELECT x.i AS i, t.oid IS NOT NULL AS present,
  (t.oid IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    WHERE NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND a.atttypid IN (t.oid, t.typarray)
  ) AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type d WHERE d.typbasetype IN (t.oid, t.typarray))) AS unused
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(s, n, i)
LEFT JOIN pg_catalog.pg_namespace ns ON ns.nspname = coalesce(x.s, current_schema())
LEFT JOIN pg_catalog.pg_type t ON t.typnamespace = ns.oid AND t.typname = x.n
ORDER BY x.i`

const lookup = (flag: "present" | "unused"): NamedTypes["existing"] => (run, types) =>
  types.length === 0 ? Effect.succeed([]) : run(TYPES, [types.map(schemaParam), types.map((t) => t.name)]).pipe(
    Effect.map((rows) => types.filter((_, i) => rows.some((r) => Number(str(r["i"])) === i + 1 && r[flag] === true)))
  )

/** @internal */
export const namedTypes: NamedTypes = {
  typeOf: namedTypeOf,
  create,
  drop,
  // The row names its key (a save of a row read back, a copy): the value is the row's own, not a new one.
  overriding: "OVERRIDING SYSTEM VALUE",
  existing: lookup("present"),
  unused: lookup("unused")
}
