/**
 * Maps a field's Schema to a storage type by walking its AST towards the
 * encoded side, plus the "representation" of the encoded value, which the
 * row codec needs to turn driver values into what the Schema decodes.
 *
 * In Effect 4 a schema's AST is its decoded (Type) side: filters are the
 * node's `checks`, and a transformation is the node's `encoding`, a chain of
 * links whose last target is the encoded side.
 *
 * @internal
 */
import type * as Schema from "effect/Schema"
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
  /**
   * For an array of plain strings, integers, numbers or booleans: the
   * element type, so dialects with native arrays store it as one (`type`
   * and `rep` are then the JSON fallback).
   */
  readonly arrayElement?: NeutralType
  /**
   * For an array of string literals (elements possibly null): the labels, so
   * `Column.pgEnum` can store it as an array of a PostgreSQL enum type.
   */
  readonly arrayLabels?: ReadonlyArray<string>
  /** How deep `arrayLabels`' arrays nest, when more than one (`mood[][]`). */
  readonly arrayDimensions?: number
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

/**
 * Every leaf filter of a node's checks (filter groups such as `isInt32`
 * flattened), in order.
 *
 * @internal
 */
export const leafFilters = (checks: AST.Checks | undefined): Array<AST.Filter<any>> => {
  const out: Array<AST.Filter<any>> = []
  const go = (check: AST.Check<any>): void => {
    if (check._tag === "Filter") out.push(check)
    else check.checks.forEach(go)
  }
  checks?.forEach(go)
  return out
}

/** Built-in checks and declarations describe themselves as `{ id, payload }`. */
const representation = (annotations: Schema.Annotations.Annotations | undefined) =>
  annotations?.["representation"] as { readonly id?: unknown; readonly payload?: any } | undefined

/**
 * The id of a built-in declaration (`effect/schema/Date`,
 * `effect/schema/Uint8Array`, ...), or undefined.
 *
 * @internal
 */
export const declarationId = (ast: AST.AST): string | undefined => {
  if (ast._tag !== "Declaration") return undefined
  const id = representation(ast.annotations)?.id
  return typeof id === "string" ? id : undefined
}

const describeAt = (ast: AST.AST, depth: number): string => {
  const named = AST.resolveIdentifier(ast) ?? AST.resolveTitle(ast)
  if (named !== undefined) return named
  if (depth > 2) return "…"
  const inner = (a: AST.AST) => describeAt(a, depth + 1)
  switch (ast._tag) {
    case "String":
    case "Number":
    case "Boolean":
    case "Symbol":
    case "Never":
    case "Unknown":
    case "Any":
    case "Null":
    case "Undefined":
    case "Void":
      return ast._tag.toLowerCase()
    case "BigInt":
      return "bigint"
    case "ObjectKeyword":
      return "object"
    case "UniqueSymbol":
      return String(ast.symbol)
    case "Literal":
      return typeof ast.literal === "bigint" ? `${ast.literal}n` : JSON.stringify(ast.literal)
    case "Enum":
      return `an enum of ${ast.enums.map(([, v]) => JSON.stringify(v)).join(" | ")}`
    case "TemplateLiteral":
      return "a template literal"
    case "Union":
      return ast.types.map(inner).join(" | ")
    case "Objects":
      return `{ ${
        [
          ...ast.propertySignatures.map((p) => `${String(p.name)}: ${inner(p.type)}`),
          ...ast.indexSignatures.map((i) => `[key: ${inner(i.parameter)}]: ${inner(i.type)}`)
        ].join("; ")
      } }`
    case "Arrays":
      return ast.elements.length === 0 && ast.rest.length === 1
        ? `ReadonlyArray<${inner(ast.rest[0]!)}>`
        : `[${[...ast.elements.map(inner), ...ast.rest.map((r) => `...${inner(r)}[]`)].join(", ")}]`
    case "Declaration": {
      const expected = ast.annotations?.["expected"]
      return typeof expected === "string" ? expected : "a declared type"
    }
    case "Suspend":
      return "a recursive schema"
  }
}

/**
 * A short description of a Schema node for messages: its identifier or
 * title when it has one, its shape otherwise.
 *
 * @internal
 */
export const describe = (ast: AST.AST): string => describeAt(ast, 0)

const factsOf = (checks: AST.Checks | undefined, facts: Facts): Facts => {
  let next = facts
  for (const filter of leafFilters(checks)) {
    const r = representation(filter.annotations)
    let maxLength: unknown
    switch (r?.id) {
      case "effect/schema/isInt":
        next = { ...next, int: true }
        break
      case "effect/schema/isUUID":
        next = { ...next, uuid: true }
        break
      case "effect/schema/isMaxLength":
        maxLength = r.payload?.maxLength
        break
      case "effect/schema/isBetweenLength":
        maxLength = r.payload?.maximum
        break
    }
    if (typeof maxLength === "number" && Number.isInteger(maxLength) && maxLength > 0) {
      next = { ...next, maxLength: next.maxLength === undefined ? maxLength : Math.min(next.maxLength, maxLength) }
    }
  }
  return next
}

/** Types whose storage follows the decoded (Type) side, when the encoded side can carry them. */
const semanticOf = (ast: AST.AST): NeutralType | undefined => {
  if (ast._tag === "BigInt") return "bigint"
  switch (declarationId(ast)) {
    case "effect/schema/Date":
    case "effect/schema/DateTimeUtc":
      return "timestamp"
    case "effect/schema/Uint8Array":
      return "blob"
  }
  return undefined
}

const compatible: Partial<Record<NeutralType, ReadonlyArray<Rep>>> = {
  bigint: ["string", "number", "bigint"],
  timestamp: ["string", "number", "date", "datetime"],
  blob: ["bytes", "numberArray"]
}

/**
 * The encoded side of a node: the last link of its encoding, followed until
 * a node without one.
 *
 * @internal
 */
export const encodedOf = (ast: AST.AST): AST.AST => {
  let node = ast
  while (node.encoding !== undefined) node = node.encoding[node.encoding.length - 1]!.to
  return node
}

const isNumberArray = (ast: AST.AST): boolean =>
  ast._tag === "Arrays" && ast.elements.length === 0 && ast.rest.length === 1 &&
  ast.rest[0]!._tag === "Number" && ast.rest[0]!.encoding === undefined

/**
 * Whether the encoded side of `ast` is plain JSON, so `JSON.stringify` /
 * `JSON.parse` round-trip it.
 *
 * @internal
 */
export const isJsonCompatible = (ast: AST.AST, seen: Set<AST.AST> = new Set()): boolean => {
  if (seen.has(ast)) return true
  seen.add(ast)
  if (ast.encoding !== undefined) return isJsonCompatible(encodedOf(ast), seen)
  switch (ast._tag) {
    case "String":
    case "Number":
    case "Boolean":
    case "TemplateLiteral":
    case "Enum":
    case "Unknown":
    case "Any":
    case "Undefined":
    case "Null":
      return true
    case "Literal":
      return typeof ast.literal !== "bigint"
    case "Declaration":
      return declarationId(ast) === "effect/schema/Json"
    case "Suspend":
      return isJsonCompatible(ast.thunk(), seen)
    case "Union":
      return ast.types.every((t) => isJsonCompatible(t, seen))
    case "Arrays":
      return ast.elements.every((e) => isJsonCompatible(e, seen)) && ast.rest.every((r) => isJsonCompatible(r, seen))
    case "Objects":
      return ast.propertySignatures.every((p) => typeof p.name === "string" && isJsonCompatible(p.type, seen)) &&
        ast.indexSignatures.every((i) => isJsonCompatible(i.type, seen))
    default:
      return false
  }
}

const isJsonContainer = (ast: AST.AST): boolean => {
  let node = encodedOf(ast)
  while (node._tag === "Suspend") node = encodedOf(node.thunk())
  return node._tag === "Objects" || node._tag === "Arrays" || node._tag === "ObjectKeyword" ||
    node._tag === "Unknown" || node._tag === "Any" || declarationId(node) === "effect/schema/Json"
}

type LiteralValue = string | number | boolean

/** Collects the literal members of a union (through nested unions and enums); undefined if any member is not one. */
const literalsOf = (types: ReadonlyArray<AST.AST>): Array<LiteralValue> | undefined => {
  const out: Array<LiteralValue> = []
  for (const t of types) {
    // A literal with an encoding (`Literal("on").transform(true)`) is stored as something else.
    if (t.encoding !== undefined) return undefined
    if (t._tag === "Literal" && typeof t.literal !== "bigint") {
      out.push(t.literal)
    } else if (t._tag === "Enum") {
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

const PRIMITIVE_ELEMENTS: ReadonlySet<NeutralType> = new Set(["text", "integer", "double", "boolean"])

/** The element type of `ReadonlyArray<string | int | number | boolean>` (no checks on the array, no tuple parts). */
const primitiveArrayElement = (ast: AST.AST, depth: number): NeutralType | undefined => {
  if (ast._tag !== "Arrays" || ast.elements.length !== 0 || ast.rest.length !== 1 || ast.checks !== undefined) return undefined
  const element = ast.rest[0]!
  if (element.encoding !== undefined) return undefined
  const r = resolveAt(element, noFacts, depth + 1)
  if (!r.ok || r.kind.acceptsNull || r.kind.acceptsUndefined || r.kind.check !== undefined) return undefined
  return PRIMITIVE_ELEMENTS.has(r.kind.type) ? r.kind.type : undefined
}

/**
 * The labels of `ReadonlyArray<"a" | "b" | null>`, or of arrays of such
 * arrays (no checks on the arrays, no tuple parts), and how deep they nest.
 */
const literalArrayLabels = (
  ast: AST.AST,
  depth: number
): { readonly labels: ReadonlyArray<string>; readonly dimensions: number } | undefined => {
  if (ast._tag !== "Arrays" || ast.elements.length !== 0 || ast.rest.length !== 1 || ast.checks !== undefined) return undefined
  const element = ast.rest[0]!
  if (element.encoding !== undefined) return undefined
  if (element._tag === "Arrays") {
    const inner = literalArrayLabels(element, depth + 1)
    return inner === undefined ? undefined : { labels: inner.labels, dimensions: inner.dimensions + 1 }
  }
  const r = resolveAt(element, noFacts, depth + 1)
  if (!r.ok || r.kind.acceptsUndefined || r.kind.type !== "text" || r.kind.check === undefined) return undefined
  const labels = r.kind.check
  return labels.every((l) => typeof l === "string") ? { labels: labels as ReadonlyArray<string>, dimensions: 1 } : undefined
}

const resolveAt = (ast: AST.AST, facts: Facts, depth: number): Resolved => {
  if (depth > 64) return fail(`a Schema nested too deeply (${describe(ast)})`)
  if (ast.encoding !== undefined) {
    // This node's checks constrain the decoded side, not the stored value:
    // the encoded side is resolved afresh.
    const links = ast.encoding
    const encoded = resolveAt(links[links.length - 1]!.to, noFacts, depth + 1)
    if (!encoded.ok) return encoded
    // The decoded side, then each intermediate step: the outermost meaning wins.
    for (const candidate of [ast, ...links.slice(0, -1).map((link) => link.to)]) {
      const semantic = semanticOf(candidate)
      if (semantic !== undefined && compatible[semantic]?.includes(encoded.kind.rep)) {
        const { arrayElement: _arrayElement, check: _check, length: _length, ...rest } = encoded.kind
        return ok({ ...rest, type: semantic })
      }
    }
    return encoded
  }
  const f = factsOf(ast.checks, facts)
  switch (ast._tag) {
    case "Declaration":
      switch (declarationId(ast)) {
        case "effect/schema/Date":
          return ok(base("timestamp", "date"))
        case "effect/schema/DateTimeUtc":
          return ok(base("timestamp", "datetime"))
        case "effect/schema/Uint8Array":
          return ok(base("blob", "bytes"))
        case "effect/schema/Json":
          return ok(base("json", "json"))
      }
      return fail(`${describe(ast)} (a declared type with no database representation)`)
    case "String":
    case "TemplateLiteral":
      if (f.uuid) return ok(base("uuid", "string"))
      if (f.maxLength !== undefined) return ok(base("varchar", "string", { length: f.maxLength }))
      return ok(base("text", "string"))
    case "Number":
      return ok(base(f.int ? "integer" : "double", "number"))
    case "Boolean":
      return ok(base("boolean", "boolean"))
    case "BigInt":
      return ok(base("bigint", "bigint"))
    case "Literal":
      if (typeof ast.literal === "bigint") return fail("a bigint literal")
      return enumKind([ast.literal])
    case "Null":
      return fail("the null literal alone")
    case "Enum":
      return enumKind(ast.enums.map(([, v]) => v))
    case "Union": {
      let acceptsNull = false
      let acceptsUndefined = false
      const rest: Array<AST.AST> = []
      for (const t of ast.types) {
        if (t._tag === "Null" && t.encoding === undefined) acceptsNull = true
        else if ((t._tag === "Undefined" || t._tag === "Void") && t.encoding === undefined) acceptsUndefined = true
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
      if (rest.length === 1) return withNull(resolveAt(rest[0]!, f, depth + 1))
      const literals = literalsOf(rest)
      if (literals !== undefined) return withNull(enumKind(literals))
      if (rest.every((t) => isJsonContainer(t) && isJsonCompatible(t))) return withNull(ok(base("json", "json")))
      return fail(`a union of ${rest.map(describe).join(" | ")} (only literal unions and unions of structs/arrays are supported)`)
    }
    case "Objects":
    case "Arrays": {
      const element = primitiveArrayElement(ast, depth)
      if (isNumberArray(ast)) {
        // Stored as JSON unless a Uint8Array transformation above claims it as bytes.
        return ok(base("json", "numberArray", element === undefined ? {} : { arrayElement: element }))
      }
      const labels = element === undefined ? literalArrayLabels(ast, depth) : undefined
      if (isJsonCompatible(ast)) {
        return ok(base("json", "json", element === undefined
          ? labels === undefined ? {} : { arrayLabels: labels.labels, ...(labels.dimensions > 1 ? { arrayDimensions: labels.dimensions } : {}) }
          : { arrayElement: element }))
      }
      return fail(`${describe(ast)} (a struct or array with members that are not JSON, e.g. bigint, Date or symbols)`)
    }
    case "ObjectKeyword":
    case "Unknown":
    case "Any":
      return ok(base("json", "json"))
    case "Suspend":
      return resolveAt(ast.thunk(), f, depth + 1)
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

const filterAnnotations = (check: AST.Check<any>): Array<Schema.Annotations.Annotations> =>
  check._tag === "Filter"
    ? (check.annotations === undefined ? [] : [check.annotations])
    : [...check.checks.flatMap(filterAnnotations), ...(check.annotations === undefined ? [] : [check.annotations])]

/**
 * Finds a column annotation on the path from the field's node to its
 * encoded side. Effect 4 writes an annotation to the node's last check when
 * it has checks and to the node otherwise, and `annotateKey` writes to the
 * key's context; so each node is read key context first, then its checks
 * (latest first), then its own annotations. Union members (`NullOr`,
 * `optional`) and encoding links follow. The outermost occurrence wins, so
 * a later `.pipe` overrides an earlier one.
 *
 * @internal
 */
export const findAnnotation = <A>(ast: AST.AST, key: string): A | undefined => {
  const queue: Array<AST.AST> = [ast]
  const seen = new Set<AST.AST>()
  while (queue.length > 0) {
    const node = queue.shift()!
    if (seen.has(node)) continue
    seen.add(node)
    const layers = [
      node.context?.annotations,
      ...(node.checks === undefined ? [] : [...node.checks].reverse().flatMap((c) => filterAnnotations(c).reverse())),
      node.annotations
    ]
    for (const layer of layers) {
      if (layer !== undefined && Object.prototype.hasOwnProperty.call(layer, key) && layer[key] !== undefined) {
        return layer[key] as A
      }
    }
    if (node._tag === "Union") queue.push(...node.types)
    if (node.encoding !== undefined) for (const link of node.encoding) queue.push(link.to)
  }
  return undefined
}
