/**
 * A database URL's secrets never print: the password of the user info and
 * every secret-bearing query parameter (`?password=`, which pg and libpq
 * accept, `sslpassword`, tokens, keys...), on every path that prints a URL.
 */
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Formatter from "effect/Formatter"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import { format, inspect } from "node:util"
import { vi } from "vitest"
import * as Database from "../src/Database.js"
import * as DatabaseError from "../src/DatabaseError.js"
import { pgAvailable, pgUrl } from "./support/layers.js"

const available = await pgAvailable()

const SECRETS = ["hunter2", "zz9-plural-z-alpha"]
const query = `password=${SECRETS[0]}&sslpassword=${SECRETS[1]}&application_name=visible`

const withQuery = (url: string) => `${url}${url.includes("?") ? "&" : "?"}${query}`

const expectNoSecret = (label: string, text: string) => {
  for (const secret of SECRETS) expect(text, label).not.toContain(secret)
}

/** Everything a program might do to print `value`, as the text that would appear. */
const printed = (value: unknown) =>
  Effect.gen(function*() {
    const logged: Array<string> = []
    yield* Effect.log(value).pipe(
      Effect.provide(Logger.layer([Logger.map(Logger.formatLogFmt, (line) => void logged.push(line))]))
    )
    const spy = vi.spyOn(console, "log").mockImplementation(() => {})
    try {
      yield* Console.log(value)
      logged.push(...spy.mock.calls.map((args) => format(...args)))
    } finally {
      spy.mockRestore()
    }
    return {
      "String": String(value),
      "template literal": `${value}`,
      "JSON.stringify": JSON.stringify(value),
      "util.inspect": inspect(value, { depth: Infinity }),
      "Formatter.format": Formatter.format(value),
      "Inspectable.toStringUnknown": Inspectable.toStringUnknown(value),
      "Effect.log / Console.log": logged.join("\n")
    }
  })

const checkDatabase = (url: string) =>
  Effect.gen(function*() {
    const db = yield* Database.make({ url: withQuery(url) })
    for (const [how, text] of Object.entries(yield* printed(db.url))) expectNoSecret(`db.url via ${how}`, text)
    for (const [how, text] of Object.entries(yield* printed(db))) expectNoSecret(`db via ${how}`, text)
    expect(String(db.url)).toContain("password=****&sslpassword=****&application_name=visible")
    // The real URL is still there for the driver.
    expect(Redacted.value(db.url.value)).toContain(SECRETS[0])
    yield* db.ping
  }).pipe(Effect.scoped)

/** URLs the configuration refuses; their error messages quote them. */
const malformed = [
  "postgres://app@127.0.0.1:99999/db",
  "postgres:///db",
  "postgres://app@127.0.0.1:5432/a/b",
  "sqlite://relative.db",
  "mysql://app@127.0.0.1/db",
  "not a url"
].map(withQuery)

const expectMaskedError = (label: string, error: DatabaseError.DatabaseError) =>
  Effect.gen(function*() {
    expect(DatabaseError.hasReason(error, "ConfigError"), label).toBe(true)
    expect(error.message, label).toContain("password=****")
    for (const [how, text] of Object.entries(yield* printed(error))) expectNoSecret(`${label} via ${how}`, text)
  })

describe("secrets in database URLs", () => {
  it.effect("a SQLite URL's query secrets never print, from the URL or the Database", () => checkDatabase("sqlite://:memory:"))

  it.effect.skipIf(!available)("a PostgreSQL URL's query secrets never print, from the URL or the Database", () => checkDatabase(pgUrl))

  it.effect("the user-info password and every spelling of a secret parameter are masked", () =>
    Effect.gen(function*() {
      const cases = [
        "password",
        "PassWord",
        "pass%77ord",
        "pass",
        "passwd",
        "pwd",
        "db_password",
        "sslpassword",
        "secret",
        "client_secret",
        "token",
        "access-token",
        "api_key",
        "apikey",
        "sslkey",
        "auth"
      ]
      for (const name of cases) {
        const db = yield* Database.make({ url: `sqlite://:memory:?sslmode=disable&${name}=${SECRETS[0]}&x=1` })
        expect(String(db.url), name).toBe(`sqlite://:memory:?sslmode=disable&${name}=****&x=1`)
      }
      const pg = yield* Effect.flip(Database.make({ url: `postgres://app:${SECRETS[0]}@127.0.0.1:99999/db?token=${SECRETS[1]}` }))
      expect(pg.message).toContain("postgres://app:****@127.0.0.1:99999/db?token=****")
    }).pipe(Effect.scoped))

  it.effect("ConfigErrors from malformed URLs quote them masked, from Database.make", () =>
    Effect.forEach(malformed, (url) =>
      Effect.flatMap(Effect.flip(Effect.scoped(Database.make({ url }))), (error) => expectMaskedError(url, error)), { discard: true }))

  it.effect("ConfigErrors from malformed URLs quote them masked, from layerConfig", () =>
    Effect.forEach(malformed, (url) =>
      Effect.flip(Effect.scoped(Layer.build(Database.layerConfig()))).pipe(
        Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord({ DATABASE_URL: url })),
        Effect.flatMap((error) => expectMaskedError(url, error))
      ), { discard: true }))

  it.effect("a connection failure does not print the URL's secrets", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.scoped(Database.make({
        url: withQuery("postgres://app@127.0.0.1:1/db"),
        connectTimeout: "2 seconds"
      })))
      expect(DatabaseError.hasReason(error, "ConnectionError")).toBe(true)
      for (const [how, text] of Object.entries(yield* printed(error))) expectNoSecret(`ConnectionError via ${how}`, text)
    }))
})
