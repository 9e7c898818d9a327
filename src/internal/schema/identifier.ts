/**
 * Identifier rules shared by every dialect: what a declared table, column,
 * index or constraint name may look like, and how generated names are kept
 * under a dialect's length limit.
 *
 * @internal
 */

/**
 * Declared names are restricted to plain ASCII identifiers. Quoting alone
 * would make almost anything safe, but names that need quoting are a
 * portability trap (case folding, tooling, other dialects), and a name such as
 * `a"b; DROP TABLE x` is far more likely a bug than an intention.
 */
const PLAIN = /^[A-Za-z_][A-Za-z0-9_$]*$/

/** @internal */
export const validateIdentifier = (name: unknown, maxLength: number): string | undefined => {
  if (typeof name !== "string") return `an identifier must be a string, got ${typeof name}`
  if (name.length === 0) return "an identifier must not be empty"
  if (name.includes("\u0000")) return `identifier ${JSON.stringify(name)} contains a NUL byte`
  if (!PLAIN.test(name)) {
    return `identifier ${JSON.stringify(name)} is not allowed: use letters, digits, "_" or "$", not starting with a digit`
  }
  if (Buffer.byteLength(name, "utf8") > maxLength) {
    return `identifier ${JSON.stringify(name)} is longer than ${maxLength} bytes`
  }
  return undefined
}

/**
 * Quoting doubles embedded quotes, so even a reflected name that would fail
 * `validateIdentifier` (tables made by hand) is still emitted safely.
 *
 * @internal
 */
export const quoteWith = (quote: string) => (name: string): string => {
  if (name.includes("\u0000")) {
    // Unreachable for validated names; a NUL would truncate the statement in C drivers.
    throw new TypeError("identifier contains a NUL byte")
  }
  return quote + name.split(quote).join(quote + quote) + quote
}

/** A short, stable hash so truncated generated names stay unique. */
const hash = (s: string): string => {
  let h = 2166136261
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 16777619)
  }
  return (h >>> 0).toString(16).padStart(8, "0")
}

/**
 * Generated names (`ix_users_email`, `fk_...`) can exceed PostgreSQL's 63 byte
 * limit, which PostgreSQL would silently truncate (and then collide).
 *
 * @internal
 */
export const generatedName = (parts: ReadonlyArray<string>, maxLength: number): string => {
  const full = parts.join("_")
  if (full.length <= maxLength) return full
  const suffix = "_" + hash(full)
  return full.slice(0, maxLength - suffix.length) + suffix
}

/**
 * `userId` → `user_id`, `HTTPServer` → `http_server`.
 *
 * @internal
 */
export const snakeCase = (name: string): string =>
  name
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
