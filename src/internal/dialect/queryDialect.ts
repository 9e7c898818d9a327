/**
 * What differs between databases in select statements beyond the basics
 * (`Dialect.placeholder`, `inList`): row locks, case-insensitive matching and
 * the aggregates whose spelling or exactness differs. `compile.ts` asks for
 * these and never names a dialect.
 *
 * @internal
 */

/** @internal */
export interface LockSpec {
  readonly strength: "update" | "share"
  readonly wait: "wait" | "skipLocked" | "noWait"
  /** Quoted table names for `OF`; empty locks every table of the FROM clause. */
  readonly of: ReadonlyArray<string>
}

/** @internal */
export interface QueryDialect {
  /**
   * The locking clause after LIMIT/OFFSET, or "" where the database has no
   * row locks (SQLite: the session's BEGIN IMMEDIATE already holds the
   * database's write lock for the whole transaction).
   */
  readonly lockClause: (lock: LockSpec) => string
  /** `value ILIKE pattern`, case-insensitive beyond ASCII. */
  readonly ilike: (value: string, pattern: string) => string
  /** The exact sum of a NUMERIC column as decimal text. */
  readonly decimalSumText: (argument: string) => string
  /** The values of `argument` (non-null, in ascending order) as JSON array text; `[]` for none. */
  readonly jsonArrayText: (argument: string) => string
}
