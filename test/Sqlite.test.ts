import { suite as coreSuite } from "./suites/core.js"
import { suite as ddlSafetySuite } from "./suites/ddlSafety.js"
import { suite as inListsSuite } from "./suites/inLists.js"
import { suite as sessionSuite } from "./suites/session.js"
import { suite as tablesSuite, suiteTables } from "./suites/tables.js"
import { suite as writeInputsSuite } from "./suites/writeInputs.js"
import { sqliteMemory } from "./support/layers.js"

coreSuite("sqlite :memory:", sqliteMemory)
tablesSuite("sqlite :memory:", sqliteMemory({ tables: suiteTables }))
sessionSuite("sqlite :memory:", sqliteMemory)
ddlSafetySuite("sqlite :memory:", sqliteMemory)
writeInputsSuite("sqlite :memory:", sqliteMemory)
inListsSuite("sqlite :memory:", sqliteMemory)
