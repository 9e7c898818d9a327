/**
 * A compiled validator for the common case where a table's Schema is a plain
 * struct of primitives (strings, numbers, integers, booleans, literals,
 * enums, nullable or optional ones, with checks such as `isMaxLength`):
 * there the encoded and decoded forms are the same object, so decoding a row
 * or encoding a write is a validation, not a transformation. Running
 * Effect's general parser for that costs more than the driver does; these
 * predicates cost a few `typeof` checks. Anything else (transformations,
 * classes, structs-in-columns) returns `undefined` and keeps the Schema
 * parser, which also produces the error message whenever a fast check fails.
 *
 * @internal
 */
import type * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { leafFilters } from "./columnType.js"

type Check = (u: unknown) => boolean

const noOptions: AST.ParseOptions = {}

const finiteNumber = (u: unknown): u is number => typeof u === "number" && Number.isFinite(u)

/**
 * Effect's built-in checks as direct predicates (the same test the check's
 * own predicate makes, without building and normalizing its output); any
 * other check runs as the Schema runs it.
 */
const directFilter = (filter: AST.Filter<any>, ast: AST.AST): Check => {
  const r = filter.annotations?.["representation"] as { readonly id?: unknown; readonly payload?: any } | undefined
  const p = r?.payload
  switch (r?.id) {
    case "effect/schema/isInt":
      return (u) => Number.isSafeInteger(u)
    case "effect/schema/isFinite":
      return (u) => Number.isFinite(u)
    case "effect/schema/isMinLength":
      if (finiteNumber(p?.minLength)) {
        const min = p.minLength
        return (u) => (u as { readonly length: number }).length >= min
      }
      break
    case "effect/schema/isMaxLength":
      if (finiteNumber(p?.maxLength)) {
        const max = p.maxLength
        return (u) => (u as { readonly length: number }).length <= max
      }
      break
    case "effect/schema/isBetweenLength":
      if (finiteNumber(p?.minimum) && finiteNumber(p?.maximum)) {
        const min = p.minimum
        const max = p.maximum
        return (u) => {
          const length = (u as { readonly length: number }).length
          return length >= min && length <= max
        }
      }
      break
    case "effect/schema/isGreaterThanOrEqualTo":
      if (finiteNumber(p?.minimum)) {
        const min = p.minimum
        return (u) => (u as number) >= min
      }
      break
    case "effect/schema/isGreaterThan":
      if (finiteNumber(p?.exclusiveMinimum)) {
        const min = p.exclusiveMinimum
        return (u) => (u as number) > min
      }
      break
    case "effect/schema/isLessThanOrEqualTo":
      if (finiteNumber(p?.maximum)) {
        const max = p.maximum
        return (u) => (u as number) <= max
      }
      break
    case "effect/schema/isLessThan":
      if (finiteNumber(p?.exclusiveMaximum)) {
        const max = p.exclusiveMaximum
        return (u) => (u as number) < max
      }
      break
  }
  return (u) => filter.run(u, ast, noOptions) === undefined
}

const valueCheck = (ast: AST.AST): Check | undefined => {
  // A transformation changes the value: not a plain validation.
  if (ast.encoding !== undefined) return undefined
  let typeCheck: Check
  switch (ast._tag) {
    case "String":
      typeCheck = (u) => typeof u === "string"
      break
    case "Number":
      typeCheck = (u) => typeof u === "number"
      break
    case "Boolean":
      typeCheck = (u) => typeof u === "boolean"
      break
    case "Null":
      typeCheck = (u) => u === null
      break
    case "Undefined":
      typeCheck = (u) => u === undefined
      break
    case "Literal": {
      const literal = ast.literal
      typeCheck = (u) => u === literal
      break
    }
    case "Enum": {
      const values = new Set<unknown>(ast.enums.map(([, v]) => v))
      typeCheck = (u) => values.has(u)
      break
    }
    case "Union": {
      // "oneOf" fails a value that more than one member accepts.
      if (ast.options?.mode === "oneOf") return undefined
      const members: Array<Check> = []
      for (const member of ast.types) {
        const check = valueCheck(member)
        if (check === undefined) return undefined
        members.push(check)
      }
      typeCheck = (u) => {
        for (const member of members) if (member(u)) return true
        return false
      }
      break
    }
    default:
      return undefined
  }
  const filters = leafFilters(ast.checks).map((filter) => directFilter(filter, ast))
  if (filters.length === 0) return typeCheck
  const typed = typeCheck
  if (filters.length === 1) {
    const only = filters[0]!
    return (u) => typed(u) && only(u)
  }
  return (u) => {
    if (!typed(u)) return false
    for (const filter of filters) if (!filter(u)) return false
    return true
  }
}

/**
 * A predicate that holds exactly when a column's Schema encodes `u` to
 * itself (a plain value, its checks passing), or `undefined` when the Schema
 * transforms values.
 *
 * @internal
 */
export const plainValueCheck = (schema: Schema.Top): Check | undefined => valueCheck(schema.ast)

/**
 * The parser's own test for a present key.
 *
 * @internal
 */
export const hasKey = (record: object, key: PropertyKey): boolean =>
  key === "__proto__" ? Object.hasOwn(record, key) : key in record

/**
 * One field of a plain struct: its key, whether it may be absent, and the
 * compiled check of a present value.
 *
 * @internal
 */
export interface PlainField {
  readonly key: PropertyKey
  readonly optional: boolean
  readonly check: Check
}

/**
 * The fields of a plain struct, or `undefined` when the Schema is not one.
 * `plainStructCheck` is these fields' checks over an object; a caller that
 * reads each field anyway (a bulk write) can run them itself, with the same
 * rule for absent keys (see `plainStructCheck`).
 *
 * @internal
 */
export const plainStructFields = (schema: Schema.Top): ReadonlyArray<PlainField> | undefined => {
  const ast = schema.ast
  if (ast._tag !== "Objects" || ast.indexSignatures.length > 0 || ast.encoding !== undefined || ast.checks !== undefined) {
    return undefined
  }
  const fields: Array<PlainField> = []
  for (const ps of ast.propertySignatures) {
    const check = valueCheck(ps.type)
    if (check === undefined) return undefined
    fields.push({ key: ps.name, optional: AST.isOptional(ps.type), check })
  }
  return fields
}

/**
 * A predicate that holds exactly when the Schema would decode `u` to an
 * equal value, or `undefined` when the Schema is not a plain struct.
 *
 * @internal
 */
export const plainStructCheck = (schema: Schema.Top): Check | undefined => {
  const fields = plainStructFields(schema)
  if (fields === undefined) return undefined
  return (u) => {
    if (typeof u !== "object" || u === null || Array.isArray(u)) return false
    const record = u as Record<PropertyKey, unknown>
    for (const field of fields) {
      // An absent key passes only when optional; a present one, even
      // `undefined`, must pass the value check (`optionalKey` refuses
      // `undefined`, `optional` accepts it).
      if (!hasKey(record, field.key)) {
        if (field.optional) continue
        return false
      }
      if (!field.check(record[field.key])) return false
    }
    return true
  }
}
