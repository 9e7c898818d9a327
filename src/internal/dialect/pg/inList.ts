/**
 * IN lists on PostgreSQL: one array parameter per column, whatever the
 * list's length (one parameter per value stops at 65 535, where the count
 * in the bind message wraps).
 *
 * @internal
 */
import type { InList } from "../Dialect.js"

const placeholders = (values: ReadonlyArray<ReadonlyArray<unknown>>, bind: (value: unknown) => string) =>
  values[0]!.map((_, row) => {
    const tuple = values.map((column) => bind(column[row]))
    return tuple.length === 1 ? tuple[0]! : `(${tuple.join(", ")})`
  }).join(", ")

/** @internal */
export const inList: InList = (columns, values, bind, negated) => {
  const target = columns.length === 1 ? columns[0]!.quoted : `(${columns.map((c) => c.quoted).join(", ")})`
  // An array parameter cannot hold arrays of varying shape (values of array
  // columns): those are bound one by one, as IN lists of such values are short.
  if (values.some((column) => column.some(Array.isArray))) {
    return `${target} ${negated ? "NOT IN" : "IN"} (${placeholders(values, bind)})`
  }
  // `x = ANY($1)` types $1 as an array of x's type; NOT IN is `<> ALL`, NULLs included.
  if (columns.length === 1) return `${target} ${negated ? "<> ALL" : "= ANY"} (${bind(values[0])})`
  const arrays = columns.map((c, k) => `${bind(values[k])}::${c.dbType}[]`)
  return `${target} ${negated ? "NOT IN" : "IN"} (SELECT * FROM unnest(${arrays.join(", ")}))`
}
