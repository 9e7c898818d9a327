import type { QueryDialect } from "../queryDialect.js"
import { DECIMAL_SUM, UNICODE_LOWER } from "./functions.js"

/**
 * Select-statement pieces for SQLite. It has no row locks: a locking clause
 * is left out, as the session's transaction (BEGIN IMMEDIATE) already holds
 * the database's write lock until it ends. Its own LIKE folds ASCII only, and
 * SUM of NUMERIC values is a double, so both go through functions registered
 * on the connection (`functions.ts`).
 *
 * @internal
 */
export const queryDialect: QueryDialect = {
  lockClause: () => "",
  ilike: (value, pattern) => `${UNICODE_LOWER}(${value}) LIKE ${UNICODE_LOWER}(${pattern})`,
  decimalSumText: (argument) => `${DECIMAL_SUM}(${argument})`,
  jsonArrayText: (argument) =>
    `COALESCE(json_group_array(${argument} ORDER BY ${argument}) FILTER (WHERE ${argument} IS NOT NULL), '[]')`
}
