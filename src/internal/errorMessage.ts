import type * as DatabaseError from "../DatabaseError.js"

/**
 * The one shape of every error message, and the one way a value is shown in
 * one.
 *
 * A message reads `<what failed>: <why>` with an optional ` (<hint>)` at the
 * end saying what to do about it: a short headline (the operation or object
 * that failed: `table users, column email`, `connection lost`, `saveAll of
 * users`, `PostgreSQL URL "..."`), then the explanation (the driver's own
 * words when it gave some, so they can be searched for), on one line.
 *
 * A value from the caller or the database is shown with `showValue`, which
 * cuts it at `MAX_VALUE_LENGTH` characters: a 1 MB string in a failed write
 * must not become a 1 MB message in a log.
 *
 * @internal
 */

/** @internal */
export const MAX_VALUE_LENGTH = 200

/**
 * `text` cut at `max` characters, saying how much was left out. Never splits
 * a surrogate pair.
 *
 * @internal
 */
export const clip = (text: string, max: number = MAX_VALUE_LENGTH): string => {
  if (text.length <= max) return text
  let end = max
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end--
  return `${text.slice(0, end)}… (${text.length - end} more characters)`
}

const render = (value: unknown): string => {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value)
    case "bigint":
      return `${value}n`
    case "undefined":
      return "undefined"
    case "function":
      return `a function${value.name ? ` ${value.name}` : ""}`
    case "symbol":
      return value.toString()
    case "number":
    case "boolean":
      return String(value)
  }
  if (value === null) return "null"
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString()
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.length} bytes)`
  try {
    const json = JSON.stringify(value, (_, v) => typeof v === "bigint" ? `${v}n` : v)
    if (json !== undefined) return json
  } catch {
    // circular, or a throwing toJSON: fall through to the type's name
  }
  const name = (value as object).constructor?.name
  return `${name || "an object"} (cannot be shown)`
}

/**
 * How a value appears in a message: strings quoted as JSON, bigints with `n`,
 * objects as JSON, anything longer than `MAX_VALUE_LENGTH` cut.
 *
 * @internal
 */
export const showValue = (value: unknown): string => clip(render(value))

// Effect Schema's issue text ends with the offending value when the parser
// reports input (the library's parsers do): "Expected string, got <value>".
const actualTail = /(, got )([\s\S]*)$/
const longQuoted = new RegExp(`"[^"]{${MAX_VALUE_LENGTH + 1},}"`, "g")

/**
 * Text written by someone else (a driver, a Schema issue) that may quote a
 * value: the value Schema appends is cut like any other, quoted runs longer
 * than `MAX_VALUE_LENGTH` are cut, the whole stays on one line and within
 * five times that.
 *
 * @internal
 */
export const foreignText = (text: string): string =>
  clip(
    text
      .replace(actualTail, (_, lead: string, value: string) => lead + clip(value))
      .replace(longQuoted, (quoted) => `"${clip(quoted.slice(1, -1))}"`)
      .replace(/\s*\n\s*/g, " "),
    // A value none of the above recognised: bounded all the same.
    5 * MAX_VALUE_LENGTH
  )

/**
 * `<what>: <why>`, or `<what>: <why> (<hint>)`.
 *
 * @internal
 */
export const errorMessage = (what: string, why: string, hint?: string | undefined): string =>
  hint === undefined || hint === "" ? `${what}: ${why}` : `${what}: ${why} (${hint})`

/**
 * The headline of a `ConstraintError` message, the same on every dialect.
 *
 * @internal
 */
export const constraintHeadlines: Record<DatabaseError.ConstraintKind, string> = {
  unique: "unique constraint violated",
  foreign_key: "foreign key constraint violated",
  not_null: "not-null constraint violated",
  check: "check constraint violated",
  other: "constraint violated"
}
