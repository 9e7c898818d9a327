/**
 * Unix-time columns (`Column.unixTime`): a date-time field stored as a
 * number of seconds or milliseconds since the epoch, in whatever number
 * column holds it (INTEGER, BIGINT, REAL, ...).
 *
 * @internal
 */
import type { UnixTimeUnit } from "../../Column.js"
import type { NeutralType } from "../../Metadata.js"
import { repToCanonical, UnstorableValue, ValueError } from "./values.js"

const WHOLE: ReadonlySet<NeutralType> = new Set(["smallint", "integer", "bigint"])

/**
 * The encoded field value (a Date, a DateTime, an ISO string) → the
 * canonical number value of a column of `type`. Throws `ValueError` when
 * the value is no date, `UnstorableValue` when the column cannot hold it
 * exactly (milliseconds in whole seconds).
 *
 * @internal
 */
export const toUnixTime = (value: unknown, unit: UnixTimeUnit, type: NeutralType): unknown => {
  const date = repToCanonical(value, "timestamp") as Date
  const ms = date.getTime()
  if (Number.isNaN(ms)) throw new ValueError("an invalid Date (its time is NaN) cannot be stored")
  if (unit === "seconds" && WHOLE.has(type) && ms % 1000 !== 0) {
    throw new UnstorableValue(
      `${date.toISOString()} has milliseconds, and the column stores whole seconds (Column.unixTime("seconds") in an integer column); drop the milliseconds, or store milliseconds or use a REAL column`
    )
  }
  return repToCanonical(unit === "seconds" ? ms / 1000 : ms, type)
}

/**
 * A canonical number value (number, bigint, or numeric text) → its Date.
 * Fractional seconds are rounded to the millisecond a Date holds.
 *
 * @internal
 */
export const fromUnixTime = (value: unknown, unit: UnixTimeUnit): Date => {
  const n = typeof value === "number" ? value : typeof value === "bigint" || typeof value === "string" ? Number(value) : NaN
  const date = new Date(unit === "seconds" ? Math.round(n * 1000) : n)
  if (Number.isNaN(date.getTime())) {
    throw new ValueError(`cannot read ${String(value)} as a unix time in ${unit}`)
  }
  return date
}
