/**
 * The migration a fiber is running, so that `Migrations.statements` can name
 * it when a statement fails.
 *
 * @internal
 */
import * as Context from "effect/Context"

/** @internal */
export interface RunningMigration {
  /** As messages name it (`20261201045000_add_posts` or its file name). */
  readonly label: string
  readonly direction: "up" | "down"
  /** False: its statements are not rolled back when one fails. */
  readonly transactional: boolean
}

/** @internal */
export const CurrentMigration = Context.Reference<RunningMigration | undefined>(
  "effect-sqlservice/migrations/CurrentMigration",
  { defaultValue: () => undefined }
)
