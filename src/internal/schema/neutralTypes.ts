/**
 * The neutral column types, as a value. Here rather than in `Metadata` so the
 * internal modules `Metadata` builds on can read it without importing it back.
 *
 * @internal
 */
import type { NeutralType } from "../../Metadata.js"

/** @internal */
export const neutralTypeList: ReadonlyArray<NeutralType> = [
  "smallint",
  "integer",
  "bigint",
  "real",
  "double",
  "numeric",
  "text",
  "varchar",
  "char",
  "boolean",
  "timestamp",
  "datetime",
  "date",
  "time",
  "blob",
  "uuid",
  "json",
  "other"
]
