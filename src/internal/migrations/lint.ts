/**
 * `Migrations.lint`: the steps of each migration that lose data, from what
 * it declares (`destructive`) and from reading its statements: `DROP TABLE`,
 * `DROP COLUMN`, a column's type change and `SET NOT NULL`. A `DROP TABLE x`
 * followed by `ALTER TABLE <new> RENAME TO x` is SQLite's table rebuild,
 * which keeps the rows (they were copied into the new table first), so it is
 * not reported.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as DatabaseError from "../../DatabaseError.js"
import type { Dialect } from "../../Metadata.js"
import { schemaDialects } from "../dialect/schemaDialects.js"
import type { LexRules, Token } from "../schema/sqlText.js"
import { tokenize } from "../schema/sqlText.js"
import type { Migration } from "./model.js"
import { load, type Source } from "./source.js"
import { statementsOf } from "./statements.js"
import type { LintFinding, MigrationLint } from "../../Migrations.js"

/** @internal */
export type Direction = "up" | "down"

// The finding shapes are the public module's (documented there).
export type { LintFinding, MigrationLint }

/** The statements of each direction, when the migration's Effects are `Migrations.statements` lists. */
export type StatementsOf = (effect: unknown) => ReadonlyArray<string> | undefined

/** The tokens that carry meaning: comments dropped, unquoted words upper-cased for matching. */
interface Word {
  readonly text: string
  /** An unquoted word (keywords can only be these). */
  readonly keyword: boolean
}

const wordsOf = (sql: string, rules: LexRules): ReadonlyArray<Word> | undefined =>
  tokenize(sql, rules)?.flatMap((t: Token): Array<Word> =>
    t.t === "comment"
      ? []
      : t.t === "id"
      ? [{ text: t.quoted ? t.v : t.v.toLowerCase(), keyword: !t.quoted }]
      : [{ text: t.v, keyword: false }]
  )

/** A (possibly schema-qualified) name at `at`: its text (`schema.table`) and where it ends. */
const nameAt = (words: ReadonlyArray<Word>, at: number): { readonly name: string; readonly next: number } | undefined => {
  const first = words[at]
  if (first === undefined) return undefined
  if (words[at + 1]?.text === "." && words[at + 2] !== undefined) {
    return { name: `${first.text}.${words[at + 2]!.text}`, next: at + 3 }
  }
  return { name: first.text, next: at + 1 }
}

const isKeyword = (w: Word | undefined, ...keywords: ReadonlyArray<string>) =>
  w !== undefined && w.keyword && keywords.includes(w.text.toUpperCase())

/** Skips `IF EXISTS` / `ONLY` after `ALTER TABLE` or `DROP TABLE`. */
const skipModifiers = (words: ReadonlyArray<Word>, at: number): number => {
  let i = at
  for (;;) {
    if (isKeyword(words[i], "IF") && isKeyword(words[i + 1], "EXISTS")) i += 2
    else if (isKeyword(words[i], "ONLY")) i++
    else return i
  }
}

/** A step read from a statement, with what it acts on (`column users.age`, `table users`). */
interface ScannedStep {
  readonly step: string
  readonly target: string
  readonly typeChange: boolean
}

const columnStep = (verb: string, table: string, column: string, typeChange = false): ScannedStep => ({
  step: `${verb} column ${table}.${column}`,
  target: `column ${table}.${column}`,
  typeChange
})

interface Scanned {
  readonly steps: ReadonlyArray<ScannedStep>
  /** `DROP TABLE x`: the table dropped, to pair with a later rename. */
  readonly dropped?: string
  /** `ALTER TABLE y RENAME TO x`: the table's new name. */
  readonly renamedTo?: string
}

/** What one statement loses, read from its tokens. */
const scan = (sql: string, rules: LexRules): Scanned => {
  const words = wordsOf(sql, rules)
  if (words === undefined || words.length < 3) return { steps: [] }
  if (isKeyword(words[0], "DROP") && isKeyword(words[1], "TABLE")) {
    const name = nameAt(words, skipModifiers(words, 2))
    return name === undefined
      ? { steps: [] }
      : { steps: [{ step: `drop table ${name.name}`, target: `table ${name.name}`, typeChange: false }], dropped: name.name }
  }
  if (!(isKeyword(words[0], "ALTER") && isKeyword(words[1], "TABLE"))) return { steps: [] }
  const table = nameAt(words, skipModifiers(words, 2))
  if (table === undefined) return { steps: [] }
  const steps: Array<ScannedStep> = []
  let renamedTo: string | undefined
  // One ALTER TABLE may carry several actions, separated by commas; each is read from its first word.
  for (let i = table.next; i < words.length; i++) {
    const atStart = i === table.next || words[i - 1]?.text === ","
    if (!atStart) continue
    if (isKeyword(words[i], "RENAME") && isKeyword(words[i + 1], "TO") && words[i + 2] !== undefined) {
      renamedTo = nameAt(words, i + 2)?.name
    } else if (isKeyword(words[i], "DROP") && isKeyword(words[i + 1], "COLUMN")) {
      const column = words[skipModifiers(words, i + 2)]
      if (column !== undefined) steps.push(columnStep("drop", table.name, column.text))
    } else if (isKeyword(words[i], "ALTER")) {
      const at = isKeyword(words[i + 1], "COLUMN") ? i + 2 : i + 1
      const column = words[at]
      if (column === undefined) continue
      const rest = at + 1
      if (isKeyword(words[rest], "TYPE") || (isKeyword(words[rest], "SET") && isKeyword(words[rest + 1], "DATA"))) {
        steps.push({ ...columnStep("change type of", table.name, column.text), typeChange: true })
      } else if (isKeyword(words[rest], "SET") && isKeyword(words[rest + 1], "NOT") && isKeyword(words[rest + 2], "NULL")) {
        steps.push(columnStep("set NOT NULL on", table.name, column.text))
      }
    }
  }
  return renamedTo === undefined ? { steps } : { steps, renamedTo }
}

/** The destructive steps of one direction's statements, SQLite rebuilds left out. */
const scanDirection = (
  statements: ReadonlyArray<string>,
  rules: LexRules
): Array<ScannedStep & { readonly statement: string }> => {
  const scanned = statements.map((sql) => scan(sql, rules))
  return scanned.flatMap((s, k) => {
    const rebuilt = s.dropped !== undefined && scanned.slice(k + 1).some((later) => later.renamedTo === s.dropped)
    return rebuilt ? [] : s.steps.map((step) => ({ ...step, statement: statements[k]! }))
  })
}

/** Whether a declared step (`narrow column users.age from TEXT to INTEGER`) names `target` (`column users.age`). */
const names = (declared: string, target: string): boolean => {
  const at = declared.indexOf(target)
  return at !== -1 && !/[A-Za-z0-9_.]/.test(declared.charAt(at + target.length))
}

/**
 * The destructive steps of each migration (only migrations that have some),
 * in migration order: the declared ones first, each with the statement that
 * does it when one is found, then those read from the statements that the
 * declaration does not name. A direction whose steps are declared (a
 * generated migration declares them, even none) has had its type changes
 * judged: the planner lists the narrowing ones, so a widening
 * `ALTER ... TYPE` read from its statements is not reported.
 *
 * @internal
 */
export const lintMigrations = (
  migrations: ReadonlyArray<Migration>,
  statementsOf: StatementsOf,
  rules: LexRules
): ReadonlyArray<MigrationLint> =>
  migrations.flatMap((m): Array<MigrationLint> => {
    const findings = (["up", "down"] as const).flatMap((direction) => {
      const declaredSteps = m.destructive?.[direction]
      const declared = declaredSteps ?? []
      const read = scanDirection(statementsOf(direction === "up" ? m.up : m.down) ?? [], rules)
      const withStatements = declared.map((step): LintFinding => {
        const shown = read.find((r) => names(step, r.target))
        return shown === undefined ? { direction, step } : { direction, step, statement: shown.statement }
      })
      const undeclared = read.filter((r) =>
        !declared.some((d) => names(d, r.target)) && !(r.typeChange && declaredSteps !== undefined)
      )
      return [...withStatements, ...undeclared.map((r): LintFinding => ({ direction, step: r.step, statement: r.statement }))]
    })
    return findings.length === 0
      ? []
      : [{ id: m.id, name: m.name, ...(m.source === undefined ? {} : { source: m.source }), findings }]
  })

/**
 * `Migrations.lint`: the destructive steps of the migrations of a source,
 * read with the lexing rules of `dialect` (default PostgreSQL's, the
 * stricter about strings).
 *
 * @internal
 */
export const lint = (
  options: Source & { readonly dialect?: Dialect | undefined }
): Effect.Effect<ReadonlyArray<MigrationLint>, DatabaseError.DatabaseError> =>
  Effect.suspend(() => {
    const dialect = schemaDialects[options.dialect ?? "pg"] as (typeof schemaDialects)[Dialect] | undefined
    return dialect === undefined
      ? Effect.fail(DatabaseError.make(new DatabaseError.ConfigError({
        message: `Migrations.lint: unknown dialect ${JSON.stringify(options.dialect)} (one of "sqlite", "pg")`
      })))
      : Effect.map(load(options), (migrations) => lintMigrations(migrations, statementsOf, dialect.lexRules))
  })
