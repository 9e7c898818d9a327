/** Every scenario, in the order they run. Add a scenario by adding its module here. */
import type { Scenario } from "../harness.js"
// Adds ours through the ORM (session.get, Query, saveAll, with) to the scenarios below.
import "./orm.js"
import { scenario as concurrent } from "./concurrent.js"
import { scenario as eagerLoad } from "./eagerLoad.js"
import { scenario as joinAggregate } from "./joinAggregate.js"
import { scenario as pointSelect } from "./pointSelect.js"
import { scenarios as smallStreams } from "./smallStream.js"
import { scenario as stream } from "./stream.js"
import { insert, upsert } from "./write.js"

export const scenarios: ReadonlyArray<Scenario> = [pointSelect, concurrent, insert, upsert, eagerLoad, stream, ...smallStreams, joinAggregate]
