/**
 * Conversions between a column's *canonical* value (one JavaScript shape per
 * storage type, independent of the driver) and the *representation* its
 * Schema expects on the encoded side. Dialects convert driver values to and
 * from the canonical shape; this module bridges canonical and Schema.
 *
 * Canonical shapes: integer/smallint/real/double → number, bigint → bigint,
 * numeric/text/varchar/char/uuid/date/time → string, boolean → boolean,
 * timestamp/datetime → Date, blob → Uint8Array, json → parsed JSON,
 * other → the driver value untouched.
 *
 * @internal
 */
import * as DateTime from "effect/DateTime"
import type { NeutralType } from "../../Metadata.js"
import { showValue } from "../errorMessage.js"
import type { Rep } from "./columnType.js"

/** @internal */
export class ValueError extends Error {}

/**
 * A value that converts, but that the column would not give back unchanged
 * (see `dialect/fidelity.ts`): the caller's input, refused before any SQL.
 *
 * @internal
 */
export class UnstorableValue extends Error {}

const bad = (value: unknown, what: string): never => {
  throw new ValueError(`cannot convert ${showValue(value)} (${value === null ? "null" : typeof value}) to ${what}`)
}

const toDate = (value: unknown): Date => {
  if (value instanceof Date) return value
  if (DateTime.isDateTime(value)) return DateTime.toDateUtc(value)
  if (typeof value === "string" || typeof value === "number") {
    const d = new Date(value)
    if (!Number.isNaN(d.getTime())) return d
  }
  return bad(value, "a date")
}

const toBigInt = (value: unknown): bigint => {
  if (typeof value === "bigint") return value
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value)
  if (typeof value === "string" && /^\s*-?\d+\s*$/.test(value)) return BigInt(value.trim())
  return bad(value, "a bigint")
}

const toNumber = (value: unknown): number => {
  if (typeof value === "number") return value
  if (typeof value === "bigint") {
    // An integer read as bigint (SQLite safeIntegers) for a number column: only if no digit is lost.
    const n = Number(value)
    return Number.isFinite(n) && BigInt(n) === value
      ? n
      : bad(value, "a number without losing precision; declare the column with Schema.BigInt")
  }
  if (typeof value === "boolean") return value ? 1 : 0
  if (value instanceof Date) return value.getTime()
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value)
    if (!Number.isNaN(n)) return n
  }
  return bad(value, "a number")
}

const toBoolean = (value: unknown): boolean => {
  if (typeof value === "boolean") return value
  if (value === 0 || value === 0n || value === "0" || value === "f" || value === "false") return false
  if (value === 1 || value === 1n || value === "1" || value === "t" || value === "true") return true
  return bad(value, "a boolean")
}

const toBytes = (value: unknown): Uint8Array => {
  if (value instanceof Uint8Array) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice()
  if (Array.isArray(value) && value.every((n) => Number.isInteger(n) && n >= 0 && n <= 255)) return Uint8Array.from(value)
  return bad(value, "bytes")
}

const toText = (value: unknown): string => {
  if (typeof value === "string") return value
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value)
  if (value instanceof Date) return value.toISOString()
  if (DateTime.isDateTime(value)) return DateTime.formatIso(value)
  if (typeof value === "object" && value !== null && !(value instanceof Uint8Array)) return JSON.stringify(value)
  return bad(value, "text")
}

/** `YYYY-MM-DD` of a date in UTC (our pg clients build DATE values at UTC midnight), whatever `TZ` is. */
const dateOnly = (value: unknown): string => {
  if (typeof value === "string") return value
  if (value instanceof Date) {
    const y = String(value.getUTCFullYear()).padStart(4, "0")
    const m = String(value.getUTCMonth() + 1).padStart(2, "0")
    const d = String(value.getUTCDate()).padStart(2, "0")
    return `${y}-${m}-${d}`
  }
  return bad(value, "a date (YYYY-MM-DD)")
}

/**
 * Encoded Schema value → canonical value for `type`.
 *
 * @internal
 */
export const repToCanonical = (value: unknown, type: NeutralType): unknown => {
  switch (type) {
    case "smallint":
    case "integer":
      return typeof value === "bigint" ? value : toNumber(value)
    case "real":
    case "double":
      return toNumber(value)
    case "bigint":
      return toBigInt(value)
    case "numeric":
    case "text":
    case "varchar":
    case "char":
    case "uuid":
    case "time":
      return toText(value)
    case "date":
      return dateOnly(value)
    case "boolean":
      return toBoolean(value)
    case "timestamp":
    case "datetime":
      return toDate(value)
    case "blob":
      return toBytes(value)
    case "json":
    case "other":
      return value
  }
}

/**
 * Canonical value of a column stored as `type` → the representation its
 * Schema decodes.
 *
 * @internal
 */
export const canonicalToRep = (value: unknown, type: NeutralType, rep: Rep): unknown => {
  switch (rep) {
    case "unknown":
      return value
    case "string":
      if (type === "json" && typeof value !== "string") return JSON.stringify(value)
      return toText(value)
    case "number":
      return toNumber(value)
    case "boolean":
      return toBoolean(value)
    case "bigint":
      return toBigInt(value)
    case "date":
      return toDate(value)
    case "datetime":
      return DateTime.fromDateUnsafe(toDate(value))
    case "bytes":
      return toBytes(value)
    case "numberArray":
      if (value instanceof Uint8Array) return Array.from(value)
      if (type !== "json" && typeof value === "string") return JSON.parse(value)
      return value
    case "json":
      if (type !== "json" && typeof value === "string") {
        try {
          return JSON.parse(value)
        } catch {
          return bad(value, "JSON")
        }
      }
      return value
  }
}
