/**
 * How migrations are ordered and named in messages.
 *
 * @internal
 */

/** Ids are digits (a timestamp or a counter): compared as integers, so `9` sorts before `10`. */
export const ID = /^[0-9]+$/

/** @internal */
export const compareIds = (a: string, b: string): number => {
  const x = BigInt(a)
  const y = BigInt(b)
  return x < y ? -1 : x > y ? 1 : 0
}

/** By id, then by name (two files with one id are refused anyway; this keeps sorting total). */
export const compareMigrations = (
  a: { readonly id: string; readonly name: string },
  b: { readonly id: string; readonly name: string }
): number => compareIds(a.id, b.id) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

/** `20261201045000_add_posts`: how a migration is named in messages, as its file is. */
export const label = (m: { readonly id: string; readonly name: string; readonly source?: string | undefined }): string =>
  m.source ?? (m.name === "" ? m.id : `${m.id}_${m.name}`)
