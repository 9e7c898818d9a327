import type { QueryDialect } from "../queryDialect.js"

/**
 * Select-statement pieces for PostgreSQL: real row locks, native ILIKE
 * (it folds case by the database's locale, beyond ASCII), numeric sums.
 *
 * @internal
 */
export const queryDialect: QueryDialect = {
  lockClause: (lock) =>
    ` FOR ${lock.strength === "update" ? "UPDATE" : "SHARE"}${lock.of.length > 0 ? ` OF ${lock.of.join(", ")}` : ""}${
      lock.wait === "skipLocked" ? " SKIP LOCKED" : lock.wait === "noWait" ? " NOWAIT" : ""
    }`,
  ilike: (value, pattern) => `${value} ILIKE ${pattern}`,
  decimalSumText: (argument) => `CAST(SUM(${argument}) AS TEXT)`,
  jsonArrayText: (argument) =>
    `CAST(COALESCE(json_agg(${argument} ORDER BY ${argument}) FILTER (WHERE ${argument} IS NOT NULL), '[]'::json) AS TEXT)`
}
