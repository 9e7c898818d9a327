/**
 * The type parsers our pg clients use: pg's own, except `timestamp without
 * time zone` (oid 1114) and `date` (1082), which pg reads in the process time
 * zone. We read them as UTC wall-clock time, as SQLite's naive date-time text
 * is read and as we write them (`bindable` below), so a naive timestamp
 * means the same instant on both dialects whatever `TZ` is. Set per client (never on pg's global
 * `types`, which other code in the process may rely on).
 *
 * @internal
 */
import Pg from "pg"

const TIMESTAMP = 1114

// PostgreSQL's ISO output (DateStyle ISO, the default): years may exceed 4 digits, BC is a suffix.
const NAIVE = /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?( BC)?$/

const pgParser = Pg.types.getTypeParser(TIMESTAMP, "text") as (text: string) => unknown

/**
 * A `timestamp without time zone` as the UTC instant of its wall-clock time;
 * `infinity` and other DateStyles go to pg's own parser.
 *
 * @internal
 */
export const parseNaiveTimestamp = (text: string): unknown => {
  const m = NAIVE.exec(text)
  if (m === null) return pgParser(text)
  const year = Number(m[1])
  const date = new Date(0)
  date.setUTCFullYear(m[8] === undefined ? year : 1 - year, Number(m[2]) - 1, Number(m[3]))
  date.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0")))
  return date
}

const DATE = 1082
const DAY = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/
const pgDateParser = Pg.types.getTypeParser(DATE, "text") as (text: string) => unknown

/**
 * A `date` as UTC midnight of that day (pg builds local midnight, whose
 * instant depends on `TZ`, and which a positive zone sends back as the day
 * before); `infinity` goes to pg's own parser.
 *
 * @internal
 */
export const parseDate = (text: string): unknown => {
  const m = DAY.exec(text)
  if (m === null) return pgDateParser(text)
  const year = Number(m[1])
  const date = new Date(0)
  date.setUTCFullYear(m[4] === undefined ? year : 1 - year, Number(m[2]) - 1, Number(m[3]))
  return date
}

const TIMESTAMP_ARRAY = 1115
const DATE_ARRAY = 1182
const TEXT_ARRAY = 1009

// pg's text[] parser splits any array literal into its element texts (NULL as null, nested for
// several dimensions); each element is then read as the element type is read on its own.
const elementTexts = Pg.types.getTypeParser(TEXT_ARRAY as any, "text") as (text: string) => unknown

const mapElements = (value: unknown, parse: (text: string) => unknown): unknown =>
  Array.isArray(value) ? value.map((v) => mapElements(v, parse)) : value === null ? null : parse(value as string)

const arrayOf = (parse: (text: string) => unknown) => (text: string): unknown => mapElements(elementTexts(text), parse)

const parseNaiveTimestampArray = arrayOf(parseNaiveTimestamp)
const parseDateArray = arrayOf(parseDate)

/** @internal */
export const clientTypes: Pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    format === "binary"
      ? Pg.types.getTypeParser(oid, format as any)
      : oid === TIMESTAMP
      ? parseNaiveTimestamp
      : oid === DATE
      ? parseDate
      : oid === TIMESTAMP_ARRAY
      ? parseNaiveTimestampArray
      : oid === DATE_ARRAY
      ? parseDateArray
      : Pg.types.getTypeParser(oid, format as any)) as Pg.CustomTypesConfig["getTypeParser"]
}

/**
 * A Date as a bound parameter: its UTC time in ISO form. PostgreSQL reads
 * the instant for `timestamptz` and, ignoring the zone as it does for
 * `timestamp without time zone`, the UTC wall-clock time for that: both
 * independent of the process time zone (pg itself would send local time).
 * Years outside 1 to 9999 (ISO's extended form, which PostgreSQL does not
 * read) are left to pg.
 *
 * @internal
 */
export const dateParam = (date: Date): unknown => {
  const year = date.getUTCFullYear()
  return year >= 1 && year <= 9999 ? date.toISOString() : date
}

const hasDate = (value: unknown): boolean => value instanceof Date || (Array.isArray(value) && value.some(hasDate))

const toBindable = (value: unknown): unknown =>
  value instanceof Date ? dateParam(value) : Array.isArray(value) && value.some(hasDate) ? value.map(toBindable) : value

/**
 * Statement parameters with every Date (in arrays too, as `= ANY($1)` binds
 * them) as `dateParam`; the same array when there is none.
 *
 * @internal
 */
export const bindable = (params: ReadonlyArray<unknown>): Array<unknown> =>
  params.some(hasDate) ? params.map(toBindable) : params as Array<unknown>
