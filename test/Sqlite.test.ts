import { suite as coreSuite } from "./suites/core.js"
import { sqliteMemory } from "./support/layers.js"

coreSuite("sqlite :memory:", sqliteMemory)
