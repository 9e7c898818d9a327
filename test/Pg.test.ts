import { describe } from "@effect/vitest"
import { suite as batchedGetSuite } from "./suites/batchedGet.js"
import { suite as bulkWriteSuite } from "./suites/bulkWrite.js"
import { suite as concurrencySuite } from "./suites/concurrency.js"
import { suite as coreSuite } from "./suites/core.js"
import { suite as datesSuite } from "./suites/dates.js"
import { suite as ddlSafetySuite } from "./suites/ddlSafety.js"
import { pgOnly, suite as existingDatabasesSuite } from "./suites/existingDatabases.js"
import { suite as hooksSuite } from "./suites/hooks.js"
import { suite as inListsSuite } from "./suites/inLists.js"
import { suite as manyToManySuite } from "./suites/manyToMany.js"
import { suite as eagerLoadSuite } from "./suites/eagerLoad.js"
import { pgOnly as migrationsRunnerPgOnly, suite as migrationsRunnerSuite } from "./suites/migrationsRunner.js"
import { suite as readOnlySuite } from "./suites/readOnly.js"
import { suite as pointLookupsSuite } from "./suites/pointLookups.js"
import { suite as querySuite } from "./suites/query.js"
import { suite as sessionSuite } from "./suites/session.js"
import { suite as pgTypesSuite } from "./suites/pgTypes.js"
import { suite as sqlClientSuite } from "./suites/sqlClient.js"
import { suite as tablesSuite, suiteTables } from "./suites/tables.js"
import { suite as valuesSuite } from "./suites/values.js"
import { suite as typedSessionSuite } from "./suites/typedSession.js"
import { suite as writeInputsSuite } from "./suites/writeInputs.js"
import * as existingDatabases from "./fixtures/existingDatabases.js"
import { pgAvailable, pgIsolated } from "./support/layers.js"

const available = await pgAvailable()

describe.skipIf(!available)("PostgreSQL", () => {
  coreSuite("postgres", pgIsolated)
  concurrencySuite("postgres", pgIsolated, { parallelConnections: true })
  batchedGetSuite("postgres", pgIsolated)
  tablesSuite("postgres", pgIsolated({ tables: suiteTables }))
  sessionSuite("postgres", pgIsolated)
  readOnlySuite("postgres", pgIsolated)
  pointLookupsSuite("postgres", pgIsolated)
  valuesSuite("postgres", pgIsolated)
  ddlSafetySuite("postgres", pgIsolated)
  writeInputsSuite("postgres", pgIsolated)
  bulkWriteSuite("postgres", pgIsolated, { pgPreparedStatements: true })
  inListsSuite("postgres", pgIsolated)
  sqlClientSuite("postgres", pgIsolated)
  existingDatabasesSuite("postgres", pgIsolated, existingDatabases.pg)
  pgOnly(pgIsolated, existingDatabases.pg)
  querySuite("postgres", pgIsolated, { rowLocks: true })
  manyToManySuite("postgres", pgIsolated)
  eagerLoadSuite("postgres", pgIsolated)
  datesSuite("postgres", pgIsolated)
  pgTypesSuite("postgres", pgIsolated)
  hooksSuite("postgres", pgIsolated)
  typedSessionSuite("postgres", pgIsolated)
  migrationsRunnerSuite("postgres", pgIsolated)
  migrationsRunnerPgOnly(pgIsolated)
})
