/**
 * Maps a field's Schema to a storage type by walking its AST towards the
 * encoded side, plus the "representation" of the encoded value, which the
 * row codec needs to turn driver values into what the Schema decodes.
 *
 * @internal
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import type { NeutralType } from "../../Metadata.js"

/**
 * The JavaScript shape of a column's encoded value.
 *
 * @internal
 */
export type Rep =
  | "string"
  | "number"
  | "boolean"
  | "bigint"
  | "date"
  | "datetime"
  | "bytes"
  | "numberArray"
  | "json"
  | "unknown"

/** @internal */
export interface ColumnKind {
  readonly type: NeutralType
  readonly length?: number
  readonly rep: Rep
  readonly check?: ReadonlyArray<string | number>
  readonly acceptsNull: boolean
  readonly acceptsUndefined: boolean
}

/** @internal */
export type Resolved = { readonly ok: true; readonly kind: ColumnKind } | { readonly ok: false; readonly problem: string }

interface Facts {
  readonly int: boolean
  readonly uuid: boolean
  readonly maxLength?: number
}

const noFacts: Facts = { int: false, uuid: false }

const ok = (kind: ColumnKind): Resolved => ({ ok: true, kind })
const fail = (problem: string): Resolved => ({ ok: false, problem })

const base = (type: NeutralType, rep: Rep, extra: Partial<ColumnKind> = {}): ColumnKind => ({
  type,
  rep,
  acceptsNull: false,
  acceptsUndefined: false,
  ...extra
})

/** @internal */
export const describe = (ast: AST.AST): string => {
  const id = AST.getIdentifierAnnotation(ast)
  if (Option.isSome(id)) return id.value
  const title = AST.getTitleAnnotation(ast)
  if (Option.isSome(title)) return title.value
  try {
    return String(ast)
  } catch {
    return ast._tag
  }
}

const factsOf = (ast: AST.Refinement, facts: Facts): Facts => {
  const schemaId = AST.getSchemaIdAnnotation(ast).pipe(Option.getOrUndefined)
  const json = AST.getJSONSchemaAnnotation(ast).pipe(Option.getOrUndefined) as Record<string, unknown> | undefined
  let next = facts
  if (schemaId === Schema.IntSchemaId || json?.["type"] === "integer") next = { ...next, int: true }
  if (schemaId === Schema.UUIDSchemaId) next = { ...next, uuid: true }
  const maxLength = json?.["maxLength"]
  if (typeof maxLength === "number" && Number.isInteger(maxLength) && maxLength > 0) {
    next = { ...next, maxLength: next.maxLength === undefined ? maxLength : Math.min(next.maxLength, maxLength) }
  }
  return next
}

const typeConstructor = (ast: AST.AST): string | undefined => {
  const tc = ast.annotations[AST.TypeConstructorAnnotationId] as { readonly _tag?: unknown } | undefined
  return typeof tc?._tag === "string" ? tc._tag : undefined
}

/** Types whose storage follows the decoded (Type) side, when the encoded side can carry them. */
const semanticOf = (ast: AST.AST): NeutralType | undefined => {
  let node = ast
  while (node._tag === "Refinement") node = node.from
  if (node._tag === "BigIntKeyword") return "bigint"
  if (node._tag === "Declaration") {
    switch (typeConstructor(node)) {
      case "Date":
      case "effect/DateTime.Utc":
        return "timestamp"
      case "Uint8Array":
        return "blob"
    }
  }
  return undefined
}

const compatible: Partial<Record<NeutralType, ReadonlyArray<Rep>>> = {
  bigint: ["string", "number", "bigint"],
  timestamp: ["string", "number", "date", "datetime"],
  blob: ["bytes", "numberArray"]
}

const isNumberArray = (ast: AST.AST): boolean => {
  if (ast._tag !== "TupleType" || ast.elements.length !== 0 || ast.rest.length !== 1) return false
  let item = ast.rest[0]!.type
  while (item._tag === "Refinement") item = item.from
  return item._tag === "NumberKeyword"
}

/**
 * Whether the encoded side of `ast` is plain JSON, so `JSON.stringify` /
 * `JSON.parse` round-trip it.
 *
 * @internal
 */
export const isJsonCompatible = (ast: AST.AST, seen: Set<AST.AST> = new Set()): boolean => {
  if (seen.has(ast)) return true
  seen.add(ast)
  switch (ast._tag) {
    case "StringKeyword":
    case "NumberKeyword":
    case "BooleanKeyword":
    case "TemplateLiteral":
    case "Enums":
    case "UnknownKeyword":
    case "AnyKeyword":
    case "UndefinedKeyword":
      return true
    case "Literal":
      return ast.literal === null || typeof ast.literal !== "bigint"
    case "Refinement":
      return isJsonCompatible(ast.from, seen)
    case "Transformation":
      return isJsonCompatible(ast.from, seen)
    case "Suspend":
      return isJsonCompatible(ast.f(), seen)
    case "Union":
      return ast.types.every((t) => isJsonCompatible(t, seen))
    case "TupleType":
      return ast.elements.every((e) => isJsonCompatible(e.type, seen)) &&
        ast.rest.every((r) => isJsonCompatible(r.type, seen))
    case "TypeLiteral":
      return ast.propertySignatures.every((p) => typeof p.name === "string" && isJsonCompatible(p.type, seen)) &&
        ast.indexSignatures.every((i) => isJsonCompatible(i.type, seen))
    default:
      return false
  }
}

const isJsonContainer = (ast: AST.AST): boolean => {
  let node = ast
  for (;;) {
    if (node._tag === "Refinement" || node._tag === "Transformation") node = node.from
    else if (node._tag === "Suspend") node = node.f()
    else break
  }
  return node._tag === "TypeLiteral" || node._tag === "TupleType" || node._tag === "ObjectKeyword" ||
    node._tag === "UnknownKeyword" || node._tag === "AnyKeyword"
}

type LiteralValue = string | number | boolean

/** Collects the literal members of a union (through nested unions and enums); undefined if any member is not one. */
const literalsOf = (types: ReadonlyArray<AST.AST>): Array<LiteralValue> | undefined => {
  const out: Array<LiteralValue> = []
  for (const t of types) {
    if (t._tag === "Literal" && (typeof t.literal === "string" || typeof t.literal === "number" || typeof t.literal === "boolean")) {
      out.push(t.literal)
    } else if (t._tag === "Enums") {
      for (const [, v] of t.enums) out.push(v)
    } else if (t._tag === "Union") {
      const inner = literalsOf(t.types)
      if (inner === undefined) return undefined
      out.push(...inner)
    } else {
      return undefined
    }
  }
  return out
}

const enumKind = (values: ReadonlyArray<LiteralValue>): Resolved => {
  const unique = Array.from(new Set(values))
  if (unique.every((v) => typeof v === "boolean")) return ok(base("boolean", "boolean"))
  if (unique.every((v): v is string => typeof v === "string")) {
    return ok(base("text", "string", { check: unique }))
  }
  if (unique.every((v): v is number => typeof v === "number" && Number.isFinite(v))) {
    return ok(base(unique.every(Number.isInteger) ? "integer" : "double", "number", { check: unique }))
  }
  return fail(`a union of literals of different types (${unique.map((v) => JSON.stringify(v)).join(", ")})`)
}

const resolveAt = (ast: AST.AST, facts: Facts, depth: number): Resolved => {
  if (depth > 64) return fail(`a Schema nested too deeply (${describe(ast)})`)
  switch (ast._tag) {
    case "Refinement":
      return resolveAt(ast.from, factsOf(ast, facts), depth + 1)
    case "Transformation": {
      // Refinements seen so far constrain the decoded side, not the stored value.
      const encoded = resolveAt(ast.from, noFacts, depth + 1)
      if (!encoded.ok) return encoded
      const semantic = semanticOf(ast.to)
      if (semantic !== undefined && compatible[semantic]?.includes(encoded.kind.rep)) {
        const { check: _check, length: _length, ...rest } = encoded.kind
        return ok({ ...rest, type: semantic })
      }
      return encoded
    }
    case "Declaration":
      switch (typeConstructor(ast)) {
        case "Date":
          return ok(base("timestamp", "date"))
        case "effect/DateTime.Utc":
          return ok(base("timestamp", "datetime"))
        case "Uint8Array":
          return ok(base("blob", "bytes"))
      }
      return fail(`${describe(ast)} (a declared type with no database representation)`)
    case "StringKeyword":
    case "TemplateLiteral":
      if (facts.uuid) return ok(base("uuid", "string"))
      if (facts.maxLength !== undefined) return ok(base("varchar", "string", { length: facts.maxLength }))
      return ok(base("text", "string"))
    case "NumberKeyword":
      return ok(base(facts.int ? "integer" : "double", "number"))
    case "BooleanKeyword":
      return ok(base("boolean", "boolean"))
    case "BigIntKeyword":
      return ok(base("bigint", "bigint"))
    case "Literal":
      if (ast.literal === null) return fail("the null literal alone")
      if (typeof ast.literal === "bigint") return fail("a bigint literal")
      return enumKind([ast.literal])
    case "Enums":
      return enumKind(ast.enums.map(([, v]) => v))
    case "Union": {
      let acceptsNull = false
      let acceptsUndefined = false
      const rest: Array<AST.AST> = []
      for (const t of ast.types) {
        if (t._tag === "Literal" && t.literal === null) acceptsNull = true
        else if (t._tag === "UndefinedKeyword" || t._tag === "VoidKeyword") acceptsUndefined = true
        else rest.push(t)
      }
      if (rest.length === 0) return fail("a union of null / undefined only")
      const withNull = (r: Resolved): Resolved =>
        r.ok
          ? ok({
            ...r.kind,
            acceptsNull: r.kind.acceptsNull || acceptsNull,
            acceptsUndefined: r.kind.acceptsUndefined || acceptsUndefined
          })
          : r
      if (rest.length === 1) return withNull(resolveAt(rest[0]!, facts, depth + 1))
      const literals = literalsOf(rest)
      if (literals !== undefined) return withNull(enumKind(literals))
      if (rest.every((t) => isJsonContainer(t) && isJsonCompatible(t))) return withNull(ok(base("json", "json")))
      return fail(`a union of ${rest.map(describe).join(" | ")} (only literal unions and unions of structs/arrays are supported)`)
    }
    case "TypeLiteral":
    case "TupleType":
      if (isNumberArray(ast)) {
        // Stored as JSON unless a Uint8Array transformation above claims it as bytes.
        return ok(base("json", "numberArray"))
      }
      if (isJsonCompatible(ast)) return ok(base("json", "json"))
      return fail(`${describe(ast)} (a struct or array with members that are not JSON, e.g. bigint, Date or symbols)`)
    case "ObjectKeyword":
    case "UnknownKeyword":
    case "AnyKeyword":
      return ok(base("json", "json"))
    case "Suspend":
      return resolveAt(ast.f(), facts, depth + 1)
    default:
      return fail(`${describe(ast)} (${ast._tag})`)
  }
}

/**
 * The storage kind of a field whose (declared) AST is `ast`.
 *
 * @internal
 */
export const resolveColumnKind = (ast: AST.AST): Resolved => resolveAt(ast, noFacts, 0)

/**
 * Finds an annotation anywhere on the path from the field's outer node to its
 * encoded side; the outermost occurrence wins, so a later `.pipe` overrides.
 *
 * @internal
 */
export const findAnnotation = <A>(asts: ReadonlyArray<AST.AST | AST.PropertySignature>, key: symbol): A | undefined => {
  const queue: Array<AST.AST | AST.PropertySignature> = [...asts]
  const seen = new Set<unknown>()
  while (queue.length > 0) {
    const node = queue.shift()!
    if (seen.has(node)) continue
    seen.add(node)
    if (Object.prototype.hasOwnProperty.call(node.annotations, key)) return node.annotations[key] as A
    if (node instanceof AST.PropertySignature) {
      queue.push(node.type)
      continue
    }
    switch (node._tag) {
      case "Refinement":
        queue.push(node.from)
        break
      case "Transformation":
        queue.push(node.from, node.to)
        break
      case "Union":
        queue.push(...node.types)
        break
    }
  }
  return undefined
}
