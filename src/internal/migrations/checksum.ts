/**
 * Checksums that tell an applied migration changed.
 *
 * @internal
 */
import { createHash } from "node:crypto"
import type { Migration } from "./model.js"
import { statementsOf } from "./statements.js"

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex")

/** Of a migration file's text; line endings do not count (a checkout on Windows is the same file). */
export const fileChecksum = (text: string): string => sha256(text.replace(/\r\n/g, "\n"))

/**
 * A migration given in code: its own `checksum`, else one of its statements
 * when both directions are `Migrations.statements` (a hand-written Effect
 * has nothing readable to hash: undefined).
 */
export const migrationChecksum = (migration: Migration): string | undefined => {
  if (migration.checksum !== undefined) return migration.checksum
  const up = statementsOf(migration.up)
  const down = migration.down === undefined ? [] : statementsOf(migration.down)
  if (up === undefined || down === undefined) return undefined
  return sha256(JSON.stringify({ up, down }))
}
