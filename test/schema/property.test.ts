/**
 * Property: for random table definitions, createAll → reflect gives back
 * exactly the declared metadata (after normalization), dropAll leaves
 * nothing, and `Table.fromMetadata` of the reflection recreates the same
 * schema.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import * as Column from "../../src/Column.js"
import { createAll, dropAll, reflect } from "../../src/internal/schema/ddl.js"
import * as Metadata from "../../src/Metadata.js"
import * as Table from "../../src/Table.js"
import { dialects } from "./harness.js"

interface ColumnKind {
  readonly tag: string
  readonly schema: Schema.Top
  /** Usable in keys and unique constraints. */
  readonly keyable: boolean
  readonly defaults?: fc.Arbitrary<unknown>
}

const noNul = (s: string) => !s.includes("\u0000")
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.fullUnicodeString({ maxLength: 8 }).filter(noNul), fc.constantFrom("", "'", "''", "\\", "a'b\"c"))

const kinds: fc.Arbitrary<ColumnKind> = fc.oneof(
  fc.constant<ColumnKind>({ tag: "int", schema: Schema.Int, keyable: true, defaults: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
  fc.constant<ColumnKind>({
    tag: "bigint",
    schema: Schema.BigInt,
    keyable: true,
    defaults: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
  }),
  fc.constant<ColumnKind>({
    tag: "number",
    schema: Schema.Number,
    keyable: true,
    defaults: fc.double({ min: -1e12, max: 1e12, noNaN: true })
  }),
  fc.constant<ColumnKind>({ tag: "text", schema: Schema.String, keyable: true, defaults: text }),
  fc.integer({ min: 1, max: 300 }).map((n): ColumnKind => ({
    tag: `varchar(${n})`,
    schema: Schema.String.check(Schema.isMaxLength(n)),
    keyable: true,
    defaults: fc.string({ maxLength: Math.min(n, 12) })
  })),
  fc.constant<ColumnKind>({ tag: "boolean", schema: Schema.Boolean, keyable: false, defaults: fc.boolean() }),
  fc.constant<ColumnKind>({
    tag: "date",
    schema: Schema.Date,
    keyable: true,
    defaults: fc.oneof(
      fc.date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true }),
      fc.constant(Column.sqlDefault("CURRENT_TIMESTAMP"))
    )
  }),
  fc.constant<ColumnKind>({
    tag: "date from string",
    schema: Schema.DateFromString,
    keyable: true,
    defaults: fc.date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true })
  }),
  fc.constant<ColumnKind>({ tag: "bytes", schema: Schema.Uint8Array, keyable: false }),
  fc.constant<ColumnKind>({ tag: "uuid", schema: Schema.String.check(Schema.isUUID()), keyable: true, defaults: fc.uuid() }),
  fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }).map((values): ColumnKind => ({
    tag: `enum(${values.join("|")})`,
    schema: Schema.Literals(values),
    keyable: true,
    defaults: fc.constantFrom(...values)
  })),
  fc.uniqueArray(fc.integer({ min: -5, max: 100 }), { minLength: 1, maxLength: 4 }).map((values): ColumnKind => ({
    tag: `intEnum(${values.join("|")})`,
    schema: Schema.Literals(values),
    keyable: true,
    defaults: fc.constantFrom(...values)
  })),
  fc.constant<ColumnKind>({
    tag: "json",
    schema: Schema.Struct({ a: Schema.Number, tags: Schema.Array(Schema.String) }),
    keyable: false,
    defaults: fc.record({ a: fc.integer(), tags: fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }) })
  })
)

const columnName = fc.oneof(
  fc.stringMatching(/^[a-z_][a-z0-9_$]{0,14}$/),
  fc.stringMatching(/^[A-Z][a-zA-Z0-9]{0,10}$/),
  fc.constantFrom("select", "from", "order", "group", "user", "key", "default", "check", "primary", "table")
)

interface ColumnSpec {
  readonly name: string
  readonly kind: ColumnKind
  readonly nullable: boolean
  readonly unique: boolean
  readonly index: boolean
  readonly dflt: fc.Arbitrary<unknown> | undefined
  readonly defaultValue: unknown
  readonly hasDefault: boolean
}

const columnSpec = (name: string): fc.Arbitrary<ColumnSpec> =>
  fc.record({ kind: kinds, nullable: fc.boolean(), unique: fc.boolean(), index: fc.boolean(), hasDefault: fc.boolean(), seed: fc.nat() })
    .chain(({ hasDefault, index, kind, nullable, unique }) =>
      (hasDefault && kind.defaults !== undefined ? kind.defaults : fc.constant(undefined)).map((defaultValue) => ({
        name,
        kind,
        nullable,
        unique: unique && kind.keyable && !nullable,
        index,
        dflt: kind.defaults,
        defaultValue,
        hasDefault: hasDefault && kind.defaults !== undefined
      }))
    )

const actions = fc.constantFrom<Metadata.ReferentialAction>("cascade", "restrict", "set null", "no action")

interface TableSpec {
  readonly columns: ReadonlyArray<ColumnSpec>
  readonly pk: "autoinc" | "single" | "composite" | "none"
  readonly refs: ReadonlyArray<{ readonly target: number; readonly nullable: boolean; readonly onDelete: Metadata.ReferentialAction; readonly onUpdate: Metadata.ReferentialAction }>
  readonly snake: boolean
}

const tableSpec: fc.Arbitrary<TableSpec> = fc.uniqueArray(columnName, {
  minLength: 1,
  maxLength: 6,
  selector: (n) => n.toLowerCase()
}).filter((names) => !names.some((n) => n.toLowerCase() === "id" || n.toLowerCase().startsWith("ref_")))
  .chain((names) =>
    fc.record({
      columns: fc.tuple(...names.map(columnSpec)),
      pk: fc.constantFrom("autoinc", "single", "composite", "none"),
      refs: fc.array(
        fc.record({ target: fc.nat(), nullable: fc.boolean(), onDelete: actions, onUpdate: actions }),
        { maxLength: 2 }
      ),
      snake: fc.constant(false)
    })
  )

/** Builds Table values from specs; foreign keys only point to earlier tables with a single-column key. */
const build = (specs: ReadonlyArray<TableSpec>, suffix: string): Array<Table.Any> => {
  const tables: Array<Table.Any> = []
  // The plain Schema of each table's single-column key, for referencing columns.
  const keySchemas: Array<Schema.Top | undefined> = []
  specs.forEach((spec, i) => {
    const fields: Record<string, Schema.Top> = {}
    let keyFields: Array<string> = []
    if (spec.pk === "autoinc") {
      fields["id"] = Schema.Int.pipe(Column.primaryKey, Column.autoIncrement)
    }
    const keyable = spec.columns.filter((c) => c.kind.keyable && !c.nullable)
    if (spec.pk === "single" && keyable.length >= 1) keyFields = [keyable[0]!.name]
    if (spec.pk === "composite" && keyable.length >= 2) keyFields = [keyable[0]!.name, keyable[1]!.name]
    for (const c of spec.columns) {
      let s: Schema.Top = c.kind.schema
      if (c.hasDefault) s = s.pipe(Column.default(c.defaultValue as any))
      if (c.unique && !keyFields.includes(c.name)) s = s.pipe(Column.unique)
      if (c.index) s = s.pipe(Column.index)
      if (c.nullable) s = Schema.NullOr(s)
      fields[c.name] = s
    }
    spec.refs.forEach((ref, k) => {
      const candidates = tables.map((t, j) => [t, keySchemas[j]] as const).filter(([, key]) => key !== undefined)
      if (candidates.length === 0) return
      const [target, keySchema] = candidates[ref.target % candidates.length]!
      const pkField = target.primaryKey[0]!
      const s = keySchema!.pipe(
        Column.references(() => target.columns[pkField]!, { onDelete: ref.nullable ? ref.onDelete : "cascade", onUpdate: ref.onUpdate })
      )
      fields[`ref_${k}`] = ref.nullable ? Schema.NullOr(s) : s
    })
    keySchemas.push(
      spec.pk === "autoinc"
        ? Schema.Int
        : keyFields.length === 1
        ? spec.columns.find((c) => c.name === keyFields[0])!.kind.schema
        : undefined
    )
    tables.push(Table.make(`t${i}${suffix}`, fields, keyFields.length > 0 ? { primaryKey: keyFields } : {}))
  })
  return tables
}

describe.each(dialects)("declared = reflected, for random tables ($name)", ({ make, name: dialect }) => {
  it("holds for createAll / reflect / dropAll / fromMetadata", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(tableSpec, { minLength: 1, maxLength: 4 }),
        fc.stringMatching(/^[a-z]{3}$/),
        async (specs, suffix) => {
          const tables = build(specs, suffix)
          const declared = Metadata.fromTables(tables, dialect)
          if (Result.isFailure(declared)) throw new Error(`unexpected definition error: ${declared.failure.message}`)
          await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
            const db = yield* make
            yield* createAll(db.run, db.schemaDialect, tables)
            const live = yield* reflect(db.run, db.schemaDialect)
            expect(Metadata.diff(declared.success, live, dialect)).toEqual([])
            yield* dropAll(db.run, db.schemaDialect, tables)
            expect((yield* reflect(db.run, db.schemaDialect)).tables).toEqual([])
            const rebuilt = live.tables.map(Table.fromMetadata)
            yield* createAll(db.run, db.schemaDialect, rebuilt)
            expect(Metadata.diff(live, yield* reflect(db.run, db.schemaDialect), dialect)).toEqual([])
          })))
        }
      ),
      { numRuns: Number(process.env["PROPERTY_RUNS"] ?? 30) }
    )
  }, 120_000)
})
