import type { Dialect, DialectName } from "./Dialect.js"
import { dialect as pg } from "./pg/driver.js"
import { dialect as sqlite } from "./sqlite/driver.js"

/**
 * Every dialect by name, so options can be checked against what a dialect
 * can do (its optional capabilities) before a driver is made.
 *
 * @internal
 */
export const dialects: Readonly<Record<DialectName, Dialect>> = { pg, sqlite }
