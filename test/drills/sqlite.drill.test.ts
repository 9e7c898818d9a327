/**
 * The dialect-independent drills on SQLite (in memory).
 */
import { suite as hostileSuite } from "./suites/hostile.js"
import { suite as hostileOrmSuite } from "./suites/hostileOrm.js"
import { suite as interruptionSuite } from "./suites/interruption.js"
import { sqliteMemory } from "../support/layers.js"

interruptionSuite("sqlite :memory:", sqliteMemory)
hostileSuite("sqlite :memory:", sqliteMemory)
hostileOrmSuite("sqlite :memory:", sqliteMemory)
