/**
 * Catalog row reading shared by the dialects' `introspect`.
 *
 * @internal
 */
import type { ColumnMetadata, NeutralType } from "../../Metadata.js"

/**
 * Catalog values as text; SQL NULL reads as "".
 *
 * @internal
 */
export const str = (v: unknown): string => (v === null || v === undefined ? "" : String(v))

/** @internal */
export interface ReflectedColumn {
  readonly name: string
  readonly dbType: string
  /** `dbType` as the dialect's `parseType` reads it. */
  readonly parsed: { readonly type: NeutralType; readonly length?: number }
  readonly nullable: boolean
  readonly default: string | undefined
  readonly autoIncrement: boolean
  readonly check: ReadonlyArray<string | number> | undefined
}

/**
 * Absent members are left out rather than set to `undefined`, so reflected
 * metadata compares equal to declared metadata.
 *
 * @internal
 */
export const reflectedColumn = (c: ReflectedColumn): ColumnMetadata => ({
  name: c.name,
  type: c.parsed.type,
  ...(c.parsed.length === undefined ? {} : { length: c.parsed.length }),
  dbType: c.dbType,
  nullable: c.nullable,
  ...(c.default === undefined ? {} : { default: c.default }),
  autoIncrement: c.autoIncrement,
  ...(c.check === undefined ? {} : { check: c.check })
})
