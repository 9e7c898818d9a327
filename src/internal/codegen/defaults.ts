/**
 * A reflected DEFAULT as generated code: a literal of the field's type
 * (`Column.default(false)`, `Column.default("draft")`) when the SQL text is
 * one plain literal the field's Schema takes, the SQL text itself
 * (`Column.default(Column.sqlDefault("CURRENT_TIMESTAMP"))`) otherwise.
 *
 * @internal
 */
import type { LexRules } from "../schema/sqlText.js"
import { foldNegatives, group, stripCasts, type Token, tokenize } from "../schema/sqlText.js"
import { str } from "./names.js"

/** What the field's Schema takes, as far as literal defaults are concerned. */
export type LiteralKind =
  | { readonly _tag: "boolean" }
  | { readonly _tag: "int" }
  | { readonly _tag: "number" }
  | { readonly _tag: "string"; readonly maxLength?: number }
  | { readonly _tag: "labels"; readonly labels: ReadonlyArray<string | number> }
  | { readonly _tag: "none" }

/** The one literal token of `sql` once casts and enclosing parentheses are gone (`('a'::text)` → `'a'`). */
const soleToken = (sql: string, rules: LexRules): Token | undefined => {
  const raw = tokenize(sql, rules)
  if (raw === undefined) return undefined
  let tokens = foldNegatives(stripCasts(raw.filter((t) => t.t !== "comment")))
  for (;;) {
    const g = group(tokens, 0)
    if (g === undefined || g.end !== tokens.length) break
    tokens = foldNegatives(stripCasts(g.inner))
  }
  return tokens.length === 1 ? tokens[0] : undefined
}

const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = { true: true, false: false, t: true, f: false, "1": true, "0": false }

const literalValue = (token: Token, kind: LiteralKind): string | undefined => {
  switch (kind._tag) {
    case "boolean": {
      const b = token.t === "str" || token.t === "num" || (token.t === "id" && !token.quoted)
        ? BOOLEAN_WORDS[token.v.toLowerCase()]
        : undefined
      return b === undefined ? undefined : String(b)
    }
    case "int":
      return token.t === "num" && /^-?\d+$/.test(token.v) && Number.isSafeInteger(Number(token.v)) ? String(Number(token.v)) : undefined
    case "number": {
      const n = token.t === "num" ? Number(token.v) : NaN
      return Number.isFinite(n) ? String(n) : undefined
    }
    case "string":
      // A backslash reads differently with standard_conforming_strings off: the SQL text keeps its meaning.
      return token.t === "str" && token.backslash === undefined &&
          (kind.maxLength === undefined || [...token.v].length <= kind.maxLength)
        ? str(token.v)
        : undefined
    case "labels": {
      const value = token.t === "str" && token.backslash === undefined ? token.v : token.t === "num" ? Number(token.v) : undefined
      return value !== undefined && kind.labels.includes(value) ? (typeof value === "string" ? str(value) : String(value)) : undefined
    }
    case "none":
      return undefined
  }
}

/** The `Column.default(...)` annotation for the reflected default `sql`. */
export const defaultAnnotation = (sql: string, kind: LiteralKind, rules: LexRules): string => {
  const token = soleToken(sql, rules)
  const literal = token === undefined ? undefined : literalValue(token, kind)
  return literal === undefined ? `Column.default(Column.sqlDefault(${str(sql)}))` : `Column.default(${literal})`
}
