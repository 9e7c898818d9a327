/**
 * The registry of migration dialects, by name.
 *
 * @internal
 */
import type { DialectName } from "./Dialect.js"
import type { MigrationDialect } from "./migrationDialect.js"
import { pgMigrationDialect } from "./pg/migrationDialect.js"
import { sqliteMigrationDialect } from "./sqlite/migrationDialect.js"

/** @internal */
export const migrationDialects: { readonly [K in DialectName]: MigrationDialect } = {
  sqlite: sqliteMigrationDialect,
  pg: pgMigrationDialect
}
