import { suite as batchedGetSuite } from "./suites/batchedGet.js"
import { suite as bulkWriteSuite } from "./suites/bulkWrite.js"
import { suite as concurrencySuite } from "./suites/concurrency.js"
import { suite as coreSuite } from "./suites/core.js"
import { suite as datesSuite } from "./suites/dates.js"
import { suite as ddlSafetySuite } from "./suites/ddlSafety.js"
import { sqliteRefuses, suite as existingDatabasesSuite } from "./suites/existingDatabases.js"
import { suite as hooksSuite } from "./suites/hooks.js"
import { suite as inListsSuite } from "./suites/inLists.js"
import { suite as manyToManySuite } from "./suites/manyToMany.js"
import { suite as eagerLoadSuite } from "./suites/eagerLoad.js"
import { sqliteOnly as migrationsRunnerSqliteOnly, suite as migrationsRunnerSuite } from "./suites/migrationsRunner.js"
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
import { sqliteMemory } from "./support/layers.js"

coreSuite("sqlite :memory:", sqliteMemory)
concurrencySuite("sqlite :memory:", sqliteMemory, { parallelConnections: false })
batchedGetSuite("sqlite :memory:", sqliteMemory)
tablesSuite("sqlite :memory:", sqliteMemory({ tables: suiteTables }))
sessionSuite("sqlite :memory:", sqliteMemory)
pointLookupsSuite("sqlite :memory:", sqliteMemory)
valuesSuite("sqlite :memory:", sqliteMemory)
valuesSuite("sqlite :memory: safeIntegers", sqliteMemory, { safeIntegers: true })
ddlSafetySuite("sqlite :memory:", sqliteMemory)
writeInputsSuite("sqlite :memory:", sqliteMemory)
bulkWriteSuite("sqlite :memory:", sqliteMemory)
inListsSuite("sqlite :memory:", sqliteMemory)
sqlClientSuite("sqlite :memory:", sqliteMemory)
existingDatabasesSuite("sqlite :memory:", sqliteMemory, existingDatabases.sqlite)
sqliteRefuses(sqliteMemory)
querySuite("sqlite :memory:", sqliteMemory, { rowLocks: false })
manyToManySuite("sqlite :memory:", sqliteMemory)
eagerLoadSuite("sqlite :memory:", sqliteMemory)
datesSuite("sqlite :memory:", sqliteMemory)
pgTypesSuite("sqlite :memory:", sqliteMemory)
hooksSuite("sqlite :memory:", sqliteMemory)
typedSessionSuite("sqlite :memory:", sqliteMemory)
migrationsRunnerSuite("sqlite :memory:", sqliteMemory)
migrationsRunnerSqliteOnly(sqliteMemory)
readOnlySuite("sqlite :memory:", sqliteMemory)
