import { describe, expect, it } from "@effect/vitest"
import * as Result from "effect/Result"
import { moduleText, nextId, slugOf, templateLiteral } from "../../src/internal/migrations/moduleText.js"
import type { PlannedMigration } from "../../src/internal/migrations/model.js"

/** The value of a JavaScript expression, as the generated module's reader would see it. */
const evaluate = (expression: string): unknown => new Function(`return ${expression}`)()

const planned: PlannedMigration = {
  up: [`CREATE TABLE "posts" ("id" INTEGER NOT NULL, PRIMARY KEY ("id"))`, `ALTER TABLE "users" DROP COLUMN "age"`],
  down: [`ALTER TABLE "users" ADD COLUMN "age" INTEGER`, `DROP TABLE "posts"`],
  destructive: { up: ["drop column users.age"], down: ["drop table posts"] },
  irreversible: ["column users.age is dropped by up; down re-creates it empty"],
  transactional: true,
  summary: ["add table posts", "drop column users.age"]
}

describe("migration module text", () => {
  it("a template literal reads back as exactly the text, whatever it contains", () => {
    const nasty = [
      `CREATE TABLE "a\`b\${c}" ("x" TEXT DEFAULT 'it''s \${not} \`code\`' , "y\\z" TEXT)`,
      "two\nlines\r\nand\ttabs \u2028 \u2029 \u0000 \u007f",
      "a lone surrogate \ud800 and a pair \ud83d\ude00 and a lone low \udc00",
      "$ { and $$ and ${ at the end ${",
      "ends with a backslash \\"
    ]
    for (const text of nasty) {
      const literal = templateLiteral(text)
      expect(literal).not.toMatch(/[\r\u2028\u2029\u0000]/)
      expect(evaluate(literal)).toBe(text)
    }
  })

  it("keeps SQL readable: quotes are not escaped", () => {
    expect(templateLiteral(`ALTER TABLE "users" ADD COLUMN "name" TEXT DEFAULT 'x'`)).toBe(
      "`ALTER TABLE \"users\" ADD COLUMN \"name\" TEXT DEFAULT 'x'`"
    )
  })

  it("slugs: lower case, spaces and dashes become underscores, anything else is refused", () => {
    expect(Result.getOrThrow(slugOf("Add posts"))).toBe("add_posts")
    expect(Result.getOrThrow(slugOf("  users - rename-email  "))).toBe("users_rename_email")
    for (const bad of ["", "   ", "add posts!", "../escape", "naïve", "x".repeat(101)]) {
      expect(Result.match(slugOf(bad), { onFailure: (e) => e.reason._tag, onSuccess: () => "accepted" }), bad).toBe(
        "InputError"
      )
    }
  })

  it("ids: now in UTC, or one second after the latest existing id", () => {
    const now = new Date("2026-12-01T04:50:07.999Z")
    expect(nextId(now, [])).toBe("20261201045007")
    expect(nextId(now, ["20261201045006"])).toBe("20261201045007")
    expect(nextId(now, ["20261201045007"])).toBe("20261201045008")
    expect(nextId(now, ["20261201045959", "20261201045001"])).toBe("20261201050000")
    expect(nextId(now, ["20261231235959"])).toBe("20270101000000")
    // Not a timestamp: the next number.
    expect(nextId(now, ["99999999999999999"])).toBe("100000000000000000")
  })

  it("the module exports what the runner reads, with a header a person reviews", () => {
    const text = moduleText({
      id: "20261201045007",
      name: "add_posts",
      planned,
      generatedAt: new Date("2026-12-01T04:50:07Z"),
      importFrom: "../../src/index.js"
    })
    expect(text).toContain(`import { Migrations } from "../../src/index.js"`)
    expect(text).toContain("//   - add table posts")
    expect(text).toContain("Destructive when applied (up; running it needs allowDestructive):\n//   - drop column users.age")
    expect(text).toContain("// down cannot bring back the data up removes")
    expect(text).not.toContain("transactional")
    // Each statement on a line of its own.
    expect(text).toContain(
      `export const up = Migrations.statements([\n  ${templateLiteral(planned.up[0]!)},\n  ${templateLiteral(planned.up[1]!)}\n])`
    )
    // The exports read back as the planned values (Migrations.statements stands in for the runner's).
    const body = text.replace(/^import .*$/m, "").replace(/export const /g, "out.")
    const out = new Function("Migrations", `const out = {}; ${body}; return out`)({ statements: (s: unknown) => s })
    expect(out).toEqual({
      up: planned.up,
      down: planned.down,
      destructive: planned.destructive,
      irreversible: planned.irreversible
    })
    const nonTransactional = moduleText({
      id: "1",
      name: "x",
      planned: { ...planned, transactional: false, irreversible: [] },
      generatedAt: new Date(0)
    })
    expect(nonTransactional).toContain(`import { Migrations } from "effect-sqlservice"`)
    expect(nonTransactional).toContain("export const transactional = false")
    expect(nonTransactional).not.toContain("down cannot bring back")
  })

  it("a summary line cannot end the header comment", () => {
    const text = moduleText({
      id: "1",
      name: "x",
      planned: { ...planned, summary: ["evil\nexport const up = 1"] },
      generatedAt: new Date(0)
    })
    expect(text).not.toMatch(/^export const up = 1/m)
  })
})
