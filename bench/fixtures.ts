/** Tables and data the scenarios share: one `users` shape on both databases. */
import type { Kind } from "./harness.js"

export type UserRow = {
  readonly id: number
  readonly name: string
  readonly email: string
  readonly age: number
}

export const USER_COLUMNS = ["id", "name", "email", "age"] as const

export const createUsers = (kind: Kind, table: string) =>
  kind === "sqlite"
    ? `CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, age INTEGER NOT NULL)`
    : `CREATE TABLE ${table} (id integer PRIMARY KEY, name text NOT NULL, email text NOT NULL, age integer NOT NULL)`

/**
 * Inserts users with the ids `from`, `from + step`, ... up to `to`, generated
 * by the database (recursive CTE / generate_series), in one statement.
 */
export const seedUsers = (kind: Kind, table: string, to: number, from = 1, step = 1) =>
  kind === "sqlite"
    ? `INSERT INTO ${table} (id, name, email, age)
       WITH RECURSIVE s(i) AS (SELECT ${from} UNION ALL SELECT i + ${step} FROM s WHERE i + ${step} <= ${to})
       SELECT i, 'user ' || i, 'user' || i || '@example.com', 20 + i % 50 FROM s`
    : `INSERT INTO ${table} (id, name, email, age)
       SELECT i, 'user ' || i, 'user' || i || '@example.com', 20 + i % 50 FROM generate_series(${from}, ${to}, ${step}) i`

export const dropTable = (table: string) => `DROP TABLE IF EXISTS ${table}`

/** The rows the insert and upsert scenarios write: the same objects for every implementation. */
export const makeUsers = (count: number, tag: string): Array<UserRow> =>
  Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    name: `${tag} ${i + 1}`,
    email: `${tag}${i + 1}@example.com`,
    age: 20 + ((i + 1) % 50)
  }))

/**
 * Rows per multi-row INSERT, for every implementation: 4 columns × 1000 rows
 * = 4000 parameters, under both SQLite's 32766 and PostgreSQL's 65535.
 */
export const CHUNK_ROWS = 1000

/** Consecutive slices of at most `size` rows; none is empty (what `sql.insert` asks for). */
export const chunks = <A>(rows: ReadonlyArray<A>, size = CHUNK_ROWS): Array<[A, ...Array<A>]> => {
  const out: Array<[A, ...Array<A>]> = []
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size) as [A, ...Array<A>])
  return out
}

/** `(?, ?, ?, ?), ...` or `($1, $2, $3, $4), ...` for `rows` rows of `columns` columns. */
export const valuesList = (kind: Kind, rows: number, columns: number): string => {
  const groups: Array<string> = []
  let n = 0
  for (let r = 0; r < rows; r++) {
    const ps: Array<string> = []
    for (let c = 0; c < columns; c++) ps.push(kind === "sqlite" ? "?" : `$${++n}`)
    groups.push(`(${ps.join(", ")})`)
  }
  return groups.join(", ")
}

export const flatUsers = (rows: ReadonlyArray<UserRow>): Array<unknown> => {
  const out: Array<unknown> = new Array(rows.length * 4)
  let i = 0
  for (const r of rows) {
    out[i++] = r.id
    out[i++] = r.name
    out[i++] = r.email
    out[i++] = r.age
  }
  return out
}

/**
 * A template-strings array built once, so `sql(strings, ...values)` is the
 * same call as a tagged template written in source with the (per-run) table
 * name inline: no identifier helper to compile, one array per "call site".
 */
export const template = (...parts: ReadonlyArray<string>): TemplateStringsArray =>
  Object.freeze(Object.assign([...parts], { raw: Object.freeze([...parts]) })) as unknown as TemplateStringsArray
