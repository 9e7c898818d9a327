/**
 * Functions registered on every SQLite connection of ours, for what SQLite
 * does not do itself: Unicode case folding (its `lower` and `LIKE` fold ASCII
 * only) and an exact sum of NUMERIC values (its `SUM` adds doubles).
 *
 * @internal
 */
import type Sqlite from "better-sqlite3"
import { addDecimals, parseDecimal, showDecimal, type Decimal } from "../../orm/decimal.js"

/** @internal */
export const UNICODE_LOWER = "sqlservice_lower"
/** @internal */
export const DECIMAL_SUM = "sqlservice_decimal_sum"

/** @internal */
export const registerFunctions = (db: Sqlite.Database): void => {
  db.function(UNICODE_LOWER, { deterministic: true }, (value: unknown) =>
    typeof value === "string" ? value.toLowerCase() : value as any)
  db.aggregate(DECIMAL_SUM, {
    start: () => undefined as Decimal | undefined,
    step: (total: Decimal | undefined, value: unknown) => {
      if (value === null || value === undefined) return total
      const d = parseDecimal(typeof value === "string" ? value : String(value))
      return total === undefined ? d : addDecimals(total, d)
    },
    result: (total: Decimal | undefined) => total === undefined ? null : showDecimal(total)
  })
}
