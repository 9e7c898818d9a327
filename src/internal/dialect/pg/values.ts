/**
 * node-postgres values ↔ canonical column values. pg already parses
 * json/jsonb, timestamptz (to Date), bool and int4; int8 and numeric arrive
 * as strings, bytea as Buffer, DATE as a Date at local midnight.
 *
 * @internal
 */
import { fromDriverWith, toBuffer, toDriverWith } from "../valuesCommon.js"

/** @internal */
export const fromDriver = fromDriverWith({ json: (raw) => raw })

/** @internal */
export const toDriver = toDriverWith((value, type) => {
  // pg would turn a JS array into a PostgreSQL array literal; JSON must be sent as text.
  if (type === "json") return JSON.stringify(value)
  if (typeof value === "bigint") return value.toString()
  if (value instanceof Uint8Array) return toBuffer(value)
  return value
})
