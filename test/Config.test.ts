import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { inspect } from "node:util"
import * as Database from "../src/Database.js"
import * as DatabaseError from "../src/DatabaseError.js"
import { expectMessageFormat } from "./support/messages.js"

const configErrorOf = (options: Database.Options) =>
  Effect.flip(Effect.scoped(Database.make(options)))

describe("configuration", () => {
  for (
    const [url, expected] of [
      ["mysql://root@127.0.0.1/test", /unknown database dialect "mysql"/],
      ["not a url", /has no scheme/],
      ["postgres://user@127.0.0.1:notaport/db", /malformed|invalid port/],
      ["postgres://user@127.0.0.1:70000/db", /malformed|invalid port/],
      ["sqlite://relative.db", /names a host/],
      ["sqlite:///", /names no file/],
      ["postgres:///db", /no host|malformed/]
    ] as const
  ) {
    it.effect(`rejects ${JSON.stringify(url)} with a ConfigError`, () =>
      Effect.gen(function*() {
        const error = yield* configErrorOf({ url })
        expect(error.reason._tag).toBe("ConfigError")
        expect(error.message).toMatch(expected)
        expectMessageFormat(error.reason)
      }))
  }

  it.effect("rejects an empty URL with a ConfigError", () =>
    Effect.gen(function*() {
      const error = yield* configErrorOf({ url: "" })
      expect(error.reason._tag).toBe("ConfigError")
      expect(error.message).toMatch(/database URL is empty/)
    }))

  it.effect("masks the password of a bad URL in the error message", () =>
    Effect.gen(function*() {
      const error = yield* configErrorOf({ url: "postgres://admin:s3cret@127.0.0.1:99999/db" })
      expect(error.reason._tag).toBe("ConfigError")
      expect(error.message).not.toContain("s3cret")
      expect(error.message).toContain("****")
    }))

  it.effect("rejects out-of-range options", () =>
    Effect.gen(function*() {
      const pool = yield* configErrorOf({ url: "sqlite://:memory:", poolSize: 0 })
      expect(pool.message).toMatch(/poolSize must be an integer >= 1/)
      const min = yield* configErrorOf({ url: "sqlite://:memory:", poolSize: 2, poolMin: 5 })
      expect(min.message).toMatch(/poolMin \(5\) is larger than poolSize \(2\)/)
      const timeout = yield* configErrorOf({ url: "sqlite://:memory:", busyTimeout: "forever" as any })
      expect(timeout.message).toMatch(/busyTimeout must be a finite duration/)
    }))

  it.effect("rejects a closeTimeout or preparedStatementCacheSize out of range", () =>
    Effect.gen(function*() {
      const close = yield* configErrorOf({ url: "sqlite://:memory:", closeTimeout: 0 })
      expect(close.message).toMatch(/closeTimeout must be longer than 0/)
      const unbounded = yield* configErrorOf({ url: "sqlite://:memory:", closeTimeout: "forever" as any })
      expect(unbounded.message).toMatch(/closeTimeout must be a finite duration/)
      const cache = yield* configErrorOf({ url: "sqlite://:memory:", preparedStatementCacheSize: 0 })
      expect(cache.message).toMatch(/preparedStatementCacheSize must be an integer >= 1/)
    }))

  it.effect("layerConfig reads DATABASE_URL and friends through Effect Config", () =>
    Effect.gen(function*() {
      const db = yield* Database.Database
      expect(db.dialect).toBe("sqlite")
      yield* db.ping
    }).pipe(
      Effect.provide(Database.layerConfig()),
      Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord({ DATABASE_URL: "sqlite://:memory:", DATABASE_ECHO: "false" }))
    ))

  it.effect("defaultConfig reads every plain option from the environment", () =>
    Effect.gen(function*() {
      const options = yield* Database.defaultConfig
      expect({ ...options, url: undefined }).toEqual({
        url: undefined,
        poolIdleTimeout: Duration.seconds(30),
        closeTimeout: Duration.seconds(2),
        preparedStatements: false,
        preparedStatementCacheSize: 50,
        replicaLagTimeout: Duration.millis(100),
        wal: false,
        safeIntegers: true
      })
    }).pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord({
      DATABASE_URL: "sqlite://:memory:",
      DATABASE_POOL_IDLE_TIMEOUT: "30 seconds",
      DATABASE_CLOSE_TIMEOUT: "2 seconds",
      DATABASE_PREPARED_STATEMENTS: "false",
      DATABASE_PREPARED_STATEMENT_CACHE_SIZE: "50",
      DATABASE_REPLICA_LAG_TIMEOUT: "100 millis",
      DATABASE_WAL: "false",
      DATABASE_SAFE_INTEGERS: "true"
    }))))

  it.effect("DATABASE_SAFE_INTEGERS reaches the layer: SQLite integers read back as exact bigints", () =>
    Effect.gen(function*() {
      const db = yield* Database.Database
      expect(yield* db.sql<{ n: unknown }>`SELECT 9007199254740993 AS n`).toEqual([{ n: 9007199254740993n }])
    }).pipe(
      Effect.provide(Database.layerConfig()),
      Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord({ DATABASE_URL: "sqlite://:memory:", DATABASE_SAFE_INTEGERS: "true" }))
    ))

  it.effect("a malformed DATABASE_PREPARED_STATEMENT_CACHE_SIZE is a ConfigError naming it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Layer.build(Database.layerConfig()).pipe(Effect.scoped))
      expect(DatabaseError.hasReason(error, "ConfigError")).toBe(true)
      expect(error.message).toContain("DATABASE_PREPARED_STATEMENT_CACHE_SIZE")
    }).pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord({
      DATABASE_URL: "sqlite://:memory:",
      DATABASE_PREPARED_STATEMENT_CACHE_SIZE: "many"
    }))))

  it.effect("layerConfig without DATABASE_URL is a ConfigError naming it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Layer.build(Database.layerConfig()).pipe(Effect.scoped))
      expect(DatabaseError.hasReason(error, "ConfigError")).toBe(true)
      expect(error.message).toContain("DATABASE_URL")
    }).pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord({}))))

  it.effect("db.url never prints the password", () =>
    Effect.gen(function*() {
      const db = yield* Database.make({ url: Redacted.make("sqlite://:memory:") })
      expect(String(db.url)).toBe("sqlite://:memory:")
      const masked = "postgres://app:****@db.internal:5432/prod"
      const { DatabaseUrl } = yield* Effect.promise(() => import("../src/internal/url.js"))
      const url = new DatabaseUrl("postgres://app:hunter2@db.internal:5432/prod", "pg")
      expect(String(url)).toBe(masked)
      expect(JSON.stringify({ url })).toBe(JSON.stringify({ url: masked }))
      expect(inspect(url)).not.toContain("hunter2")
      expect(Redacted.value(url.value)).toContain("hunter2")
    }).pipe(Effect.scoped))
})
