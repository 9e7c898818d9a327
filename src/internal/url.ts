import { NodeInspectSymbol } from "effect/Inspectable"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as DatabaseError from "../DatabaseError.js"
import type { DialectName } from "./dialect/Dialect.js"
import { errorMessage, showValue } from "./errorMessage.js"

/** @internal */
export type ParsedUrl =
  | { readonly dialect: "sqlite"; readonly filename: string }
  | {
    readonly dialect: "pg"
    readonly connectionString: string
    readonly host: string
    readonly port: number
    readonly database: string
    readonly user: string
    readonly params: ReadonlyMap<string, string>
  }

/**
 * A database URL that never prints its secrets: `toString`, `toJSON` and
 * `util.inspect` all show `****` in place of the password and of every
 * secret-bearing query parameter.
 *
 * @internal
 */
export class DatabaseUrl {
  readonly value: Redacted.Redacted<string>
  readonly masked: string
  readonly dialect: DialectName
  constructor(raw: string, dialect: DialectName) {
    this.value = Redacted.make(raw)
    this.masked = mask(raw)
    this.dialect = dialect
  }
  toString() {
    return this.masked
  }
  toJSON() {
    return this.masked
  }
  [NodeInspectSymbol]() {
    return this.masked
  }
}

/**
 * Hides the password in the user info: everything between the first ":"
 * after the scheme and the last "@" (a URL parser also ends the user info at
 * the last "@"), with or without a well-formed "scheme://" in front.
 */
const maskUserInfo = (raw: string): string => {
  const slashes = raw.indexOf("://")
  const start = slashes === -1 ? 0 : slashes + 3
  const at = raw.lastIndexOf("@")
  if (at < start) return raw
  const colon = raw.indexOf(":", start)
  if (colon === -1 || colon > at) return raw
  return `${raw.slice(0, colon + 1)}****${raw.slice(at)}`
}

/**
 * Query parameters that carry a secret. pg and libpq take the password as
 * `?password=` too, and `sslpassword` unlocks the client key; the pattern
 * also covers the spellings other tools use (`pass`, `pwd`, `db_password`,
 * `secret`, `token`, `api_key`, `sslkey`...). Names are compared as the URL
 * parser decodes them (`pass%77ord` is `password`), lower-cased and without
 * `_` or `-`.
 */
const SECRET_NAME = /pass|pwd|secret|token|apikey|credential|^(ssl)?key$|^auth/

const isSecretParameter = (part: string): boolean => {
  const name = new URLSearchParams(part).keys().next().value ?? ""
  return SECRET_NAME.test(name.toLowerCase().replace(/[_-]/g, ""))
}

/** Replaces the value of every secret-bearing query parameter (everything up to the next "&"). */
const maskQuery = (raw: string): string => {
  const q = raw.indexOf("?")
  if (q === -1) return raw
  const parts = raw.slice(q + 1).split("&").map((part) => {
    const eq = part.indexOf("=")
    return eq !== -1 && isSecretParameter(part) ? `${part.slice(0, eq)}=****` : part
  })
  return `${raw.slice(0, q + 1)}${parts.join("&")}`
}

/**
 * The URL as it may be printed: the password and secret-bearing query
 * parameters replaced by `****`. Masking too much is harmless; printing a
 * password is not.
 *
 * @internal
 */
export const mask = (raw: string): string => maskQuery(maskUserInfo(raw))

const configError = (message: string) =>
  Result.fail(DatabaseError.make(new DatabaseError.ConfigError({ message })))

const SQLITE_PREFIX = "sqlite://"

/** @internal */
export const parse = (raw: string): Result.Result<ParsedUrl, DatabaseError.DatabaseError> => {
  const shown = showValue(mask(raw))
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1]?.toLowerCase()
  if (scheme === undefined) {
    return configError(
      errorMessage(`database URL ${shown}`, "it has no scheme", "expected sqlite://:memory:, sqlite:///file.db or postgres://user@host:5432/db")
    )
  }
  if (scheme === "sqlite") {
    if (!raw.toLowerCase().startsWith(SQLITE_PREFIX)) {
      return configError(
        errorMessage(`SQLite URL ${shown}`, "it must start with sqlite://", "sqlite://:memory:, sqlite:///relative.db, sqlite:////abs/path.db")
      )
    }
    const rest = raw.slice(SQLITE_PREFIX.length).replace(/\?.*$/, "")
    if (rest === "" || rest === ":memory:" || rest === "/:memory:") return Result.succeed({ dialect: "sqlite", filename: ":memory:" })
    if (!rest.startsWith("/")) {
      return configError(
        errorMessage(
          `SQLite URL ${shown}`,
          "it names a host",
          "write sqlite:///relative.db (three slashes) or sqlite:////abs/path.db (four)"
        )
      )
    }
    const filename = decodeURIComponent(rest.slice(1))
    if (filename === "" || filename.endsWith("/")) {
      return configError(errorMessage(`SQLite URL ${shown}`, "it names no file"))
    }
    if (filename.includes("\0")) return configError(errorMessage(`SQLite URL ${shown}`, "it contains a NUL byte"))
    return Result.succeed({ dialect: "sqlite", filename })
  }
  if (scheme === "postgres" || scheme === "postgresql") {
    let url: URL
    try {
      url = new URL(raw)
    } catch {
      return configError(errorMessage(`PostgreSQL URL ${shown}`, "it is malformed", "expected postgres://user:password@host:5432/database"))
    }
    if (url.hostname === "") {
      return configError(errorMessage(`PostgreSQL URL ${shown}`, "it has no host", "expected postgres://user:password@host:5432/database"))
    }
    const port = url.port === "" ? 5432 : Number(url.port)
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      return configError(errorMessage(`PostgreSQL URL ${shown}`, `it has an invalid port ${showValue(url.port)}`))
    }
    const user = decodeURIComponent(url.username) || "postgres"
    const database = decodeURIComponent(url.pathname.replace(/^\//, "")) || user
    if (database.includes("/")) {
      return configError(
        errorMessage(`PostgreSQL URL ${shown}`, `it has a path ${showValue(url.pathname)}`, "the path is the database name alone")
      )
    }
    return Result.succeed({
      dialect: "pg",
      connectionString: raw,
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port,
      database,
      user,
      params: new Map(url.searchParams)
    })
  }
  return configError(
    errorMessage(`database URL ${shown}`, `unknown database dialect ${showValue(scheme)}`, "supported: sqlite://, postgres:// (postgresql://)")
  )
}
