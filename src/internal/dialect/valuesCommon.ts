/**
 * Driver value conversion shared by the dialects: each dialect passes only
 * what its driver does differently.
 *
 * @internal
 */
import type { NeutralType } from "../../Metadata.js"
import { repToCanonical } from "../schema/values.js"

/** @internal */
export type Convert = (value: unknown, type: NeutralType) => unknown

/**
 * Types the dialect does not convert itself follow the canonical rules,
 * except `other`, which is kept exactly as the driver returned it.
 *
 * @internal
 */
export const fromDriverWith = (own: { readonly [K in NeutralType]?: Convert }): Convert => (raw, type) => {
  const convert = own[type]
  if (convert !== undefined) return convert(raw, type)
  return type === "other" ? raw : repToCanonical(raw, type)
}

/**
 * A missing value is bound as SQL NULL whatever the column type.
 *
 * @internal
 */
export const toDriverWith = (convert: Convert): Convert => (value, type) =>
  value === null || value === undefined ? null : convert(value, type)

/**
 * The drivers recognise bytes by `Buffer`; the view shares the Uint8Array's
 * memory rather than copying a possibly large blob.
 *
 * @internal
 */
export const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
