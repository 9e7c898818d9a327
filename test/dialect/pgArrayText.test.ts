/**
 * PostgreSQL's array text form, as the driver hands over an array of an enum
 * type: parsed the way PostgreSQL prints it, checked against PostgreSQL's own
 * output for labels that need quoting and escaping.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import { parseArrayText } from "../../src/internal/dialect/pg/arrayText.js"
import { ValueError } from "../../src/internal/schema/values.js"
import { pgAvailable, pgIsolated } from "../support/layers.js"

const available = await pgAvailable()

describe("parseArrayText", () => {
  it("reads quoting, escapes, NULL elements, empty and nested arrays and a dimension decoration", () => {
    expect(parseArrayText("{}")).toEqual([])
    expect(parseArrayText(`{ok,"a, b","say \\"hi\\"","back\\\\slash",NULL,"NULL",null}`))
      .toEqual(["ok", "a, b", `say "hi"`, "back\\slash", null, "NULL", null])
    expect(parseArrayText(`{{a,NULL},{"{x}",b}}`)).toEqual([["a", null], ["{x}", "b"]])
    expect(parseArrayText(`[0:1]={a,b}`)).toEqual(["a", "b"])
  })

  it("text that is not an array is a ValueError", () => {
    for (const bad of ["", "ok", "{a", `{"a}`, "{a,}", "{a}b", "{a b"]) {
      expect(() => parseArrayText(bad), bad).toThrow(ValueError)
    }
  })
})

describe.skipIf(!available)("parseArrayText against PostgreSQL's own output", () => {
  const labels = ["a,b", "{x}", `"q"`, "back\\slash", " lead", "trail ", "NULL", "null", "tab\there", "ünï", "a;b", "'"]
  it.effect("every awkward label, NULL elements and two dimensions read as the driver reads the same array cast to text[]", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      // DDL takes no parameters: the labels are E'' literals.
      const literal = (l: string) => `E'${l.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`
      yield* sql.unsafe(`CREATE TYPE awkward AS ENUM (${labels.map(literal).join(", ")})`)
      const rows = yield* sql.unsafe<{ t: string; a: unknown }>(
        `SELECT v::text AS t, v::text[] AS a FROM (VALUES ($1::awkward[]), ($2::awkward[]), (ARRAY[[$3, NULL], [$4, $5]]::awkward[])) AS x(v)`,
        [labels, [null, ...labels, null], labels[0], labels[1], labels[2]]
      )
      expect(rows).toHaveLength(3)
      for (const r of rows) expect(parseArrayText(r.t), r.t).toEqual(r.a)
      expect(parseArrayText(rows[0]!.t)).toEqual(labels)
    }).pipe(Effect.provide(pgIsolated())))
})
