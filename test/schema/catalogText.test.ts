/**
 * Reading SQLite's stored CREATE INDEX / TRIGGER / VIEW text, and the
 * canonical form SQL text is compared in.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { lexRules as pgLex } from "../../src/internal/dialect/pg/lexer.js"
import { indexParts, triggerParts, viewQuery } from "../../src/internal/dialect/sqlite/catalogText.js"
import { lexRules as sqliteLex } from "../../src/internal/dialect/sqlite/lexer.js"
import { reflect } from "../../src/internal/schema/ddl.js"
import { canonicalSql } from "../../src/internal/schema/normalize.js"
import * as Metadata from "../../src/Metadata.js"
import { sqliteDb } from "./harness.js"

describe("SQLite catalog text", () => {
  it("index keys and predicate are cut out as written", () => {
    expect(indexParts(`CREATE UNIQUE INDEX IF NOT EXISTS "on" ON t (lower(a), b DESC) WHERE a IS NOT NULL AND (b > 1)`)).toEqual({
      keys: ["lower(a)", "b DESC"],
      where: "a IS NOT NULL AND (b > 1)"
    })
    expect(indexParts(`CREATE INDEX ix ON t (a)`)).toEqual({ keys: ["a"] })
  })

  it("triggers: timing (BEFORE unless stated), event, WHEN and body", () => {
    expect(triggerParts("tr", `CREATE TEMP TRIGGER IF NOT EXISTS tr INSTEAD OF INSERT ON v FOR EACH ROW WHEN NEW.a > 0
      BEGIN INSERT INTO t VALUES (NEW.a); END`)).toMatchObject({
      timing: "instead of",
      events: ["insert"],
      forEach: "row",
      when: "NEW.a > 0",
      action: "INSERT INTO t VALUES (NEW.a);"
    })
    expect(triggerParts("tr", `CREATE TRIGGER tr DELETE ON t BEGIN SELECT 1; END`)).toMatchObject({
      timing: "before",
      events: ["delete"],
      action: "SELECT 1;"
    })
    // An END inside the body (CASE ... END) is not the trigger's end.
    expect(triggerParts("tr", `CREATE TRIGGER tr AFTER UPDATE OF a ON t BEGIN UPDATE t SET a = CASE WHEN a > 0 THEN 1 ELSE 0 END; END`))
      .toMatchObject({ timing: "after", events: ["update"], action: "UPDATE t SET a = CASE WHEN a > 0 THEN 1 ELSE 0 END;" })
  })

  it("a view's query follows its top-level AS", () => {
    expect(viewQuery(`CREATE VIEW v(a, b) AS SELECT 1 AS a, 2 AS b`)).toBe("SELECT 1 AS a, 2 AS b")
    expect(viewQuery(`CREATE VIEW "as" AS SELECT x FROM t`)).toBe("SELECT x FROM t")
  })

  it("canonical SQL text ignores spacing, case, casts, comments, needless quotes and outer parentheses", () => {
    expect(canonicalSql(`(id > 3)`, pgLex)).toBe(canonicalSql(`"id"  >  3 -- three`, pgLex))
    expect(canonicalSql(`(status = 'a'::text)`, pgLex)).toBe(canonicalSql(`status = 'a'`, pgLex))
    expect(canonicalSql(`status = 'A'`, sqliteLex)).not.toBe(canonicalSql(`status = 'a'`, sqliteLex))
    expect(canonicalSql(`"Mixed" > 1`, pgLex)).not.toBe(canonicalSql(`mixed > 1`, pgLex))
  })

  it.effect("an INSTEAD OF trigger on a view is recorded with the view, and losing it is a difference", () =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* sqliteDb()
      for (
        const s of [
          `CREATE TABLE t (a INTEGER)`,
          `CREATE VIEW v AS SELECT a FROM t`,
          `CREATE TRIGGER v_insert INSTEAD OF INSERT ON v BEGIN INSERT INTO t (a) VALUES (NEW.a); END`
        ]
      ) yield* db.run(s)
      const before = yield* reflect(db.run, db.schemaDialect)
      expect(before.views?.[0]?.triggers?.map((t) => t.name)).toEqual(["v_insert"])
      yield* db.run(`DROP TRIGGER v_insert`)
      const after = yield* reflect(db.run, db.schemaDialect)
      expect(Metadata.diff(before, after, "sqlite").map((d) => `${d.kind} ${d.path}`).sort()).toEqual([
        "missing views",
        "unexpected views"
      ])
    })))
})
