/**
 * How PostgreSQL reads strings, identifiers and comments (its `scan.l`), for
 * the tokenizer that vets `Column.sqlDefault` and reads catalog text back.
 *
 * @internal
 */
import type { LexRules } from "../../schema/sqlText.js"

// `$1`: a positional parameter. `$` followed by a letter opens a dollar quote instead.
const PARAMETER = /\$\d+/y

/** @internal */
export const lexRules: LexRules = {
  prefixedStrings: true,
  dollarQuotes: true,
  nestedComments: true,
  backtickAndBracketIdentifiers: false,
  stringContinuation: true,
  plainStringBackslash: "setting-dependent",
  carriageReturnEndsComment: true,
  parameterLength: (sql, at) => {
    PARAMETER.lastIndex = at
    return PARAMETER.exec(sql)?.[0].length ?? 0
  }
}
