import { describe, expect, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaParser from "effect/SchemaParser"
import { clip, errorMessage, foreignText, showValue } from "../src/internal/errorMessage.js"
import { parseOptions } from "../src/internal/schema/parse.js"
import { expectCutValue } from "./support/messages.js"

describe("error message text", () => {
  it("a value is shown whole up to 200 characters, and cut after them saying how much is left out", () => {
    expect(showValue("x".repeat(198))).toBe(`"${"x".repeat(198)}"`)
    expect(showValue("x".repeat(1000))).toBe(`"${"x".repeat(199)}… (802 more characters)`)
    expectCutValue(showValue({ list: ["y".repeat(10_000)] }), `{"list":["${"y".repeat(10_000)}`)
  })

  it("cutting never splits a surrogate pair", () => {
    const text = `${"a".repeat(199)}😀tail`
    const cut = clip(text)
    expect(cut.startsWith("a".repeat(199) + "…")).toBe(true)
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/)
  })

  it("shows values of every type without throwing", () => {
    const circular: Record<string, unknown> = {}
    circular.self = circular
    expect(showValue(12n)).toBe("12n")
    expect(showValue(null)).toBe("null")
    expect(showValue(undefined)).toBe("undefined")
    expect(showValue(new Date("2024-01-02T03:04:05.000Z"))).toBe("2024-01-02T03:04:05.000Z")
    expect(showValue(new Uint8Array(3))).toBe("Uint8Array(3 bytes)")
    expect(showValue({ n: 1n })).toBe(`{"n":"1n"}`)
    expect(showValue(circular)).toBe("Object (cannot be shown)")
  })

  it("cuts the value a Schema issue ends with, and long quoted values in a driver's text", () => {
    const long = "z".repeat(5000)
    // The library's parsers report the rejected input, which the text then ends with.
    const issue = SchemaParser.decodeUnknownResult(Schema.Number, parseOptions)(long)
    if (Result.isSuccess(issue)) throw new Error("expected the Schema to reject a string")
    const message = SchemaIssue.makeFormatterDefault()(issue.failure)
    expect(message).toContain(long)
    expectCutValue(foreignText(message), long)
    expectCutValue(foreignText(`invalid input syntax for type integer: "${long}"`), long)
    expect(foreignText("first line\n  second line")).toBe("first line second line")
  })

  it("has one shape: what failed, why, and the hint in parentheses when there is one", () => {
    expect(errorMessage("connection lost", "terminated")).toBe("connection lost: terminated")
    expect(errorMessage("storage full", "disk is full", "free disk space")).toBe("storage full: disk is full (free disk space)")
  })
})
