/**
 * What the command line writes: results on stdout (text, or one JSON value
 * with `--json`), progress and errors on stderr. Everything written passes
 * through `redact`, which masks the database URL's password wherever it
 * appears, whatever produced the text (a driver's message included).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { mask } from "../url.js"
import type { CommandFailure } from "./failure.js"

const secrets: Array<readonly [string, string]> = []

/**
 * Registers a URL whose secrets must never be printed: the URL itself (as
 * given, and its masked form in its place) and its password (the user info
 * and secret query parameters), when it is long enough not to match
 * ordinary words.
 *
 * @internal
 */
export const protectUrl = (url: string): void => {
  const masked = mask(url)
  if (masked === url) return
  secrets.push([url, masked])
  const password = /^[a-z][a-z0-9+.-]*:\/\/[^:/@]*:([^@]*)@/i.exec(url)?.[1]
  for (const raw of [password, ...[...url.matchAll(/[?&][^=&]*=([^&]*)/g)].map((m) => m[1])]) {
    if (raw === undefined || raw.length < 4 || masked.includes(raw)) continue
    secrets.push([raw, "****"])
    let decoded = raw
    try {
      decoded = decodeURIComponent(raw)
    } catch {
      // not percent-encoded text: the raw form is enough
    }
    if (decoded !== raw && decoded.length >= 4) secrets.push([decoded, "****"])
  }
  // Longest first, so a URL is replaced whole before its password inside it.
  secrets.sort((a, b) => b[0].length - a[0].length)
}

/** @internal */
export const redact = (text: string): string =>
  secrets.reduce((out, [secret, replacement]) => out.split(secret).join(replacement), text)

const write = (stream: NodeJS.WriteStream, text: string) =>
  Effect.callback<void>((resume) => {
    stream.write(`${redact(text)}\n`, () => resume(Effect.void))
  })

/** A result line (or lines) on stdout. @internal */
export const print = (text: string): Effect.Effect<void> => write(process.stdout, text)

/** A result as JSON on stdout, for `--json`. @internal */
export const printJson = (value: unknown): Effect.Effect<void> =>
  write(process.stdout, JSON.stringify(value, (_, v) => typeof v === "bigint" ? v.toString() : v, 2))

/** A progress line on stderr, before a step that may take a while. @internal */
export const progress = (text: string): Effect.Effect<void> => write(process.stderr, `${text}…`)

/**
 * Reports a failure: `error: <message>` on stderr (with the reason's tag for
 * database errors), and with `--json` also `{ "error": { ... } }` on stdout
 * so a script reading stdout always gets JSON.
 *
 * @internal
 */
export const reportFailure = (failure: CommandFailure, json: boolean): Effect.Effect<void> =>
  Effect.gen(function*() {
    const tag = failure.reason === "UsageError" || failure.reason === "Drift" ? "" : `${failure.reason}: `
    yield* write(process.stderr, `error: ${tag}${failure.message}${failure.hint === undefined ? "" : `\nhint: ${failure.hint}`}`)
    if (json) {
      yield* printJson({
        error: {
          reason: failure.reason,
          message: failure.message,
          exitCode: failure.exitCode,
          ...failure.details,
          ...(failure.hint === undefined ? {} : { hint: failure.hint })
        }
      })
    }
  })
