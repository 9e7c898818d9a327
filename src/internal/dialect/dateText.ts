/**
 * SQLite's date-time text: the shape its clock functions write
 * (`CURRENT_TIMESTAMP`, `datetime()`), UTC without a zone, for values,
 * parameters and defaults; and every shape its users store, for reading. A
 * naive timestamp is the UTC time of the instant, whatever the process time
 * zone, as on PostgreSQL (see `pg/types.ts`).
 *
 * @internal
 */
import { ValueError } from "../schema/values.js"

const pad = (n: number, width: number) => String(n).padStart(width, "0")

/**
 * `YYYY-MM-DD HH:MM:SS`, with `.SSS` only when the milliseconds are not
 * zero: exactly what SQLite's clock functions write for a whole second, so a
 * value compares equal to theirs, and text order is time order. Years 0000
 * to 9999 only (see `dateTextProblem`).
 *
 * @internal
 */
export const formatDateTimeText = (date: Date): string => {
  const ms = date.getUTCMilliseconds()
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)} ${
    pad(date.getUTCHours(), 2)
  }:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}${ms === 0 ? "" : `.${pad(ms, 3)}`}`
}

/**
 * Why `date` has no text of that shape that sorts with the others, if it
 * has none.
 *
 * @internal
 */
export const dateTextProblem = (date: Date): string | undefined => {
  if (Number.isNaN(date.getTime())) return "an invalid Date (its time is NaN) cannot be stored"
  const year = date.getUTCFullYear()
  return year < 0 || year > 9999
    ? `${date.toISOString()} is outside the years 0000 to 9999, which SQLite's date and time text (YYYY-MM-DD HH:MM:SS) holds`
    : undefined
}

// Every text shape SQLite users store: date only; a space or a T; minutes,
// seconds, a fraction of any length; no zone (UTC), Z, or an offset
// (+HH:MM, +HHMM, +HH).
const TEXT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/

/**
 * The instant a date-time text means, reading a text without a zone as UTC;
 * undefined for text of another shape or an impossible date (February 30).
 * Fractions beyond milliseconds are cut, as a `Date` cannot hold them.
 *
 * @internal
 */
export const parseDateTimeText = (text: string): Date | undefined => {
  const m = TEXT.exec(text.trim())
  if (m === null) return undefined
  const [year, month, day, hour = 0, minute = 0, second = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((s) =>
    s === undefined ? undefined : Number(s)
  ) as [number, number, number, number?, number?, number?]
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"))
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined
  const offsetMinutes = m[9] === undefined ? 0 : (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? 0))
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute, second, millis)
  // February 30 rolls over into March: refuse it rather than read another day.
  if (date.getUTCDate() !== day) return undefined
  return new Date(date.getTime() - offsetMinutes * 60_000)
}

/**
 * `parseDateTimeText`, failing with a message that says which shapes are read.
 *
 * @internal
 */
export const readDateTimeText = (text: string): Date => {
  const date = parseDateTimeText(text)
  if (date === undefined) {
    throw new ValueError(
      `cannot read ${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)} as a date and time (expected YYYY-MM-DD[ HH:MM[:SS[.fraction]]] with an optional Z or ±HH:MM)`
    )
  }
  return date
}
