/**
 * How SQLite reads strings, identifiers and comments (its `tokenize.c`), for
 * the tokenizer that vets `Column.sqlDefault` and reads `sqlite_schema` text
 * back. Backslashes are always literal, there are no escape or dollar-quoted
 * strings, block comments do not nest, and `--` comments end only at a newline.
 *
 * @internal
 */
import type { LexRules } from "../../schema/sqlText.js"

const ID_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/
const SPACE = /[ \t\n\v\f\r]/

/**
 * `?NNN`, or `$` `@` `:` `#` followed by identifier characters, optionally
 * with Tcl's `::` and a trailing `(...)` that runs to the next `)` or space
 * and may swallow quotes: `$a(')` is one token to SQLite.
 */
const parameterLength = (sql: string, at: number): number => {
  const c = sql[at]
  if (c === "?") {
    let i = at + 1
    while (i < sql.length && /[0-9]/.test(sql[i]!)) i++
    return i - at
  }
  if (c !== "$" && c !== "@" && c !== ":" && c !== "#") return 0
  let i = at + 1
  let name = 0
  while (i < sql.length) {
    const d = sql[i]!
    if (ID_CHAR.test(d)) {
      name++
      i++
    } else if (d === "(" && name > 0) {
      i++
      while (i < sql.length && !SPACE.test(sql[i]!) && sql[i] !== ")") i++
      // Without its ")" the token is illegal to SQLite; taking the rest keeps it one refused token.
      return (sql[i] === ")" ? i + 1 : sql.length) - at
    } else if (d === ":" && sql[i + 1] === ":") {
      i += 2
    } else {
      break
    }
  }
  return name > 0 ? i - at : 0
}

/** @internal */
export const lexRules: LexRules = {
  prefixedStrings: false,
  dollarQuotes: false,
  nestedComments: false,
  backtickAndBracketIdentifiers: true,
  stringContinuation: false,
  plainStringBackslash: "literal",
  carriageReturnEndsComment: false,
  parameterLength
}
