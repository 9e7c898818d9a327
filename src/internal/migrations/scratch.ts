/**
 * The scratch database of each dialect (see `dialect/scratchDialect.ts`).
 *
 * @internal
 */
import type { Dialect } from "../../Metadata.js"
import { pgScratchDatabase } from "../dialect/pg/scratch.js"
import type { ScratchDatabase } from "../dialect/scratchDialect.js"
import { sqliteScratchDatabase } from "../dialect/sqlite/scratch.js"

export type { ScratchDatabase, ScratchOptions } from "../dialect/scratchDialect.js"

/** @internal */
export const scratchDatabases: { readonly [K in Dialect]: ScratchDatabase } = {
  sqlite: sqliteScratchDatabase,
  pg: pgScratchDatabase
}
