/**
 * Reads PostgreSQL's catalog (pg_catalog) back into `Metadata`. The schema
 * and table names are bound parameters.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type {
  ColumnMetadata,
  DomainTypeMetadata,
  EnumTypeMetadata,
  ForeignKeyMetadata,
  IndexMetadata,
  NeutralType,
  ReferentialAction,
  TableMetadata,
  TriggerMetadata,
  UniqueMetadata,
  ViewMetadata
} from "../../../Metadata.js"
import { parseInCheck, tokenize } from "../../schema/sqlText.js"
import { lexRules } from "./lexer.js"
import { reflectedColumn, str } from "../introspectCommon.js"
import type { SchemaDialect } from "../schemaDialect.js"
import { parseType } from "./ddl.js"

const strings = (v: unknown): Array<string> => (Array.isArray(v) ? v.map(str) : [])

/** @internal */
export const existingTables: SchemaDialect["existingTables"] = (run, tables) =>
  run(
    `SELECT n.nspname AS schema_name, c.relname AS name, (n.nspname = current_schema()) AS is_default
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p')
       AND (n.nspname, c.relname) IN (
         SELECT coalesce(x.s, current_schema()), x.t FROM unnest($1::text[], $2::text[]) AS x(s, t))`,
    [tables.map((t) => t.schema ?? null), tables.map((t) => t.name)]
  ).pipe(
    Effect.map((rows) =>
      tables.filter((t) =>
        rows.some((r) =>
          str(r["name"]) === t.name &&
          (t.schema === undefined ? r["is_default"] === true : str(r["schema_name"]) === t.schema)
        )
      )
    )
  )

const ACTIONS: Record<string, ReferentialAction> = {
  a: "no action",
  r: "restrict",
  c: "cascade",
  n: "set null",
  d: "set default"
}

const SERIAL_DEFAULT = /^nextval\('.*'::regclass\)$/

const TABLES = `
SELECT c.relname AS name
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY c.relname`

const COLUMNS = `
SELECT c.relname AS table_name, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS db_type,
  a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default_expr, a.attidentity AS identity,
  a.attgenerated AS generated,
  t.typtype AS type_kind, t.typname AS type_name, tn.nspname AS type_schema,
  CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
                                      WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END AS enum_labels,
  CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS domain_base,
  t.typnotnull AS domain_not_null, t.typdefault AS domain_default,
  CASE WHEN t.typtype = 'd' THEN ARRAY(SELECT pg_get_constraintdef(dc.oid) FROM pg_catalog.pg_constraint dc
                                      WHERE dc.contypid = t.oid AND dc.contype = 'c' ORDER BY dc.conname) END AS domain_checks,
  CASE WHEN t.typcategory = 'A' THEN format_type(t.typelem, NULL) END AS element_type, a.attndims AS dimensions,
  et.typname AS element_enum_name, etn.nspname AS element_enum_schema,
  CASE WHEN et.oid IS NOT NULL THEN ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
                                         WHERE e.enumtypid = et.oid ORDER BY e.enumsortorder) END AS element_enum_labels
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_type et ON t.typcategory = 'A' AND et.oid = t.typelem AND et.typtype = 'e'
LEFT JOIN pg_catalog.pg_namespace etn ON etn.oid = et.typnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum`

const CONSTRAINTS = `
SELECT cl.relname AS table_name, con.conname AS name, con.contype AS kind,
  ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
  fcl.relname AS ref_table, fn.nspname AS ref_schema,
  ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS ref_columns,
  con.confdeltype AS on_delete, con.confupdtype AS on_update, pg_get_constraintdef(con.oid) AS def
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class cl ON cl.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = cl.relnamespace
LEFT JOIN pg_catalog.pg_class fcl ON fcl.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fcl.relnamespace
WHERE n.nspname = $1 AND con.contype IN ('p', 'u', 'f', 'c')
ORDER BY cl.relname, con.conname`

// Indexes that back PRIMARY KEY / UNIQUE / EXCLUDE constraints are reported as those constraints.
const INDEXES = `
SELECT tc.relname AS table_name, ic.relname AS name, i.indisunique AS is_unique,
  ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE k.ord <= i.indnkeyatts ORDER BY k.ord) AS columns,
  (i.indexprs IS NOT NULL OR 0 = ANY (i.indkey::int2[])) AS has_expressions,
  ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k)
    AS key_texts,
  am.amname AS method, pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = tc.relnamespace
WHERE n.nspname = $1 AND tc.relkind IN ('r', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                  WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x'))
ORDER BY tc.relname, ic.relname`

const PARTITIONS = `
SELECT c.relname AS table_name, pg_catalog.pg_get_partkeydef(c.oid) AS partition_by,
  ARRAY(SELECT p.relname::text FROM pg_catalog.pg_inherits h JOIN pg_catalog.pg_class p ON p.oid = h.inhrelid
        WHERE h.inhparent = c.oid ORDER BY p.relname) AS partition_names,
  ARRAY(SELECT pg_catalog.pg_get_expr(p.relpartbound, p.oid) FROM pg_catalog.pg_inherits h
        JOIN pg_catalog.pg_class p ON p.oid = h.inhrelid WHERE h.inhparent = c.oid ORDER BY p.relname) AS partition_bounds
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind = 'p'`

// Internal triggers implement foreign keys; triggers cloned onto partitions belong to their parent's.
const TRIGGERS = `
SELECT c.relname AS table_name, t.tgname AS name, t.tgtype AS type, p.proname AS function_name,
  pg_catalog.pg_get_triggerdef(t.oid, true) AS definition
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
WHERE n.nspname = $1 AND NOT t.tgisinternal AND t.tgparentid = 0
ORDER BY c.relname, t.tgname`

const VIEWS = `
SELECT c.relname AS name, c.relkind = 'm' AS materialized, pg_catalog.pg_get_viewdef(c.oid, true) AS definition
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('v', 'm')
ORDER BY c.relname`

/** `pg_trigger.tgtype` bits (see PostgreSQL's trigger.h). */
const TRIGGER_ROW = 1
const TRIGGER_BEFORE = 2
const TRIGGER_INSTEAD = 64
const TRIGGER_EVENTS: ReadonlyArray<readonly [number, string]> = [[4, "insert"], [8, "delete"], [16, "update"], [32, "truncate"]]

/**
 * The trigger's function call as written after EXECUTE FUNCTION, without the
 * schema the catalog may qualify it with, and its WHEN condition.
 */
const triggerOf = (r: Record<string, unknown>): TriggerMetadata => {
  const type = Number(r["type"])
  const definition = str(r["definition"])
  const fn = str(r["function_name"])
  const call = /EXECUTE (?:FUNCTION|PROCEDURE) (.*)$/s.exec(definition)?.[1] ?? `${fn}()`
  const args = call.slice(call.indexOf("("))
  const when = /\bWHEN \((.*)\) EXECUTE (?:FUNCTION|PROCEDURE) /s.exec(definition)?.[1]
  return {
    name: str(r["name"]),
    timing: (type & TRIGGER_INSTEAD) !== 0 ? "instead of" : (type & TRIGGER_BEFORE) !== 0 ? "before" : "after",
    events: TRIGGER_EVENTS.filter(([bit]) => (type & bit) !== 0).map(([, e]) => e),
    forEach: (type & TRIGGER_ROW) !== 0 ? "row" : "statement",
    action: `${fn}${args}`,
    ...(when === undefined ? {} : { when }),
    definition
  }
}

const dimensionsOf = (r: Record<string, unknown>): { readonly dimensions?: number } => {
  const n = Number(str(r["dimensions"]))
  return Number.isInteger(n) && n > 1 ? { dimensions: n } : {}
}

/** What the column's type is beyond its name: an enum's labels, a domain's base type and checks, an array's element. */
const typeKind = (
  r: Record<string, unknown>,
  tableSchema: string
): { readonly parsed?: { readonly type: NeutralType; readonly length?: number }; readonly fields: Partial<ColumnMetadata> } => {
  const typeSchema = str(r["type_schema"])
  const owner = typeSchema === tableSchema ? {} : { schema: typeSchema }
  switch (str(r["type_kind"])) {
    case "e": {
      const enumType: EnumTypeMetadata = { name: str(r["type_name"]), ...owner, labels: strings(r["enum_labels"]) }
      return { parsed: { type: "text" }, fields: { enum: enumType } }
    }
    case "d": {
      const baseType = str(r["domain_base"])
      const dflt = r["domain_default"] === null || r["domain_default"] === undefined ? undefined : str(r["domain_default"])
      const domain: DomainTypeMetadata = {
        name: str(r["type_name"]),
        ...owner,
        baseType,
        checks: strings(r["domain_checks"]),
        ...(r["domain_not_null"] === true ? { notNull: true } : {}),
        ...(dflt === undefined ? {} : { default: dflt })
      }
      return { parsed: parseType(baseType), fields: { domain } }
    }
  }
  const element = r["element_type"] === null || r["element_type"] === undefined ? undefined : str(r["element_type"])
  if (element === undefined) return { fields: {} }
  const enumName = r["element_enum_name"] === null || r["element_enum_name"] === undefined ? undefined : str(r["element_enum_name"])
  if (enumName !== undefined) {
    const enumSchema = str(r["element_enum_schema"])
    const enumType: EnumTypeMetadata = {
      name: enumName,
      ...(enumSchema === tableSchema ? {} : { schema: enumSchema }),
      labels: strings(r["element_enum_labels"])
    }
    return { parsed: { type: "other" }, fields: { array: { element: "other", elementDbType: enumName, ...dimensionsOf(r), enum: enumType } } }
  }
  return { parsed: { type: "other" }, fields: { array: { element: parseType(element).type, elementDbType: element, ...dimensionsOf(r) } } }
}

const groupBy = (rows: ReadonlyArray<Record<string, unknown>>): Map<string, Array<Record<string, unknown>>> => {
  const out = new Map<string, Array<Record<string, unknown>>>()
  for (const r of rows) {
    const k = str(r["table_name"])
    const list = out.get(k)
    if (list === undefined) out.set(k, [r])
    else list.push(r)
  }
  return out
}

const buildTable = (
  name: string,
  schema: string | undefined,
  schemaName: string,
  columnRows: ReadonlyArray<Record<string, unknown>>,
  constraintRows: ReadonlyArray<Record<string, unknown>>,
  indexRows: ReadonlyArray<Record<string, unknown>>,
  partitionRow: Record<string, unknown> | undefined,
  triggerRows: ReadonlyArray<Record<string, unknown>>
): TableMetadata => {
  const checks = new Map<string, Array<string | number>>()
  let primaryKey: Array<string> = []
  const uniques: Array<UniqueMetadata> = []
  const foreignKeys: Array<ForeignKeyMetadata> = []
  for (const r of constraintRows) {
    const columns = strings(r["columns"])
    switch (str(r["kind"])) {
      case "p":
        primaryKey = columns
        break
      case "u":
        uniques.push({ name: str(r["name"]), columns })
        break
      case "f": {
        const refSchema = str(r["ref_schema"])
        foreignKeys.push({
          name: str(r["name"]),
          columns,
          references: {
            table: str(r["ref_table"]),
            ...(refSchema !== schemaName ? { schema: refSchema } : {}),
            columns: strings(r["ref_columns"])
          },
          onDelete: ACTIONS[str(r["on_delete"])] ?? "no action",
          onUpdate: ACTIONS[str(r["on_update"])] ?? "no action"
        })
        break
      }
      case "c": {
        if (columns.length !== 1) break
        const tokens = tokenize(str(r["def"]), lexRules)
        const parsed = tokens === undefined ? undefined : parseInCheck(tokens)
        if (parsed !== undefined && parsed.column === columns[0] && !checks.has(parsed.column)) {
          checks.set(parsed.column, parsed.values)
        }
        break
      }
    }
  }
  const columns = columnRows.map((r) => {
    const columnName = str(r["name"])
    const dbType = str(r["db_type"])
    const dflt = r["default_expr"] === null || r["default_expr"] === undefined ? undefined : str(r["default_expr"])
    const serial = dflt !== undefined && SERIAL_DEFAULT.test(dflt)
    const identity = str(r["identity"]) === "a" || str(r["identity"]) === "d"
    const kind = typeKind(r, schemaName)
    return {
      ...reflectedColumn({
        name: columnName,
        dbType,
        parsed: kind.parsed ?? parseType(dbType),
        nullable: r["not_null"] !== true,
        default: serial ? undefined : dflt,
        autoIncrement: identity || serial,
        check: checks.get(columnName)
      }),
      ...(identity ? { identity: str(r["identity"]) === "a" ? "always" as const : "byDefault" as const } : {}),
      ...(serial && !identity ? { serial: true } : {}),
      ...kind.fields
    }
  })
  const indexes: Array<IndexMetadata> = indexRows.map((r) => {
    const method = str(r["method"])
    const predicate = r["predicate"] === null || r["predicate"] === undefined ? undefined : str(r["predicate"])
    const expressions = r["has_expressions"] === true
    return {
      name: str(r["name"]),
      columns: expressions ? [] : strings(r["columns"]),
      unique: r["is_unique"] === true,
      ...(method === "btree" ? {} : { method }),
      ...(predicate === undefined ? {} : { where: predicate }),
      ...(expressions ? { expressions: strings(r["key_texts"]) } : {})
    }
  })
  const partitionNames = strings(partitionRow?.["partition_names"])
  const partitionBounds = strings(partitionRow?.["partition_bounds"])
  return {
    name,
    ...(schema === undefined ? {} : { schema }),
    columns,
    primaryKey,
    uniques,
    indexes,
    foreignKeys,
    ...(partitionRow === undefined ? {} : {
      partitionBy: str(partitionRow["partition_by"]),
      partitions: partitionNames.map((n, i) => ({ name: n, bound: partitionBounds[i] ?? "" }))
    }),
    ...(triggerRows.length === 0 ? {} : { triggers: triggerRows.map(triggerOf) })
  }
}

/** @internal */
export const introspect: SchemaDialect["introspect"] = (run, options) =>
  Effect.gen(function*() {
    const schemaName = options.schema ?? str((yield* run("SELECT current_schema() AS s"))[0]?.["s"])
    const wanted = options.tables === undefined ? undefined : new Set(options.tables)
    const tableRows = yield* run(TABLES, [schemaName])
    const names = tableRows.map((r) => str(r["name"])).filter((n) => wanted === undefined || wanted.has(n))
    if (names.length === 0) return { tables: [] }
    const [columns, constraints, indexes, partitions, triggers] = yield* Effect.all([
      run(COLUMNS, [schemaName]),
      run(CONSTRAINTS, [schemaName]),
      run(INDEXES, [schemaName]),
      run(PARTITIONS, [schemaName]),
      run(TRIGGERS, [schemaName])
    ])
    const views = wanted === undefined ? yield* run(VIEWS, [schemaName]) : []
    const columnsBy = groupBy(columns)
    const constraintsBy = groupBy(constraints)
    const indexesBy = groupBy(indexes)
    const partitionsBy = new Map(partitions.map((r) => [str(r["table_name"]), r]))
    const triggersBy = groupBy(triggers)
    // Tables of the default schema are reported without one, like declared tables.
    const schema = options.schema
    return {
      tables: names.map((n) =>
        buildTable(
          n,
          schema,
          schemaName,
          columnsBy.get(n) ?? [],
          constraintsBy.get(n) ?? [],
          indexesBy.get(n) ?? [],
          partitionsBy.get(n),
          triggersBy.get(n) ?? []
        )
      ),
      ...(views.length === 0 ? {} : {
        views: views.map((v): ViewMetadata => ({
          name: str(v["name"]),
          ...(schema === undefined ? {} : { schema }),
          definition: str(v["definition"]),
          ...(v["materialized"] === true ? { materialized: true } : {}),
          ...((triggersBy.get(str(v["name"])) ?? []).length === 0 ? {} : {
            triggers: triggersBy.get(str(v["name"]))!.map(triggerOf)
          })
        }))
      })
    }
  })
