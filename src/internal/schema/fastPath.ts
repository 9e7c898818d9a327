/**
 * A compiled validator for the common case where a table's Schema is a plain
 * struct of primitives (strings, numbers, integers, booleans, literals,
 * nullable or optional ones, with filters such as `maxLength`): there the
 * encoded and decoded forms are the same object, so decoding a row or
 * encoding a write is a validation, not a transformation. Running Effect's
 * general parser for that costs more than the driver does; these predicates
 * cost a few `typeof` checks. Anything else (transformations, classes,
 * structs-in-columns) returns `undefined` and keeps the Schema parser, which
 * also produces the error message whenever a fast check fails.
 *
 * @internal
 */
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import type * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"

type Check = (u: unknown) => boolean

const parseOptions: AST.ParseOptions = {}

const valueCheck = (ast: AST.AST): Check | undefined => {
  switch (ast._tag) {
    case "StringKeyword":
      return (u) => typeof u === "string"
    case "NumberKeyword":
      return (u) => typeof u === "number"
    case "BooleanKeyword":
      return (u) => typeof u === "boolean"
    case "UndefinedKeyword":
      return (u) => u === undefined
    case "Literal": {
      const literal = ast.literal
      return (u) => u === literal
    }
    case "Union": {
      const members: Array<Check> = []
      for (const member of ast.types) {
        const check = valueCheck(member)
        if (check === undefined) return undefined
        members.push(check)
      }
      return (u) => {
        for (const member of members) if (member(u)) return true
        return false
      }
    }
    case "Refinement": {
      const from = valueCheck(ast.from)
      if (from === undefined) return undefined
      const filter = ast.filter
      return (u) => from(u) && Option.isNone(filter(u, parseOptions, ast) as Option.Option<ParseResult.ParseIssue>)
    }
    default:
      return undefined
  }
}

/**
 * A predicate that holds exactly when the Schema would decode `u` to an
 * equal value, or `undefined` when the Schema is not a plain struct.
 *
 * @internal
 */
export const plainStructCheck = (schema: Schema.Schema.Any): Check | undefined => {
  const ast = schema.ast
  if (ast._tag !== "TypeLiteral" || ast.indexSignatures.length > 0) return undefined
  const fields: Array<{ readonly key: PropertyKey; readonly optional: boolean; readonly check: Check }> = []
  for (const ps of ast.propertySignatures) {
    const check = valueCheck(ps.type)
    if (check === undefined) return undefined
    fields.push({ key: ps.name, optional: ps.isOptional, check })
  }
  return (u) => {
    if (typeof u !== "object" || u === null) return false
    const record = u as Record<PropertyKey, unknown>
    for (const field of fields) {
      const value = record[field.key]
      if (value === undefined && field.optional) continue
      if (!field.check(value)) return false
    }
    return true
  }
}
