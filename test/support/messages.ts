import { expect } from "@effect/vitest"

/**
 * The one shape of an error message (see src/internal/errorMessage.ts):
 * `<what failed>: <why>` with an optional ` (<hint>)`, on one line; the
 * headline has no colon of its own outside quoted values.
 */
export const messageFormat = /^(?:[^:"\n]|"(?:[^"\\\n]|\\.)*")+: \S[^\n]*$/

export const expectMessageFormat = (reason: { readonly _tag: string; readonly message: string }) =>
  expect(reason.message, `${reason._tag} message "${reason.message}"`).toMatch(messageFormat)

/** Asserts `message` shows `value` (a long string) cut to its first characters, saying how much is left out. */
export const expectCutValue = (message: string, value: string) => {
  expect(message).toContain(value.slice(0, 150))
  expect(message).not.toContain(value.slice(0, 201))
  expect(message).toMatch(/… \(\d+ more characters\)/)
  expect(message.length).toBeLessThan(1000)
}
