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
  PartitionMetadata,
  TableMetadata,
  TriggerMetadata,
  UniqueMetadata,
  ViewMetadata
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

const renderSpaced = (tokens: ReadonlyArray<Token>): string =>
  tokens.map((t) => {
    switch (t.t) {
      case "str":
        return quoteString(t.v)
      case "id":
        // A quoted name that needs no quotes reads the same unquoted (`"id"` is `id`).
        return !t.quoted || /^[a-z_][a-z0-9_]*$/.test(t.v) ? t.v.toUpperCase() : `"${t.v.split("\"").join("\"\"")}"`
      default:
        return t.v
    }
  }).join(" ")

/**
 * SQL text (an index predicate or key, a partition key, a view query, a
 * trigger body) in a form that is equal for the same text however it was
 * spaced, cased, commented, cast or wrapped in parentheses, which is how the
 * catalogs print back what was written.
 *
 * @internal
 */
export const canonicalSql = (text: string, rules: LexRules): string => {
  const raw = tokenize(text, rules)
  if (raw === undefined) return text.trim().replace(/\s+/g, " ")
  let tokens = foldNegatives(stripCasts(raw.filter((t) => t.t !== "comment")))
  while (tokens.length > 0 && tokens[tokens.length - 1]!.t === "op" && tokens[tokens.length - 1]!.v === ";") {
    tokens = tokens.slice(0, -1)
  }
  for (;;) {
    const g = group(tokens, 0)
    if (g === undefined || g.end !== tokens.length) break
    tokens = g.inner
  }
  return renderSpaced(tokens)
}

/** Across dialects, parentheses are dropped too: PostgreSQL parenthesizes every sub-expression it prints. */
const meaningSql = (text: string): string => text.split(" ").filter((t) => t !== "(" && t !== ")").join(" ")

const normalizeIndex = (index: IndexMetadata, rules: LexRules): IndexMetadata => {
  const { expressions, method, where, ...rest } = index
  const m = method?.toLowerCase()
  return {
    ...rest,
    columns: [...index.columns],
    ...(m === undefined || m === "btree" ? {} : { method: m }),
    ...(where === undefined ? {} : { where: canonicalSql(where, rules) }),
    ...(expressions === undefined ? {} : { expressions: expressions.map((e) => canonicalSql(e, rules)) })
  }
}

const normalizeTrigger = (trigger: TriggerMetadata, rules: LexRules): TriggerMetadata => {
  const { when, ...rest } = trigger
  return {
    ...rest,
    timing: trigger.timing.toLowerCase() as TriggerMetadata["timing"],
    events: Array.from(new Set(trigger.events.map((e) => e.toLowerCase()))).sort(),
    forEach: trigger.forEach.toLowerCase() as TriggerMetadata["forEach"],
    action: canonicalSql(trigger.action, rules),
    ...(when === undefined ? {} : { when: canonicalSql(when, rules) })
  }
}

const normalizeView = (view: ViewMetadata, rules: LexRules): ViewMetadata => {
  const { materialized, schema, triggers, ...rest } = view
  return {
    ...rest,
    ...(schema === undefined ? {} : { schema }),
    definition: canonicalSql(view.definition, rules),
    ...(materialized === true ? { materialized } : {}),
    ...(triggers === undefined || triggers.length === 0 ? {} : {
      triggers: triggers.map((t) => normalizeTrigger(t, rules)).sort(byKey((t) => t.name))
    })
  }
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
const indexKey = (i: IndexMetadata): string =>
  (i.expressions === undefined ? key(i.columns) : `(${i.expressions.join(", ")})`) + (i.unique ? " unique" : "") +
  (i.method === undefined ? "" : ` using ${i.method}`) + (i.where === undefined ? "" : ` where ${i.where}`)
const partitionKey = (p: PartitionMetadata): string => `${p.name} ${p.bound}`
const viewKey = (v: ViewMetadata): string =>
  `${v.schema === undefined ? "" : `${v.schema}.`}${v.name}${v.materialized === true ? " (materialized)" : ""}` +
  `${v.definition === "" ? "" : ` AS ${v.definition}`}${(v.triggers ?? []).map((t) => `; trigger ${triggerKey(t)}`).join("")}`
const triggerKey = (t: TriggerMetadata): string =>
  `${t.name}: ${t.timing} ${t.events.join(" or ")} for each ${t.forEach}${t.when === undefined ? "" : ` when ${t.when}`}${t.action === "" ? "" : ` do ${t.action}`}`
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
  // Rename hints say where a column came from, not what it is.
  const { check, default: dflt, length, enum: enumType, domain, array, renamedFrom: _renamedFrom, ...rest } = c
  // A type in the table's own schema is named without one, as reflection reports it.
  const ownSchema = <T extends { readonly schema?: string }>(t: T): T => {
    if (t.schema === undefined || t.schema !== table.schema) return t
    const { schema: _schema, ...unqualified } = t
    return unqualified as T
  }
  return {
    ...rest,
    ...(enumType === undefined ? {} : { enum: ownSchema(enumType) }),
    ...(array === undefined ? {} : { array: array.enum === undefined ? array : { ...array, enum: ownSchema(array.enum) } }),
    ...(domain === undefined ? {} : { domain: canonicalDomain(ownSchema(domain), c.type, schemaDialect.lexRules) }),
    ...(length !== undefined && (c.type === "varchar" || c.type === "char") ? { length } : {}),
    ...(dflt !== undefined && !c.autoIncrement ? { default: canonicalDefault(dflt, c.type, schemaDialect.lexRules) } : {}),
    ...(check !== undefined && check.length > 0 ? { check: sortValues(check) } : {})
  }
}

const normalizeTable = (table: TableMetadata, dialect: Dialect): TableMetadata => {
  const { partitionBy, partitions, schema, triggers, renamedFrom: _renamedFrom, ...rest } = table
  const rules = schemaDialects[dialect].lexRules
  return {
    ...rest,
    ...(schema === undefined ? {} : { schema }),
    ...(partitionBy === undefined ? {} : { partitionBy: canonicalSql(partitionBy, rules) }),
    ...(partitions === undefined || partitions.length === 0 ? {} : {
      partitions: partitions.map((p) => ({ name: p.name, bound: canonicalSql(p.bound, rules) })).sort(byKey(partitionKey))
    }),
    ...(triggers === undefined || triggers.length === 0 ? {} : {
      triggers: triggers.map((t) => normalizeTrigger(t, rules)).sort(byKey((t) => t.name))
    }),
    columns: table.columns.map((c) => normalizeColumn(c, table, dialect)),
    primaryKey: [...table.primaryKey],
    uniques: table.uniques.map((u) => ({ ...u, columns: [...u.columns] })).sort(byKey(uniqueKey)),
    indexes: table.indexes.map((i) => normalizeIndex(i, rules)).sort(byKey(indexKey)),
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
export const normalize = (metadata: Metadata, dialect: Dialect): Metadata => {
  const rules = schemaDialects[dialect].lexRules
  return {
    tables: metadata.tables.map((t) => normalizeTable(t, dialect)).sort(byKey(tableKey)),
    ...(metadata.views === undefined || metadata.views.length === 0 ? {} : {
      views: metadata.views.map((v) => normalizeView(v, rules)).sort(byKey(tableKey))
    })
  }
}

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

/**
 * The dialects of the two sides of a comparison: one for both, or each its
 * own (a schema copied from one database to another).
 *
 * @internal
 */
export type DiffDialects = Dialect | { readonly expected: Dialect; readonly actual: Dialect }

const INTEGER_KINDS: ReadonlySet<NeutralType> = new Set(["smallint", "integer", "bigint"])

/**
 * What two dialects can both say, for comparing a schema with its copy in
 * the other dialect: SQLite stores every float in 8 bytes and every
 * auto-incremented key as its 64-bit rowid, the two print SQL differently
 * (so views and trigger bodies compare by name), and SQLite has one index
 * method.
 */
const meaningOf = (metadata: Metadata): Metadata => ({
  tables: metadata.tables.map((t): TableMetadata => {
    const { triggers, partitionBy, ...rest } = t
    return {
      ...rest,
      ...(partitionBy === undefined ? {} : { partitionBy: meaningSql(partitionBy) }),
      columns: t.columns.map(columnMeaning),
      indexes: t.indexes.map((i) => {
        const { expressions, where, ...r } = i
        return {
          ...r,
          ...(where === undefined ? {} : { where: meaningSql(where) }),
          ...(expressions === undefined ? {} : { expressions: expressions.map(meaningSql) })
        }
      }),
      ...(triggers === undefined ? {} : {
        triggers: triggers.map((tr) => ({ name: tr.name, timing: tr.timing, events: tr.events, forEach: tr.forEach, action: "", definition: "" }))
      })
    }
  }),
  ...(metadata.views === undefined ? {} : {
    views: metadata.views.map((v) => ({
      name: v.name,
      definition: "",
      ...(v.triggers === undefined ? {} : {
        triggers: v.triggers.map((tr) => ({ name: tr.name, timing: tr.timing, events: tr.events, forEach: tr.forEach, action: "", definition: "" }))
      })
    }))
  })
})

/**
 * A column as both dialects can say it: SQLite has no identity kinds,
 * serials, domains or native arrays, and an enum is a text column whose
 * CHECK lists the labels there.
 */
const columnMeaning = (column: ColumnMetadata): ColumnMetadata => {
  const { array: _array, domain: _domain, enum: enumType, identity: _identity, serial: _serial, ...rest } = column
  const c: ColumnMetadata = enumType !== undefined && rest.check === undefined ? { ...rest, check: sortValues(enumType.labels) } : rest
  return c.type === "real"
    ? { ...c, type: "double" }
    : c.autoIncrement && INTEGER_KINDS.has(c.type)
    ? { ...c, type: "integer" }
    : c
}

/** @internal */
export const diff = (expected: Metadata, actual: Metadata, dialects: DiffDialects): ReadonlyArray<Difference> => {
  const across = typeof dialects !== "string" && dialects.expected !== dialects.actual
  const expectedDialect = typeof dialects === "string" ? dialects : dialects.expected
  const actualDialect = typeof dialects === "string" ? dialects : dialects.actual
  const e = across ? meaningOf(normalize(expected, expectedDialect)) : normalize(expected, expectedDialect)
  const a = across ? meaningOf(normalize(actual, actualDialect)) : normalize(actual, actualDialect)
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
    if (et.partitionBy !== at.partitionBy) {
      out.push({
        path: `${tk}.partitionBy`,
        kind: "changed",
        expected: et.partitionBy,
        actual: at.partitionBy,
        message: `${tk}.partitionBy: expected ${JSON.stringify(et.partitionBy ?? null)}, got ${JSON.stringify(at.partitionBy ?? null)}`
      })
    }
    diffList(out, `${tk}.partitions`, et.partitions ?? [], at.partitions ?? [], partitionKey)
    diffList(out, `${tk}.triggers`, et.triggers ?? [], at.triggers ?? [], triggerKey)
  }
  diffList(out, "views", e.views ?? [], a.views ?? [], viewKey)
  for (const at of actualTables.values()) {
    const tk = tableKey(at)
    out.push({ path: tk, kind: "unexpected", actual: at, message: `table ${tk} is not declared` })
  }
  return out
}
