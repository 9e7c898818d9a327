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
import type { DatabaseError } from "../../DatabaseError.js"
import type { Dialect } from "../../Metadata.js"
import { schemaDialects } from "../dialect/schemaDialects.js"
import type { LexRules, Token } from "../schema/sqlText.js"
import { tokenize } from "../schema/sqlText.js"
import type { Migration } from "./model.js"
import { load, type Source } from "./source.js"
import { statementsOf } from "./statements.js"

/** @internal */
export type Direction = "up" | "down"

/** @internal */
export interface LintFinding {
  readonly direction: Direction
  /** What is lost, e.g. `drop column users.age`. */
  readonly step: string
  /** The statement that does it; absent for a step the migration declares without a statement we could read. */
  readonly statement?: string
}

/** @internal */
export interface MigrationLint {
  readonly id: string
  readonly name: string
  /** Where the migration came from (its file), when known. */
  readonly source?: string
  readonly findings: ReadonlyArray<LintFinding>
}

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

interface Scanned {
  readonly steps: ReadonlyArray<string>
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
    return name === undefined ? { steps: [] } : { steps: [`drop table ${name.name}`], dropped: name.name }
  }
  if (!(isKeyword(words[0], "ALTER") && isKeyword(words[1], "TABLE"))) return { steps: [] }
  const table = nameAt(words, skipModifiers(words, 2))
  if (table === undefined) return { steps: [] }
  const steps: Array<string> = []
  let renamedTo: string | undefined
  // One ALTER TABLE may carry several actions, separated by commas; each is read from its first word.
  for (let i = table.next; i < words.length; i++) {
    const atStart = i === table.next || words[i - 1]?.text === ","
    if (!atStart) continue
    if (isKeyword(words[i], "RENAME") && isKeyword(words[i + 1], "TO") && words[i + 2] !== undefined) {
      renamedTo = nameAt(words, i + 2)?.name
    } else if (isKeyword(words[i], "DROP") && isKeyword(words[i + 1], "COLUMN")) {
      const column = words[skipModifiers(words, i + 2)]
      if (column !== undefined) steps.push(`drop column ${table.name}.${column.text}`)
    } else if (isKeyword(words[i], "ALTER")) {
      const at = isKeyword(words[i + 1], "COLUMN") ? i + 2 : i + 1
      const column = words[at]
      if (column === undefined) continue
      const rest = at + 1
      if (isKeyword(words[rest], "TYPE") || (isKeyword(words[rest], "SET") && isKeyword(words[rest + 1], "DATA"))) {
        steps.push(`change type of column ${table.name}.${column.text}`)
      } else if (isKeyword(words[rest], "SET") && isKeyword(words[rest + 1], "NOT") && isKeyword(words[rest + 2], "NULL")) {
        steps.push(`set not null on column ${table.name}.${column.text}`)
      }
    }
  }
  return renamedTo === undefined ? { steps } : { steps, renamedTo }
}

/** The destructive steps of one direction's statements, SQLite rebuilds left out. */
const scanDirection = (
  direction: Direction,
  statements: ReadonlyArray<string>,
  rules: LexRules
): Array<LintFinding> => {
  const scanned = statements.map((sql) => scan(sql, rules))
  return scanned.flatMap((s, k) => {
    const rebuilt = s.dropped !== undefined && scanned.slice(k + 1).some((later) => later.renamedTo === s.dropped)
    return rebuilt ? [] : s.steps.map((step) => ({ direction, step, statement: statements[k]! }))
  })
}

/**
 * The destructive steps of each migration (only migrations that have some),
 * in migration order: the declared ones first, then those read from the
 * statements that the declaration does not already name.
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
      const declared: ReadonlyArray<LintFinding> = (m.destructive?.[direction] ?? []).map((step) => ({ direction, step }))
      const statements = statementsOf(direction === "up" ? m.up : m.down) ?? []
      const read = scanDirection(direction, statements, rules)
      // A declared step that a statement shows gets that statement.
      const withStatements = declared.map((d) => read.find((r) => r.step === d.step) ?? d)
      return [...withStatements, ...read.filter((r) => !declared.some((d) => d.step === r.step))]
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
): Effect.Effect<ReadonlyArray<MigrationLint>, DatabaseError> =>
  Effect.map(load(options), (migrations) =>
    lintMigrations(migrations, statementsOf, schemaDialects[options.dialect ?? "pg"].lexRules))
