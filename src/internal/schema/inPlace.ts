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
import { compiledFunction } from "../compiledFunction.js"
import { hasKey, type PlainField } from "./fastPath.js"

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
 * place (by name: when a column is named unlike its field). `fields` are the
 * row Schema's (a plain struct, see `plainStructFields`). `written: "loop"`
 * gives the loop that stands in where code generation is refused.
 *
 * Each column's value is read once and given both checks (that reading keeps
 * it, and the struct's check of its field): a value that passes the first is
 * never `undefined`, so its key is present, which is all the struct's
 * presence test asks. A keyed read costs as much as a check, and a row of
 * four columns was read three times per column before.
 *
 * @internal
 */
export const inPlaceRowCheck = (
  columns: ReadonlyArray<{ readonly def: ColumnDef; readonly type: NeutralType }>,
  fields: ReadonlyArray<PlainField> | undefined,
  keyedBy: "name" | "field",
  written: "code" | "loop" = "code"
): Check | undefined => {
  if (fields === undefined) return undefined
  const checks: Array<{ readonly name: string; readonly kept: Check; readonly field: Check; readonly nullPasses: boolean }> = []
  const covered = new Set<PropertyKey>()
  for (const { def, type } of columns) {
    const key = def[keyedBy]
    if (key !== def.encodedKey || key === "__proto__" || def.unixTime !== undefined || def.pgEnum !== undefined) return undefined
    const kept = unchanged(type, def.kind.rep)
    const field = fields.find((f) => f.key === key)
    if (kept === undefined || field === undefined) return undefined
    covered.add(key)
    checks.push({
      name: key,
      kept,
      field: field.check,
      // SQL NULL reads as null for these; "undefined" and "omit" columns change it.
      nullPasses: (def.nullRep === "null" || def.nullRep === "none") && field.check(null)
    })
  }
  // A field that is no column: a selected row never has it, so it must be optional.
  const others = fields.filter((f) => !covered.has(f.key))
  if (others.some((f) => !f.optional)) return undefined
  const othersPass = (row: Record<string, unknown>): boolean => {
    for (let i = 0; i < others.length; i++) {
      const f = others[i]!
      if (hasKey(row, f.key) && !f.check(row[f.key as string])) return false
    }
    return true
  }
  const looped: Check = (u) => {
    if (typeof u !== "object" || u === null || Array.isArray(u)) return false
    const row = u as Record<string, unknown>
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i]!
      const v = row[c.name]
      if (v === null ? !c.nullPasses : !(c.kept(v) && c.field(v))) return false
    }
    return others.length === 0 || othersPass(row)
  }
  return written === "code" ? compiledRowCheck(checks, others.length === 0 ? undefined : othersPass) ?? looped : looped
}

const typeofOf = new Map<Check, string>([[isNumber, "number"], [isString, "string"], [isBoolean, "boolean"], [isBigint, "bigint"]])

/**
 * The check written out as code (see `compiledFunction`): every row read
 * runs it, and a loop over columns made each column's read and checks one
 * megamorphic site. Column names enter the code only as JSON literals.
 *
 * @internal
 */
export const compiledRowCheck = (
  checks: ReadonlyArray<{ readonly name: string; readonly kept: Check; readonly field: Check; readonly nullPasses: boolean }>,
  others: ((row: Record<string, unknown>) => boolean) | undefined
): Check | undefined => {
  const lines = checks.map((c, k) => {
    const type = typeofOf.get(c.kept)
    const kept = type === undefined ? `kept${k}(v)` : `typeof v === ${JSON.stringify(type)}`
    return `v = row[${JSON.stringify(c.name)}]; if (v === null) { ${c.nullPasses ? "" : "return false;"} } else if (!(${kept} && field${k}(v))) return false;`
  })
  return compiledFunction<Check>(
    ["others", ...checks.flatMap((_, k) => [`kept${k}`, `field${k}`])],
    `function inPlace(row) { if (typeof row !== "object" || row === null || Array.isArray(row)) return false; let v; ${lines.join(" ")} return ${
      others === undefined ? "true" : "others(row)"
    }; }`,
    [others, ...checks.flatMap((c) => [c.kept, c.field])]
  )
}
