/**
 * PostgreSQL's array text form (`{ok,"a, b","say \"hi\"",NULL}`) → a JS
 * array of strings and nulls. node-postgres parses arrays only for the
 * built-in array types it has a parser for (by type oid); an array of an
 * enum has an oid of its own per database, so it arrives in this text form
 * and is parsed here, by column, when the column is known to be one.
 *
 * Elements are quoted when they contain a delimiter, a quote, a backslash,
 * a brace, white space or are empty or the word NULL (in any case); inside
 * quotes `\` escapes the next character. An unquoted `NULL` is SQL NULL.
 * Nested braces (several dimensions) give nested arrays.
 *
 * @internal
 */
import { ValueError } from "../../schema/values.js"

type Element = string | null | ReadonlyArray<Element>

const fail = (text: string, why: string): never => {
  throw new ValueError(`cannot read ${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}...` : text)} as a PostgreSQL array: ${why}`)
}

/** @internal */
export const parseArrayText = (text: string): ReadonlyArray<Element> => {
  let i = 0
  // A leading dimension decoration (`[0:1]={...}`) is skipped: the elements are what is read.
  if (text.startsWith("[")) {
    const eq = text.indexOf("=")
    if (eq < 0) fail(text, "a dimension decoration without '='")
    i = eq + 1
  }
  const parseList = (): Array<Element> => {
    if (text[i] !== "{") fail(text, `expected '{' at ${i}`)
    i++
    const out: Array<Element> = []
    if (text[i] === "}") {
      i++
      return out
    }
    for (;;) {
      while (text[i] === " ") i++
      if (text[i] === "{") out.push(parseList())
      else if (text[i] === "\"") {
        i++
        let s = ""
        for (;;) {
          const ch = text[i]
          if (ch === undefined) fail(text, "an unterminated quoted element")
          if (ch === "\\") {
            const next = text[i + 1]
            if (next === undefined) fail(text, "a backslash at the end")
            s += next
            i += 2
          } else if (ch === "\"") {
            i++
            break
          } else {
            s += ch
            i++
          }
        }
        out.push(s)
      } else {
        const start = i
        while (i < text.length && text[i] !== "," && text[i] !== "}") i++
        const raw = text.slice(start, i).trim()
        if (raw === "") fail(text, `an empty element at ${start}`)
        out.push(raw.toUpperCase() === "NULL" ? null : raw)
      }
      while (text[i] === " ") i++
      if (text[i] === ",") {
        i++
        continue
      }
      if (text[i] === "}") {
        i++
        return out
      }
      fail(text, `expected ',' or '}' at ${i}`)
    }
  }
  const result = parseList()
  if (i !== text.length) fail(text, `unexpected text after the array at ${i}`)
  return result
}
