/**
 * Reads SQLite's catalog back into `Metadata`, through the table-valued
 * pragma functions (so table names are bound parameters, never spliced).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type {
  ForeignKeyMetadata,
  IndexMetadata,
  ReferentialAction,
  TableMetadata,
  TriggerMetadata,
  UniqueMetadata,
  ViewMetadata
} from "../../../Metadata.js"
import { group, parseInCheck, tokenize } from "../../schema/sqlText.js"
import { lexRules } from "./lexer.js"
import { reflectedColumn, str } from "../introspectCommon.js"
import type { Run, SchemaDialect, TableName } from "../schemaDialect.js"
import { indexParts, triggerParts, viewQuery } from "./catalogText.js"
import { parseType } from "./ddl.js"

const num = (v: unknown): number => Number(v)

/** @internal */
export const existingTables: SchemaDialect["existingTables"] = (run, tables) =>
  run(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (SELECT value FROM json_each(?))",
    [JSON.stringify(tables.map((t) => t.name))]
  ).pipe(Effect.map((rows): ReadonlyArray<TableName> => rows.map((r) => ({ name: str(r["name"]) }))))

const ACTIONS: Record<string, ReferentialAction> = {
  "CASCADE": "cascade",
  "RESTRICT": "restrict",
  "SET NULL": "set null",
  "SET DEFAULT": "set default",
  "NO ACTION": "no action"
}

const action = (v: unknown): ReferentialAction => ACTIONS[str(v).toUpperCase()] ?? "no action"

/** Column-level and table-level `CHECK (col IN (...))` constraints, from the CREATE TABLE text. */
const checksOf = (sql: string): Map<string, Array<string | number>> => {
  const out = new Map<string, Array<string | number>>()
  const tokens = tokenize(sql, lexRules)
  if (tokens === undefined) return out
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    if (t.t !== "id" || t.quoted || t.v.toUpperCase() !== "CHECK") continue
    const g = group(tokens, i + 1)
    if (g === undefined) continue
    const parsed = parseInCheck(g.inner)
    if (parsed !== undefined && !out.has(parsed.column.toLowerCase())) out.set(parsed.column.toLowerCase(), parsed.values)
    i = g.end - 1
  }
  return out
}

const reflectTable = (run: Run, name: string, sql: string) =>
  Effect.gen(function*() {
    const columnRows = yield* run(
      "SELECT cid, name, type, \"notnull\" AS not_null, dflt_value, pk FROM pragma_table_info(?) ORDER BY cid",
      [name]
    )
    const primaryKey = columnRows
      .filter((r) => num(r["pk"]) > 0)
      .sort((a, b) => num(a["pk"]) - num(b["pk"]))
      .map((r) => str(r["name"]))
    const checks = checksOf(sql)
    const columns = columnRows.map((r) => {
      const columnName = str(r["name"])
      const dbType = str(r["type"])
      const parsed = parseType(dbType)
      const rowid = primaryKey.length === 1 && primaryKey[0] === columnName && dbType.trim().toUpperCase() === "INTEGER"
      const check = checks.get(columnName.toLowerCase())
      const impliedBooleanCheck = parsed.type === "boolean" && check !== undefined && check.every((v) => v === 0 || v === 1)
      return reflectedColumn({
        name: columnName,
        dbType,
        parsed,
        nullable: num(r["not_null"]) === 0 && !primaryKey.includes(columnName),
        default: r["dflt_value"] === null || r["dflt_value"] === undefined ? undefined : str(r["dflt_value"]),
        autoIncrement: rowid,
        check: impliedBooleanCheck ? undefined : check
      })
    })

    const uniques: Array<UniqueMetadata> = []
    const indexes: Array<IndexMetadata> = []
    const indexRows = yield* run(
      "SELECT name, \"unique\" AS is_unique, origin, partial FROM pragma_index_list(?) ORDER BY name",
      [name]
    )
    for (const ir of indexRows) {
      const origin = str(ir["origin"])
      if (origin === "pk") continue
      const cols = yield* run("SELECT seqno, cid, name FROM pragma_index_info(?) ORDER BY seqno", [str(ir["name"])])
      const columnsOfIndex = cols.map((c) => str(c["name"]))
      if (origin === "u") {
        uniques.push({ columns: columnsOfIndex })
        continue
      }
      // Expression keys have no column name, and a predicate is only in the index's SQL text.
      const expression = cols.some((c) => c["name"] === null || num(c["cid"]) < 0)
      const partial = num(ir["partial"]) === 1
      const parts = expression || partial ? indexParts(str((yield* run(INDEX_SQL, [str(ir["name"])]))[0]?.["sql"])) : undefined
      if ((expression || partial) && parts === undefined) continue
      indexes.push({
        name: str(ir["name"]),
        columns: expression ? [] : columnsOfIndex,
        unique: num(ir["is_unique"]) === 1,
        ...(partial && parts?.where !== undefined ? { where: parts.where } : {}),
        ...(expression && parts !== undefined ? { expressions: parts.keys } : {})
      })
    }

    const fkRows = yield* run(
      "SELECT id, seq, \"table\" AS ref_table, \"from\" AS col, \"to\" AS ref_col, on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq",
      [name]
    )
    const byId = new Map<number, Array<Record<string, unknown>>>()
    for (const r of fkRows) {
      const id = num(r["id"])
      byId.set(id, [...(byId.get(id) ?? []), r])
    }
    const foreignKeys: Array<ForeignKeyMetadata> = []
    for (const rows of byId.values()) {
      const first = rows[0]!
      const refTable = str(first["ref_table"])
      let refColumns = rows.map((r) => r["ref_col"])
      if (refColumns.some((c) => c === null || c === undefined)) {
        // `REFERENCES parent` without columns means the parent's primary key.
        const parentColumns = yield* run("SELECT name, pk FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", [refTable])
        refColumns = parentColumns.map((c) => c["name"])
      }
      foreignKeys.push({
        columns: rows.map((r) => str(r["col"])),
        references: { table: refTable, columns: refColumns.map(str) },
        onDelete: action(first["on_delete"]),
        onUpdate: action(first["on_update"])
      })
    }
    const triggers = triggersOf(yield* run(TRIGGERS, [name]))
    return {
      name,
      columns,
      primaryKey,
      uniques,
      indexes,
      foreignKeys,
      ...(triggers.length === 0 ? {} : { triggers })
    } satisfies TableMetadata
  })

const triggersOf = (rows: ReadonlyArray<Record<string, unknown>>): Array<TriggerMetadata> =>
  rows.flatMap((r) => {
    const t = triggerParts(str(r["name"]), str(r["sql"]))
    return t === undefined ? [] : [t]
  })

const INDEX_SQL = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?"
const TRIGGERS = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? ORDER BY name"
const VIEWS = "SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY name"

/** @internal */
export const introspect: SchemaDialect["introspect"] = (run, options) =>
  Effect.gen(function*() {
    const rows = options.tables === undefined
      ? yield* run(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
      )
      : yield* run(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name IN (SELECT value FROM json_each(?)) ORDER BY name",
        [JSON.stringify(options.tables)]
      )
    const tables = yield* Effect.forEach(rows, (r) => reflectTable(run, str(r["name"]), str(r["sql"])))
    const views = options.tables === undefined ? yield* run(VIEWS) : []
    return {
      tables,
      ...(views.length === 0 ? {} : {
        views: yield* Effect.forEach(views, (v) =>
          Effect.map(run(TRIGGERS, [str(v["name"])]), (rows): ViewMetadata => {
            const triggers = triggersOf(rows)
            return {
              name: str(v["name"]),
              definition: viewQuery(str(v["sql"])),
              ...(triggers.length === 0 ? {} : { triggers })
            }
          }))
      })
    }
  })
