/**
 * A small SQL tokenizer, enough to read back what DDL and catalogs contain:
 * CHECK (col IN (...)) constraints, DEFAULT expressions, and to vet raw
 * expressions supplied with `Column.sqlDefault`.
 *
 * @internal
 */

/**
 * Where SQL dialects disagree on what is a string, an identifier or a
 * comment. A tokenizer that reads these differently from the server is an
 * injection hole: text it takes for the inside of a string would be code to
 * the server. Each dialect states its rules next to its DDL.
 *
 * @internal
 */
export interface LexRules {
  /**
   * PostgreSQL's prefixed strings: `E'...'`, in which a backslash escapes the
   * next character (`\'` too); `N'...'` (a plain string typed bpchar); and
   * `U&'...'` (Unicode escapes, refused by the server unless plain strings
   * are standard).
   */
  readonly prefixedStrings: boolean
  /** `$$...$$` and `$tag$...$tag$` strings, which end only at the same tag. */
  readonly dollarQuotes: boolean
  /** Whether a block comment opened inside a block comment nests (PostgreSQL), or the first closing mark ends both (SQLite). */
  readonly nestedComments: boolean
  /** Identifiers may also be quoted with backticks and square brackets. */
  readonly backtickAndBracketIdentifiers: boolean
  /**
   * Quoted strings separated by whitespace that holds a newline are one
   * string, read in the first one's mode: `E'a'` + newline + `'\''` is one
   * escape string.
   */
  readonly stringContinuation: boolean
  /**
   * A backslash inside a plain `'...'` string is literal, or depends on a
   * server setting (PostgreSQL's `standard_conforming_strings = off` reads
   * plain strings as escape strings).
   */
  readonly plainStringBackslash: "literal" | "setting-dependent"
  /** Whether a carriage return ends a `--` comment, as a newline does (SQLite: only a newline). */
  readonly carriageReturnEndsComment: boolean
  /**
   * The length of the bound-parameter marker at `at` (`$1`; SQLite's `?1`,
   * `:name`, `$name(...)`), or 0. A marker can swallow characters that would
   * otherwise open a string, so it is one token.
   */
  readonly parameterLength: (sql: string, at: number) => number
}

/** @internal */
export type Token =
  | {
    readonly t: "str"
    readonly v: string
    /**
     * A plain `'...'` string whose text holds a backslash (see
     * `LexRules.plainStringBackslash`); `national` for `N'...'`.
     */
    readonly backslash?: "plain" | "national"
  }
  | { readonly t: "num"; readonly v: string }
  | { readonly t: "param"; readonly v: string }
  | { readonly t: "id"; readonly v: string; readonly quoted: boolean }
  | { readonly t: "op"; readonly v: string }
  | { readonly t: "comment"; readonly v: string }

const OPS = ["::", "<>", "!=", ">=", "<=", "||", "->>", "->"]

/**
 * Both dialects take any character from U+0080 up in identifiers, and `$`
 * after the first character. Such characters must never be skipped as
 * whitespace: `\u00a0$$` is an identifier to the server, not a space and a
 * dollar quote.
 */
const IDENTIFIER = /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/y
const DOLLAR_TAG = /\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y
const NUMBER = /(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/y
// Only ASCII whitespace separates tokens (see IDENTIFIER).
const SPACE = /[ \t\n\r\f\v]/
// PostgreSQL's "quotecontinue": horizontal space or -- comments, a newline, then space or comment lines, then a quote.
const CONTINUATION = /(?:[ \t\f\v]|--[^\n\r]*)*[\n\r](?:[ \t\n\r\f\v]+|--[^\n\r]*[\n\r])*'/y

const match = (re: RegExp, sql: string, at: number): string | undefined => {
  re.lastIndex = at
  return re.exec(sql)?.[0]
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" }

/**
 * Reads one backslash escape of an `E'...'` string at `at` (the backslash):
 * its value and length. A backslash always takes at least the next
 * character, which is what decides where the string ends.
 */
const escapeAt = (sql: string, at: number): { readonly value: string; readonly length: number } | undefined => {
  const c = sql[at + 1]
  if (c === undefined) return undefined
  const octal = /^[0-7]{1,3}/.exec(sql.slice(at + 1, at + 4))
  if (octal !== null) return { value: String.fromCharCode(parseInt(octal[0], 8) & 0xff), length: 1 + octal[0].length }
  if (c === "x") {
    const hex = /^[0-9A-Fa-f]{1,2}/.exec(sql.slice(at + 2, at + 4))
    if (hex !== null) return { value: String.fromCharCode(parseInt(hex[0], 16)), length: 2 + hex[0].length }
  }
  if (c === "u" || c === "U") {
    const digits = c === "u" ? 4 : 8
    const hex = sql.slice(at + 2, at + 2 + digits)
    if (hex.length === digits && /^[0-9A-Fa-f]+$/.test(hex)) {
      const code = parseInt(hex, 16)
      if (code <= 0x10ffff) return { value: String.fromCodePoint(code), length: 2 + digits }
    }
  }
  return { value: SIMPLE_ESCAPES[c] ?? c, length: 2 }
}

interface Span {
  readonly start: number
  readonly end: number
}

const lex = (sql: string, rules: LexRules): { readonly tokens: Array<Token>; readonly spans: Array<Span> } | undefined => {
  let i = 0
  const n = sql.length

  // A quoted identifier (or SQLite's bracketed one, which has no escape).
  const identifier = (close: string): string | undefined => {
    let v = ""
    i++
    for (;;) {
      const end = sql.indexOf(close, i)
      if (end === -1) return undefined
      v += sql.slice(i, end)
      i = end + 1
      if (close !== "]" && sql[i] === close) {
        v += close
        i++
        continue
      }
      return v
    }
  }

  // A '...' string from the opening quote at `i`, with its continuations.
  const string = (kind: "plain" | "escape" | "national" | "unicode"): Token | undefined => {
    const escapes = kind === "escape"
    let v = ""
    let backslash = false
    i++
    for (;;) {
      if (i >= n) return undefined
      const c = sql[i]!
      if (c === "\\" && escapes) {
        const e = escapeAt(sql, i)
        if (e === undefined) return undefined
        v += e.value
        i += e.length
      } else if (c === "'") {
        if (sql[i + 1] === "'") {
          v += "'"
          i += 2
          continue
        }
        i++
        const more = rules.stringContinuation ? match(CONTINUATION, sql, i) : undefined
        if (more !== undefined) {
          i += more.length
          continue
        }
        return backslash && (kind === "plain" || kind === "national") ? { t: "str", v, backslash: kind } : { t: "str", v }
      } else {
        if (c === "\\") backslash = true
        v += c
        i++
      }
    }
  }

  const blockComment = (): string | undefined => {
    const start = i
    let depth = 0
    while (i < n) {
      if (sql.startsWith("/*", i)) {
        // Only the outermost opening counts where comments do not nest.
        if (depth === 0 || rules.nestedComments) depth++
        i += 2
      } else if (sql.startsWith("*/", i)) {
        depth--
        i += 2
        if (depth === 0) return sql.slice(start, i)
      } else {
        i++
      }
    }
    return undefined
  }

  // The next token from `i` on (advancing `i`), or undefined when it is unterminated.
  const next = (c: string): Token | undefined => {
    if (c === "-" && sql[i + 1] === "-") {
      const start = i
      while (i < n && sql[i] !== "\n" && (sql[i] !== "\r" || !rules.carriageReturnEndsComment)) i++
      return { t: "comment", v: sql.slice(start, i) }
    }
    if (c === "/" && sql[i + 1] === "*") {
      const v = blockComment()
      return v === undefined ? undefined : { t: "comment", v }
    }
    if (rules.prefixedStrings) {
      if ((c === "E" || c === "e") && sql[i + 1] === "'") {
        i++
        return string("escape")
      }
      if ((c === "N" || c === "n") && sql[i + 1] === "'") {
        i++
        return string("national")
      }
      if ((c === "U" || c === "u") && sql[i + 1] === "&" && sql[i + 2] === "'") {
        i += 2
        return string("unicode")
      }
    }
    if (c === "'") return string("plain")
    if (c === "\"" || (rules.backtickAndBracketIdentifiers && (c === "`" || c === "["))) {
      const v = identifier(c === "[" ? "]" : c)
      return v === undefined ? undefined : { t: "id", v, quoted: true }
    }
    if (rules.dollarQuotes && c === "$") {
      const tag = match(DOLLAR_TAG, sql, i)
      if (tag !== undefined) {
        const end = sql.indexOf(tag, i + tag.length)
        if (end === -1) return undefined
        const v = sql.slice(i + tag.length, end)
        i = end + tag.length
        return { t: "str", v }
      }
    }
    const param = rules.parameterLength(sql, i)
    if (param > 0) {
      i += param
      return { t: "param", v: sql.slice(i - param, i) }
    }
    const num = /[0-9.]/.test(c) ? match(NUMBER, sql, i) : undefined
    if (num !== undefined) {
      i += num.length
      return { t: "num", v: num }
    }
    const word = match(IDENTIFIER, sql, i)
    if (word !== undefined) {
      i += word.length
      return { t: "id", v: word, quoted: false }
    }
    const op = OPS.find((o) => sql.startsWith(o, i)) ?? c
    i += op.length
    return { t: "op", v: op }
  }

  const tokens: Array<Token> = []
  const spans: Array<Span> = []
  while (i < n) {
    const c = sql[i]!
    if (SPACE.test(c)) {
      i++
      continue
    }
    const start = i
    const tok = next(c)
    if (tok === undefined) return undefined
    tokens.push(tok)
    spans.push({ start, end: i })
  }
  return { tokens, spans }
}

/**
 * Splits SQL text into tokens by the dialect's `rules`. Returns undefined for
 * an unterminated string, identifier or comment.
 *
 * @internal
 */
export const tokenize = (sql: string, rules: LexRules): Array<Token> | undefined => lex(sql, rules)?.tokens

/**
 * The same expression with every plain `'...'` string that holds a
 * backslash rewritten as an `E'...'` string, where the dialect's reading of
 * such strings depends on a server setting: the text then means what it
 * means with the standard setting, whatever the server's.
 *
 * @internal
 */
export const settingIndependent = (sql: string, rules: LexRules): string => {
  if (rules.plainStringBackslash === "literal" || !sql.includes("\\")) return sql
  const lexed = lex(sql, rules)
  if (lexed === undefined) return sql
  let out = ""
  let at = 0
  lexed.tokens.forEach((tok, k) => {
    if (tok.t !== "str" || tok.backslash === undefined) return
    const { end, start } = lexed.spans[k]!
    const escaped = `E'${tok.v.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`
    out += sql.slice(at, start) + (tok.backslash === "national" ? `(${escaped}::bpchar)` : escaped)
    at = end
  })
  return out + sql.slice(at)
}

/**
 * Like `tokenize`, with each token's place in `sql`, so a part of a
 * statement can be cut out as written.
 *
 * @internal
 */
export const tokenizeWithSpans = (
  sql: string,
  rules: LexRules
): { readonly tokens: ReadonlyArray<Token>; readonly spans: ReadonlyArray<{ readonly start: number; readonly end: number }> } | undefined =>
  lex(sql, rules)

/** @internal */
export const quoteString = (s: string): string => "'" + s.split("'").join("''") + "'"

const STOP = new Set(["AND", "OR", "IN", "NOT", "IS", "ANY", "ALL", "SOME", "LIKE", "BETWEEN", "COLLATE"])
const NUMERIC_TYPES = /^(smallint|integer|int|int2|int4|int8|bigint|numeric|decimal|real|double precision|float4|float8)$/i

/**
 * Removes PostgreSQL `::type` casts; a string literal cast to a numeric type
 * becomes a number (`'-1'::integer` is how PostgreSQL prints `-1`).
 *
 * @internal
 */
export const stripCasts = (tokens: ReadonlyArray<Token>): Array<Token> => {
  const out: Array<Token> = []
  let i = 0
  while (i < tokens.length) {
    const tok = tokens[i]!
    if (tok.t === "op" && tok.v === "::") {
      i++
      const words: Array<string> = []
      while (i < tokens.length) {
        const w = tokens[i]!
        if (w.t === "id" && (w.quoted || !STOP.has(w.v.toUpperCase()))) {
          words.push(w.v)
          i++
          if (w.quoted) break
        } else {
          break
        }
      }
      // optional typmod "(n)" and array brackets
      if (tokens[i]?.t === "op" && tokens[i]!.v === "(" && tokens[i + 1]?.t === "num" && tokens[i + 2]?.v === ")") i += 3
      while (tokens[i]?.t === "op" && tokens[i]!.v === "[" && tokens[i + 1]?.v === "]") i += 2
      const prev = out[out.length - 1]
      if (prev?.t === "str" && NUMERIC_TYPES.test(words.join(" ")) && /^\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/.test(prev.v)) {
        out[out.length - 1] = { t: "num", v: prev.v.trim() }
      }
      continue
    }
    out.push(tok)
    i++
  }
  return out
}

/** Folds `- <number>` into a negative number literal.
 *
 * @internal
 */
export const foldNegatives = (tokens: ReadonlyArray<Token>): Array<Token> => {
  const out: Array<Token> = []
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!
    const next = tokens[i + 1]
    const prev = out[out.length - 1]
    const unary = prev === undefined || prev.t === "op" || (prev.t === "id" && !prev.quoted && STOP.has(prev.v.toUpperCase()))
    if (tok.t === "op" && tok.v === "-" && next?.t === "num" && unary) {
      out.push({ t: "num", v: "-" + next.v })
      i++
    } else {
      out.push(tok)
    }
  }
  return out
}

const isWord = (tok: Token | undefined, word: string): boolean =>
  tok !== undefined && tok.t === "id" && !tok.quoted && tok.v.toUpperCase() === word

/**
 * Reads `col IN ('a', 'b')`, `col = ANY (ARRAY['a', 'b'])` or `col = 'a'`
 * (the body of a CHECK constraint, with or without the CHECK keyword) back
 * into a column name and its allowed values.
 *
 * @internal
 */
export const parseInCheck = (
  tokens: ReadonlyArray<Token>
): { readonly column: string; readonly quoted: boolean; readonly values: Array<string | number> } | undefined => {
  let toks = foldNegatives(stripCasts(tokens)).filter((t) => !(t.t === "op" && ["(", ")", "[", "]"].includes(t.v)))
  if (isWord(toks[0], "CHECK")) toks = toks.slice(1)
  if (isWord(toks[toks.length - 1], "VALID") && isWord(toks[toks.length - 2], "NOT")) toks = toks.slice(0, -2)
  const col = toks[0]
  if (col === undefined || col.t !== "id") return undefined
  let rest: ReadonlyArray<Token>
  if (isWord(toks[1], "IN")) rest = toks.slice(2)
  else if (toks[1]?.t === "op" && toks[1].v === "=" && isWord(toks[2], "ANY") && isWord(toks[3], "ARRAY")) rest = toks.slice(4)
  else if (toks[1]?.t === "op" && toks[1].v === "=" && toks.length === 3) rest = toks.slice(2)
  else return undefined
  const values: Array<string | number> = []
  for (let i = 0; i < rest.length; i++) {
    const tok = rest[i]!
    if (i % 2 === 1) {
      if (tok.t !== "op" || tok.v !== ",") return undefined
      continue
    }
    if (tok.t === "str") values.push(tok.v)
    else if (tok.t === "num") values.push(Number(tok.v))
    else return undefined
  }
  if (values.length === 0 || rest.length % 2 === 0) return undefined
  return { column: col.v, quoted: col.quoted, values }
}

/**
 * Why a raw SQL expression cannot be embedded in DDL, if it cannot.
 *
 * @internal
 */
export const unsafeExpression = (sql: string, rules: LexRules): string | undefined => {
  if (sql.includes("\u0000")) return "it contains a NUL byte"
  const tokens = tokenize(sql, rules)
  if (tokens === undefined) return "it has an unterminated quote or comment"
  if (tokens.length === 0) return "it is empty"
  let depth = 0
  for (const t of tokens) {
    if (t.t === "comment") return "it contains a comment"
    if (t.t === "param") return `it contains a parameter marker (${t.v}); DDL cannot take parameters`
    if (t.t === "op" && t.v === ";") return "it contains a statement separator (;)"
    if (t.t === "op" && t.v === "(") depth++
    if (t.t === "op" && t.v === ")") depth--
    if (depth < 0) return "its parentheses are unbalanced"
  }
  return depth === 0 ? undefined : "its parentheses are unbalanced"
}

/**
 * Splits the body of a parenthesized group starting at `start` (an "(" token):
 * returns the tokens inside and the index after the closing ")".
 *
 * @internal
 */
export const group = (tokens: ReadonlyArray<Token>, start: number): { inner: Array<Token>; end: number } | undefined => {
  if (tokens[start]?.t !== "op" || tokens[start]!.v !== "(") return undefined
  let depth = 0
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i]!
    if (t.t === "op" && t.v === "(") depth++
    if (t.t === "op" && t.v === ")") {
      depth--
      if (depth === 0) return { inner: tokens.slice(start + 1, i), end: i + 1 }
    }
  }
  return undefined
}

/**
 * Whether `sql` is one statement by the dialect's rules: it lexes, holds
 * some code, and no `;` is followed by more code.
 *
 * @internal
 */
export const isSingleStatement = (sql: string, rules: LexRules): boolean => {
  const tokens = tokenize(sql, rules)
  if (tokens === undefined) return false
  const code = tokens.filter((t) => t.t !== "comment")
  const separator = code.findIndex((t) => t.t === "op" && t.v === ";")
  return code.length > 0 && (separator === -1 || separator === code.length - 1)
}
