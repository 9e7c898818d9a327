/**
 * What `up` and `down` refuse before anything runs, as typed
 * `MigrationError`s naming the migrations concerned.
 *
 * @internal
 */
import type * as DatabaseError from "../../DatabaseError.js"
import { listing, migrationError } from "./errors.js"
import type { Migration } from "./model.js"
import { compareIds, label } from "./order.js"
import type { AppliedRow } from "./table.js"

const short = (checksum: string) => checksum.slice(0, 12)

/** Applied migrations that changed since they ran, or that are gone from the source. */
export const sourceRefusal = (
  migrations: ReadonlyArray<Migration>,
  applied: ReadonlyArray<AppliedRow>,
  table: string
): DatabaseError.DatabaseError | undefined => {
  const byId = new Map(migrations.map((m) => [m.id, m]))
  const missing = applied.filter((row) => !byId.has(row.id)).sort((a, b) => compareIds(a.id, b.id))
  if (missing.length > 0) {
    const names = missing.map((row) => label(row))
    return migrationError(
      "missing",
      `migrations recorded as applied in ${table} are not among the migrations given: ${listing(names)} (restore their files, or point directory at the migrations of this database and dialect)`,
      { migrations: names }
    )
  }
  const modified = applied.flatMap((row) => {
    const m = byId.get(row.id)!
    return row.checksum !== undefined && m.checksum !== undefined && m.checksum !== row.checksum
      ? [{ m, row }]
      : []
  }).sort((a, b) => compareIds(a.m.id, b.m.id))
  if (modified.length > 0) {
    const names = modified.map(({ m }) => label(m))
    const detail = modified.map(({ m, row }) => `${label(m)} (checksum ${short(row.checksum!)} when applied, ${short(m.checksum!)} now)`)
    return migrationError(
      "modified",
      `applied migrations were changed after they ran: ${listing(detail)} (restore them as they were applied, e.g. from version control, and put the change in a new migration)`,
      { migrations: names }
    )
  }
  return undefined
}

/** Pending migrations that sort before the latest applied one. */
export const outOfOrderRefusal = (
  pending: ReadonlyArray<Migration>,
  applied: ReadonlyArray<AppliedRow>
): DatabaseError.DatabaseError | undefined => {
  const latest = [...applied].sort((a, b) => compareIds(b.id, a.id))[0]
  if (latest === undefined) return undefined
  const early = pending.filter((m) => compareIds(m.id, latest.id) < 0)
  if (early.length === 0) return undefined
  const names = early.map(label)
  return migrationError(
    "outOfOrder",
    `pending migrations sort before the latest applied one, ${label(latest)}: ${listing(names)} (give them a later id so that they run last, or pass allowOutOfOrder: true if they do not depend on the order)`,
    { migrations: names }
  )
}

/** Migrations whose `direction` loses data, without `allowDestructive`. */
export const destructiveRefusal = (
  plan: ReadonlyArray<Migration>,
  direction: "up" | "down"
): DatabaseError.DatabaseError | undefined => {
  const flagged = plan.filter((m) => (m.destructive?.[direction]?.length ?? 0) > 0)
  if (flagged.length === 0) return undefined
  const detail = flagged.map((m) => `${label(m)}: ${m.destructive![direction]!.join("; ")}`)
  return migrationError(
    "destructive",
    `${direction} would lose data: ${detail.join(" | ")} (review these steps, back up what they drop, then pass allowDestructive: true)`,
    { migrations: flagged.map(label) }
  )
}

/** Migrations to undo that have no `down`. */
export const irreversibleRefusal = (plan: ReadonlyArray<Migration>): DatabaseError.DatabaseError | undefined => {
  const oneWay = plan.filter((m) => m.down === undefined)
  if (oneWay.length === 0) return undefined
  const names = oneWay.map(label)
  return migrationError(
    "irreversible",
    `cannot undo ${listing(names)}: no down is defined (write a down for it, or restore a backup; down stops before it with to: "${oneWay[0]!.id}")`,
    { migrations: names }
  )
}

/** Non-transactional migrations on a database where every migration runs in a transaction. */
export const transactionalRefusal = (
  migrations: ReadonlyArray<Migration>,
  transactionalOnly: string | undefined
): DatabaseError.DatabaseError | undefined => {
  if (transactionalOnly === undefined) return undefined
  const outside = migrations.filter((m) => m.transactional === false)
  if (outside.length === 0) return undefined
  const names = outside.map(label)
  return migrationError(
    "invalid",
    `non-transactional migrations are not supported here: ${listing(names)} (${transactionalOnly})`,
    { migrations: names }
  )
}
