/**
 * Reads the parts of SQLite's stored CREATE INDEX / TRIGGER / VIEW text that
 * its pragmas do not report: partial-index predicates, expression keys,
 * trigger timing and body, view queries. SQLite keeps that text as written,
 * so parts are cut out of it verbatim.
 *
 * @internal
 */
import type { TriggerMetadata } from "../../../Metadata.js"
import { type Token, tokenizeWithSpans } from "../../schema/sqlText.js"
import { lexRules } from "./lexer.js"

interface Lexed {
  readonly sql: string
  readonly tokens: ReadonlyArray<Token>
  readonly spans: ReadonlyArray<{ readonly start: number; readonly end: number }>
}

const lexed = (sql: string): Lexed | undefined => {
  const l = tokenizeWithSpans(sql, lexRules)
  if (l === undefined) return undefined
  const code = l.tokens.map((t, i) => [t, l.spans[i]!] as const).filter(([t]) => t.t !== "comment")
  return { sql, tokens: code.map(([t]) => t), spans: code.map(([, s]) => s) }
}

const isWord = (t: Token | undefined, word: string): boolean =>
  t !== undefined && t.t === "id" && !t.quoted && t.v.toUpperCase() === word

const isOp = (t: Token | undefined, op: string): boolean => t !== undefined && t.t === "op" && t.v === op

/** The text of tokens `from` to `to` (exclusive), as written. */
const slice = (l: Lexed, from: number, to: number): string =>
  from >= to ? "" : l.sql.slice(l.spans[from]!.start, l.spans[to - 1]!.end)

/** Index of the first top-level token at or after `from` matching `test`, or -1. */
const findTop = (l: Lexed, from: number, test: (t: Token) => boolean): number => {
  let depth = 0
  for (let i = from; i < l.tokens.length; i++) {
    const t = l.tokens[i]!
    if (depth === 0 && test(t)) return i
    if (isOp(t, "(")) depth++
    if (isOp(t, ")")) depth--
  }
  return -1
}

const closing = (l: Lexed, open: number): number => {
  let depth = 0
  for (let i = open; i < l.tokens.length; i++) {
    if (isOp(l.tokens[i], "(")) depth++
    if (isOp(l.tokens[i], ")") && --depth === 0) return i
  }
  return -1
}

/**
 * The keys (as written) and the WHERE predicate of a CREATE INDEX text.
 *
 * @internal
 */
export const indexParts = (sql: string): { readonly keys: ReadonlyArray<string>; readonly where?: string } | undefined => {
  const l = lexed(sql)
  if (l === undefined) return undefined
  const on = findTop(l, 0, (t) => isWord(t, "ON"))
  const open = on < 0 ? -1 : findTop(l, on + 1, (t) => isOp(t, "("))
  const close = open < 0 ? -1 : closing(l, open)
  if (close < 0) return undefined
  const keys: Array<string> = []
  let start = open + 1
  for (;;) {
    const comma = findTop(l, start, (t) => isOp(t, ","))
    if (comma < 0 || comma > close) {
      keys.push(slice(l, start, close))
      break
    }
    keys.push(slice(l, start, comma))
    start = comma + 1
  }
  const where = isWord(l.tokens[close + 1], "WHERE") ? slice(l, close + 2, l.tokens.length) : undefined
  return { keys, ...(where === undefined ? {} : { where }) }
}

/**
 * A trigger's CREATE TRIGGER text as `TriggerMetadata`. SQLite triggers are
 * always row triggers, BEFORE unless stated.
 *
 * @internal
 */
export const triggerParts = (name: string, sql: string): TriggerMetadata | undefined => {
  const l = lexed(sql)
  if (l === undefined) return undefined
  const on = findTop(l, 0, (t) => isWord(t, "ON"))
  const begin = findTop(l, 0, (t) => isWord(t, "BEGIN"))
  if (on < 0 || begin < on) return undefined
  const head = l.tokens.slice(0, on).filter((t) => t.t === "id" && !t.quoted).map((t) => t.v.toUpperCase())
  const timing = head.includes("INSTEAD") ? "instead of" : head.includes("AFTER") ? "after" : "before"
  const event = ["INSERT", "UPDATE", "DELETE"].find((e) => head.includes(e))
  if (event === undefined) return undefined
  const whenAt = findTop(l, on, (t) => isWord(t, "WHEN"))
  let end = l.tokens.length
  while (end > begin && (isOp(l.tokens[end - 1], ";") || isWord(l.tokens[end - 1], "END"))) {
    end--
    if (isWord(l.tokens[end], "END")) break
  }
  return {
    name,
    timing,
    events: [event.toLowerCase()],
    forEach: "row",
    action: slice(l, begin + 1, end).trim(),
    ...(whenAt < 0 || whenAt > begin ? {} : { when: slice(l, whenAt + 1, begin) }),
    definition: sql
  }
}

/**
 * The query of a CREATE VIEW text (what follows its top-level AS).
 *
 * @internal
 */
export const viewQuery = (sql: string): string => {
  const l = lexed(sql)
  if (l === undefined) return sql
  const as = findTop(l, 0, (t) => isWord(t, "AS"))
  return as < 0 ? sql : slice(l, as + 1, l.tokens.length)
}
