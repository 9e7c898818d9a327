/**
 * The text of a generated migration module (`<id>_<slug>.ts`): a header a
 * person reviews, `up` and `down` as `Migrations.statements([...])` with one
 * SQL statement per line, and the `destructive`, `irreversible` and
 * `transactional` exports the runner reads. Also the id and the slug of the
 * file name.
 *
 * @internal
 */
import * as Result from "effect/Result"
import * as DatabaseError from "../../DatabaseError.js"
import { errorMessage, showValue } from "../errorMessage.js"
import type { PlannedMigration } from "./model.js"

/** @internal */
export const defaultImportFrom = "effect-sqlservice"

/** The longest slug accepted, so that file names stay well under every file system's limit. */
const MAX_SLUG_LENGTH = 100

/**
 * The file-name slug of a migration name: lower case, spaces and dashes
 * become `_`. Anything else outside `[a-z0-9_]` is refused rather than
 * dropped, so the file name says what the caller wrote.
 *
 * @internal
 */
export const slugOf = (name: string): Result.Result<string, DatabaseError.DatabaseError> => {
  const slug = name.trim().toLowerCase().replace(/[\s-]+/g, "_")
  const why = slug === ""
    ? "it is empty"
    : !/^[a-z0-9_]+$/.test(slug)
    ? "it may only contain letters, digits, spaces, dashes and underscores"
    : slug.length > MAX_SLUG_LENGTH
    ? `it is longer than ${MAX_SLUG_LENGTH} characters`
    : undefined
  return why === undefined
    ? Result.succeed(slug)
    : Result.fail(DatabaseError.make(
      new DatabaseError.InputError({
        message: errorMessage(`migration name ${showValue(name)}`, why, "e.g. \"add posts\" or \"add_posts\"")
      })
    ))
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/** `YYYYMMDDHHMMSS` in UTC. */
const stampOf = (date: Date): string =>
  `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
  `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`

/** The instant a 14-digit id stands for, or undefined when it is not a valid timestamp. */
const dateOfStamp = (id: string): Date | undefined => {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(id)
  if (m === null) return undefined
  const date = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!))
  return stampOf(date) === id ? date : undefined
}

/**
 * The id of a new migration: `now` as UTC `YYYYMMDDHHMMSS`, or, when an
 * existing migration's id is not smaller (two generated within one second,
 * a clock behind), one second after the largest existing id, so the new
 * migration always sorts last. Ids compare as numbers, as the runner sorts
 * them.
 *
 * @internal
 */
export const nextId = (now: Date, existing: ReadonlyArray<string>): string => {
  const candidate = stampOf(now)
  const latest = existing.reduce<string | undefined>(
    (max, id) => (max === undefined || BigInt(id) > BigInt(max) ? id : max),
    undefined
  )
  if (latest === undefined || BigInt(candidate) > BigInt(latest)) return candidate
  const latestDate = dateOfStamp(latest)
  return latestDate === undefined
    ? String(BigInt(latest) + 1n)
    : stampOf(new Date(latestDate.getTime() + 1000))
}

/**
 * A JavaScript template literal whose value is exactly `text`: backslashes,
 * backticks and `${` are escaped, and so is every character that a file
 * would not keep as is (carriage returns, which template literals read as
 * line feeds; other control characters; line and paragraph separators;
 * unpaired surrogates, which UTF-8 cannot encode). Quotes and line feeds
 * stay as they are, so SQL reads as SQL: a CREATE TABLE keeps its layout of
 * one column per line.
 *
 * @internal
 */
export const templateLiteral = (text: string): string => {
  let out = "`"
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    const code = text.charCodeAt(i)
    if (ch === "\\" || ch === "`") out += `\\${ch}`
    else if (ch === "$" && text[i + 1] === "{") out += "\\$"
    else if (ch === "\n") out += ch
    else if (ch === "\r") out += "\\r"
    else if (ch === "\t") out += "\\t"
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, "0")}`
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      out += text.slice(i, i + 2)
      i++
    } else if (code >= 0xd800 && code <= 0xdfff) out += `\\u${code.toString(16)}`
    else out += ch
  }
  return `${out}\``
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff

/** A line of the header: one comment line, whatever the text contains. */
const commentText = (text: string): string => text.replace(/[\r\n\u2028\u2029]+/g, " ")

const arrayText = (items: ReadonlyArray<string>, indent: string): string =>
  items.length === 0 ? "[]" : `[\n${items.map((s) => `${indent}  ${templateLiteral(s)}`).join(",\n")}\n${indent}]`

/** @internal */
export interface ModuleTextOptions {
  readonly id: string
  /** The slug (see `slugOf`). */
  readonly name: string
  readonly planned: PlannedMigration
  /** When it was generated, for the header. */
  readonly generatedAt: Date
  /** The module the generated file imports `Migrations` from (default `effect-sqlservice`). */
  readonly importFrom?: string
}

/**
 * The text of the migration module.
 *
 * @internal
 */
export const moduleText = (options: ModuleTextOptions): string => {
  const { generatedAt, id, name, planned } = options
  const section = (title: string, lines: ReadonlyArray<string>): Array<string> =>
    lines.length === 0 ? [] : ["//", `// ${title}`, ...lines.map((l) => `//   - ${commentText(l)}`)]
  const irreversible = planned.irreversible.length > 0
  return [
    `// Migration ${id}_${name}, generated by effect-sqlservice at ${generatedAt.toISOString()}.`,
    "// Review it before applying it; once it has been applied anywhere, leave it as it is",
    "// (its checksum is recorded, and a changed applied migration is refused).",
    ...section("Changes:", planned.summary),
    ...section("Destructive when applied (up; running it needs allowDestructive):", planned.destructive.up),
    ...section("Destructive when undone (down; running it needs allowDestructive):", planned.destructive.down),
    ...section("Irreversible (down re-creates the structure, not the data):", planned.irreversible),
    "",
    `import { Migrations } from ${JSON.stringify(options.importFrom ?? defaultImportFrom)}`,
    "",
    `export const up = Migrations.statements(${arrayText(planned.up, "")})`,
    "",
    ...(irreversible
      ? ["// down cannot bring back the data up removes (see \"Irreversible\" above): it re-creates the structure empty."]
      : []),
    `export const down = Migrations.statements(${arrayText(planned.down, "")})`,
    "",
    `export const destructive = {\n  up: ${arrayText(planned.destructive.up, "  ")},\n  down: ${
      arrayText(planned.destructive.down, "  ")
    }\n}`,
    "",
    `export const irreversible = ${arrayText(planned.irreversible, "")}`,
    ...(planned.transactional
      ? []
      : ["", "// A statement of this migration cannot run inside a transaction.", "export const transactional = false"]),
    ""
  ].join("\n")
}
