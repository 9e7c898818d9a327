/**
 * The SQL tokenizer reads strings, identifiers and comments the way each
 * server does: where it reads differently, text it takes for the inside of
 * a string is code to the server. No database needed.
 */
import { describe, expect, it } from "@effect/vitest"
import { lexRules as pg } from "../../src/internal/dialect/pg/lexer.js"
import { lexRules as sqlite } from "../../src/internal/dialect/sqlite/lexer.js"
import { isSingleStatement, settingIndependent, type Token, tokenize, unsafeExpression } from "../../src/internal/schema/sqlText.js"

const str = (v: string): Token => ({ t: "str", v })
const id = (v: string, quoted = false): Token => ({ t: "id", v, quoted })
const op = (v: string): Token => ({ t: "op", v })
const num = (v: string): Token => ({ t: "num", v })
const param = (v: string): Token => ({ t: "param", v })
const comment = (v: string): Token => ({ t: "comment", v })

describe("tokenize (PostgreSQL rules)", () => {
  it("E'' strings: a backslash escapes the next character, the quote included", () => {
    expect(tokenize("E'a\\'b'", pg)).toEqual([str("a'b")])
    expect(tokenize("e'\\\\'", pg)).toEqual([str("\\")])
    expect(tokenize("E'\\'')); DROP TABLE v; --'", pg)).toEqual([
      str("'"),
      op(")"),
      op(")"),
      op(";"),
      id("DROP"),
      id("TABLE"),
      id("v"),
      op(";"),
      comment("--'")
    ])
    expect(tokenize("E'\\x41\\101\\u0041\\U0001F600\\n\\q'", pg)).toEqual([str("AAA😀\nq")])
    expect(tokenize("E'unterminated\\'", pg)).toBeUndefined()
  })

  it("a string continued after a newline keeps the mode of its first part", () => {
    expect(tokenize("E'a'\n'b\\'c'", pg)).toEqual([str("ab'c")])
    expect(tokenize("'a' -- note\n  'b'", pg)).toEqual([str("ab")])
    // Without a newline, two strings are two tokens (and a syntax error to the server).
    expect(tokenize("'a' 'b'", pg)).toEqual([str("a"), str("b")])
  })

  it("dollar quotes end only at the same tag; $1 is a parameter; $ inside an identifier is a letter", () => {
    expect(tokenize("$$it's; here$$", pg)).toEqual([str("it's; here")])
    expect(tokenize("$tag$ $$ ; $tag$", pg)).toEqual([str(" $$ ; ")])
    expect(tokenize("$1 + a$$b", pg)).toEqual([param("$1"), op("+"), id("a$$b")])
    expect(tokenize("$tag$ never closed $$", pg)).toBeUndefined()
    // Non-ASCII characters belong to identifiers, so no dollar quote opens here.
    expect(tokenize("\u00a0$$;", pg)).toEqual([id("\u00a0$$"), op(";")])
  })

  it("block comments nest; -- comments end at a newline or carriage return", () => {
    expect(tokenize("/* a /* b */ ; */ 1", pg)).toEqual([comment("/* a /* b */ ; */"), num("1")])
    expect(tokenize("/* /* */", pg)).toBeUndefined()
    expect(tokenize("-- x\r1", pg)).toEqual([comment("-- x"), num("1")])
  })

  it("'' doubling, double-quoted identifiers, N'' and U&'' strings, brackets as operators", () => {
    expect(tokenize("'it''s'", pg)).toEqual([str("it's")])
    expect(tokenize("\"a\"\"b\"", pg)).toEqual([id("a\"b", true)])
    expect(tokenize("N'x'", pg)).toEqual([str("x")])
    expect(tokenize("U&'\\0041'", pg)).toEqual([str("\\0041")])
    expect(tokenize("ARRAY[1]", pg)).toEqual([id("ARRAY"), op("["), num("1"), op("]")])
    expect(tokenize("'a\\b'", pg)).toEqual([{ t: "str", v: "a\\b", backslash: "plain" }])
  })
})

describe("tokenize (SQLite rules)", () => {
  it("has no E'' or dollar-quoted strings: backslashes are literal and $name is a parameter", () => {
    expect(tokenize("E'a\\'", sqlite)).toEqual([id("E"), { t: "str", v: "a\\", backslash: "plain" }])
    expect(tokenize("$$a$$", sqlite)).toEqual([param("$$a$$")])
    // Tcl-style parameters run to the next ")" and swallow quotes.
    expect(tokenize("$a(')", sqlite)).toEqual([param("$a(')")])
    expect(tokenize("?1 :name @x", sqlite)).toEqual([param("?1"), param(":name"), param("@x")])
  })

  it("block comments end at the first */; -- comments only at a newline", () => {
    expect(tokenize("/* a /* b */ c */", sqlite)).toEqual([comment("/* a /* b */"), id("c"), op("*"), op("/")])
    expect(tokenize("-- x\r1\n2", sqlite)).toEqual([comment("-- x\r1"), num("2")])
  })

  it("quotes identifiers with double quotes, backticks and brackets", () => {
    expect(tokenize("\"a\"\"b\" `c``d` [e f]", sqlite)).toEqual([id("a\"b", true), id("c`d", true), id("e f", true)])
  })
})

describe("unsafeExpression", () => {
  it("refuses separators, comments, parameters, unbalanced parentheses, NUL and empty text, by the dialect's reading", () => {
    expect(unsafeExpression("E'\\'')); DROP TABLE v; SELECT (1 --'", pg)).toBe("its parentheses are unbalanced")
    expect(unsafeExpression("E'\\'; DROP TABLE v; --'", pg)).toBeUndefined()
    expect(unsafeExpression("E'\\'; DROP TABLE v; --'", sqlite)).toBe("it contains a statement separator (;)")
    expect(unsafeExpression("$$; x$$", pg)).toBeUndefined()
    expect(unsafeExpression("$$; x$$", sqlite)).toMatch(/parameter marker/)
    expect(unsafeExpression("1 /* c */", pg)).toBe("it contains a comment")
    expect(unsafeExpression("$1", pg)).toMatch(/parameter marker/)
    expect(unsafeExpression("1)", pg)).toBe("its parentheses are unbalanced")
    expect(unsafeExpression("'a\u0000'", pg)).toBe("it contains a NUL byte")
    expect(unsafeExpression(" \n ", sqlite)).toBe("it is empty")
    expect(unsafeExpression("lower('A;B') || 'x'", sqlite)).toBeUndefined()
  })
})

describe("settingIndependent", () => {
  it("rewrites plain strings with a backslash as E'' strings on PostgreSQL only", () => {
    expect(settingIndependent("'a\\b' || N'c\\d' || 'e' || U&'\\0041'", pg)).toBe(
      "E'a\\\\b' || (E'c\\\\d'::bpchar) || 'e' || U&'\\0041'"
    )
    expect(settingIndependent("'a\\b'", sqlite)).toBe("'a\\b'")
  })
})

describe("isSingleStatement", () => {
  it("counts statements by the dialect's reading", () => {
    expect(isSingleStatement("SELECT ';'", pg)).toBe(true)
    expect(isSingleStatement("SELECT 1;", pg)).toBe(true)
    expect(isSingleStatement("SELECT 1; SELECT 2", pg)).toBe(false)
    expect(isSingleStatement("SELECT $$;$$", pg)).toBe(true)
    expect(isSingleStatement("SELECT E'\\';'", pg)).toBe(true)
    expect(isSingleStatement("SELECT E'\\';'", sqlite)).toBe(false)
    expect(isSingleStatement("-- only a comment", sqlite)).toBe(false)
  })
})
