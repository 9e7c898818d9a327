/**
 * node-postgres values ↔ canonical column values. pg already parses
 * json/jsonb, timestamptz (to Date), bool and int4; int8 and numeric arrive
 * as strings, bytea as Buffer, DATE as a Date at local midnight.
 *
 * @internal
 */
import type { NeutralType } from "../../../Metadata.js"
import { repToCanonical } from "../../schema/values.js"

/** @internal */
export const fromDriver = (raw: unknown, type: NeutralType): unknown => {
  switch (type) {
    case "json":
    case "other":
      return raw
    default:
      return repToCanonical(raw, type)
  }
}

/** @internal */
export const toDriver = (value: unknown, type: NeutralType): unknown => {
  if (value === null || value === undefined) return null
  // pg would turn a JS array into a PostgreSQL array literal; JSON must be sent as text.
  if (type === "json") return JSON.stringify(value)
  if (typeof value === "bigint") return value.toString()
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  return value
}
