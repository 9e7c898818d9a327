/**
 * Random schemas written as each dialect's own DDL (not through `createAll`,
 * so reflection meets what people write by hand): 2–4 tables of columns of
 * the neutral types with nullability, defaults and lengths, single or
 * composite primary keys (sometimes generated), UNIQUE constraints, plain,
 * unique, partial and expression indexes, foreign keys with actions between
 * the tables (and to themselves), CHECK lists and, on PostgreSQL, enum types.
 */
import fc from "fast-check"
import type { Dialect, ReferentialAction } from "../../src/Metadata.js"

const quote = (name: string) => `"${name}"`
const literal = (s: string) => `'${s.replaceAll("'", "''")}'`

interface ColumnType {
  readonly spelled: Readonly<Record<Dialect, string>>
  /** Usable in keys (and referenced by foreign keys). */
  readonly keyable: boolean
  readonly defaults: fc.Arbitrary<Readonly<Record<Dialect, string>>>
}

const same = (sql: string) => ({ sqlite: sql, pg: sql })
const both = (sqlite: string, pg: string) => ({ sqlite, pg })
const none = fc.constant(undefined)

const text = fc.oneof(fc.string({ maxLength: 8 }).filter((s) => !s.includes("\u0000") && !s.includes("\\")), fc.constantFrom("", "'", "a'b\"c", "draft"))

const types: ReadonlyArray<fc.Arbitrary<ColumnType>> = [
  fc.constant({ spelled: both("SMALLINT", "smallint"), keyable: true, defaults: fc.integer({ min: -300, max: 300 }).map((n) => same(String(n))) }),
  fc.constant({ spelled: both("INTEGER", "integer"), keyable: true, defaults: fc.integer().map((n) => same(String(n))) }),
  fc.constant({ spelled: both("BIGINT", "bigint"), keyable: true, defaults: fc.integer().map((n) => same(String(n))) }),
  fc.constant({ spelled: both("REAL", "real"), keyable: false, defaults: fc.constantFrom("1.5", "0", "-2.25").map(same) }),
  fc.constant({ spelled: both("DOUBLE PRECISION", "double precision"), keyable: false, defaults: fc.constantFrom("3.125", "-1").map(same) }),
  fc.constant({ spelled: both("NUMERIC(10, 2)", "numeric(10,2)"), keyable: false, defaults: fc.constantFrom("0", "12.50").map(same) }),
  fc.constant({ spelled: both("TEXT", "text"), keyable: true, defaults: text.map((s) => same(literal(s))) }),
  fc.integer({ min: 1, max: 40 }).map((n) => ({
    spelled: both(`VARCHAR(${n})`, `varchar(${n})`),
    keyable: true,
    defaults: fc.string({ maxLength: n }).filter((s) => !s.includes("\u0000") && !s.includes("\\")).map((s) => same(literal(s)))
  })),
  fc.integer({ min: 1, max: 10 }).map((n) => ({ spelled: both(`CHAR(${n})`, `char(${n})`), keyable: true, defaults: none as fc.Arbitrary<any> })),
  fc.constant({ spelled: both("BOOLEAN", "boolean"), keyable: false, defaults: fc.boolean().map((b) => both(b ? "1" : "0", String(b))) }),
  fc.constant({ spelled: both("TIMESTAMP", "timestamptz"), keyable: true, defaults: fc.constant(same("CURRENT_TIMESTAMP")) }),
  fc.constant({ spelled: both("DATETIME", "timestamp"), keyable: false, defaults: fc.constant(same("'2021-02-03 04:05:06'")) }),
  fc.constant({ spelled: both("DATE", "date"), keyable: true, defaults: fc.constant(same("'2020-01-01'")) }),
  fc.constant({ spelled: both("TIME", "time"), keyable: false, defaults: none as fc.Arbitrary<any> }),
  fc.constant({ spelled: both("BLOB", "bytea"), keyable: false, defaults: none as fc.Arbitrary<any> }),
  fc.constant({ spelled: both("UUID", "uuid"), keyable: true, defaults: none as fc.Arbitrary<any> }),
  fc.constant({ spelled: both("JSON", "jsonb"), keyable: false, defaults: fc.constant(both(`'{"a":1}'`, `'{"a": 1}'::jsonb`)) })
]

const generatedKeyType: ColumnType = { spelled: both("INTEGER", "integer"), keyable: true, defaults: none as fc.Arbitrary<any> }

export interface RandomColumn {
  readonly name: string
  readonly type: ColumnType
  readonly nullable: boolean
  readonly default: Readonly<Record<Dialect, string>> | undefined
  /** Allowed values: a CHECK list on SQLite, an enum type on PostgreSQL when `enumType` is set. */
  readonly labels?: ReadonlyArray<string>
  readonly enumType?: boolean
}

/** How a single integer key is generated: PostgreSQL identity kinds and serial, SQLite AUTOINCREMENT (for each of them). */
export type Generated = "identity always" | "identity" | "serial" | "autoincrement"

export interface RandomTable {
  readonly name: string
  /** The key: its columns, and how a single integer key is generated. */
  readonly key: { readonly columns: ReadonlyArray<RandomColumn>; readonly generated?: Generated }
  readonly columns: ReadonlyArray<RandomColumn>
  readonly uniques: ReadonlyArray<{ readonly name?: string; readonly columns: ReadonlyArray<string> }>
  readonly indexes: ReadonlyArray<{ readonly columns: ReadonlyArray<string>; readonly unique: boolean; readonly where?: string; readonly lower?: string }>
  /** Foreign keys to earlier tables (or this one): their key columns, in this table named after them. */
  readonly references: ReadonlyArray<{ readonly table: number; readonly onDelete: ReferentialAction; readonly onUpdate: ReferentialAction; readonly nullable: boolean }>
}

const TABLE_NAMES = ["users", "order_items", "Accounts", "audit_log", "tag", "x1", "line_item", "order"]
const COLUMN_NAMES = ["name", "created_at", "userId", "Value", "count", "note", "is_active", "group", "amount_2", "kind"]
const ACTIONS: ReadonlyArray<ReferentialAction> = ["cascade", "restrict", "set null", "no action"]

const column = (name: string) =>
  fc.record({
    type: fc.oneof(...types),
    nullable: fc.boolean(),
    withDefault: fc.boolean(),
    labels: fc.option(fc.uniqueArray(fc.constantFrom("sad", "ok", "happy", "it's", "A b"), { minLength: 1, maxLength: 3 }), { nil: undefined }),
    enumType: fc.boolean()
  }).chain((r) =>
    (r.withDefault ? r.type.defaults : none).map((dflt): RandomColumn =>
      r.labels !== undefined
        ? {
          name,
          type: { spelled: both("TEXT", "text"), keyable: true, defaults: none as fc.Arbitrary<any> },
          nullable: r.nullable,
          default: r.withDefault ? same(literal(r.labels[0]!)) : undefined,
          labels: r.labels,
          enumType: r.enumType
        }
        : { name, type: r.type, nullable: r.nullable, default: dflt }
    )
  )

const keyColumn = (name: string) =>
  fc.oneof(...types).filter((t) => t.keyable).map((type): RandomColumn => ({ name, type, nullable: false, default: undefined }))

const table = (index: number, name: string) =>
  fc.record({
    composite: fc.boolean(),
    generated: fc.constantFrom<Generated | undefined>(undefined, "identity always", "identity", "serial", "autoincrement"),
    columnNames: fc.uniqueArray(fc.constantFrom(...COLUMN_NAMES), { minLength: 1, maxLength: 4 })
  }).chain(({ columnNames, composite, generated }) =>
    fc.record({
      key: composite
        ? fc.tuple(keyColumn("id"), keyColumn("code")).map((columns) => ({ columns }))
        : generated === undefined
        ? keyColumn("id").map((c) => ({ columns: [c] }))
        : fc.constant({ columns: [{ name: "id", type: generatedKeyType, nullable: false, default: undefined }], generated }),
      columns: fc.tuple(...columnNames.map(column)),
      uniqueOn: fc.subarray(columnNames, { maxLength: Math.min(2, columnNames.length) }),
      uniqueName: fc.boolean(),
      indexOn: fc.subarray(columnNames, { maxLength: Math.min(2, columnNames.length) }),
      indexUnique: fc.boolean(),
      partial: fc.boolean(),
      lower: fc.boolean(),
      references: fc.array(
        fc.record({ table: fc.integer({ min: 0, max: index }), onDelete: fc.constantFrom(...ACTIONS), onUpdate: fc.constantFrom(...ACTIONS), nullable: fc.boolean() }),
        { maxLength: 2 }
      )
    }).map((r): RandomTable => ({
      name,
      key: r.key,
      columns: r.columns,
      uniques: r.uniqueOn.length === 0 ? [] : [{ ...(r.uniqueName ? { name: `uq_${name}_${r.uniqueOn.join("_")}` } : {}), columns: r.uniqueOn }],
      indexes: [
        ...(r.indexOn.length === 0 ? [] : [{
          columns: r.indexOn,
          unique: r.indexUnique,
          ...(r.partial ? { where: `${quote(r.indexOn[0]!)} IS NOT NULL` } : {})
        }]),
        ...(r.lower ? r.columns.filter((c) => c.type.spelled.pg === "text" && c.labels === undefined).slice(0, 1).map((c) => ({ columns: [], unique: false, lower: c.name })) : [])
      ],
      // A foreign key that sets NULL needs nullable columns.
      references: r.references.map((ref) => (ref.onDelete === "set null" || ref.onUpdate === "set null" ? { ...ref, nullable: true } : ref))
    }))
  )

export const schemas: fc.Arbitrary<ReadonlyArray<RandomTable>> = fc.integer({ min: 2, max: 4 }).chain((n) =>
  fc.shuffledSubarray(TABLE_NAMES, { minLength: n, maxLength: n }).chain((names) => fc.tuple(...names.map((name, i) => table(i, name))))
)

const defaultClause = (c: RandomColumn, dialect: Dialect) => (c.default === undefined ? "" : ` DEFAULT ${c.default[dialect]}`)

/** The DDL of `tables` in `dialect`, one statement per string. */
export const ddl = (tables: ReadonlyArray<RandomTable>, dialect: Dialect): Array<string> => {
  const statements: Array<string> = []
  for (const t of tables) {
    const lines: Array<string> = []
    const gen = t.key.generated
    const single = t.key.columns.length === 1
    for (const k of t.key.columns) {
      if (single && gen !== undefined && dialect === "sqlite") lines.push(`${quote(k.name)} INTEGER PRIMARY KEY AUTOINCREMENT`)
      else if (single && gen === "serial" && dialect === "pg") lines.push(`${quote(k.name)} serial`)
      else if (single && gen === "identity always" && dialect === "pg") lines.push(`${quote(k.name)} integer GENERATED ALWAYS AS IDENTITY`)
      else if (single && gen !== undefined && dialect === "pg") lines.push(`${quote(k.name)} integer GENERATED BY DEFAULT AS IDENTITY`)
      else lines.push(`${quote(k.name)} ${k.type.spelled[dialect]} NOT NULL`)
    }
    for (const c of t.columns) {
      const type = c.labels !== undefined && c.enumType === true && dialect === "pg" ? quote(`${t.name}_${c.name}_enum`) : c.type.spelled[dialect]
      const check = c.labels !== undefined && (c.enumType !== true || dialect === "sqlite")
        ? ` CHECK (${quote(c.name)} IN (${c.labels.map(literal).join(", ")}))`
        : ""
      if (c.labels !== undefined && c.enumType === true && dialect === "pg") {
        statements.push(`CREATE TYPE ${type} AS ENUM (${c.labels.map(literal).join(", ")})`)
      }
      lines.push(`${quote(c.name)} ${type}${c.nullable ? "" : " NOT NULL"}${defaultClause(c, dialect)}${check}`)
    }
    // Columns first: SQLite takes no column after a table constraint.
    const constraints: Array<string> = []
    t.references.forEach((ref, i) => {
      const parent = tables[ref.table]!
      const cols = parent.key.columns.map((k) => `ref${i}_${k.name}`)
      parent.key.columns.forEach((k, j) => {
        const type = parent.key.generated !== undefined ? (dialect === "pg" ? "integer" : "INTEGER") : k.type.spelled[dialect]
        lines.push(`${quote(cols[j]!)} ${type}${ref.nullable ? "" : " NOT NULL"}`)
      })
      constraints.push(
        `FOREIGN KEY (${cols.map(quote).join(", ")}) REFERENCES ${quote(parent.name)} (${parent.key.columns.map((k) => quote(k.name)).join(", ")})` +
          ` ON DELETE ${ref.onDelete.toUpperCase()} ON UPDATE ${ref.onUpdate.toUpperCase()}`
      )
    })
    lines.push(...constraints)
    if (!(single && gen !== undefined && dialect === "sqlite")) lines.push(`PRIMARY KEY (${t.key.columns.map((k) => quote(k.name)).join(", ")})`)
    for (const u of t.uniques) {
      lines.push(`${u.name === undefined ? "" : `CONSTRAINT ${quote(u.name)} `}UNIQUE (${u.columns.map(quote).join(", ")})`)
    }
    statements.push(`CREATE TABLE ${quote(t.name)} (\n  ${lines.join(",\n  ")}\n)`)
    t.indexes.forEach((ix, i) => {
      const keys = ix.lower !== undefined ? `lower(${quote(ix.lower)})` : ix.columns.map(quote).join(", ")
      statements.push(
        `CREATE ${ix.unique ? "UNIQUE " : ""}INDEX ${quote(`ix_${t.name}_${i}`)} ON ${quote(t.name)} (${keys})${ix.where === undefined ? "" : ` WHERE ${ix.where}`}`
      )
    })
  }
  return statements
}
