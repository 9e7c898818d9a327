/**
 * Which canonical values a dialect stores *and reads back unchanged*. A value
 * that would come back different (NaN as NULL, -0 as 0, a lone surrogate as
 * U+FFFD, a 64-bit integer rounded to a double) or that the server would
 * refuse after the statement was sent (U+0000 in PostgreSQL text) is refused
 * before any SQL runs. The rules every dialect shares live here; each dialect
 * states what its storage can hold in its own `values.ts`.
 *
 * @internal
 */
import type { NeutralType } from "../../Metadata.js"
import type { ValueOptions } from "./schemaDialect.js"

/**
 * The capabilities that differ between dialects.
 *
 * @internal
 */
export interface Fidelity {
  /** The dialect's name in messages. */
  readonly name: string
  /** Why NaN in a REAL/DOUBLE column does not come back, or undefined when it does. */
  readonly nan: string | undefined
  /** Why -0 in a REAL/DOUBLE column does not come back, or undefined when it does. */
  readonly negativeZero: string | undefined
  /** Why U+0000 in a text column is refused, or undefined when it is stored. */
  readonly nulInText: string | undefined
  /** Why U+0000 in a JSON string or key is refused, or undefined when it is stored. */
  readonly nulInJson: string | undefined
  /**
   * Why a lone surrogate in a JSON string or key is refused, or undefined when
   * it is stored (as the `\udXXX` escape `JSON.stringify` writes).
   */
  readonly loneSurrogateInJson: string | undefined
  /** Why a UUID with upper-case digits is refused (it would read back lower-cased), or undefined when it is kept. */
  readonly upperCaseUuid: string | undefined
  /** The inclusive range each integer column type holds. */
  readonly integerRange: { readonly [K in "smallint" | "integer" | "bigint"]: readonly [bigint, bigint] }
  /** Why `value` (a bigint that fits the column) does not read back exactly under `options`, or undefined. */
  readonly bigintReadBack: (value: bigint, options: ValueOptions) => string | undefined
}

/** @internal */
export const INT16: readonly [bigint, bigint] = [-(2n ** 15n), 2n ** 15n - 1n]
/** @internal */
export const INT32: readonly [bigint, bigint] = [-(2n ** 31n), 2n ** 31n - 1n]
/** @internal */
export const INT64: readonly [bigint, bigint] = [-(2n ** 63n), 2n ** 63n - 1n]

/**
 * Deepest JSON nesting accepted. `JSON.stringify` recurses on the JavaScript
 * stack and overflows a few thousand levels down (where exactly depends on
 * the caller's stack), and SQLite's JSON functions stop at 1000 levels: a
 * fixed limit refuses the same values everywhere instead of failing by
 * accident.
 *
 * @internal
 */
export const MAX_JSON_DEPTH = 1000

const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed()

const loneSurrogateAt = (s: string): number => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) i++
      else return i
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return i
    }
  }
  return -1
}

const LONE_SURROGATE = "it has no UTF-8 encoding and would be stored as U+FFFD"

/** Why a string cannot be stored in a text column, or undefined. */
const textProblem = (s: string, f: Fidelity): string | undefined => {
  if (!isWellFormed(s)) {
    return `the string has a lone UTF-16 surrogate at index ${loneSurrogateAt(s)}; ${LONE_SURROGATE}`
  }
  if (f.nulInText !== undefined) {
    const at = s.indexOf("\u0000")
    if (at >= 0) return `the string has U+0000 (NUL) at index ${at}; ${f.nulInText}`
  }
  return undefined
}

const jsonStringProblem = (s: string, what: string, f: Fidelity): string | undefined => {
  if (f.loneSurrogateInJson !== undefined && !isWellFormed(s)) {
    return `${what} has a lone UTF-16 surrogate at index ${loneSurrogateAt(s)}; ${f.loneSurrogateInJson}`
  }
  if (f.nulInJson !== undefined) {
    const at = s.indexOf("\u0000")
    if (at >= 0) return `${what} has U+0000 (NUL) at index ${at}; ${f.nulInJson}`
  }
  return undefined
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

interface Frame {
  readonly container: object
  /** Object keys; undefined for arrays. */
  readonly keys: ReadonlyArray<string> | undefined
  readonly length: number
  next: number
}

const pathOf = (frames: ReadonlyArray<Frame>): string => {
  let path = "$"
  for (const frame of frames) {
    const at = frame.next - 1
    if (frame.keys === undefined) path += `[${at}]`
    else {
      const key = frame.keys[at]!
      path += IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
    }
  }
  // A path hundreds of levels deep is shown by its ends.
  return path.length > 200 ? `${path.slice(0, 100)}…${path.slice(-60)}` : path
}

const kindOf = (value: object): string => {
  const ctor = (value as { constructor?: { name?: unknown } }).constructor
  return typeof ctor?.name === "string" && ctor.name !== "" ? `a ${ctor.name}` : "an object with a prototype"
}

/** Why a leaf (or the container itself) is not plain JSON, or undefined. */
const jsonValueProblem = (value: unknown, f: Fidelity): string | undefined => {
  switch (typeof value) {
    case "string":
      return jsonStringProblem(value, "the string", f)
    case "number":
      if (Number.isNaN(value)) return "NaN has no JSON representation (JSON.stringify writes null)"
      if (!Number.isFinite(value)) return `${value} has no JSON representation (JSON.stringify writes null)`
      if (Object.is(value, -0)) return "-0 would read back as 0 (JSON.stringify writes 0)"
      return undefined
    case "boolean":
      return undefined
    case "bigint":
      return `${value}n has no JSON representation; store it in a bigint column or as a string`
    case "undefined":
      return "undefined has no JSON representation"
    case "function":
    case "symbol":
      return `a ${typeof value} has no JSON representation`
    case "object": {
      if (value === null || Array.isArray(value)) return undefined
      const proto = Object.getPrototypeOf(value)
      if (proto === Object.prototype || proto === null) return undefined
      return `${kindOf(value)} is not plain JSON (it would not read back as one); encode it with a Schema or convert it first`
    }
  }
}

/**
 * Whether `value` (at nesting `depth`) comes back from a JSON column
 * unchanged: the allocation-free check every JSON value takes. Recursion is
 * bounded by `MAX_JSON_DEPTH`, which also stops a cycle.
 */
const isPlainJson = (value: unknown, depth: number, f: Fidelity): boolean => {
  switch (typeof value) {
    case "string":
      return jsonStringProblem(value, "", f) === undefined
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0)
    case "boolean":
      return true
    case "object": {
      if (value === null) return true
      if (depth > MAX_JSON_DEPTH) return false
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) return false
          const item: unknown = value[i]
          if (item === undefined || !isPlainJson(item, depth + 1, f)) return false
        }
        return true
      }
      const proto = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) return false
      const record = value as Record<string, unknown>
      for (const key of Object.keys(record)) {
        if (jsonStringProblem(key, "", f) !== undefined) return false
        const item = record[key]
        if (item !== undefined && !isPlainJson(item, depth + 1, f)) return false
      }
      return true
    }
    default:
      return false
  }
}

/**
 * Why `root` would not come back from a JSON column unchanged, or undefined.
 * Values that pass `isPlainJson` skip the walk; the walk is iterative and
 * keeps the path, for the message.
 */
const jsonProblem = (root: unknown, f: Fidelity): string | undefined =>
  isPlainJson(root, 1, f) ? undefined : describeJsonProblem(root, f) ?? "JSON: the value is not plain JSON"

const describeJsonProblem = (root: unknown, f: Fidelity): string | undefined => {
  const rootProblem = jsonValueProblem(root, f)
  if (rootProblem !== undefined) return `JSON at $: ${rootProblem}`
  if (typeof root !== "object" || root === null) return undefined
  const frames: Array<Frame> = []
  const ancestors = new Set<object>()
  const enter = (container: object) => {
    ancestors.add(container)
    if (Array.isArray(container)) frames.push({ container, keys: undefined, length: container.length, next: 0 })
    else {
      const keys = Object.keys(container)
      frames.push({ container, keys, length: keys.length, next: 0 })
    }
  }
  enter(root)
  while (frames.length > 0) {
    const frame = frames[frames.length - 1]!
    if (frame.next >= frame.length) {
      ancestors.delete(frame.container)
      frames.pop()
      continue
    }
    const at = frame.next++
    let value: unknown
    if (frame.keys === undefined) {
      const array = frame.container as ReadonlyArray<unknown>
      if (!(at in array)) return `JSON at ${pathOf(frames)}: an empty array slot would read back as null`
      value = array[at]
    } else {
      const key = frame.keys[at]!
      const keyProblem = jsonStringProblem(key, "the key", f)
      if (keyProblem !== undefined) return `JSON at ${pathOf(frames)}: ${keyProblem}`
      value = (frame.container as Record<string, unknown>)[key]
      // JSON.stringify leaves undefined properties out, as if they were absent.
      if (value === undefined) continue
    }
    const problem = jsonValueProblem(value, f)
    if (problem !== undefined) return `JSON at ${pathOf(frames)}: ${problem}`
    if (typeof value !== "object" || value === null) continue
    if (ancestors.has(value)) return `JSON at ${pathOf(frames)}: a circular reference has no JSON representation`
    if (frames.length >= MAX_JSON_DEPTH) {
      return `JSON at ${pathOf(frames)}: nested deeper than ${MAX_JSON_DEPTH} levels`
    }
    enter(value)
  }
  return undefined
}

type IntegerType = "smallint" | "integer" | "bigint"
type NumberRanges = { readonly [K in IntegerType]: readonly [number, number] }

// ±2^63 round outward as numbers, beyond every safe integer: a safe integer
// within these bounds is within the column's range.
const numberRanges = (f: Fidelity): NumberRanges => ({
  smallint: [Number(f.integerRange.smallint[0]), Number(f.integerRange.smallint[1])],
  integer: [Number(f.integerRange.integer[0]), Number(f.integerRange.integer[1])],
  bigint: [Number(f.integerRange.bigint[0]), Number(f.integerRange.bigint[1])]
})

const integerProblem = (value: unknown, type: IntegerType, f: Fidelity, options: ValueOptions, ranges: NumberRanges) => {
  let n: bigint
  if (typeof value === "number") {
    if (!Number.isInteger(value)) return `${value} is not an integer, and the column is ${type.toUpperCase()}`
    if (Object.is(value, -0)) return `-0 would read back as 0 from an integer column; pass 0`
    // The common case without a BigInt per value: a safe integer compared with
    // the bounds as numbers (exact for 16 and 32 bits; ±2^63 rounded outward,
    // beyond every safe integer, for 64).
    if (Number.isSafeInteger(value)) {
      const [min, max] = ranges[type]
      if (value >= min && value <= max) return undefined
    }
    n = BigInt(value)
  } else if (typeof value === "bigint") {
    n = value
  } else {
    return undefined
  }
  const [min, max] = f.integerRange[type]
  if (n < min || n > max) {
    return `${typeof value === "bigint" ? `${value}n` : value} is outside the range of a ${f.name} ${type.toUpperCase()} column (${min} to ${max})`
  }
  return typeof value === "bigint" ? f.bigintReadBack(value, options) : undefined
}

const floatProblem = (value: unknown, f: Fidelity): string | undefined => {
  if (typeof value !== "number") return undefined
  if (Number.isNaN(value)) return f.nan === undefined ? undefined : `NaN cannot be stored: ${f.nan}`
  if (Object.is(value, -0)) return f.negativeZero === undefined ? undefined : `-0 cannot be stored: ${f.negativeZero}`
  return undefined
}

/**
 * For a column of `type`, a check that a value given for it is its own bound
 * parameter: canonical already, storable, and sent to the driver unchanged
 * (a safe integer within the column's range, other than -0; a well-formed
 * string the dialect stores whole). Bulk writes and column encoders bind
 * such values without the conversion; `undefined` for types where no value
 * is checked this way. Both drivers' `toDriver` pass numbers other than -0
 * and strings through.
 *
 * @internal
 */
export const asIsParameterWith = (f: Fidelity) => {
  const ranges = numberRanges(f)
  const nulAllowed = f.nulInText === undefined
  const text = (value: unknown): boolean =>
    typeof value === "string" && isWellFormed(value) && (nulAllowed || value.indexOf("\u0000") < 0)
  const integer = (type: "smallint" | "integer") => {
    const [min, max] = ranges[type]
    return (value: unknown): boolean =>
      typeof value === "number" && Number.isSafeInteger(value) && value >= min && value <= max && (value !== 0 || 1 / value > 0)
  }
  const byType: Partial<Record<NeutralType, (value: unknown) => boolean>> = {
    smallint: integer("smallint"),
    integer: integer("integer"),
    text,
    varchar: text,
    char: text
  }
  return (type: NeutralType): ((value: unknown) => boolean) | undefined => byType[type]
}

/**
 * The dialect's check: why the canonical `value` of a column of `type` would
 * not read back unchanged, or undefined when it would.
 *
 * @internal
 */
export const unstorableWith = (f: Fidelity) => {
  const ranges = numberRanges(f)
  return (value: unknown, type: NeutralType, options: ValueOptions): string | undefined => unstorable(f, ranges, value, type, options)
}

const unstorable = (f: Fidelity, ranges: NumberRanges, value: unknown, type: NeutralType, options: ValueOptions): string | undefined => {
  if (value === null || value === undefined) return undefined
  switch (type) {
    case "smallint":
    case "integer":
    case "bigint":
      return integerProblem(value, type, f, options, ranges)
    case "real":
    case "double":
      return floatProblem(value, f)
    case "uuid":
      if (typeof value === "string" && f.upperCaseUuid !== undefined && value !== value.toLowerCase()) {
        return `${JSON.stringify(value)} has upper-case digits; ${f.upperCaseUuid}`
      }
      return typeof value === "string" ? textProblem(value, f) : undefined
    case "numeric":
    case "text":
    case "varchar":
    case "char":
    case "date":
    case "time":
    case "other":
      return typeof value === "string" ? textProblem(value, f) : undefined
    case "timestamp":
    case "datetime":
      return value instanceof Date && Number.isNaN(value.getTime()) ? "an invalid Date (its time is NaN) cannot be stored" : undefined
    case "json":
      return jsonProblem(value, f)
    case "boolean":
    case "blob":
      return undefined
  }
}
