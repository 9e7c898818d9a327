/**
 * The enum and domain types of a migration (PostgreSQL): created when a
 * column first needs one, extended in place when an enum only gains labels,
 * otherwise set aside, recreated (its columns are then converted by the
 * table changes) and the old one dropped; dropped when no column needs it.
 *
 * @internal
 */
import * as Result from "effect/Result"
import type { DatabaseError } from "../../DatabaseError.js"
import type { Metadata } from "../../Metadata.js"
import type { MigrationDdl, NamedType, SchemaDialect } from "../dialect/schemaDialect.js"
import { schemaError } from "../schema/analyze.js"
import { typesOf } from "../schema/ddl.js"
import { namedTypeKey } from "./changes.js"

/** @internal */
export interface TypePlan {
  /** Run after the renames, before tables are created. */
  readonly statements: ReadonlyArray<string>
  /** Run last, once no column uses them. */
  readonly drops: ReadonlyArray<string>
  /** Keys (`namedTypeKey`) of the types recreated: their columns change type. */
  readonly recreated: ReadonlySet<string>
  readonly summary: ReadonlyArray<string>
  readonly destructive: ReadonlyArray<string>
  readonly transactional: boolean
}

const typeLabel = (t: NamedType): string => `${t.kind} ${t.schema === undefined ? "" : `${t.schema}.`}${t.name}`

const isSubsequence = (small: ReadonlyArray<string>, big: ReadonlyArray<string>): boolean => {
  let i = 0
  for (const x of big) if (i < small.length && small[i] === x) i++
  return i === small.length
}

const labels = (list: ReadonlyArray<string>): string => list.map((l) => JSON.stringify(l)).join(", ")

/** @internal */
export const planTypes = (
  from: Metadata,
  to: Metadata,
  dialect: SchemaDialect,
  ddl: MigrationDdl
): Result.Result<TypePlan, DatabaseError> => {
  const named = dialect.namedTypes
  const empty: TypePlan = { statements: [], drops: [], recreated: new Set(), summary: [], destructive: [], transactional: true }
  if (named === undefined) return Result.succeed(empty)
  const fromTypes = new Map(typesOf(dialect, from.tables).map((t) => [namedTypeKey(t), t]))
  const toTypes = new Map(typesOf(dialect, to.tables).map((t) => [namedTypeKey(t), t]))
  const statements: Array<string> = []
  const drops: Array<string> = []
  const recreated = new Set<string>()
  const summary: Array<string> = []
  const destructive: Array<string> = []
  let transactional = true
  for (const [key, t] of toTypes) {
    const before = fromTypes.get(key)
    if (before === undefined) {
      statements.push(named.create(t))
      summary.push(`create ${typeLabel(t)}`)
      continue
    }
    if (JSON.stringify(before) === JSON.stringify(t)) continue
    if (before.kind === "enum" && t.kind === "enum" && isSubsequence(before.labels, t.labels) && ddl.extendEnum !== undefined) {
      statements.push(...ddl.extendEnum(before, t))
      const added = t.labels.filter((l) => !before.labels.includes(l))
      summary.push(`add ${labels(added)} to ${typeLabel(t)}`)
      // A label added in a transaction cannot be used before it commits (PostgreSQL 55P04, "unsafe use
      // of new value"): a default naming it makes the migration run statement by statement.
      if (to.tables.some((tb) => tb.columns.some((c) => c.default !== undefined && added.some((l) => c.default!.includes(l))))) {
        transactional = false
      }
      continue
    }
    if (ddl.renameAside === undefined || ddl.dropAside === undefined) {
      return Result.fail(schemaError(`${typeLabel(t)} changed, and ${dialect.name} cannot alter it; write this migration by hand`))
    }
    recreated.add(key)
    statements.push(ddl.renameAside(before), named.create(t))
    drops.push(ddl.dropAside(before))
    summary.push(`recreate ${typeLabel(t)}`)
    if (before.kind === "enum" && t.kind === "enum") {
      const removed = before.labels.filter((l) => !t.labels.includes(l))
      if (removed.length > 0) destructive.push(`remove ${labels(removed)} from ${typeLabel(t)}`)
    } else {
      destructive.push(`recreate ${typeLabel(t)} (its checks may refuse existing values)`)
    }
  }
  for (const [key, t] of fromTypes) {
    if (toTypes.has(key)) continue
    drops.push(named.drop(t))
    summary.push(`drop ${typeLabel(t)}`)
  }
  return Result.succeed({ statements, drops, recreated, summary, destructive, transactional })
}
