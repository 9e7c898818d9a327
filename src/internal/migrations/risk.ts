/**
 * Which changes can lose data: a type change that is not a known widening.
 *
 * @internal
 */
import type { ColumnMetadata, NeutralType } from "../../Metadata.js"

const INTEGER_RANK: Partial<Record<NeutralType, number>> = { smallint: 1, integer: 2, bigint: 3 }

/** Target types every value of the source type converts to without loss. */
const WIDER: Partial<Record<NeutralType, ReadonlyArray<NeutralType>>> = {
  smallint: ["integer", "bigint", "numeric", "real", "double"],
  integer: ["bigint", "numeric", "double"],
  bigint: ["numeric"],
  real: ["double"],
  varchar: ["text"],
  char: ["text"],
  date: ["timestamp", "datetime"]
}

const namedTypeOf = (c: ColumnMetadata) => c.enum ?? c.domain

/**
 * Whether changing a column from `from` to `to` keeps every value: same
 * type (and a length not shorter), a known widening (`integer` → `bigint`,
 * `varchar(n)` → `text`, `varchar(50)` → `varchar(100)`), any type to
 * `text`, or an enum or domain to its plain base type. Anything else,
 * including unknown pairs, counts as narrowing.
 *
 * @internal
 */
export const isWidening = (from: ColumnMetadata, to: ColumnMetadata): boolean => {
  // Into an enum or domain: its labels or checks may refuse values the column holds.
  if (namedTypeOf(to) !== undefined && JSON.stringify(namedTypeOf(to)?.name) !== JSON.stringify(namedTypeOf(from)?.name)) return false
  if (JSON.stringify(from.array ?? null) !== JSON.stringify(to.array ?? null)) return false
  if (from.type === to.type) {
    if (to.type === "varchar" || to.type === "char") return to.length === undefined || (from.length !== undefined && to.length >= from.length)
    if (to.type === "other") return from.dbType.toLowerCase() === to.dbType.toLowerCase()
    return true
  }
  if (to.type === "text" && from.type !== "blob") return true
  if (from.type === "char" && to.type === "varchar") return to.length === undefined || (from.length !== undefined && to.length >= from.length)
  const rankFrom = INTEGER_RANK[from.type]
  const rankTo = INTEGER_RANK[to.type]
  if (rankFrom !== undefined && rankTo !== undefined) return rankTo >= rankFrom
  return (WIDER[from.type] ?? []).includes(to.type)
}
