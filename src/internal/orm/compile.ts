import * as Result from "effect/Result"
import * as DatabaseError from "../../DatabaseError.js"
import * as Column from "../../Column.js"
import * as Query from "../../Query.js"
import type * as Relation from "../../Relation.js"
import type { Dialect } from "../dialect/Dialect.js"
import { schemaDialects } from "../dialect/schemaDialects.js"
import { tokenize, unsafeExpression } from "../schema/sqlText.js"
import { ValueError } from "../schema/values.js"
import { errorMessage, showValue } from "../errorMessage.js"
import { columnDecoder, type Decode } from "./columnDecode.js"
import { averageText } from "./decimal.js"
import { resolveJoin } from "./eager.js"
import { resolveThrough } from "./manyToMany.js"
import { type ColumnInfo, column, tableInfo, type TableInfo } from "./tableInfo.js"

type R<A> = Result.Result<A, DatabaseError.DatabaseError>

/**
 * Collects bound parameters and hands out the dialect's placeholders, so
 * every value reaches SQL as a parameter and never as text. Parameters are
 * added in the order their placeholders appear in the text (SQLite's `?`
 * are positional).
 *
 * @internal
 */
export class Params {
  readonly values: Array<unknown> = []
  private aliases = 0
  constructor(readonly dialect: Dialect) {}
  /** A fresh correlation name for a table of a subquery. */
  alias(): string {
    return this.dialect.quoteIdentifier(`s${++this.aliases}`)
  }
  add(value: unknown): string {
    this.values.push(value)
    return this.dialect.placeholder(this.values.length)
  }
}

/**
 * `columns IN (rows)` by the dialect's `inList`, the values already encoded
 * (`values[k]` holds column k's value of every row). A value the dialect's
 * list encoding cannot carry is an `InputError`.
 *
 * @internal
 */
export const inList = (
  columns: ReadonlyArray<{ readonly quoted: string; readonly dbType: string; readonly name: string }>,
  values: ReadonlyArray<ReadonlyArray<unknown>>,
  params: Params,
  negated: boolean
): R<string> => {
  try {
    return Result.succeed(params.dialect.inList(columns, values, (v) => params.add(v), negated))
  } catch (e) {
    if (!(e instanceof ValueError)) throw e
    return Result.fail(inputError(`column ${columns.map((c) => c.name).join(", ")}: ${e.message}`))
  }
}

/** @internal */
export const inputError = (message: string, table?: string) =>
  DatabaseError.make(new DatabaseError.InputError({ message, ...(table === undefined ? {} : { table }) }))

const schemaError = (message: string, table: string) => DatabaseError.make(new DatabaseError.SchemaError({ message, table }))

/** One table of a FROM clause, and how its columns are written. */
interface Source {
  readonly info: TableInfo
  /** The table's quoted name or alias, qualifying its columns where several tables are in play. */
  readonly qualifier: string
  /** The table as the FROM clause names it. */
  readonly from: string
}

/**
 * The tables a part of a statement can refer to: its own FROM clause, then
 * the enclosing queries' (correlated subqueries). Columns are qualified by
 * table except in a single-table statement, whose SQL stays as plain as before.
 *
 * @internal
 */
export class Scope {
  constructor(
    readonly dialect: Dialect,
    readonly sources: ReadonlyArray<Source>,
    readonly qualified: boolean,
    readonly parent: Scope | undefined
  ) {}
  /** Where messages say the problem is. */
  get what(): string {
    return `query on ${this.root.sources[0]!.info.def.name}`
  }
  get root(): Scope {
    return this.parent === undefined ? this : this.parent.root
  }
  child(sources: ReadonlyArray<Source>): Scope {
    return new Scope(this.dialect, sources, true, this)
  }
  find(table: string): { readonly source: Source; readonly own: boolean } | undefined {
    for (let scope: Scope | undefined = this; scope !== undefined; scope = scope.parent) {
      for (const source of scope.sources) if (source.info.def.name === table) return { source, own: scope === this }
    }
    return undefined
  }
  tableNames(): ReadonlyArray<string> {
    const names: Array<string> = []
    for (let scope: Scope | undefined = this; scope !== undefined; scope = scope.parent) {
      for (const s of scope.sources) names.push(s.info.def.name)
    }
    return names
  }
}

/** @internal */
export const singleTableScope = (info: TableInfo, dialect: Dialect): Scope => new Scope(dialect, [sourceOf(dialect, info)], false, undefined)

/**
 * A table of the statement's own FROM clause goes by its name; a table of a
 * subquery by a fresh alias, so that a subquery over the same table as the
 * enclosing query (a relation of a table to itself) still tells the two apart.
 */
const sourceOf = (dialect: Dialect, info: TableInfo, alias?: string): Source =>
  alias === undefined
    ? { info, qualifier: dialect.quoteIdentifier(info.def.name), from: info.qualified }
    : { info, qualifier: alias, from: `${info.qualified} AS ${alias}` }

/** A column reference resolved against a scope. */
interface Resolved {
  readonly info: TableInfo
  readonly column: ColumnInfo
  readonly sql: string
}

/** `qualify`: the reference is written inside a subquery, so even the scope's own columns are qualified. */
const resolveColumn = (scope: Scope, ref: Column.ColumnRef, qualify = false): R<Resolved> => {
  const found = scope.find(ref.table)
  if (found === undefined) {
    const names = scope.tableNames()
    const only = scope.parent === undefined && scope.sources.length === 1 ? scope.sources[0]!.info.def.name : undefined
    return Result.fail(schemaError(
      only !== undefined
        ? errorMessage(scope.what, `${ref.table}.${ref.field} is not a column of table ${only}`)
        : errorMessage(
          scope.what,
          `${ref.table}.${ref.field} is not a column of the query's tables (${names.join(", ")})`,
          "join its table, or Query.correlate it in a subquery"
        ),
      scope.root.sources[0]!.info.def.name
    ))
  }
  const { own, source } = found
  return Result.map(column(source.info, ref.field), (c) => ({
    info: source.info,
    column: c,
    sql: own && !scope.qualified && !qualify ? c.quoted : `${source.qualifier}.${c.quoted}`
  }))
}

/** An operand as SQL, with its column (to encode compared values) and how its value reads back. */
interface Compiled {
  readonly sql: string
  readonly column: Resolved | undefined
  readonly decode: Decode
  /** Sum or average: values compared with it are cast to NUMERIC (SQLite orders numbers before text). */
  readonly numericAggregate: boolean
}

const identity: Decode = (v) => Result.succeed(v)
const toNumber: Decode = (v) => Result.succeed(v === null || v === undefined ? null : Number(v))
const INTEGER = new Set(["smallint", "integer", "bigint"])
const FLOAT = new Set(["real", "double"])

const stripZeros = (text: string) => text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text

const aggregateSql = (
  scope: Scope,
  node: Extract<Query.ExprNode, { _tag: "Aggregate" }>,
  params: Params,
  select: boolean
): R<Compiled> => {
  const plain = (sql: string, decode: Decode, column?: Resolved, numericAggregate = false): R<Compiled> =>
    Result.succeed({ sql, decode, column, numericAggregate })
  if (node.argument === undefined) return plain("COUNT(*)", toNumber)
  return Result.flatMap(compileOperand(scope, node.argument, params, false), (arg) => {
    const x = arg.sql
    const what = `${node.fn} of ${arg.column === undefined ? x : `${arg.column.info.def.name}.${arg.column.column.field}`}`
    const fail = (why: string, hint?: string) => Result.fail(inputError(errorMessage(`${scope.what}, ${what}`, why, hint)))
    switch (node.fn) {
      case "count":
        return plain(`COUNT(${node.distinct ? "DISTINCT " : ""}${x})`, toNumber)
      case "min":
      case "max":
        return plain(`${node.fn.toUpperCase()}(${x})`, arg.column === undefined ? identity : columnDecoder(arg.column.info, arg.column.column), arg.column)
      case "arrayAgg":
        return plain(scope.dialect.query.jsonArrayText(x), (v) => {
          if (v === null || v === undefined) return Result.succeed([])
          try {
            return Result.succeed(JSON.parse(String(v)))
          } catch (e) {
            return Result.fail(DatabaseError.make(new DatabaseError.DecodeError({ message: `${what}: not a JSON array` }), { cause: e }))
          }
        })
      case "sum":
      case "avg": {
        const fn = node.fn === "sum" ? "SUM" : "AVG"
        if (!select) return plain(`${fn}(${x})`, toNumber, undefined, true)
        const type = arg.column?.column.type
        const kind = type === undefined ? undefined : INTEGER.has(type) ? "integer" : FLOAT.has(type) ? "float" : type === "numeric" ? "decimal" : undefined
        if (kind === undefined) return fail(`needs an integer, NUMERIC or floating-point column${type === undefined ? "" : `, not ${type}`}`)
        if (node.as === "number") return plain(`${fn}(${x})`, toNumber, undefined, true)
        if (node.as === "bigint") {
          if (node.fn !== "sum") return fail("reads as a bigint only for sum", "use the default exact text or { as: \"number\" }")
          if (kind !== "integer") return fail(`reads as a bigint only for an integer column, not ${type}`, "use the default exact text or { as: \"number\" }")
          return plain(`CAST(SUM(${x}) AS TEXT)`, (v) => Result.succeed(v === null || v === undefined ? null : BigInt(String(v))), undefined, true)
        }
        if (kind === "float") {
          return plain(`${fn}(${x})`, (v) => Result.succeed(v === null || v === undefined ? null : String(Number(v))), undefined, true)
        }
        const sumText = kind === "integer" ? `CAST(SUM(${x}) AS TEXT)` : scope.dialect.query.decimalSumText(x)
        if (node.fn === "sum") {
          return plain(sumText, (v) => Result.succeed(v === null || v === undefined ? null : stripZeros(String(v))), undefined, true)
        }
        return plain(`${sumText} || '/' || CAST(COUNT(${x}) AS TEXT)`, (v) => {
          if (v === null || v === undefined) return Result.succeed(null)
          const [s, n] = String(v).split("/")
          return Result.succeed(averageText(s!, BigInt(n!)))
        }, undefined, true)
      }
    }
  })
}

/**
 * A column or expression as SQL; in a select list (`select`) aggregates are
 * written so that they read back exactly and the same on both dialects.
 *
 * @internal
 */
export const compileOperand = (scope: Scope, operand: Query.Operand, params: Params, select: boolean): R<Compiled> => {
  if (Column.isColumnRef(operand)) {
    return Result.map(resolveColumn(scope, operand), (c) => ({
      sql: c.sql,
      column: c,
      decode: columnDecoder(c.info, c.column),
      numericAggregate: false
    }))
  }
  const node = (operand as Query.Expr<unknown, string>).node
  switch (node._tag) {
    case "Aggregate":
      return aggregateSql(scope, node, params, select)
    case "Raw":
      return Result.map(compileFragment(scope, node.fragment, params), (sql) => ({ sql, column: undefined, decode: identity, numericAggregate: false }))
    case "Scalar":
      return Result.flatMap(compileSubquery(scope, node.query, params), (sub) => {
        if (sub.fields.length !== 1) {
          return Result.fail(inputError(errorMessage(scope.what, `a scalar subquery selects one field, this one ${sub.fields.length}`, "use Query.fields with one field")))
        }
        return Result.succeed({ sql: `(${sub.sql})`, column: undefined, decode: sub.fields[0]!.decode, numericAggregate: false })
      })
    case "CountOf":
      return Result.map(
        relationSubquery(scope, node.relation, node.condition, params, "COUNT(*)"),
        (sql) => ({ sql: `(${sql})`, column: undefined, decode: toNumber, numericAggregate: false })
      )
  }
}

const CONDITION_TAGS: ReadonlySet<string> = new Set<Query.ConditionNode["_tag"]>([
  "And", "Between", "Compare", "CompareOperands", "Exists", "Has", "ILike", "In", "InQuery", "IsNull", "Like", "Not", "Or", "Raw"
])

// Only the builder's own condition nodes are written as SQL: any other tagged value (a DateTime, an Option) is a value.
const isConditionNode = (u: unknown): u is Query.ConditionNode =>
  typeof u === "object" && u !== null && "_tag" in u && CONDITION_TAGS.has((u as { _tag: unknown })._tag as string)

/**
 * The text of a `Query.sql` fragment is one expression: it cannot end the
 * statement, comment out what the builder adds after it, carry parameter
 * markers of its own, or put a `${}` inside a quoted string (where it would
 * not be bound).
 */
const fragmentProblem = (scope: Scope, fragment: Query.Fragment): string | undefined => {
  const markers = fragment.values.map((_, i) => `esq_fragment_value_${i}`)
  const text = fragment.strings.map((s, i) => i < markers.length ? `${s} ${markers[i]} ` : s).join("")
  const rules = schemaDialects[scope.dialect.name].lexRules
  const problem = unsafeExpression(text, rules)
  if (problem !== undefined) return problem.replace("; DDL cannot take parameters", "; write values as ${value}")
  const ids = new Set((tokenize(text, rules) ?? []).filter((t) => t.t === "id").map((t) => t.v))
  const quoted = markers.findIndex((m) => !ids.has(m))
  return quoted === -1 ? undefined : `value ${quoted + 1} is inside a quoted string or name, where it would not be bound`
}

const compileFragment = (scope: Scope, fragment: Query.Fragment, params: Params): R<string> => {
  const problem = fragmentProblem(scope, fragment)
  if (problem !== undefined) {
    return Result.fail(inputError(errorMessage(
      scope.what,
      `the Query.sql fragment ${showValue(fragment.strings.join("${}"))} is refused: ${problem}`,
      "a fragment is one expression; bind values with ${value}, e.g. Query.sql`${column} LIKE '%' || ${text} || '%'`"
    )))
  }
  let sql = fragment.strings[0] ?? ""
  for (let i = 0; i < fragment.values.length; i++) {
    const v = fragment.values[i]
    let part: R<string>
    if (Column.isColumnRef(v) || Query.isExpr(v)) part = Result.map(compileOperand(scope, v, params, false), (c) => c.sql)
    else if (isConditionNode(v)) part = Result.map(compileCondition(scope, v, params), (c) => `(${c})`)
    else part = Result.succeed(params.add(v))
    if (Result.isFailure(part)) return part
    sql += part.success + (fragment.strings[i + 1] ?? "")
  }
  return Result.succeed(sql)
}

/** A value compared with an operand, bound: encoded with the operand's column, or as given. */
const bindValue = (left: Compiled, value: unknown, params: Params): R<string> => {
  if (left.column !== undefined) return Result.map(left.column.column.encode(value), (v) => params.add(v))
  if (left.numericAggregate) return Result.succeed(`CAST(${params.add(typeof value === "bigint" ? value.toString() : value)} AS NUMERIC)`)
  return Result.succeed(params.add(value))
}

const describeOperand = (c: Compiled) => c.column === undefined ? c.sql : c.column.column.field

/** The join of a relation whose source is in `scope` (the target being joined to it): `target.k = source.k AND ...`. */
const relationJoin = (scope: Scope, relation: Relation.Any, target: Source): R<string> =>
  Result.flatMap(resolveJoin(relation), (join) => {
    const parts: Array<string> = []
    for (let k = 0; k < join.sourceFields.length; k++) {
      const s = resolveColumn(scope, relation.source.columns[join.sourceFields[k]!]!, true)
      if (Result.isFailure(s)) {
        return Result.fail(schemaError(
          errorMessage(scope.what, `relation ${relation.source.name} → ${relation.target.name} starts from ${relation.source.name}, which is not in the query`),
          relation.source.name
        ))
      }
      const t = target.info.byField.get(join.targetFields[k]!)!
      parts.push(`${target.qualifier}.${t.quoted} = ${s.success.sql}`)
    }
    return Result.succeed(parts.join(" AND "))
  })

const relationSubquery = (
  scope: Scope,
  relation: Relation.Any,
  condition: Query.ConditionNode | undefined,
  params: Params,
  selected: string
): R<string> =>
  Result.flatMap(tableInfo(relation.target, scope.dialect.name, scope.dialect.valueOptions), (info) => {
    const target = sourceOf(scope.dialect, info, params.alias())
    const inner = scope.child([target])
    if (relation.through !== undefined) return throughSubquery(scope, relation, info, target, condition, params, selected)
    // The relation's source is the enclosing query's row, even when it is the same table as the target.
    return Result.flatMap(relationJoin(scope, relation, target), (on) => {
      if (condition === undefined) return Result.succeed(`SELECT ${selected} FROM ${target.from} WHERE ${on}`)
      return Result.map(compileCondition(inner, condition, params), (c) => `SELECT ${selected} FROM ${target.from} WHERE ${on} AND ${c}`)
    })
  })

/**
 * `relationSubquery` of a many-to-many relation: the target joined to the
 * link, the link's owner columns equal to the enclosing row's.
 */
const throughSubquery = (
  scope: Scope,
  relation: Relation.Any,
  info: TableInfo,
  target: Source,
  condition: Query.ConditionNode | undefined,
  params: Params,
  selected: string
): R<string> =>
  Result.flatMap(resolveThrough(relation), (join) =>
    Result.flatMap(tableInfo(join.link, scope.dialect.name, scope.dialect.valueOptions), (linkInfo) => {
      const link = sourceOf(scope.dialect, linkInfo, params.alias())
      const on = join.target.sourceFields.map((f, k) =>
        `${link.qualifier}.${linkInfo.byField.get(join.target.targetFields[k]!)!.quoted} = ${target.qualifier}.${info.byField.get(f)!.quoted}`
      )
      const owner: Array<string> = []
      for (let k = 0; k < join.source.sourceFields.length; k++) {
        const s = resolveColumn(scope, relation.source.columns[join.source.sourceFields[k]!]!, true)
        if (Result.isFailure(s)) {
          return Result.fail(schemaError(
            errorMessage(scope.what, `relation ${relation.source.name} → ${relation.target.name} starts from ${relation.source.name}, which is not in the query`),
            relation.source.name
          ))
        }
        owner.push(`${link.qualifier}.${linkInfo.byField.get(join.source.targetFields[k]!)!.quoted} = ${s.success.sql}`)
      }
      const sql = `SELECT ${selected} FROM ${target.from} INNER JOIN ${link.from} ON ${on.join(" AND ")} WHERE ${owner.join(" AND ")}`
      if (condition === undefined) return Result.succeed(sql)
      return Result.map(compileCondition(scope.child([target]), condition, params), (c) => `${sql} AND ${c}`)
    })
  )

/** @internal */
export const compileCondition = (scope: Scope, condition: Query.ConditionNode, params: Params): R<string> => {
  switch (condition._tag) {
    case "Compare":
      return Result.flatMap(compileOperand(scope, condition.column, params, false), (c) => {
        if (condition.value === null || condition.value === undefined) {
          if (condition.op === "=") return Result.succeed(`${c.sql} IS NULL`)
          if (condition.op === "<>") return Result.succeed(`${c.sql} IS NOT NULL`)
          return Result.fail(inputError(
            errorMessage(scope.what, `cannot compare ${describeOperand(c)} ${condition.op} NULL`, "use Query.isNull or Query.isNotNull"),
            scope.root.sources[0]!.info.def.name
          ))
        }
        return Result.map(bindValue(c, condition.value, params), (v) => `${c.sql} ${condition.op} ${v}`)
      })
    case "In":
      return Result.flatMap(compileOperand(scope, condition.column, params, false), (c) => {
        if (condition.values.length === 0) return Result.succeed(condition.negated ? "1 = 1" : "1 = 0")
        const values: Array<unknown> = new Array(condition.values.length)
        for (let i = 0; i < values.length; i++) {
          if (c.column === undefined) {
            values[i] = condition.values[i]
            continue
          }
          const encoded = c.column.column.encode(condition.values[i])
          if (Result.isFailure(encoded)) return Result.fail(encoded.failure)
          values[i] = encoded.success
        }
        const listColumn = c.column === undefined
          ? { quoted: c.sql, dbType: "text", name: c.sql }
          : { quoted: c.sql, dbType: c.column.column.dbType, name: c.column.column.name }
        return inList([listColumn], [values], params, condition.negated)
      })
    case "Like":
      return Result.map(compileOperand(scope, condition.column, params, false), (c) => `${c.sql} LIKE ${params.add(condition.pattern)}`)
    case "ILike":
      return Result.map(compileOperand(scope, condition.column, params, false), (c) => scope.dialect.query.ilike(c.sql, params.add(condition.pattern)))
    case "IsNull":
      return Result.map(compileOperand(scope, condition.column, params, false), (c) => `${c.sql} IS ${condition.negated ? "NOT " : ""}NULL`)
    case "And":
    case "Or": {
      if (condition.conditions.length === 0) return Result.succeed(condition._tag === "And" ? "1 = 1" : "1 = 0")
      const parts: Array<string> = []
      for (const c of condition.conditions) {
        const part = compileCondition(scope, c, params)
        if (Result.isFailure(part)) return part
        parts.push(part.success)
      }
      return Result.succeed(parts.length === 1 ? parts[0]! : `(${parts.join(condition._tag === "And" ? " AND " : " OR ")})`)
    }
    case "Not":
      return Result.map(compileCondition(scope, condition.condition, params), (inner) => `NOT (${inner})`)
    case "CompareOperands":
      return Result.flatMap(
        compileOperand(scope, condition.left, params, false),
        (l) => Result.map(compileOperand(scope, condition.right, params, false), (r) => `${l.sql} ${condition.op} ${r.sql}`)
      )
    case "Between":
      return Result.flatMap(compileOperand(scope, condition.column, params, false), (c) => {
        if (condition.low === null || condition.low === undefined || condition.high === null || condition.high === undefined) {
          return Result.fail(inputError(errorMessage(scope.what, `between on ${describeOperand(c)} needs two values, got NULL`)))
        }
        return Result.flatMap(
          bindValue(c, condition.low, params),
          (low) => Result.map(bindValue(c, condition.high, params), (high) => `${c.sql} ${condition.negated ? "NOT " : ""}BETWEEN ${low} AND ${high}`)
        )
      })
    case "Exists":
      return Result.map(compileSubquery(scope, condition.query, params), (sub) => `${condition.negated ? "NOT " : ""}EXISTS (${sub.sql})`)
    case "InQuery":
      return Result.flatMap(compileOperand(scope, condition.column, params, false), (c) =>
        Result.flatMap(compileSubquery(scope, condition.query, params), (sub) =>
          sub.fields.length === 1
            ? Result.succeed(`${c.sql} ${condition.negated ? "NOT IN" : "IN"} (${sub.sql})`)
            : Result.fail(inputError(errorMessage(scope.what, `an IN subquery selects one field, this one ${sub.fields.length}`, "use Query.fields with one field")))))
    case "Has":
      return Result.map(relationSubquery(scope, condition.relation, condition.condition, params, "1"), (sql) => `EXISTS (${sql})`)
    case "Raw":
      return compileFragment(scope, condition.fragment, params)
  }
}

/**
 * A LIMIT or OFFSET count (checked to be a non-negative integer): written
 * as digits where the dialect asks for it (`Dialect.inlinePaging`: SQLite
 * runs a statement with a bound LIMIT several times slower), else bound.
 */
const pagingCount = (params: Params, n: number): string =>
  inlinesCount(params.dialect, n) ? String(n) : params.add(n)

const inlinesCount = (dialect: Dialect, n: number): boolean => dialect.inlinePaging && Number.isSafeInteger(n) && n >= 0

const nonNegativeInt = (name: string, n: number | undefined, table: string) =>
  n === undefined || (Number.isInteger(n) && n >= 0)
    ? Result.succeed(n)
    : Result.fail(inputError(errorMessage(`query on ${table}`, `${name} must be a non-negative integer, got ${showValue(n)}`), table))

/**
 * Whether a query is one table's rows with conditions, order and paging:
 * those keep the single-table SQL (and its speed) of before.
 *
 * @internal
 */
export const isPlain = (query: Query.Any): boolean =>
  (query.joins === undefined || query.joins.length === 0) && query.projection === undefined && query.distinct !== true &&
  (query.groupBy === undefined || query.groupBy.length === 0) && query.having === undefined && query.lock === undefined &&
  query.after === undefined

/** A compiled query: its text, parameters and how its rows read back. */
interface CompiledQuery {
  readonly sql: string
  /** Projection fields, in select-list order; empty for whole rows. */
  readonly fields: ReadonlyArray<{ readonly key: string; readonly alias: string; readonly decode: Decode }>
  readonly info: TableInfo
}

const isAggregate = (operand: Query.Operand): boolean =>
  Query.isExpr(operand) && (operand.node._tag === "Aggregate")

/** The keyset condition of `after`: rows past the cursor in the query's order. */
const keyset = (scope: Scope, query: Query.Any, params: Params): R<string> => {
  const cursor = query.after!
  const what = scope.what
  if (query.order.length === 0) return Result.fail(inputError(errorMessage(what, "after(cursor) needs an orderBy", "order by the columns the cursor holds, ending with a unique one")))
  const keys: Array<{ readonly operand: Query.Operand; readonly value: unknown; readonly op: string }> = []
  for (const o of query.order) {
    let key: string | undefined
    if (query.projection !== undefined) {
      for (const [k, f] of Object.entries(query.projection)) {
        if (f === o.column || (Column.isColumnRef(f) && Column.isColumnRef(o.column) && f.table === o.column.table && f.field === o.column.field)) {
          key = k
          break
        }
      }
    }
    if (key === undefined && Column.isColumnRef(o.column)) key = o.column.field
    if (key === undefined) return Result.fail(inputError(errorMessage(what, "after(cursor): an ordered expression is not among the selected fields", "select it with Query.fields to page by it")))
    const value = cursor[key]
    if (value === undefined || value === null) {
      return Result.fail(inputError(errorMessage(what, `after(cursor): the cursor has no value for ${key}`, `it needs a value for every ordered column (${query.order.map((x) => Column.isColumnRef(x.column) ? x.column.field : "an expression").join(", ")})`)))
    }
    keys.push({ operand: o.column, value, op: o.direction === "desc" ? "<" : ">" })
  }
  // (a > x) OR (a = x AND b > y) ...: works for mixed directions, on both dialects.
  const alternatives: Array<string> = []
  for (let i = 0; i < keys.length; i++) {
    const parts: Array<string> = []
    for (let j = 0; j <= i; j++) {
      const k = keys[j]!
      // Compiled at each use: an expression's own parameters are bound where its text appears.
      const c = compileOperand(scope, k.operand, params, false)
      if (Result.isFailure(c)) return Result.fail(c.failure)
      const bound = bindValue(c.success, k.value, params)
      if (Result.isFailure(bound)) return bound
      parts.push(`${c.success.sql} ${j === i ? k.op : "="} ${bound.success}`)
    }
    alternatives.push(parts.length === 1 ? parts[0]! : `(${parts.join(" AND ")})`)
  }
  return Result.succeed(alternatives.length === 1 ? alternatives[0]! : `(${alternatives.join(" OR ")})`)
}

/**
 * Any query as one SELECT: joins, projection, grouping, subqueries, keyset
 * paging and locks. The text is built in order, so parameters are too.
 */
const compileQueryIn = (parent: Scope | undefined, dialect: Dialect, query: Query.Any, params: Params, withLock: boolean): R<CompiledQuery> =>
  Result.gen(function*() {
    const info = yield* tableInfo(query.table, dialect.name, dialect.valueOptions)
    const joins = query.joins ?? []
    const alias = () => parent === undefined ? undefined : params.alias()
    const sources: Array<Source> = [sourceOf(dialect, info, alias())]
    const joinSources: Array<Source> = []
    for (const j of joins) {
      const joined = yield* tableInfo(j.table, dialect.name, dialect.valueOptions)
      if (sources.some((s) => s.info.def.name === joined.def.name)) {
        return yield* Result.fail(schemaError(
          errorMessage(`query on ${info.def.name}`, `table ${joined.def.name} is joined twice`, "a table can appear once in a query"),
          info.def.name
        ))
      }
      const s = sourceOf(dialect, joined, alias())
      sources.push(s)
      joinSources.push(s)
    }
    const qualified = parent !== undefined || joins.length > 0
    const scope = parent === undefined ? new Scope(dialect, sources, qualified, undefined) : parent.child(sources)
    const what = scope.what
    const table = info.def.name

    const lock = withLock ? query.lock : undefined
    if (lock !== undefined) {
      const grouped = query.distinct || (query.groupBy?.length ?? 0) > 0 || query.having !== undefined ||
        Object.values(query.projection ?? {}).some(isAggregate)
      if (grouped) {
        return yield* Result.fail(inputError(errorMessage(
          what,
          `FOR ${lock.strength.toUpperCase()} cannot lock the rows of a query with DISTINCT, GROUP BY, HAVING or aggregates`,
          "compute counts with Query.countOf or Query.scalar subqueries, or lock in a query of its own"
        ), table))
      }
      if (lock.skipLocked && lock.noWait) {
        return yield* Result.fail(inputError(errorMessage(what, "a lock takes skipLocked or noWait, not both"), table))
      }
    }

    // SELECT list
    const fields: Array<{ key: string; alias: string; decode: Decode }> = []
    let list: string
    if (query.projection !== undefined) {
      const parts: Array<string> = []
      const entries = Object.entries(query.projection)
      if (entries.length === 0) return yield* Result.fail(inputError(errorMessage(what, "fields({}) selects nothing", "name at least one column or expression"), table))
      for (let i = 0; i < entries.length; i++) {
        const [key, operand] = entries[i]!
        const c = yield* compileOperand(scope, operand, params, true)
        const alias = `c${i}`
        parts.push(`${c.sql} AS ${dialect.quoteIdentifier(alias)}`)
        fields.push({ key, alias, decode: c.decode })
      }
      list = parts.join(", ")
    } else {
      list = qualified ? info.columns.map((c) => `${sources[0]!.qualifier}.${c.quoted} AS ${c.quoted}`).join(", ") : info.selectList
    }
    let sql = `SELECT ${query.distinct ? "DISTINCT " : ""}${list} FROM ${sources[0]!.from}`

    for (let k = 0; k < joins.length; k++) {
      const j = joins[k]!
      const target = joinSources[k]!
      const conditions: Array<string> = []
      if (j.relation !== undefined) {
        // The relation's source must already be in the query: joined before, or the query's own table.
        const before = new Scope(dialect, sources.slice(0, k + 1), true, parent)
        conditions.push(yield* relationJoin(before, j.relation, target))
      }
      if (j.on !== undefined) conditions.push(yield* compileCondition(scope, j.on, params))
      if (conditions.length === 0) conditions.push("1 = 1")
      sql += ` ${j.kind === "left" ? "LEFT JOIN" : "INNER JOIN"} ${target.from} ON ${conditions.join(" AND ")}`
    }

    const where: Array<string> = []
    if (query.condition !== undefined) where.push(yield* compileCondition(scope, query.condition, params))
    if (query.after !== undefined) where.push(yield* keyset(scope, query, params))
    if (where.length > 0) sql += ` WHERE ${where.join(" AND ")}`

    if ((query.groupBy?.length ?? 0) > 0) {
      const parts: Array<string> = []
      for (const g of query.groupBy) parts.push((yield* compileOperand(scope, g, params, false)).sql)
      sql += ` GROUP BY ${parts.join(", ")}`
    }
    if (query.having !== undefined) sql += ` HAVING ${yield* compileCondition(scope, query.having, params)}`

    if (query.order.length > 0) {
      const parts: Array<string> = []
      for (const o of query.order) {
        parts.push(`${(yield* compileOperand(scope, o.column, params, false)).sql} ${o.direction === "desc" ? "DESC" : "ASC"}`)
      }
      sql += ` ORDER BY ${parts.join(", ")}`
    }
    const limit = yield* nonNegativeInt("limit", query.limit, table)
    const offset = yield* nonNegativeInt("offset", query.offset, table)
    if (limit !== undefined) sql += ` LIMIT ${pagingCount(params, limit)}`
    if (offset !== undefined) sql += `${limit === undefined ? ` LIMIT ${dialect.unboundedLimit}` : ""} OFFSET ${pagingCount(params, offset)}`

    if (lock !== undefined) {
      const of: Array<string> = []
      for (const t of lock.of) {
        const s = sources.find((s) => s.info.def.name === t.name)
        if (s === undefined) {
          return yield* Result.fail(inputError(errorMessage(what, `a lock OF ${t.name}: the table is not in the query`, `its tables are ${sources.map((s) => s.info.def.name).join(", ")}`), table))
        }
        of.push(s.qualifier)
      }
      sql += dialect.query.lockClause({ strength: lock.strength, wait: lock.skipLocked ? "skipLocked" : lock.noWait ? "noWait" : "wait", of })
    }
    return { sql, fields, info }
  })

const compileSubquery = (scope: Scope, query: Query.Any, params: Params): R<CompiledQuery> =>
  compileQueryIn(scope, scope.dialect, query, params, false)

/**
 * A compiled query of any shape, with how to read its rows: whole rows of
 * its table (decoded by the table's codec) or a projection's fields.
 *
 * @internal
 */
export interface Compiled_ {
  readonly sql: string
  readonly params: ReadonlyArray<unknown>
  readonly info: TableInfo
  /** Reads one row of a projection; undefined for whole rows (decoded by `info.codec`). */
  readonly decodeRow: ((row: Record<string, unknown>) => R<Record<string, unknown>>) | undefined
}

const projectionDecoder = (fields: CompiledQuery["fields"]) => (row: Record<string, unknown>): R<Record<string, unknown>> => {
  const out: Record<string, unknown> = {}
  for (const f of fields) {
    const v = f.decode(row[f.alias])
    if (Result.isFailure(v)) return Result.fail(v.failure)
    out[f.key] = v.success
  }
  return Result.succeed(out)
}

/**
 * Any query: the single-table SQL of before for plain queries, else one
 * SELECT with joins, projection, grouping, subqueries, paging and locks.
 *
 * @internal
 */
export const compileQuery = (info: TableInfo, dialect: Dialect, query: Query.Any): R<Compiled_> => {
  if (isPlain(query)) return Result.map(compileSelectCached(info, dialect, query), ([sql, params]) => ({ sql, params, info, decodeRow: undefined }))
  const params = new Params(dialect)
  return Result.map(compileQueryIn(undefined, dialect, query, params, true), (c) => ({
    sql: c.sql,
    params: params.values,
    info: c.info,
    decodeRow: query.projection === undefined ? undefined : projectionDecoder(c.fields)
  }))
}

/**
 * SELECT for a plain query. Written without generators: it runs on every
 * query, and `Result.gen` costs more than the string building.
 *
 * @internal
 */
export const compileSelect = (
  info: TableInfo,
  dialect: Dialect,
  query: Query.Any
): Result.Result<readonly [string, ReadonlyArray<unknown>], DatabaseError.DatabaseError> => {
  if (!isPlain(query)) {
    const params = new Params(dialect)
    return Result.map(compileQueryIn(undefined, dialect, query, params, true), (c) => [c.sql, params.values] as const)
  }
  const params = new Params(dialect)
  const scope = singleTableScope(info, dialect)
  let sql = `SELECT ${info.selectList} FROM ${info.qualified}`
  if (query.condition !== undefined) {
    const where = compileCondition(scope, query.condition, params)
    if (Result.isFailure(where)) return Result.fail(where.failure)
    sql += ` WHERE ${where.success}`
  }
  if (query.order.length > 0) {
    const parts: Array<string> = []
    for (const o of query.order) {
      const c = compileOperand(scope, o.column, params, false)
      if (Result.isFailure(c)) return Result.fail(c.failure)
      parts.push(`${c.success.sql} ${o.direction === "desc" ? "DESC" : "ASC"}`)
    }
    sql += ` ORDER BY ${parts.join(", ")}`
  }
  const limit = nonNegativeInt("limit", query.limit, info.def.name)
  if (Result.isFailure(limit)) return Result.fail(limit.failure)
  const offset = nonNegativeInt("offset", query.offset, info.def.name)
  if (Result.isFailure(offset)) return Result.fail(offset.failure)
  if (limit.success !== undefined) sql += ` LIMIT ${pagingCount(params, limit.success)}`
  if (offset.success !== undefined) {
    sql += `${limit.success === undefined ? ` LIMIT ${dialect.unboundedLimit}` : ""} OFFSET ${pagingCount(params, offset.success)}`
  }
  return Result.succeed([sql, params.values] as const)
}

const whereClause = (info: TableInfo, dialect: Dialect, query: Query.Any, params: Params) =>
  query.condition === undefined
    ? Result.succeed("")
    : Result.map(compileCondition(singleTableScope(info, dialect), query.condition, params), (sql) => ` WHERE ${sql}`)

/** @internal */
export const compileCount = (info: TableInfo, dialect: Dialect, query: Query.Any) =>
  Result.gen(function*() {
    const params = new Params(dialect)
    if (!isPlain(query)) {
      // Counted without its lock: the rows counted are not taken.
      const inner = yield* compileQueryIn(undefined, dialect, query, params, false)
      return [`SELECT COUNT(*) AS n FROM (${inner.sql}) AS counted`, params.values] as const
    }
    const where = yield* whereClause(info, dialect, query, params)
    const inner = `SELECT 1 FROM ${info.qualified}${where}`
    const limit = yield* nonNegativeInt("limit", query.limit, info.def.name)
    const offset = yield* nonNegativeInt("offset", query.offset, info.def.name)
    let paged = inner
    if (limit !== undefined) paged += ` LIMIT ${pagingCount(params, limit)}`
    if (offset !== undefined) paged += `${limit === undefined ? ` LIMIT ${dialect.unboundedLimit}` : ""} OFFSET ${pagingCount(params, offset)}`
    return [`SELECT COUNT(*) AS n FROM (${paged}) AS counted`, params.values] as const
  })

const refuseOrderAndPaging = (info: TableInfo, query: Query.Any, what: string) =>
  query.limit !== undefined || query.offset !== undefined || query.order.length > 0
    ? Result.fail(inputError(errorMessage(`${what} of ${info.def.name}`, "takes a query without orderBy, limit or offset"), info.def.name))
    : !isPlain(query)
    ? Result.fail(inputError(
      errorMessage(`${what} of ${info.def.name}`, "takes a query of the table's own rows", "no join, fields, distinct, groupBy, having, lock or after; use Query.has or Query.exists to filter by other tables"),
      info.def.name
    ))
    : Result.succeed(undefined)

/** @internal */
export const compileDelete = (info: TableInfo, dialect: Dialect, query: Query.Any) =>
  Result.gen(function*() {
    yield* refuseOrderAndPaging(info, query, "delete")
    const params = new Params(dialect)
    return [`DELETE FROM ${info.qualified}${yield* whereClause(info, dialect, query, params)}`, params.values] as const
  })

/** @internal */
export const compileUpdate = (
  info: TableInfo,
  dialect: Dialect,
  query: Query.Any,
  values: Readonly<Record<string, unknown>>
) =>
  Result.gen(function*() {
    yield* refuseOrderAndPaging(info, query, "update")
    const params = new Params(dialect)
    const sets: Array<string> = []
    for (const [field, value] of Object.entries(values)) {
      if (value === undefined) continue
      const c = yield* column(info, field)
      sets.push(`${c.quoted} = ${params.add(yield* c.encode(value))}`)
    }
    if (sets.length === 0) {
      return yield* Result.fail(
        inputError(errorMessage(`update of ${info.def.name}`, "sets no column", "give at least one field to change"), info.def.name)
      )
    }
    return [`UPDATE ${info.qualified} SET ${sets.join(", ")}${yield* whereClause(info, dialect, query, params)}`, params.values] as const
  })

/**
 * A plain query's SQL depends only on its shape (which columns it compares,
 * how, in what order, whether it pages), not on its values: the text is
 * kept per shape, and a query of a known shape only has its values encoded
 * and bound. The shape key is written while the values are collected, in
 * the order `compileSelect` binds them. Anything outside the few shapes
 * understood here, and any value that fails, takes `compileSelect`, which
 * also makes every error.
 */
interface Slot {
  readonly value: unknown
  /** The column's encoder; undefined for a value bound as given (a LIKE pattern), a paging count `null`. */
  readonly encode: ColumnInfo["encode"] | undefined | null
}

const shapeCache = new WeakMap<TableInfo, Map<string, string>>()
const MAX_SHAPES = 256

const ownColumn = (info: TableInfo, operand: Query.Operand): ColumnInfo | undefined =>
  Column.isColumnRef(operand) && operand.table === info.def.name ? info.byField.get(operand.field) : undefined

const conditionShape = (info: TableInfo, c: Query.ConditionNode, slots: Array<Slot>): string | undefined => {
  switch (c._tag) {
    case "Compare": {
      const col = ownColumn(info, c.column)
      if (col === undefined) return undefined
      if (c.value === null || c.value === undefined) return c.op === "=" || c.op === "<>" ? `N${c.op}${col.field};` : undefined
      slots.push({ value: c.value, encode: col.encode })
      return `C${c.op}${col.field};`
    }
    case "IsNull": {
      const col = ownColumn(info, c.column)
      return col === undefined ? undefined : `I${c.negated ? "!" : ""}${col.field};`
    }
    case "Like":
    case "ILike": {
      const col = ownColumn(info, c.column)
      if (col === undefined) return undefined
      slots.push({ value: c.pattern, encode: undefined })
      return `${c._tag}${col.field};`
    }
    case "And":
    case "Or": {
      let key = `${c._tag}(`
      for (const inner of c.conditions) {
        const part = conditionShape(info, inner, slots)
        if (part === undefined) return undefined
        key += part
      }
      return `${key})`
    }
    case "Not": {
      const inner = conditionShape(info, c.condition, slots)
      return inner === undefined ? undefined : `!(${inner})`
    }
    default:
      return undefined
  }
}

const queryShape = (info: TableInfo, dialect: Dialect, query: Query.Any, slots: Array<Slot>): string | undefined => {
  let key = ""
  if (query.condition !== undefined) {
    const where = conditionShape(info, query.condition, slots)
    if (where === undefined) return undefined
    key = where
  }
  for (const o of query.order) {
    const col = ownColumn(info, o.column)
    if (col === undefined) return undefined
    key += `O${o.direction === "desc" ? "-" : "+"}${col.field};`
  }
  for (const [mark, n] of [["L", query.limit], ["F", query.offset]] as const) {
    if (n === undefined) continue
    if (inlinesCount(dialect, n)) {
      // Written into the text: part of the shape.
      key += `${mark}${n};`
    } else {
      slots.push({ value: n, encode: null })
      key += `${mark};`
    }
  }
  return key
}

/**
 * `compileSelect` for plain queries, with the SQL text kept per shape.
 *
 * @internal
 */
export const compileSelectCached = (
  info: TableInfo,
  dialect: Dialect,
  query: Query.Any
): Result.Result<readonly [string, ReadonlyArray<unknown>], DatabaseError.DatabaseError> => {
  if (!isPlain(query)) return compileSelect(info, dialect, query)
  const slots: Array<Slot> = []
  const key = queryShape(info, dialect, query, slots)
  if (key === undefined) return compileSelect(info, dialect, query)
  let shapes = shapeCache.get(info)
  if (shapes === undefined) {
    shapes = new Map()
    shapeCache.set(info, shapes)
  }
  const sql = shapes.get(key)
  if (sql === undefined) {
    const compiled = compileSelect(info, dialect, query)
    if (Result.isSuccess(compiled) && compiled.success[1].length === slots.length && shapes.size < MAX_SHAPES) {
      shapes.set(key, compiled.success[0])
    }
    return compiled
  }
  const params: Array<unknown> = new Array(slots.length)
  for (let k = 0; k < slots.length; k++) {
    const slot = slots[k]!
    if (slot.encode === undefined) {
      params[k] = slot.value
    } else if (slot.encode === null) {
      const n = slot.value
      if (typeof n !== "number" || !Number.isInteger(n) || n < 0) return compileSelect(info, dialect, query)
      params[k] = n
    } else {
      const encoded = slot.encode(slot.value)
      if (Result.isFailure(encoded)) return compileSelect(info, dialect, query)
      params[k] = encoded.success
    }
  }
  return Result.succeed([sql, params] as const)
}
