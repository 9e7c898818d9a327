/**
 * createAll / dropAll / reflect: the schema operations the `Database`
 * service exposes, written against a `Run` function and a `SchemaDialect`
 * so they know nothing about connections or transactions.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import type { DatabaseError } from "../../DatabaseError.js"
import type { ForeignKeyMetadata, Metadata, TableMetadata } from "../../Metadata.js"
import type * as Table from "../../Table.js"
import type { NamedType, ReflectOptions, Run, SchemaDialect, TableName } from "../dialect/schemaDialect.js"
import { schemaDialects } from "../dialect/schemaDialects.js"
import { schemaError } from "./analyze.js"
import { fromTablesWith } from "./declared.js"
import { isSingleStatement } from "./sqlText.js"
import { showValue } from "../errorMessage.js"

export type { ReflectOptions, Run, SchemaDialect } from "../dialect/schemaDialect.js"
export { schemaDialects }

/** @internal */
export interface SchemaOptions {
  /** Skip tables that already exist (createAll) or do not exist (dropAll). Default `true`. */
  readonly checkFirst?: boolean
  /** Restrict the operation to these tables (values or names); the others still resolve foreign keys. */
  readonly tables?: ReadonlyArray<Table.Any | string>
}

const label = (t: TableName): string => (t.schema === undefined ? t.name : `${t.schema}.${t.name}`)

const sameTable = (a: TableName, b: TableName): boolean => a.name === b.name && a.schema === b.schema

const select = (
  metadata: Metadata,
  tables: ReadonlyArray<Table.Any>,
  wanted: SchemaOptions["tables"]
): Result.Result<ReadonlyArray<TableMetadata>, DatabaseError> => {
  if (wanted === undefined) return Result.succeed(metadata.tables)
  const out: Array<TableMetadata> = []
  for (const w of wanted) {
    const found = typeof w === "string"
      ? metadata.tables.find((t) => t.name === w || label(t) === w)
      : metadata.tables[tables.indexOf(w)]
    if (found === undefined) {
      return Result.fail(
        schemaError(`table ${
          typeof w === "string"
            ? showValue(w)
            : label({ name: w.name, ...(w.options.schema === undefined ? {} : { schema: w.options.schema }) })
        }: it is not among the declared tables`)
      )
    }
    if (!out.includes(found)) out.push(found)
  }
  // Keep declaration order so the result does not depend on how the subset was listed.
  return Result.succeed(metadata.tables.filter((t) => out.includes(t)))
}

const targetOf = (table: TableMetadata, fk: ForeignKeyMetadata): TableName => {
  const schema = fk.references.schema ?? table.schema
  return schema === undefined ? { name: fk.references.table } : { name: fk.references.table, schema }
}

/** @internal */
export interface Plan {
  /** Creation order: referenced tables first. */
  readonly order: ReadonlyArray<TableMetadata>
  /** Foreign keys that close a cycle, added after all tables exist. */
  readonly deferred: ReadonlyMap<TableMetadata, ReadonlyArray<ForeignKeyMetadata>>
}

/**
 * Orders tables so every foreign key points to a table created earlier
 * (self references are fine). A cycle is broken at the first table in
 * declaration order, whose foreign keys into the cycle are deferred; dialects
 * that cannot add foreign keys later get a `SchemaError` instead.
 */
export const plan = (tables: ReadonlyArray<TableMetadata>, dialect: SchemaDialect): Result.Result<Plan, DatabaseError> => {
  const remaining = [...tables]
  const order: Array<TableMetadata> = []
  const deferred = new Map<TableMetadata, Array<ForeignKeyMetadata>>()
  const pendingDeps = (t: TableMetadata) =>
    t.foreignKeys.filter((fk) => {
      const target = targetOf(t, fk)
      return !sameTable(target, t) && remaining.some((r) => r !== t && sameTable(r, target))
    })
  while (remaining.length > 0) {
    const ready = remaining.findIndex((t) => pendingDeps(t).length === 0)
    if (ready >= 0) {
      order.push(remaining.splice(ready, 1)[0]!)
      continue
    }
    if (dialect.alterForeignKeys === undefined) {
      return Result.fail(
        schemaError(
          `foreign keys form a cycle between tables ${remaining.map(label).join(", ")}; ${dialect.name} cannot create it ` +
            `(it cannot add a foreign key to an existing table). Remove one of the references or make it nullable and set it after insert without a constraint.`,
          remaining[0]!.name
        )
      )
    }
    const breaker = remaining.splice(0, 1)[0]!
    deferred.set(breaker, breaker.foreignKeys.filter((fk) => remaining.some((r) => sameTable(r, targetOf(breaker, fk)))))
    order.push(breaker)
  }
  return Result.succeed({ order, deferred })
}

/**
 * Runs DDL one statement per query, after checking by the dialect's own
 * lexing rules that each text is exactly one statement: DDL embeds
 * `Column.sqlDefault` text, and a text that reads as two statements is
 * refused before any of them runs.
 */
const runAll = (run: Run, dialect: SchemaDialect, statements: ReadonlyArray<string>) =>
  Effect.suspend(() => {
    const bad = statements.find((s) => !isSingleStatement(s, dialect.lexRules))
    return bad === undefined
      ? Effect.forEach(statements, (s) => run(s), { discard: true })
      : Effect.fail(schemaError(`refusing to run DDL that is not exactly one statement: ${bad}`))
  })

type SchemaOperation = (
  run: Run,
  dialect: SchemaDialect,
  tables: ReadonlyArray<Table.Any>,
  options?: SchemaOptions
) => Effect.Effect<void, DatabaseError>

/**
 * createAll and dropAll share one selection and ordering, so that dropAll
 * undoes exactly what createAll did (reversed, with the same deferred keys).
 */
const planFor = (dialect: SchemaDialect, tables: ReadonlyArray<Table.Any>, options: SchemaOptions) =>
  Effect.gen(function*() {
    const metadata = yield* Effect.fromResult(fromTablesWith(tables, dialect))
    const selected = yield* Effect.fromResult(select(metadata, tables, options.tables))
    return yield* Effect.fromResult(plan(selected, dialect))
  })

/**
 * Creates the tables (and their indexes) in foreign key order.
 *
 * @internal
 */
export const createAll: SchemaOperation = (run, dialect, tables, options = {}) =>
  Effect.gen(function*() {
    const { deferred, order } = yield* planFor(dialect, tables, options)
    const existing = options.checkFirst === false ? [] : yield* dialect.existingTables(run, order)
    const toCreate = order.filter((t) => !existing.some((e) => sameTable(e, t)))
    const alter = dialect.alterForeignKeys
    const types = typesOf(dialect, toCreate)
    const named = dialect.namedTypes
    const existingTypes = named === undefined || types.length === 0 || options.checkFirst === false
      ? []
      : yield* named.existing(run, types)
    yield* runAll(run, dialect, [
      // Enum and domain types first: the tables' columns name them.
      ...(named === undefined ? [] : types.filter((t) => !existingTypes.includes(t)).map(named.create)),
      ...toCreate.flatMap((t) => dialect.createTable(t, { deferred: deferred.get(t) ?? [] })),
      ...(alter === undefined ? [] : toCreate.flatMap((t) => (deferred.get(t) ?? []).map((fk) => alter.add(t, fk))))
    ])
  })

/**
 * Drops the tables in reverse foreign key order (children first).
 *
 * @internal
 */
export const dropAll: SchemaOperation = (run, dialect, tables, options = {}) =>
  Effect.gen(function*() {
    const { deferred, order } = yield* planFor(dialect, tables, options)
    const existing = options.checkFirst === false ? order : yield* dialect.existingTables(run, order)
    const toDrop = [...order].reverse().filter((t) => existing.some((e) => sameTable(e, t)))
    const alter = dialect.alterForeignKeys
    yield* runAll(run, dialect, [
      ...(alter === undefined ? [] : toDrop.flatMap((t) =>
        (deferred.get(t) ?? []).flatMap((fk) => (fk.name === undefined ? [] : [alter.drop(t, fk.name)]))
      )),
      ...toDrop.map((t) => dialect.dropTable(t))
    ])
    // The types of the dropped tables go too, unless another table still uses one.
    const named = dialect.namedTypes
    const types = typesOf(dialect, toDrop)
    if (named !== undefined && types.length > 0) {
      yield* runAll(run, dialect, (yield* named.unused(run, types)).map(named.drop))
    }
  })

/** The enum and domain types the tables' columns need, each once (domains after the enums they may be based on). */
export const typesOf = (dialect: SchemaDialect, tables: ReadonlyArray<TableMetadata>): Array<NamedType> => {
  const named = dialect.namedTypes
  if (named === undefined) return []
  const byKey = new Map<string, NamedType>()
  for (const t of tables) {
    for (const c of t.columns) {
      const type = named.typeOf(c, t)
      if (type !== undefined) byKey.set(JSON.stringify([type.schema ?? null, type.name]), type)
    }
  }
  const all = [...byKey.values()]
  return [...all.filter((t) => t.kind === "enum"), ...all.filter((t) => t.kind === "domain")]
}

/**
 * Reads the live schema.
 *
 * @internal
 */
export const reflect = (
  run: Run,
  dialect: SchemaDialect,
  options: ReflectOptions = {}
): Effect.Effect<Metadata, DatabaseError> => dialect.introspect(run, options)
