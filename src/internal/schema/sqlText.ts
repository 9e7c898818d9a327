/**
 * A small SQL tokenizer, enough to read back what DDL and catalogs contain:
 * CHECK (col IN (...)) constraints, DEFAULT expressions, and to vet raw
 * expressions supplied with `Column.sqlDefault`.
 *
 * @internal
 */

/** @internal */
export type Token =
  | { readonly t: "str"; readonly v: string }
  | { readonly t: "num"; readonly v: string }
  | { readonly t: "id"; readonly v: string; readonly quoted: boolean }
  | { readonly t: "op"; readonly v: string }
  | { readonly t: "comment"; readonly v: string }

const OPS = ["::", "<>", "!=", ">=", "<=", "||", "->>", "->"]

/**
 * Returns undefined for unterminated quotes or comments.
 *
 * @internal
 */
export const tokenize = (sql: string): Array<Token> | undefined => {
  const out: Array<Token> = []
  let i = 0
  const n = sql.length
  const quoted = (close: string): string | undefined => {
    let v = ""
    i++
    for (;;) {
      if (i >= n) return undefined
      const c = sql[i]!
      if (c === close) {
        if (sql[i + 1] === close && close !== "]") {
          v += close
          i += 2
          continue
        }
        i++
        return v
      }
      v += c
      i++
    }
  }
  while (i < n) {
    const c = sql[i]!
    if (/\s/.test(c)) {
      i++
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i)
      out.push({ t: "comment", v: sql.slice(i, end === -1 ? n : end) })
      i = end === -1 ? n : end
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2)
      if (end === -1) return undefined
      out.push({ t: "comment", v: sql.slice(i, end + 2) })
      i = end + 2
    } else if (c === "'") {
      const v = quoted("'")
      if (v === undefined) return undefined
      out.push({ t: "str", v })
    } else if (c === "\"" || c === "`" || c === "[") {
      // `[` is an SQLite identifier quote only where an identifier may start;
      // after ARRAY it is PostgreSQL's subscript/constructor bracket.
      const prev = out[out.length - 1]
      if (c === "[" && prev !== undefined && prev.t === "id" && !prev.quoted && /^array$/i.test(prev.v)) {
        out.push({ t: "op", v: "[" })
        i++
        continue
      }
      let k = out.length - 1
      while (k >= 0 && out[k]!.t === "id") k--
      const afterCast = k < out.length - 1 && out[k]?.t === "op" && out[k]!.v === "::"
      if (c === "[" && (afterCast || (prev?.t === "op" && prev.v === "]"))) {
        out.push({ t: "op", v: "[" })
        i++
        continue
      }
      const v = quoted(c === "[" ? "]" : c)
      if (v === undefined) return undefined
      out.push({ t: "id", v, quoted: true })
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(sql[i + 1] ?? ""))) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(sql.slice(i))!
      out.push({ t: "num", v: m[0] })
      i += m[0].length
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i))!
      out.push({ t: "id", v: m[0], quoted: false })
      i += m[0].length
    } else {
      const op = OPS.find((o) => sql.startsWith(o, i))
      out.push({ t: "op", v: op ?? c })
      i += op?.length ?? 1
    }
  }
  return out
}

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
export const unsafeExpression = (sql: string): string | undefined => {
  if (sql.includes("\u0000")) return "it contains a NUL byte"
  if (sql.trim() === "") return "it is empty"
  const tokens = tokenize(sql)
  if (tokens === undefined) return "it has an unterminated quote or comment"
  let depth = 0
  for (const t of tokens) {
    if (t.t === "comment") return "it contains a comment"
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
