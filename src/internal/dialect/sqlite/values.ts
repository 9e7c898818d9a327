/**
 * better-sqlite3 values ↔ canonical column values. SQLite has no boolean,
 * date or JSON storage: they arrive as 0/1, date-time text and JSON text, and
 * integers arrive as numbers (or bigints with `safeIntegers`). Date-times are
 * written in SQLite's own shape, `YYYY-MM-DD HH:MM:SS[.SSS]` in UTC (see
 * `dateText.ts`), so they compare and sort with what its clock functions
 * wrote.
 *
 * @internal
 */
import { showValue } from "../../errorMessage.js"
import { repToCanonical, ValueError } from "../../schema/values.js"
import { dateTextProblem, formatDateTimeText, readDateTimeText } from "../dateText.js"
import { asIsParameterWith, type Fidelity, INT64, unstorableWith } from "../fidelity.js"
import { type Convert, fromDriverWith, toBuffer, toDriverWith } from "../valuesCommon.js"

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * What SQLite stores exactly: text with U+0000 and JSON text with any escape,
 * but not NaN (bound as NULL) or -0 (REAL affinity keeps it as the integer
 * 0), and integers beyond ±2^53 come back rounded unless read as bigint.
 *
 * @internal
 */
const fidelity: Fidelity = {
  name: "SQLite",
  nan: "SQLite stores a NaN REAL as NULL",
  negativeZero: "SQLite stores a REAL -0 as 0",
  nulInText: undefined,
  nulInJson: undefined,
  loneSurrogateInJson: undefined,
  upperCaseUuid: undefined,
  integerRange: { smallint: INT64, integer: INT64, bigint: INT64 },
  bigintReadBack: (value, options) =>
    options.safeIntegers || (value >= -MAX_SAFE && value <= MAX_SAFE)
      ? undefined
      : `${value}n is beyond ±(2^53 - 1), and SQLite reads it back rounded to a double; enable the Database option safeIntegers: true to read 64-bit integers exactly`
}

const unstorableValue = unstorableWith(fidelity)

/** @internal */
export const asIsParameter = asIsParameterWith(fidelity)

/** @internal */
export const unstorable: typeof unstorableValue = (value, type, options) =>
  (type === "timestamp" || type === "datetime") && value instanceof Date
    ? dateTextProblem(value)
    : unstorableValue(value, type, options)

/** Text in any shape SQLite users store (a text without a zone is UTC, as SQLite's clock writes it). */
const toDate = (raw: unknown): Date => {
  if (typeof raw === "string") return readDateTimeText(raw)
  if (typeof raw === "bigint") return new Date(Number(raw))
  return repToCanonical(raw, "timestamp") as Date
}


const integer: Convert = (raw, type) => {
  if (typeof raw === "bigint") return Number.isSafeInteger(Number(raw)) ? Number(raw) : raw
  return repToCanonical(raw, type)
}

/** @internal */
export const fromDriver = fromDriverWith({
  smallint: integer,
  integer,
  bigint: (raw, type) => {
    if (typeof raw === "number" && !Number.isSafeInteger(raw)) {
      // Already rounded by the driver: refuse rather than return a wrong bigint.
      throw new ValueError(
        `integer ${raw} lost precision in the driver; enable the Database option safeIntegers: true to read 64-bit integers as bigint`
      )
    }
    return repToCanonical(raw, type)
  },
  timestamp: toDate,
  datetime: toDate,
  json: (raw) => {
    if (typeof raw === "string") {
      try {
        return JSON.parse(raw)
      } catch {
        throw new ValueError(`invalid JSON text ${showValue(raw)}`)
      }
    }
    // JSON has NUMERIC affinity: a bare JSON number is stored as a number.
    if (typeof raw === "number") return raw
    if (typeof raw === "bigint") return repToCanonical(raw, "double")
    throw new ValueError(`expected JSON text, got ${typeof raw}`)
  }
})

/** @internal */
export const toDriver = toDriverWith((value, type) => {
  switch (type) {
    case "boolean":
      return value === true ? 1 : value === false ? 0 : value
    case "timestamp":
    case "datetime":
      return value instanceof Date ? formatDateTimeText(value) : value
    case "json":
      return JSON.stringify(value)
    case "blob":
      return value instanceof Uint8Array ? toBuffer(value) : value
    default:
      if (typeof value === "boolean") return value ? 1 : 0
      if (value instanceof Date) return formatDateTimeText(value)
      if (value instanceof Uint8Array) return toBuffer(value)
      return value
  }
})
