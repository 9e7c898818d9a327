/**
 * `up`, `down` and `status`: the migrations of a source against the
 * migrations table of the `Database` in context.
 *
 * Every migration runs in a transaction of its own that also writes its row
 * of the migrations table, so it is applied entirely or not at all. Runners
 * in other fibers or processes take turns through the dialect's lock (a
 * transaction-scoped advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite)
 * and re-read the table once they hold it: a migration another runner
 * applied meanwhile is skipped.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { Connection } from "../../Connection.js"
import { Database } from "../../Database.js"
import * as DatabaseError from "../../DatabaseError.js"
import { Session } from "../../Session.js"
import { CurrentMigration } from "./current.js"
import { migrationError } from "./errors.js"
import type { Migration } from "./model.js"
import { compareIds, compareMigrations, label } from "./order.js"
import {
  changedMeanwhile,
  destructiveRefusal,
  irreversibleRefusal,
  outOfOrderRefusal,
  sourceRefusal,
  transactionalRefusal
} from "./refusals.js"
import type { Applied, DownOptions, Options, State, StatusEntry, UpOptions } from "../../Migrations.js"
import { load } from "./source.js"
import { type AppliedRow, migrationsTable, type MigrationsTable } from "./table.js"

// The option and result shapes are the public module's (documented there).
export type { Applied, DownOptions, Options, State, StatusEntry, UpOptions }

interface Run {
  readonly db: Database
  readonly table: MigrationsTable
  readonly migrations: ReadonlyArray<Migration>
  /** Modules imported at run time: their failures' types are unknown (see `bodyOf`). */
  readonly fromDirectory: boolean
}

/**
 * `up` or `down` from inside a running migration: on PostgreSQL it would
 * wait forever for the lock its own transaction holds (on SQLite, for the
 * connection).
 */
const refuseInsideMigration = Effect.flatMap(Effect.service(CurrentMigration), (running) =>
  running === undefined ? Effect.void : Effect.fail(migrationError(
    "invalid",
    `migration ${running.label} (${running.direction}) runs the migrations runner: it would wait for the migrations lock that its own run holds (apply migrations from outside migrations, e.g. with Migrations.layer at start)`,
    { migrations: [running.label] }
  )))

const prepare = (options: Options): Effect.Effect<Run, DatabaseError.DatabaseError, Database> =>
  Effect.gen(function*() {
    const db = yield* Database
    const table = yield* migrationsTable(db, options?.table)
    const migrations = yield* load(options)
    return { db, table, migrations, fromDirectory: "directory" in options }
  })

const withConnection = <A, E, R>(db: Database, use: (conn: Connection) => Effect.Effect<A, E, R>) =>
  Effect.scoped(Effect.flatMap(db.connect, use))

const withLock = (table: MigrationsTable, session: Connection) =>
  table.lock === undefined ? Effect.void : Effect.asVoid(session.execute(table.lock.sql, table.lock.params))

/**
 * Creates the migrations table if missing, under the lock (two runners may
 * start at once). Looked for first without it: most starts find the table,
 * and need not wait for the write lock (SQLite) to learn so.
 */
const ensureTable = ({ db, table }: Run): Effect.Effect<void, DatabaseError.DatabaseError> =>
  Effect.flatMap(withConnection(db, table.exists), (exists) =>
    exists
      ? Effect.void
      : db.begin(Effect.flatMap(Session, (session) =>
        Effect.andThen(withLock(table, session), Effect.asVoid(session.execute(table.create))))))

/** The applied rows; none when the table does not exist yet (nothing is created). */
const readApplied = ({ db, table }: Run): Effect.Effect<ReadonlyArray<AppliedRow>, DatabaseError.DatabaseError> =>
  withConnection(db, (conn) =>
    Effect.flatMap(table.exists(conn), (exists) => exists ? table.readAll(conn) : Effect.succeed([])))

const now = Effect.sync(() => performance.now())

/**
 * Under the lock: true when another runner already did `m`; a failure when
 * it changed the table so that doing `m` now would break the order (see
 * `changedMeanwhile`; unchecked for an up with `allowOutOfOrder`).
 */
const alreadyDone = (run: Run, conn: Connection, m: Migration, direction: "up" | "down", inOrder: boolean) =>
  Effect.flatMap(run.table.readAll(conn), (applied) => {
    const isApplied = applied.some((row) => row.id === m.id)
    if (direction === "up" ? isApplied : !isApplied) return Effect.succeed(true)
    const changed = inOrder ? changedMeanwhile(run.migrations, applied, m, direction) : undefined
    return changed === undefined ? Effect.succeed(false) : Effect.fail(changed)
  })

const writeRow = (table: MigrationsTable, conn: Connection, m: Migration, direction: "up" | "down", durationMs: number) =>
  direction === "up"
    ? table.record(conn, { id: m.id, name: m.name, checksum: m.checksum, durationMs })
    : table.remove(conn, m.id)

/**
 * A migration's `up` or `down`. A hand-written migration given in code
 * fails with its own error, unchanged (after the rollback): `Migrations.up`
 * types it from the migrations given (`MigrationFailure`), so it is cast
 * here. A directory's modules are imported at run time and their error types
 * are unknown, so what they fail with that is not a `DatabaseError` becomes
 * a `MigrationError` (`failed`) with it as the cause: `DatabaseError` stays
 * the whole truth for a directory.
 */
const bodyOf = (
  run: Run,
  m: Migration,
  direction: "up" | "down",
  transactional: boolean
): Effect.Effect<void, DatabaseError.DatabaseError, Database> => {
  const body = (direction === "up" ? m.up : m.down!).pipe(
    Effect.provideService(CurrentMigration, { label: label(m), direction, transactional })
  )
  if (!run.fromDirectory) return body as Effect.Effect<void, DatabaseError.DatabaseError, Database>
  return Effect.mapError(body, (error) =>
    DatabaseError.isDatabaseError(error) ? error : migrationError(
      "failed",
      `migration ${label(m)} (${direction}) failed: ${errorText(error)}${
        transactional
          ? " (it was rolled back: the schema and the migrations table are as before; fix the migration and run again)"
          : " (it is not transactional: what it did before failing stays applied and it is not recorded; repair the schema by hand, then run again)"
      }`,
      { migrations: [label(m)], cause: error }
    ))
}

const errorText = (error: unknown): string => {
  const tag = typeof error === "object" && error !== null && "_tag" in error ? `${String(error._tag)}: ` : ""
  return `${tag}${error instanceof Error ? error.message : String(error)}`.replace(/\s+/g, " ")
}

/**
 * One migration in its own transaction with its migrations-table write,
 * after taking the lock and re-reading the table. Undefined when another
 * runner did it first.
 */
const runInTransaction = (run: Run, m: Migration, direction: "up" | "down", inOrder: boolean) => {
  const { db, table } = run
  return withConnection(db, (conn) =>
    table.dialect.aroundTransaction(
      conn,
      db.begin(Effect.gen(function*() {
        const session = yield* Session
        yield* withLock(table, session)
        if (yield* alreadyDone(run, session, m, direction, inOrder)) return undefined
        const started = yield* now
        yield* bodyOf(run, m, direction, true)
        const violations = yield* table.dialect.violations(session)
        if (violations.length > 0) {
          return yield* Effect.fail(migrationError(
            "failed",
            `migration ${label(m)} (${direction}) leaves rows whose foreign keys point nowhere: ${violations.join("; ")} (it was rolled back; make the migration fix or delete those rows before the constraint applies)`,
            { migrations: [label(m)] }
          ))
        }
        const durationMs = Math.round((yield* now) - started)
        yield* writeRow(table, session, m, direction, durationMs)
        return { id: m.id, name: m.name, direction, durationMs } satisfies Applied
      }))
    )
  )
}

/**
 * The lock of a transaction that stays open while a non-transactional
 * migration runs, sent as a simple query: a statement of the extended
 * protocol leaves its portal, and so a snapshot (`backend_xmin`), in the idle
 * transaction, and `CREATE INDEX CONCURRENTLY` waits for every older
 * snapshot to go, this one included: it would wait forever.
 */
const lockWithoutSnapshot = (db: Database, table: MigrationsTable): Effect.Effect<void, DatabaseError.DatabaseError> =>
  table.lock === undefined ? Effect.void : db.sql.unsafe(table.lock.sql).unprepared.pipe(
    Effect.asVoid,
    Effect.mapError((e) => {
      const cause = (e.reason as { readonly cause?: unknown }).cause
      return DatabaseError.isDatabaseError(cause)
        ? cause
        : migrationError("failed", `taking the migrations lock failed: ${e.message}`, { statement: table.lock!.sql, cause: e })
    })
  )

const needsSecondConnection = (m: Migration, cause: DatabaseError.DatabaseError) =>
  migrationError(
    "failed",
    `migration ${label(m)} needs a second connection: it is not transactional, so it runs on a connection of its own while another holds the migrations lock in a transaction, and none became free within connectTimeout (raise poolSize to 2 or more)`,
    { migrations: [label(m)], cause }
  )

/**
 * A migration that cannot run in a transaction (`CREATE INDEX
 * CONCURRENTLY`): the lock is held by a transaction on a connection of its
 * own for as long as it runs, its statements run in autocommit, then its
 * row is written. A failure leaves what its earlier statements did.
 */
const runOutsideTransaction = (run: Run, m: Migration, direction: "up" | "down", inOrder: boolean) => {
  const { db, table } = run
  return Effect.scoped(Effect.gen(function*() {
    const locked = yield* Deferred.make<void, DatabaseError.DatabaseError>()
    const finished = yield* Deferred.make<void>()
    yield* Effect.forkScoped(
      db.begin(
        Effect.andThen(
          Effect.andThen(lockWithoutSnapshot(db, table), Deferred.succeed(locked, undefined)),
          Deferred.await(finished)
        )
      ).pipe(
          Effect.onExit((exit) => Exit.isFailure(exit) ? Deferred.failCause(locked, exit.cause) : Effect.void)
        )
    )
    yield* Deferred.await(locked)
    const onSecondConnection = <A, R>(effect: Effect.Effect<A, DatabaseError.DatabaseError, R>) =>
      Effect.catchIf(
        effect,
        (e) => DatabaseError.hasReason(e, "ConnectionError") && e.reason.kind === "pool_timeout",
        (e) => Effect.fail(needsSecondConnection(m, e))
      )
    if (yield* onSecondConnection(withConnection(db, (conn) => alreadyDone(run, conn, m, direction, inOrder)))) {
      return undefined
    }
    const started = yield* now
    yield* bodyOf(run, m, direction, false)
    const durationMs = Math.round((yield* now) - started)
    yield* onSecondConnection(withConnection(db, (conn) => writeRow(table, conn, m, direction, durationMs)))
    yield* Deferred.succeed(finished, undefined)
    return { id: m.id, name: m.name, direction, durationMs } satisfies Applied
  }))
}

const runEach = (run: Run, plan: ReadonlyArray<Migration>, direction: "up" | "down", inOrder: boolean) =>
  Effect.gen(function*() {
    const done: Array<Applied> = []
    for (const m of plan) {
      const result = m.transactional === false
        ? yield* runOutsideTransaction(run, m, direction, inOrder)
        : yield* runInTransaction(run, m, direction, inOrder)
      if (result !== undefined) done.push(result)
    }
    return done as ReadonlyArray<Applied>
  })

const unknownTarget = (to: unknown, what: string) =>
  migrationError("invalid", `option to: ${JSON.stringify(to)} is not ${what} (give the id of one, e.g. "20261201045000")`)

const refuseFirst = (...refusals: ReadonlyArray<DatabaseError.DatabaseError | undefined>) => {
  const refusal = refusals.find((r) => r !== undefined)
  return refusal === undefined ? Effect.void : Effect.fail(refusal)
}

/** @internal */
export const up = (options: UpOptions): Effect.Effect<ReadonlyArray<Applied>, DatabaseError.DatabaseError, Database> =>
  Effect.gen(function*() {
    yield* refuseInsideMigration
    const run = yield* prepare(options)
    yield* refuseFirst(transactionalRefusal(run.migrations, run.table.dialect.transactionalOnly))
    const target = options.to === undefined ? undefined : run.migrations.find((m) => m.id === options.to)
    if (options.to !== undefined && target === undefined) return yield* Effect.fail(unknownTarget(options.to, "the id of a migration given"))
    const applied = yield* readApplied(run)
    const appliedIds = new Set(applied.map((row) => row.id))
    const pending = run.migrations.filter((m) =>
      !appliedIds.has(m.id) && (target === undefined || compareMigrations(m, target) <= 0)
    )
    yield* refuseFirst(
      sourceRefusal(run.migrations, applied, run.table.name),
      options.allowOutOfOrder === true ? undefined : outOfOrderRefusal(pending, applied),
      options.allowDestructive === true ? undefined : destructiveRefusal(pending, "up")
    )
    // Only now, so that a refusal writes nothing, not even the table.
    yield* ensureTable(run)
    return yield* runEach(run, pending, "up", options.allowOutOfOrder !== true)
  })

/** @internal */
export const down = (options: DownOptions): Effect.Effect<ReadonlyArray<Applied>, DatabaseError.DatabaseError, Database> =>
  Effect.gen(function*() {
    yield* refuseInsideMigration
    const run = yield* prepare(options)
    const steps = options.steps ?? 1
    if (!Number.isInteger(steps) || steps < 0) {
      return yield* Effect.fail(migrationError(
        "invalid",
        `option steps: must be a whole number >= 0, got ${typeof options.steps === "string" ? JSON.stringify(options.steps) : String(options.steps)} (the number of latest applied migrations to undo, e.g. steps: 1; or to: "<id>" to undo those after it)`
      ))
    }
    yield* refuseFirst(transactionalRefusal(run.migrations, run.table.dialect.transactionalOnly))
    const applied = yield* readApplied(run)
    yield* refuseFirst(sourceRefusal(run.migrations, applied, run.table.name))
    const byId = new Map(run.migrations.map((m) => [m.id, m]))
    const newestFirst = [...applied].sort((a, b) => compareIds(b.id, a.id)).map((row) => byId.get(row.id)!)
    let plan: ReadonlyArray<Migration>
    if (options.to !== undefined) {
      const target = newestFirst.find((m) => m.id === options.to)
      if (target === undefined) return yield* Effect.fail(unknownTarget(options.to, "an applied migration"))
      plan = newestFirst.filter((m) => compareMigrations(m, target) > 0)
    } else {
      plan = newestFirst.slice(0, steps)
    }
    yield* refuseFirst(
      irreversibleRefusal(plan),
      options.allowDestructive === true ? undefined : destructiveRefusal(plan, "down")
    )
    if (plan.length === 0) return []
    return yield* runEach(run, plan, "down", true)
  })

/** @internal */
export const status = (options: Options): Effect.Effect<ReadonlyArray<StatusEntry>, DatabaseError.DatabaseError, Database> =>
  Effect.gen(function*() {
    const run = yield* prepare(options)
    const applied = yield* readApplied(run)
    const rows = new Map(applied.map((row) => [row.id, row]))
    const known = new Set(run.migrations.map((m) => m.id))
    const ofRow = (row: AppliedRow) => ({
      appliedAt: row.appliedAt,
      durationMs: row.durationMs,
      ...(row.checksum === undefined ? {} : { checksum: row.checksum })
    })
    const entries: Array<StatusEntry> = run.migrations.map((m) => {
      const row = rows.get(m.id)
      if (row === undefined) return { id: m.id, name: m.name, state: "pending", ...(m.checksum === undefined ? {} : { checksum: m.checksum }) }
      const modified = row.checksum !== undefined && m.checksum !== undefined && row.checksum !== m.checksum
      return { id: m.id, name: m.name, state: modified ? "modified" : "applied", ...ofRow(row) }
    })
    for (const row of applied) {
      if (!known.has(row.id)) entries.push({ id: row.id, name: row.name, state: "missing", ...ofRow(row) })
    }
    return entries.sort(compareMigrations)
  })
