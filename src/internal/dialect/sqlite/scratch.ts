/**
 * The SQLite scratch database: a fresh in-memory database (one connection,
 * so everything replayed into it stays visible), gone with its scope.
 *
 * @internal
 */
import * as Database from "../../../Database.js"
import type { ScratchDatabase } from "../scratchDialect.js"

/** @internal */
export const sqliteScratchDatabase: ScratchDatabase = () => Database.make({ url: "sqlite://:memory:" })
