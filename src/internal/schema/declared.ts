/**
 * Declared `Table` values → `Metadata` for one dialect, with every check a
 * definition must pass before DDL is generated from it.
 *
 * @internal
 */
import * as Result from "effect/Result"
import * as Column from "../../Column.js"
import type { DatabaseError } from "../../DatabaseError.js"
import type {
  ColumnMetadata,
  Dialect,
  EnumTypeMetadata,
  ForeignKeyMetadata,
  IndexMetadata,
  Metadata,
  NeutralType,
  ReferentialAction,
  TableMetadata,
  UniqueMetadata
} from "../../Metadata.js"
import { neutralTypeList as neutralTypes } from "./neutralTypes.js"
import type * as Table from "../../Table.js"
import type { SchemaDialect } from "../dialect/schemaDialect.js"
import { schemaDialects } from "../dialect/schemaDialects.js"
import { showValue } from "../errorMessage.js"
import { analyze, type ColumnDef, schemaError, type TableDef } from "./analyze.js"
import { generatedName, validateIdentifier } from "./identifier.js"
import { valueEncoder } from "./parse.js"
import { foldNegatives, group, settingIndependent, stripCasts, tokenize, unsafeExpression } from "./sqlText.js"
import { toUnixTime } from "./unixTime.js"
import { repToCanonical, UnstorableValue, ValueError } from "./values.js"

const ACTIONS: ReadonlyArray<ReferentialAction> = ["cascade", "restrict", "set null", "set default", "no action"]

/** Type names: words, an optional `(n)` / `(p, s)`, optional `[]`. Anything else could smuggle SQL into DDL. */
const DB_TYPE = /^[A-Za-z_][A-Za-z0-9_]*( [A-Za-z_][A-Za-z0-9_]*)*\s*(\(\s*\d+\s*(,\s*\d+\s*)?\))?( [A-Za-z_][A-Za-z0-9_]*)*(\[\])*$/

/**
 * Whether `text` is a type name `Column.dbType` accepts (code generation
 * checks a reflected spelling with it before writing one).
 *
 * @internal
 */
export const isTypeName = (text: string): boolean => DB_TYPE.test(text.trim())

type Checked<A> = Result.Result<A, DatabaseError>

const checkName = (dialect: SchemaDialect, name: string, what: string, table?: string, column?: string): Checked<void> => {
  const problem = validateIdentifier(name, dialect.maxIdentifierLength)
  return problem === undefined
    ? Result.void
    : Result.fail(schemaError(`${what}: ${problem}`, table, column))
}

/** The storage type of a column for `dialect`, honoring `Column.dbType`. */
export const storageOf = (
  dialect: SchemaDialect,
  column: ColumnDef
): { readonly type: NeutralType; readonly length?: number; readonly dbType: string } => {
  if (column.dbType !== undefined) {
    const parsed = dialect.parseType(column.dbType)
    const meant = column.neutralType
    // A spelling this dialect reads as another type (one written for another dialect) gives way to the meaning.
    if (meant === undefined || (parsed.type === meant.type && parsed.length === meant.length)) {
      return { ...parsed, dbType: column.dbType }
    }
    return {
      type: meant.type,
      ...(meant.length === undefined ? {} : { length: meant.length }),
      dbType: dialect.columnType(meant.type, meant.length)
    }
  }
  // An array of literals stored as an array of a PostgreSQL enum type, where the dialect has them.
  if (column.pgEnum !== undefined && column.kind.arrayLabels !== undefined && dialect.namedTypes !== undefined && dialect.nativeArrays === true) {
    const e = column.pgEnum
    const brackets = "[]".repeat(column.kind.arrayDimensions ?? 1)
    return { type: "other", dbType: `${e.schema === undefined ? "" : `${dialect.quote(e.schema)}.`}${dialect.quote(e.name)}${brackets}` }
  }
  // Declared arrays of plain elements are native arrays where the dialect has them, JSON elsewhere.
  if (column.kind.arrayElement !== undefined && dialect.nativeArrays === true) {
    return { type: "other", dbType: `${dialect.columnType(column.kind.arrayElement)}[]` }
  }
  return {
    type: column.kind.type,
    ...(column.kind.length === undefined ? {} : { length: column.kind.length }),
    dbType: dialect.columnType(column.kind.type, column.kind.length)
  }
}

const BOOLEAN_TEXT: Readonly<Record<string, boolean>> = { t: true, true: true, f: false, false: false, "1": true, "0": false }

/**
 * A default that is one literal, however a dialect printed it (`1` for a
 * SQLite boolean, `'draft'::text` or `'-1'::integer` on PostgreSQL), in this
 * dialect's own spelling, so a default reflected from one dialect is valid
 * in the other; undefined for anything but a literal, which stays as written.
 */
const portableLiteral = (sql: string, type: NeutralType, dialect: SchemaDialect): string | undefined => {
  const raw = tokenize(sql, dialect.lexRules)
  if (raw === undefined || !raw.some((t) => t.t === "op" && t.v === "::") && type !== "boolean") return undefined
  let tokens = foldNegatives(stripCasts(raw.filter((t) => t.t !== "comment")))
  for (;;) {
    const g = group(tokens, 0)
    if (g === undefined || g.end !== tokens.length) break
    tokens = foldNegatives(stripCasts(g.inner))
  }
  const only = tokens.length === 1 ? tokens[0]! : undefined
  if (only === undefined || (only.t !== "str" && only.t !== "num")) return undefined
  if (type === "boolean") {
    const b = BOOLEAN_TEXT[only.v.trim().toLowerCase()]
    return b === undefined ? undefined : dialect.literal(b, type)
  }
  return only.t === "num" ? only.v : dialect.literal(only.v, type)
}

const renderDefault = (
  dialect: SchemaDialect,
  def: TableDef,
  column: ColumnDef,
  type: NeutralType
): Checked<string | undefined> => {
  if (column.default === undefined) return Result.succeed(undefined)
  const where = `table ${def.name}, field ${column.field}`
  const value = column.default.value
  if (Column.isSqlExpression(value)) {
    const problem = unsafeExpression(value.sql, dialect.lexRules)
    return problem === undefined
      ? Result.succeed(portableLiteral(value.sql, type, dialect) ?? settingIndependent(value.sql, dialect.lexRules))
      : Result.fail(schemaError(`${where}: the SQL default ${showValue(value.sql)} is rejected: ${problem}`, def.name, column.field))
  }
  const encoded = valueEncoder(column.schema)(value)
  if (Result.isFailure(encoded)) {
    return Result.fail(
      schemaError(
        `${where}: the default ${showValue(value)} does not match the field's Schema: ${encoded.failure.messages.join("; ")}`,
        def.name,
        column.field
      )
    )
  }
  const encodedValue = encoded.success
  try {
    if (encodedValue === null || encodedValue === undefined) return Result.succeed("NULL")
    const canonical = column.unixTime === undefined
      ? repToCanonical(encodedValue, type)
      : toUnixTime(encodedValue, column.unixTime, type)
    return Result.succeed(dialect.literal(canonical, type))
  } catch (e) {
    const message = e instanceof ValueError || e instanceof UnstorableValue ? e.message : String(e)
    return Result.fail(schemaError(`${where}: the default cannot be written as SQL: ${message}`, def.name, column.field))
  }
}

const columnMetadata = (dialect: SchemaDialect, def: TableDef, column: ColumnDef): Checked<ColumnMetadata> =>
  Result.gen(function*() {
    yield* checkName(dialect, column.name, `table ${def.name}, field ${column.field}: column name`, def.name, column.field)
    if (column.dbType !== undefined && !DB_TYPE.test(column.dbType.trim())) {
      return yield* Result.fail(
        schemaError(
          `table ${def.name}, field ${column.field}: Column.dbType ${JSON.stringify(column.dbType)} is not a type name`,
          def.name,
          column.field
        )
      )
    }
    const meant = column.neutralType
    if (meant !== undefined && (!neutralTypes.includes(meant.type) ||
      (meant.length !== undefined && !(Number.isInteger(meant.length) && meant.length > 0))))
    {
      return yield* Result.fail(
        schemaError(
          `table ${def.name}, field ${column.field}: Column.neutralType ${showValue(meant)} is not a neutral type (one of ${neutralTypes.join(", ")}, with a positive integer length)`,
          def.name,
          column.field
        )
      )
    }
    const storage = storageOf(dialect, column)
    if (column.autoIncrement && column.default !== undefined) {
      return yield* Result.fail(
        schemaError(`table ${def.name}, field ${column.field}: a column cannot both auto-increment and have a default`, def.name, column.field)
      )
    }
    for (const former of column.renamedFrom ?? []) {
      yield* checkName(dialect, former, `table ${def.name}, field ${column.field}: Column.renamedFrom`, def.name, column.field)
    }
    const dflt = yield* renderDefault(dialect, def, column, storage.type)
    const pg = yield* pgKinds(dialect, def, column, storage)
    const check = pg.enum === undefined ? column.kind.check : undefined
    return {
      name: column.name,
      type: pg.type ?? storage.type,
      ...((pg.length ?? storage.length) === undefined ? {} : { length: pg.length ?? storage.length }),
      dbType: pg.dbType ?? storage.dbType,
      nullable: column.nullRep !== "none",
      ...(dflt === undefined ? {} : { default: dflt }),
      autoIncrement: column.autoIncrement,
      ...(check === undefined ? {} : { check }),
      ...pg.fields,
      ...(column.renamedFrom === undefined ? {} : { renamedFrom: column.renamedFrom })
    }
  })

/** Index access method names are plain words; anything else could smuggle SQL into DDL. */
const INDEX_METHOD = /^[A-Za-z_][A-Za-z0-9_]*$/

/** SQL text embedded in DDL (index predicates and keys, partition keys and bounds) must be one clean expression. */
const checkSqlText = (dialect: SchemaDialect, text: string, what: string, table: string): Checked<void> => {
  const problem = unsafeExpression(text, dialect.lexRules)
  return problem === undefined
    ? Result.void
    : Result.fail(schemaError(`${what} ${showValue(text)} is rejected: ${problem}`, table))
}

/**
 * `Column.identity`, `Column.pgEnum` and `Column.pgDomain` where the dialect
 * has them; elsewhere they leave the column as its Schema makes it (see
 * `SchemaDialect.namedTypes`).
 */
const pgKinds = (
  dialect: SchemaDialect,
  def: TableDef,
  column: ColumnDef,
  storage: { readonly type: NeutralType; readonly length?: number; readonly dbType: string }
): Checked<{
  readonly type?: NeutralType
  readonly length?: number
  readonly dbType?: string
  readonly enum?: EnumTypeMetadata
  readonly fields: Partial<ColumnMetadata>
}> => {
  const where = `table ${def.name}, field ${column.field}`
  const fields: Record<string, unknown> = {}
  if (column.autoIncrement && column.identity !== undefined) {
    if (column.identity === "serial") fields["serial"] = true
    else fields["identity"] = column.identity
  }
  if (column.pgEnum !== undefined && column.pgDomain !== undefined) {
    return Result.fail(schemaError(`${where}: a column cannot be both a Column.pgEnum and a Column.pgDomain`, def.name, column.field))
  }
  const named = column.pgEnum ?? column.pgDomain
  if (named !== undefined) {
    for (const [what, name] of [["type name", named.name], ...(named.schema === undefined ? [] : [["type schema", named.schema]])]) {
      const problem = validateIdentifier(name!, dialect.maxIdentifierLength)
      if (problem !== undefined) return Result.fail(schemaError(`${where}: ${what}: ${problem}`, def.name, column.field))
    }
  }
  if (column.pgEnum !== undefined && column.kind.arrayLabels !== undefined) {
    // Where the dialect has no enum types the array is what its Schema makes it (JSON).
    if (dialect.namedTypes === undefined) return Result.succeed({ fields: {} })
    const e: EnumTypeMetadata = { ...column.pgEnum, labels: column.kind.arrayLabels }
    const dimensions = column.kind.arrayDimensions
    return Result.succeed({ fields: { ...fields, array: { element: "other", elementDbType: e.name, ...(dimensions === undefined ? {} : { dimensions }), enum: e } } })
  }
  if (column.pgEnum !== undefined) {
    const labels = column.kind.check
    if (column.kind.type !== "text" || labels === undefined || !labels.every((l) => typeof l === "string")) {
      return Result.fail(
        schemaError(`${where}: Column.pgEnum needs a union of string literals (Schema.Literals([...])) or an array of one`, def.name, column.field)
      )
    }
  }
  // Where the dialect has no such types the column is what its Schema makes it (an enum: text with a CHECK).
  if (dialect.namedTypes === undefined) return Result.succeed({ fields: {} })
  const dbType = named === undefined ? undefined : named.schema === undefined ? dialect.quote(named.name) : `${dialect.quote(named.schema)}.${dialect.quote(named.name)}`
  if (column.pgEnum !== undefined) {
    const e: EnumTypeMetadata = { ...column.pgEnum, labels: column.kind.check as ReadonlyArray<string> }
    return Result.succeed({ type: "text", dbType: dbType!, enum: e, fields: { ...fields, enum: e } })
  }
  if (column.pgDomain !== undefined) {
    const d = column.pgDomain
    if (typeof d.baseType !== "string" || !DB_TYPE.test(d.baseType.trim()) || !Array.isArray(d.checks)) {
      return Result.fail(schemaError(`${where}: Column.pgDomain needs a base type name and a list of checks`, def.name, column.field))
    }
    if (d.default !== undefined) {
      const problem = typeof d.default === "string" ? unsafeExpression(d.default, dialect.lexRules) : "it is not SQL text"
      if (problem !== undefined) {
        return Result.fail(schemaError(`${where}: the domain default ${showValue(d.default)} is rejected: ${problem}`, def.name, column.field))
      }
    }
    for (const check of d.checks) {
      const problem = unsafeExpression(check, dialect.lexRules)
      if (problem !== undefined || !/^CHECK\s*\(/i.test(check.trim())) {
        return Result.fail(schemaError(`${where}: the domain check ${showValue(check)} is rejected: ${problem ?? "it is not CHECK (...)"}`, def.name, column.field))
      }
    }
    const base = dialect.parseType(d.baseType)
    return Result.succeed({ type: base.type, ...(base.length === undefined ? {} : { length: base.length }), dbType: dbType!, fields: { ...fields, domain: d } })
  }
  void storage
  return Result.succeed({ fields })
}

const tableLabel = (t: { readonly name: string; readonly schema?: string | undefined }): string =>
  t.schema === undefined ? t.name : `${t.schema}.${t.name}`

const foreignKeys = (
  dialect: SchemaDialect,
  def: TableDef,
  defs: ReadonlyArray<TableDef>
): Checked<Array<ForeignKeyMetadata>> =>
  Result.gen(function*() {
    const out: Array<ForeignKeyMetadata> = []
    for (const fk of def.foreignKeys) {
      const where = `table ${def.name}, foreign key (${fk.fields.join(", ")})`
      let refs: ReadonlyArray<unknown>
      try {
        refs = fk.references()
      } catch (e) {
        return yield* Result.fail(
          schemaError(`${where}: its target could not be evaluated (${e instanceof Error ? e.message : String(e)})`, def.name, fk.fields[0])
        )
      }
      if (!Array.isArray(refs) || refs.length !== fk.columns.length || !refs.every(Column.isColumnRef)) {
        return yield* Result.fail(
          schemaError(`${where}: the target must be ${fk.columns.length} column reference(s) such as Other.columns.id`, def.name, fk.fields[0])
        )
      }
      const targets = refs as ReadonlyArray<Column.ColumnRef>
      const first = targets[0]!
      if (targets.some((r) => r.table !== first.table || r.schema !== first.schema)) {
        return yield* Result.fail(schemaError(`${where}: all referenced columns must belong to one table`, def.name, fk.fields[0]))
      }
      const target = defs.find((d) => d.name === first.table && d.schema === first.schema)
      const targetLabel = tableLabel({ name: first.table, ...(first.schema === undefined ? {} : { schema: first.schema }) })
      if (target === undefined) {
        return yield* Result.fail(
          schemaError(
            `${where}: references ${targetLabel}.${first.name}, but table ${targetLabel} is not among the declared tables`,
            def.name,
            fk.fields[0]
          )
        )
      }
      const targetColumns: Array<ColumnDef> = []
      for (const r of targets) {
        const c = target.columns.find((c) => c.name === r.name)
        if (c === undefined) {
          return yield* Result.fail(
            schemaError(`${where}: table ${target.name} has no column ${r.name}`, def.name, fk.fields[0])
          )
        }
        targetColumns.push(c)
      }
      const sameSet = (cols: ReadonlyArray<ColumnDef>) =>
        cols.length === targetColumns.length && cols.every((c) => targetColumns.includes(c))
      const keyed = sameSet(target.primaryKey) || target.uniques.some((u) => sameSet(u.columns)) ||
        target.indexes.some((i) => i.unique && sameSet(i.columns))
      if (!keyed) {
        return yield* Result.fail(
          schemaError(
            `${where}: the referenced column(s) ${target.name}(${targetColumns.map((c) => c.name).join(", ")}) are not its primary key or unique`,
            def.name,
            fk.fields[0]
          )
        )
      }
      for (const a of ["onDelete", "onUpdate"] as const) {
        const v = fk.options[a]
        if (v !== undefined && !ACTIONS.includes(v)) {
          return yield* Result.fail(schemaError(`${where}: ${a} must be one of ${ACTIONS.join(", ")}`, def.name, fk.fields[0]))
        }
      }
      const name = fk.options.name ??
        generatedName(["fk", def.name, ...fk.columns.map((c) => c.name), target.name], dialect.maxIdentifierLength)
      yield* checkName(dialect, name, `${where}: constraint name`, def.name)
      out.push({
        name,
        columns: fk.columns.map((c) => c.name),
        references: {
          table: target.name,
          ...(target.schema !== undefined && target.schema !== def.schema ? { schema: target.schema } : {}),
          columns: targetColumns.map((c) => c.name)
        },
        onDelete: fk.options.onDelete ?? "no action",
        onUpdate: fk.options.onUpdate ?? "no action"
      })
    }
    return out
  })

const tableMetadata = (dialect: SchemaDialect, def: TableDef, defs: ReadonlyArray<TableDef>): Checked<TableMetadata> =>
  Result.gen(function*() {
    yield* checkName(dialect, def.name, "table name", def.name)
    if (def.schema !== undefined) {
      if (!dialect.supportsSchemas) {
        return yield* Result.fail(schemaError(`table ${def.name}: ${dialect.name} has no schemas (schema ${showValue(def.schema)} given)`, def.name))
      }
      yield* checkName(dialect, def.schema, `table ${def.name}: schema name`, def.name)
    }
    const columns: Array<ColumnMetadata> = []
    for (const c of def.columns) columns.push(yield* columnMetadata(dialect, def, c))
    for (const c of def.primaryKey) {
      if (c.nullRep !== "none") {
        return yield* Result.fail(
          schemaError(`table ${def.name}, field ${c.field}: a primary key column cannot be nullable or optional`, def.name, c.field)
        )
      }
    }
    const uniques: Array<UniqueMetadata> = []
    for (const u of def.uniques) {
      if (u.name !== undefined) yield* checkName(dialect, u.name, `table ${def.name}: unique constraint name`, def.name)
      uniques.push({ ...(u.name === undefined ? {} : { name: u.name }), columns: u.columns.map((c) => c.name) })
    }
    const indexes: Array<IndexMetadata> = []
    for (const i of def.indexes) {
      const cols = i.columns.map((c) => c.name)
      const name = i.name ?? generatedName(["ix", def.name, ...(cols.length > 0 ? cols : ["expr"])], dialect.maxIdentifierLength)
      yield* checkName(dialect, name, `table ${def.name}: index name`, def.name)
      const where = `table ${def.name}, index ${name}`
      if (i.method !== undefined && !INDEX_METHOD.test(i.method)) {
        return yield* Result.fail(
          schemaError(`${where}: the method ${showValue(i.method)} is not an index method name (use a name such as gist, gin or brin)`, def.name)
        )
      }
      if (i.where !== undefined) yield* checkSqlText(dialect, i.where, `${where}: the predicate`, def.name)
      for (const e of i.expressions ?? []) yield* checkSqlText(dialect, e, `${where}: the key`, def.name)
      if (i.expressions !== undefined && i.expressions.length === 0) {
        return yield* Result.fail(schemaError(`${where}: expressions lists no keys`, def.name))
      }
      indexes.push({
        name,
        columns: cols,
        unique: i.unique,
        ...(i.method === undefined ? {} : { method: i.method }),
        ...(i.where === undefined ? {} : { where: i.where }),
        ...(i.expressions === undefined ? {} : { expressions: i.expressions })
      })
    }
    if (def.partitionBy !== undefined) yield* checkSqlText(dialect, def.partitionBy, `table ${def.name}: partitionBy`, def.name)
    for (const p of def.partitions ?? []) {
      yield* checkName(dialect, p.name, `table ${def.name}: partition name`, def.name)
      yield* checkSqlText(dialect, p.bound, `table ${def.name}, partition ${p.name}: the bound`, def.name)
    }
    for (const former of def.renamedFrom ?? []) yield* checkName(dialect, former, `table ${def.name}: renamedFrom`, def.name)
    if (def.partitions !== undefined && def.partitions.length > 0 && def.partitionBy === undefined) {
      return yield* Result.fail(
        schemaError(`table ${def.name}: it lists partitions but no partitionBy (give the partition key, e.g. "RANGE (created_at)")`, def.name)
      )
    }
    const meta: TableMetadata = {
      name: def.name,
      ...(def.schema === undefined ? {} : { schema: def.schema }),
      columns,
      primaryKey: def.primaryKey.map((c) => c.name),
      uniques,
      indexes,
      foreignKeys: yield* foreignKeys(dialect, def, defs),
      ...(def.partitionBy === undefined ? {} : { partitionBy: def.partitionBy }),
      ...(def.partitions === undefined ? {} : { partitions: def.partitions.map((p) => ({ name: p.name, bound: p.bound })) }),
      ...(def.renamedFrom === undefined ? {} : { renamedFrom: def.renamedFrom })
    }
    const problem = dialect.validateTable(meta)
    if (problem !== undefined) return yield* Result.fail(schemaError(problem.message, def.name, problem.column))
    return meta
  })

/**
 * Tables, indexes and (on PostgreSQL) the indexes behind named UNIQUE
 * constraints share one namespace per schema; generated names such as
 * `ix_a_b_c` can collide (table `a_b` column `c`, table `a` column `b_c`).
 * Compared case-insensitively, as SQLite does.
 */
const uniqueRelationNames = (tables: ReadonlyArray<TableMetadata>): Checked<void> => {
  const seen = new Map<string, string>()
  for (const t of tables) {
    const names: Array<[string, string]> = [
      [t.name, `table ${t.name}`],
      ...t.indexes.flatMap((i): Array<[string, string]> => i.name === undefined ? [] : [[i.name, `index ${i.name} of ${t.name}`]]),
      ...t.uniques.flatMap((u): Array<[string, string]> => u.name === undefined ? [] : [[u.name, `unique constraint ${u.name} of ${t.name}`]])
    ]
    for (const [name, what] of names) {
      const k = `${t.schema ?? ""}.${name.toLowerCase()}`
      const other = seen.get(k)
      if (other !== undefined) {
        return Result.fail(schemaError(`${what}: it has the same name as ${other} (give one of them another name)`, t.name))
      }
      seen.set(k, what)
    }
  }
  return Result.void
}

/** @internal */
export const analyzeAll = (tables: ReadonlyArray<Table.Any>): Checked<Array<TableDef>> =>
  Result.gen(function*() {
    const defs: Array<TableDef> = []
    for (const t of tables) {
      if (t === null || typeof t !== "object" || typeof t.fields !== "object") {
        return yield* Result.fail(schemaError(`tables: not a Table: ${showValue(t)}`))
      }
      const def = yield* analyze(t)
      if (defs.some((d) => d.name === def.name && d.schema === def.schema)) {
        return yield* Result.fail(schemaError(`table ${tableLabel(def)}: it is declared twice (pass each table once)`, def.name))
      }
      defs.push(def)
    }
    return defs
  })

/** @internal */
export const fromTablesWith = (tables: ReadonlyArray<Table.Any>, dialect: SchemaDialect): Checked<Metadata> =>
  Result.gen(function*() {
    const defs = yield* analyzeAll(tables)
    const out: Array<TableMetadata> = []
    for (const def of defs) out.push(yield* tableMetadata(dialect, def, defs))
    yield* uniqueRelationNames(out)
    return { tables: out }
  })

/** @internal */
export const fromTables = (tables: ReadonlyArray<Table.Any>, dialect: Dialect): Checked<Metadata> => {
  const d = schemaDialects[dialect]
  if (d === undefined) return Result.fail(schemaError(`dialect: unknown dialect ${showValue(dialect)}`))
  return fromTablesWith(tables, d)
}
