/**
 * Validating a driver row where it lies, instead of copying it: for a table
 * whose Schema is a plain struct (see `fastPath.ts`), read under keys the
 * decoded value uses (its column names where they equal the fields, or a
 * select list aliasing each column to its field), and whose driver values are already what the
 * Schema holds (a number for a number column, a string for a text column,
 * a boolean where the driver gives booleans), reading a row changes nothing,
 * so the row itself is the decoded value once the Schema's checks pass.
 * Any other value of a column (a bigint read with safeIntegers, SQLite's
 * 0/1 booleans, a date) sends the row to the ordinary decoder, which also
 * gives every failure its message.
 *
 * @internal
 */
import type { NeutralType } from "../../Metadata.js"
import type { ColumnDef } from "./analyze.js"
import type { Rep } from "./columnType.js"

type Check = (u: unknown) => boolean

const isNumber: Check = (u) => typeof u === "number"
const isString: Check = (u) => typeof u === "string"
const isBoolean: Check = (u) => typeof u === "boolean"
const isBigint: Check = (u) => typeof u === "bigint"

/**
 * The driver values of a column stored as `type`, read as `rep`, that the
 * ordinary decoder (the dialect's `fromDriver`, then `canonicalToRep`)
 * returns unchanged on both dialects; `undefined` when there are none worth
 * checking for.
 */
const unchanged = (type: NeutralType, rep: Rep): Check | undefined => {
  switch (rep) {
    case "number":
      return type === "smallint" || type === "integer" || type === "real" || type === "double" ? isNumber : undefined
    case "string":
      return type === "text" || type === "varchar" || type === "char" || type === "uuid" || type === "numeric" ||
          type === "time" || type === "date"
        ? isString
        : undefined
    case "boolean":
      return type === "boolean" ? isBoolean : undefined
    case "bigint":
      return type === "bigint" ? isBigint : undefined
    default:
      return undefined
  }
}

/**
 * A predicate on rows of a select list of exactly the table's columns, keyed
 * by column `"name"` or aliased to each `"field"`, that holds only when the
 * ordinary decoder would return an object equal to the row: then the row is
 * the decoded value. `undefined` when no row of the table can be read in
 * place (by name: when a column is named unlike its field).
 *
 * @internal
 */
export const inPlaceRowCheck = (
  columns: ReadonlyArray<{ readonly def: ColumnDef; readonly type: NeutralType }>,
  plain: Check | undefined,
  keyedBy: "name" | "field"
): Check | undefined => {
  if (plain === undefined) return undefined
  const checks: Array<{ readonly name: string; readonly value: Check; readonly nullable: boolean }> = []
  for (const { def, type } of columns) {
    const key = def[keyedBy]
    if (key !== def.encodedKey || key === "__proto__" || def.unixTime !== undefined || def.pgEnum !== undefined) return undefined
    const value = unchanged(type, def.kind.rep)
    if (value === undefined) return undefined
    // SQL NULL reads as null for these; "undefined" and "omit" columns change it.
    checks.push({ name: key, value, nullable: def.nullRep === "null" || def.nullRep === "none" })
  }
  return (u) => {
    if (typeof u !== "object" || u === null) return false
    const row = u as Record<string, unknown>
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i]!
      const v = row[c.name]
      if (v === null ? !c.nullable : !c.value(v)) return false
    }
    return plain(row)
  }
}
