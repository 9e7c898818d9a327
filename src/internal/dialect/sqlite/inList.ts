/**
 * IN lists on SQLite: the whole list is one JSON parameter read back with
 * `json_each`, whatever its length (one parameter per value stops at
 * 32 766). Every driver value has an exact JSON spelling: integers and
 * bigints as digits, doubles in shortest round-trip form (SQLite parses
 * them exactly), Infinity and NaN as JSON5, text as JSON strings, and bytes
 * as {"x": hex} objects turned back into blobs with `unhex`.
 *
 * @internal
 */
import { ValueError } from "../../schema/values.js"
import type { InList } from "../Dialect.js"

// better-sqlite3 binds a lone surrogate as U+FFFD; the JSON text must say the same.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

const json = (value: unknown): string => {
  if (value === null || value === undefined) return "null"
  switch (typeof value) {
    case "number":
      return Number.isFinite(value) ? JSON.stringify(value) : Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity"
    case "bigint":
      return value.toString()
    case "string":
      return JSON.stringify(value.replace(LONE_SURROGATE, "\uFFFD"))
    case "boolean":
      return value ? "1" : "0"
  }
  if (value instanceof Uint8Array) return `{"x":"${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")}"}`
  throw new ValueError(`${Object.prototype.toString.call(value)} cannot be compared in an IN list on SQLite`)
}

const isBytes = (value: unknown) => value instanceof Uint8Array

/** The SQL value of element `path` of json_each's `value` (bytes restored where the column has them). */
const element = (path: string | undefined, bytes: boolean): string => {
  const plain = path === undefined ? "value" : `value ->> ${path}`
  if (!bytes) return plain
  const type = path === undefined ? "type" : `json_type(value, '$[${path}]')`
  const hex = path === undefined ? "value ->> '$.x'" : `value ->> '$[${path}].x'`
  return `CASE WHEN ${type} = 'object' THEN unhex(${hex}) ELSE ${plain} END`
}

/** @internal */
export const inList: InList = (columns, values, bind, negated) => {
  const rows = values[0]!.length
  const parts: Array<string> = new Array(rows)
  for (let row = 0; row < rows; row++) {
    parts[row] = columns.length === 1 ? json(values[0]![row]) : `[${values.map((column) => json(column[row])).join(",")}]`
  }
  const target = columns.length === 1 ? columns[0]!.quoted : `(${columns.map((c) => c.quoted).join(", ")})`
  const selected = columns.length === 1
    ? element(undefined, values[0]!.some(isBytes))
    : columns.map((_, k) => element(String(k), values[k]!.some(isBytes))).join(", ")
  return `${target} ${negated ? "NOT IN" : "IN"} (SELECT ${selected} FROM json_each(${bind(`[${parts.join(",")}]`)}))`
}
