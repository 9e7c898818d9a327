/**
 * Canonical form and comparison of `Metadata`.
 *
 * @internal
 */
import type {
  ColumnMetadata,
  Difference,
  Dialect,
  DomainTypeMetadata,
  ForeignKeyMetadata,
  IndexMetadata,
  Metadata,
  NeutralType,
  TableMetadata,
  UniqueMetadata
} from "../../Metadata.js"
import { schemaDialects } from "../dialect/schemaDialects.js"
import { foldNegatives, group, type LexRules, quoteString, stripCasts, type Token, tokenize } from "./sqlText.js"

const NUMERIC: ReadonlySet<NeutralType> = new Set(["smallint", "integer", "bigint", "real", "double", "numeric"])
const NUMBER_TEXT = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

const canonicalNumber = (text: string, type: NeutralType): string => {
  if (type === "boolean" && (Number(text) === 0 || Number(text) === 1)) return Number(text) === 1 ? "TRUE" : "FALSE"
  if (/^-?\d+$/.test(text)) return BigInt(text).toString()
  return String(Number(text))
}

const stableJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v)

const canonicalString = (text: string, type: NeutralType): string => {
  if (NUMERIC.has(type) && NUMBER_TEXT.test(text.trim())) return canonicalNumber(text.trim(), type)
  if (type === "boolean") {
    const t = text.trim().toLowerCase()
    if (["t", "true", "1", "y", "yes", "on"].includes(t)) return "TRUE"
    if (["f", "false", "0", "n", "no", "off"].includes(t)) return "FALSE"
  }
  if (type === "timestamp" || type === "datetime") {
    const ms = Date.parse(text)
    if (!Number.isNaN(ms)) return quoteString(new Date(ms).toISOString())
  }
  if (type === "json") {
    try {
      return quoteString(stableJson(JSON.parse(text)))
    } catch {
      // not JSON: compare as text
    }
  }
  return quoteString(text)
}

const render = (tokens: ReadonlyArray<Token>): string =>
  tokens.map((t) => {
    switch (t.t) {
      case "str":
        return quoteString(t.v)
      case "id":
        return t.quoted ? `"${t.v.split("\"").join("\"\"")}"` : t.v.toUpperCase()
      default:
        return t.v
    }
  }).join("")

/**
 * A DEFAULT expression in a form that is equal for equal defaults, whatever
 * the dialect printed (`'a'::text`, `('a')`, `(-1)`, `'-1'::integer`, `true`).
 *
 * @internal
 */
export const canonicalDefault = (expr: string, type: NeutralType, rules: LexRules): string => {
  const raw = tokenize(expr, rules)
  if (raw === undefined) return expr.trim()
  let tokens = foldNegatives(stripCasts(raw.filter((t) => t.t !== "comment")))
  for (;;) {
    const g = group(tokens, 0)
    if (g === undefined || g.end !== tokens.length) break
    tokens = foldNegatives(stripCasts(g.inner))
  }
  if (tokens.length === 1) {
    const t = tokens[0]!
    if (t.t === "str") return canonicalString(t.v, type)
    if (t.t === "num") return canonicalNumber(t.v, type)
  }
  return render(tokens)
}

/**
 * A domain's checks and default in a form equal for equal text whatever
 * PostgreSQL added around it (`CHECK ((VALUE > 0))` for `CHECK (VALUE > 0)`,
 * casts on literals); checks are sorted. Parentheses PostgreSQL adds inside
 * an expression are kept, so a check is compared as PostgreSQL prints it.
 */
const canonicalDomain = (domain: DomainTypeMetadata, type: NeutralType, rules: LexRules): DomainTypeMetadata => {
  const { default: dflt, ...rest } = domain
  return {
    ...rest,
    checks: domain.checks.map((check) => {
      const m = /^\s*CHECK\s*([\s\S]*)$/i.exec(check)
      return m === undefined || m === null ? check.trim() : `CHECK (${canonicalDefault(m[1]!, type, rules)})`
    }).sort(),
    ...(dflt === undefined ? {} : { default: canonicalDefault(dflt, type, rules) })
  }
}

const sortValues = (values: ReadonlyArray<string | number>): Array<string | number> =>
  Array.from(new Set(values)).sort((a, b) =>
    typeof a === typeof b ? (a < b ? -1 : a > b ? 1 : 0) : typeof a === "number" ? -1 : 1
  )

const key = (columns: ReadonlyArray<string>): string => JSON.stringify(columns)

const byKey = <A>(f: (a: A) => string) => (a: A, b: A): number => {
  const ka = f(a)
  const kb = f(b)
  return ka < kb ? -1 : ka > kb ? 1 : 0
}

const uniqueKey = (u: UniqueMetadata): string => key(u.columns)
const indexKey = (i: IndexMetadata): string => key(i.columns) + (i.unique ? " unique" : "")
const fkKey = (fk: ForeignKeyMetadata): string =>
  JSON.stringify([fk.columns, fk.references.schema ?? null, fk.references.table, fk.references.columns, fk.onDelete, fk.onUpdate])

const normalizeColumn = (column: ColumnMetadata, table: TableMetadata, dialect: Dialect): ColumnMetadata => {
  const inKey = table.primaryKey.includes(column.name)
  const base: ColumnMetadata = {
    ...column,
    nullable: inKey ? false : column.nullable
  }
  const schemaDialect = schemaDialects[dialect]
  const c = schemaDialect.normalizeColumn(base, table)
  const { check, default: dflt, length, enum: enumType, domain, ...rest } = c
  // A type in the table's own schema is named without one, as reflection reports it.
  const ownSchema = <T extends { readonly schema?: string }>(t: T): T => {
    if (t.schema === undefined || t.schema !== table.schema) return t
    const { schema: _schema, ...unqualified } = t
    return unqualified as T
  }
  return {
    ...rest,
    ...(enumType === undefined ? {} : { enum: ownSchema(enumType) }),
    ...(domain === undefined ? {} : { domain: canonicalDomain(ownSchema(domain), c.type, schemaDialect.lexRules) }),
    ...(length !== undefined && (c.type === "varchar" || c.type === "char") ? { length } : {}),
    ...(dflt !== undefined && !c.autoIncrement ? { default: canonicalDefault(dflt, c.type, schemaDialect.lexRules) } : {}),
    ...(check !== undefined && check.length > 0 ? { check: sortValues(check) } : {})
  }
}

const normalizeTable = (table: TableMetadata, dialect: Dialect): TableMetadata => {
  const { schema, ...rest } = table
  return {
    ...rest,
    ...(schema === undefined ? {} : { schema }),
    columns: table.columns.map((c) => normalizeColumn(c, table, dialect)),
    primaryKey: [...table.primaryKey],
    uniques: table.uniques.map((u) => ({ ...u, columns: [...u.columns] })).sort(byKey(uniqueKey)),
    indexes: table.indexes.map((i) => ({ ...i, columns: [...i.columns] })).sort(byKey(indexKey)),
    foreignKeys: table.foreignKeys.map((fk): ForeignKeyMetadata => {
      const { schema: refSchema, ...ref } = fk.references
      return {
        ...fk,
        references: {
          ...ref,
          columns: [...ref.columns],
          ...(refSchema === undefined || refSchema === table.schema ? {} : { schema: refSchema })
        },
        onDelete: fk.onDelete.toLowerCase() as ForeignKeyMetadata["onDelete"],
        onUpdate: fk.onUpdate.toLowerCase() as ForeignKeyMetadata["onUpdate"]
      }
    }).sort(byKey(fkKey))
  }
}

const tableKey = (t: { readonly name: string; readonly schema?: string | undefined }): string =>
  t.schema === undefined ? t.name : `${t.schema}.${t.name}`

/** @internal */
export const normalize = (metadata: Metadata, dialect: Dialect): Metadata => ({
  tables: metadata.tables.map((t) => normalizeTable(t, dialect)).sort(byKey(tableKey))
})

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

const namesAgree = (a: { readonly name?: string | undefined }, b: { readonly name?: string | undefined }): boolean =>
  a.name === undefined || b.name === undefined || a.name === b.name

const diffList = <A extends { readonly name?: string | undefined }>(
  out: Array<Difference>,
  path: string,
  expected: ReadonlyArray<A>,
  actual: ReadonlyArray<A>,
  keyOf: (a: A) => string
): void => {
  const remaining = [...actual]
  for (const e of expected) {
    const i = remaining.findIndex((a) => keyOf(a) === keyOf(e) && namesAgree(a, e))
    if (i >= 0) remaining.splice(i, 1)
    else out.push({ path, kind: "missing", expected: e, message: `${path}: missing ${keyOf(e)}` })
  }
  for (const a of remaining) {
    out.push({ path, kind: "unexpected", actual: a, message: `${path}: unexpected ${keyOf(a)}` })
  }
}

const COLUMN_PROPS = ["type", "length", "nullable", "default", "autoIncrement", "check", "identity", "serial", "enum", "domain", "array"] as const

/** @internal */
export const diff = (expected: Metadata, actual: Metadata, dialect: Dialect): ReadonlyArray<Difference> => {
  const e = normalize(expected, dialect)
  const a = normalize(actual, dialect)
  const out: Array<Difference> = []
  const actualTables = new Map(a.tables.map((t) => [tableKey(t), t]))
  for (const et of e.tables) {
    const tk = tableKey(et)
    const at = actualTables.get(tk)
    if (at === undefined) {
      out.push({ path: tk, kind: "missing", expected: et, message: `table ${tk} is missing` })
      continue
    }
    actualTables.delete(tk)
    const actualColumns = new Map(at.columns.map((c) => [c.name, c]))
    for (const ec of et.columns) {
      const path = `${tk}.${ec.name}`
      const ac = actualColumns.get(ec.name)
      if (ac === undefined) {
        out.push({ path, kind: "missing", expected: ec, message: `column ${path} is missing` })
        continue
      }
      actualColumns.delete(ec.name)
      for (const prop of COLUMN_PROPS) {
        if (!same(ec[prop], ac[prop])) {
          out.push({
            path: `${path}.${prop}`,
            kind: "changed",
            expected: ec[prop],
            actual: ac[prop],
            message: `${path}.${prop}: expected ${JSON.stringify(ec[prop])}, got ${JSON.stringify(ac[prop])}`
          })
        }
      }
    }
    for (const ac of actualColumns.values()) {
      const path = `${tk}.${ac.name}`
      out.push({ path, kind: "unexpected", actual: ac, message: `column ${path} is not declared` })
    }
    if (!same(et.primaryKey, at.primaryKey)) {
      out.push({
        path: `${tk}.primaryKey`,
        kind: "changed",
        expected: et.primaryKey,
        actual: at.primaryKey,
        message: `${tk}.primaryKey: expected ${JSON.stringify(et.primaryKey)}, got ${JSON.stringify(at.primaryKey)}`
      })
    }
    diffList(out, `${tk}.uniques`, et.uniques, at.uniques, uniqueKey)
    diffList(out, `${tk}.indexes`, et.indexes, at.indexes, indexKey)
    diffList(out, `${tk}.foreignKeys`, et.foreignKeys, at.foreignKeys, fkKey)
  }
  for (const at of actualTables.values()) {
    const tk = tableKey(at)
    out.push({ path: tk, kind: "unexpected", actual: at, message: `table ${tk} is not declared` })
  }
  return out
}
