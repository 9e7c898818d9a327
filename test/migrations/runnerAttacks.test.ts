/**
 * The migrations runner under attack, one body per dialect: interruption at
 * every statement of a run followed by a clean run, `up` racing `down`,
 * malformed statement lists refused before anything runs, a migrations table
 * of another shape, hand-written migrations (nested begin, forked fibers) and
 * what their failures look like.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Migrations from "../../src/Migrations.js"
import { failureOf, reasonOf } from "../support/failures.js"
import { type MakeLayer, pgAvailable, pgIsolated, sqliteMemory } from "../support/layers.js"
import { expectMessageFormat } from "../support/messages.js"

const available = await pgAvailable()

const repoRoot = path.resolve(import.meta.dirname, "../..")
let scratchCounter = 0
const scratchDir = () => {
  const dir = path.join(repoRoot, ".scratch", `attacks-${process.pid}-${Date.now().toString(36)}-${scratchCounter++}`)
  fs.mkdirSync(dir, { recursive: true })
  return dir
}
const migrationFile = (table: string) =>
  [
    `import * as Migrations from "${path.join(repoRoot, "src/Migrations.js").replace(/\\/g, "/")}"`,
    `export const up = Migrations.statements(["CREATE TABLE ${table} (id INTEGER PRIMARY KEY)"])`,
    `export const down = Migrations.statements(["DROP TABLE ${table}"])`,
    ``
  ].join("\n")

const rowsOf = (db: Database.Database, sql: string) => Effect.scoped(Effect.flatMap(db.connect, (conn) => conn.all(sql)))

const idsOf = (db: Database.Database, sql: string) =>
  Effect.map(rowsOf(db, sql), (rows) => rows.map((r) => Number(r.id)).sort((a, b) => a - b))

const migrationErrorOf = <A>(exit: Exit.Exit<A, unknown>) => {
  const reason = reasonOf(failureOf(exit))
  if (reason._tag !== "MigrationError") throw new Error(`expected a MigrationError, got ${reason._tag}: ${reason.message}`)
  expectMessageFormat(reason)
  return reason
}


/** A log table, then two migrations writing to it (one hand-written with a nested begin), then a third. */
const logged = (suffix: string): ReadonlyArray<Migrations.Migration> => [
  {
    id: "1",
    name: "log",
    up: Migrations.statements([`CREATE TABLE log_${suffix} (id INTEGER PRIMARY KEY)`]),
    down: Migrations.statements([`DROP TABLE log_${suffix}`])
  },
  {
    id: "2",
    name: "nested",
    up: Effect.gen(function*() {
      const db = yield* Database.Database
      yield* db.begin(Migrations.statements([`INSERT INTO log_${suffix} (id) VALUES (2)`]))
    }),
    down: Migrations.statements([`DELETE FROM log_${suffix} WHERE id = 2`])
  },
  {
    id: "3",
    name: "third",
    up: Migrations.statements([`INSERT INTO log_${suffix} (id) VALUES (3)`]),
    down: Migrations.statements([`DELETE FROM log_${suffix} WHERE id = 3`])
  }
]

class Boom extends Data.TaggedError("Boom")<{ readonly note: string }> {}

/** The ids a run applied or undid, or the kind of MigrationError it failed with. */
const outcomeOf = (exit: Exit.Exit<ReadonlyArray<Migrations.Applied>, unknown>) =>
  Exit.isSuccess(exit) ? exit.value.map((a) => a.id) : migrationErrorOf(exit).kind

/**
 * Until another runner waits for the migrations lock: PostgreSQL shows it in
 * pg_locks (keyed by this schema); SQLite's runners take turns on its one
 * connection, so a short real wait lets the other fiber reach it.
 */
const waitForLockWaiter = (db: Database.Database) =>
  db.dialect === "pg"
    ? Effect.gen(function*() {
      for (let i = 0; i < 200; i++) {
        const rows = yield* rowsOf(
          db,
          "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid::bigint = (hashtext(current_schema())::bigint + 4294967296) % 4294967296"
        )
        if (Number(rows[0]!.n) > 0) return
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
      }
      throw new Error("no runner waited for the migrations lock within 2 s")
    })
    : Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 50)))

const attacks = (name: string, makeLayer: MakeLayer) => {
  let onStatement: (sql: string) => void = () => {}
  describe(`migrations runner attacks (${name})`, () => {
    it.effect("interrupted at each statement of a run, the next run applies every migration exactly once and the connection is clean", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        // How many statements a whole run takes.
        let total = 0
        onStatement = () => total++
        yield* Migrations.up({ migrations: logged("count"), table: "mig_count" })
        onStatement = () => {}
        expect(total).toBeGreaterThan(10)
        for (let k = 1; k <= total; k++) {
          const table = `mig_k${k}`
          const migrations = logged(`k${k}`)
          let seen = 0
          let fiber: Fiber.Fiber<unknown, unknown> | undefined
          onStatement = () => {
            if (++seen === k) fiber!.interruptUnsafe()
          }
          fiber = yield* Effect.forkChild(Migrations.up({ migrations, table }))
          const first = yield* Fiber.await(fiber)
          expect({ k, interrupted: Exit.hasInterrupts(first) }).toEqual({ k, interrupted: true })
          onStatement = () => {}
          const again = yield* Effect.exit(Migrations.up({ migrations, table }))
          if (Exit.isFailure(again)) throw new Error(`k=${k}: second run failed: ${String(again.cause)}`)
          expect({ k, log: yield* idsOf(db, `SELECT id FROM log_k${k}`) }).toEqual({ k, log: [2, 3] })
          expect({ k, applied: yield* idsOf(db, `SELECT id FROM ${table}`) }).toEqual({ k, applied: [1, 2, 3] })
          if (db.dialect === "sqlite") {
            expect({ k, fk: Number((yield* rowsOf(db, "PRAGMA foreign_keys"))[0]!.foreign_keys) }).toEqual({ k, fk: 1 })
          }
          // The pool is healthy: a transaction begins, writes and commits.
          yield* db.begin(Migrations.statements([`INSERT INTO log_k${k} (id) VALUES (100)`]))
          expect((yield* idsOf(db, `SELECT id FROM log_k${k}`)).includes(100)).toBe(true)
        }
      }).pipe(Effect.provide(makeLayer({ onStatement: (sql) => onStatement(sql) })), Effect.scoped), 120_000)

    // A runner plans from the table it read before taking the lock: the
    // other runner may have changed it by the time it holds the lock.
    const gated = (suffix: string, gate: Deferred.Deferred<void>, inside: Deferred.Deferred<void>, direction: "up" | "down") => {
      const list = logged(suffix)
      const hold = Effect.andThen(Deferred.succeed(inside, undefined), Deferred.await(gate))
      return direction === "up"
        ? [list[0]!, list[1]!, { ...list[2]!, up: Effect.andThen(hold, list[2]!.up) }]
        : [list[0]!, { ...list[1]!, down: Effect.andThen(hold, list[1]!.down!) }, list[2]!]
    }

    it.effect("up racing down: a down planned before another runner applied a newer migration does not undo an older one under it", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const gate = yield* Deferred.make<void>()
        const inside = yield* Deferred.make<void>()
        const migrations = gated("race_ud", gate, inside, "up")
        yield* Migrations.up({ migrations, to: "2" })
        const applying = yield* Effect.forkChild(Migrations.up({ migrations }))
        yield* Deferred.await(inside)
        const undoing = yield* Effect.forkChild(Migrations.down({ migrations }))
        yield* waitForLockWaiter(db)
        yield* Deferred.succeed(gate, undefined)
        expect((yield* Fiber.join(applying)).map((a) => a.id)).toEqual(["3"])
        const undone = yield* Fiber.await(undoing)
        const applied = yield* idsOf(db, "SELECT id FROM effect_sqlservice_migrations")
        // PostgreSQL: down read the table before 3 committed and planned to
        // undo 2; under the lock it finds 3 and refuses. SQLite's runners take
        // turns on its one connection, so down reads the table after 3.
        expect([outcomeOf(undone), applied]).toEqual(
          db.dialect === "pg" ? ["outOfOrder", [1, 2, 3]] : [["3"], [1, 2]]
        )
        expect((yield* Migrations.status({ migrations })).every((s) => s.state !== "missing")).toBe(true)
      }).pipe(Effect.provide(makeLayer()), Effect.scoped))

    it.effect("down racing up: an up planned before another runner undid an older migration does not apply over the hole", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const gate = yield* Deferred.make<void>()
        const inside = yield* Deferred.make<void>()
        const migrations = gated("race_du", gate, inside, "down")
        yield* Migrations.up({ migrations, to: "2" })
        const undoing = yield* Effect.forkChild(Migrations.down({ migrations }))
        yield* Deferred.await(inside)
        const applying = yield* Effect.forkChild(Migrations.up({ migrations }))
        yield* waitForLockWaiter(db)
        yield* Deferred.succeed(gate, undefined)
        expect((yield* Fiber.join(undoing)).map((a) => a.id)).toEqual(["2"])
        const upExit = yield* Fiber.await(applying)
        const applied = yield* idsOf(db, "SELECT id FROM effect_sqlservice_migrations")
        expect([outcomeOf(upExit), applied]).toEqual(
          db.dialect === "pg" ? ["outOfOrder", [1]] : [["2", "3"], [1, 2, 3]]
        )
      }).pipe(Effect.provide(makeLayer()), Effect.scoped))

    it.effect("an empty statement in a statements list is refused before any migration runs", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const migrations = [
          ...logged("empty").slice(0, 1),
          { id: "2", name: "blank", up: Migrations.statements(["INSERT INTO log_empty (id) VALUES (2)", "  "]) }
        ]
        const reason = migrationErrorOf(yield* Effect.exit(Migrations.up({ migrations })))
        expect([reason.kind, reason.migrations]).toEqual(["invalid", ["2_blank"]])
        expect(reason.message).toContain("statement 2")
        expect((yield* db.reflect()).tables.map((t) => t.name)).toEqual([])
      }).pipe(Effect.provide(makeLayer()), Effect.scoped))

    it.effect("a migrations table of another shape is refused with a typed, actionable error, and nothing runs", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        yield* db.begin(Migrations.statements(["CREATE TABLE effect_sqlservice_migrations (version INTEGER PRIMARY KEY)"]))
        for (const run of [Effect.asVoid(Migrations.up({ migrations: logged("shape") })), Effect.asVoid(Migrations.status({ migrations: logged("shape") }))]) {
          const reason = migrationErrorOf(yield* Effect.exit(run))
          expect(reason.kind).toBe("invalid")
          expect(reason.message).toContain("effect_sqlservice_migrations")
          expect(reason.message).toContain("table:")
        }
        expect((yield* db.reflect()).tables.map((t) => t.name)).toEqual(["effect_sqlservice_migrations"])
      }).pipe(Effect.provide(makeLayer()), Effect.scoped))

    it.effect("fibers forked inside a migration write in its transaction and roll back with it", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const forking = {
          id: "2",
          name: "forks",
          up: Effect.gen(function*() {
            const db = yield* Database.Database
            const fibers = yield* Effect.forEach([10, 11, 12], (id) => Effect.forkChild(db.sql`INSERT INTO log_forks (id) VALUES (${id})`))
            yield* Fiber.joinAll(fibers)
            return yield* Migrations.statements(["INSERT INTO no_such_table (id) VALUES (1)"])
          })
        }
        yield* Migrations.up({ migrations: logged("forks").slice(0, 1) })
        const reason = migrationErrorOf(yield* Effect.exit(Migrations.up({ migrations: [...logged("forks").slice(0, 1), forking] })))
        expect([reason.kind, reason.migrations]).toEqual(["failed", ["2_forks"]])
        expect(yield* idsOf(db, "SELECT id FROM log_forks")).toEqual([])
        const ok = { ...forking, up: Effect.asVoid(Effect.flatMap(Database.Database, (db) => Effect.forEach([10, 11], (id) => db.sql`INSERT INTO log_forks (id) VALUES (${id})`, { concurrency: 2 }))) }
        yield* Migrations.up({ migrations: [...logged("forks").slice(0, 1), ok] })
        expect(yield* idsOf(db, "SELECT id FROM log_forks")).toEqual([10, 11])
      }).pipe(Effect.provide(makeLayer()), Effect.scoped))

    it.effect("a directory: a symlinked migration file runs, a subdirectory is left alone, a broken link and a module that throws are refused", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const dir = scratchDir()
        const elsewhere = scratchDir()
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            fs.rmSync(dir, { recursive: true, force: true })
            fs.rmSync(elsewhere, { recursive: true, force: true })
          })
        )
        fs.writeFileSync(path.join(dir, "1_real.ts"), migrationFile("dir_a"))
        fs.writeFileSync(path.join(elsewhere, "shared.ts"), migrationFile("dir_b"))
        fs.symlinkSync(path.join(elsewhere, "shared.ts"), path.join(dir, "2_linked.ts"))
        fs.mkdirSync(path.join(dir, "archive"))
        fs.writeFileSync(path.join(dir, "archive", "0_old.ts"), "throw new Error('never imported')\n")
        expect((yield* Migrations.up({ directory: dir })).map((a) => a.name)).toEqual(["real", "linked"])
        expect((yield* db.reflect()).tables.map((t) => t.name).sort()).toEqual(["dir_a", "dir_b", "effect_sqlservice_migrations"])

        fs.symlinkSync(path.join(elsewhere, "gone.ts"), path.join(dir, "3_dangling.ts"))
        const dangling = migrationErrorOf(yield* Effect.exit(Migrations.up({ directory: dir })))
        expect([dangling.kind, dangling.migrations]).toEqual(["invalid", ["3_dangling.ts"]])
        fs.rmSync(path.join(dir, "3_dangling.ts"))

        fs.writeFileSync(path.join(dir, "3_throws.ts"), "throw new Error('broken at import')\n")
        const throws = migrationErrorOf(yield* Effect.exit(Migrations.up({ directory: dir })))
        expect([throws.kind, throws.migrations]).toEqual(["invalid", ["3_throws.ts"]])
        expect(throws.message).toContain("broken at import")
      }).pipe(Effect.provide(makeLayer()), Effect.scoped))

    it.effect("a hand-written migration's own failure: typed by the migrations given in code; a directory module's becomes a MigrationError", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const failing = {
          id: "1",
          name: "custom",
          up: Effect.andThen(Migrations.statements(["CREATE TABLE typed_a (id INTEGER PRIMARY KEY)"]), Effect.fail(new Boom({ note: "no" })))
        }
        const run = Migrations.up({ migrations: [failing, ...logged("typed").slice(1)] })
        // The error channel names Boom: a handler for it type-checks, and
        // the Effect is not one failing with DatabaseError alone.
        const handled: Effect.Effect<string, DatabaseError.DatabaseError, Database.Database> = run.pipe(
          Effect.as("applied"),
          Effect.catchTag("Boom", (boom) => Effect.succeed(boom.note))
        )
        // @ts-expect-error Boom is in the error channel
        const untyped: Effect.Effect<unknown, DatabaseError.DatabaseError, Database.Database> = run
        expect(untyped).toBe(run)
        expect(yield* handled).toBe("no")

        const dir = scratchDir()
        yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
        fs.writeFileSync(
          path.join(dir, "1_throws_later.ts"),
          [
            `import * as Effect from "effect/Effect"`,
            `import * as Migrations from "${path.join(repoRoot, "src/Migrations.js").replace(/\\/g, "/")}"`,
            `export const up = Effect.andThen(Migrations.statements(["CREATE TABLE typed_b (id INTEGER PRIMARY KEY)"]), Effect.fail(new Error("the data is not ready")))`,
            ``
          ].join("\n")
        )
        const reason = migrationErrorOf(yield* Effect.exit(Migrations.up({ directory: dir })))
        expect([reason.kind, reason.migrations]).toEqual(["failed", ["1_throws_later.ts"]])
        expect(reason.message).toContain("the data is not ready")
        expect(reason.message).toContain("rolled back")
        expect((yield* db.reflect()).tables.map((t) => t.name)).toEqual(["effect_sqlservice_migrations"])
      }).pipe(Effect.provide(makeLayer()), Effect.scoped))

    it.effect("bad steps and targets are typed refusals that write nothing; steps 0 undoes nothing", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const migrations = logged("opts")
        yield* Migrations.up({ migrations })
        for (const steps of [-1, Number.NaN, 1.5, Number.POSITIVE_INFINITY, "1" as unknown as number]) {
          expect({ steps, kind: migrationErrorOf(yield* Effect.exit(Migrations.down({ migrations, steps }))).kind }).toEqual({ steps, kind: "invalid" })
        }
        expect(yield* Migrations.down({ migrations, steps: 0 })).toEqual([])
        for (const to of ["99", "x", 2 as unknown as string]) {
          expect({ to, kind: migrationErrorOf(yield* Effect.exit(Migrations.up({ migrations, to }))).kind }).toEqual({ to, kind: "invalid" })
          expect({ to, kind: migrationErrorOf(yield* Effect.exit(Migrations.down({ migrations, to }))).kind }).toEqual({ to, kind: "invalid" })
        }
        expect(yield* idsOf(db, "SELECT id FROM effect_sqlservice_migrations")).toEqual([1, 2, 3])
      }).pipe(Effect.provide(makeLayer()), Effect.scoped))

    it.effect("two statements in one string fail typed, naming the statement, rolled back", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const migrations = [
          ...logged("two").slice(0, 1),
          { id: "2", name: "two_in_one", up: Migrations.statements(["INSERT INTO log_two (id) VALUES (2); INSERT INTO log_two (id) VALUES (3)"]) }
        ]
        const exit = yield* Effect.exit(Migrations.up({ migrations }))
        const reason = migrationErrorOf(exit)
        expect([reason.kind, reason.migrations]).toEqual(["failed", ["2_two_in_one"]])
        expect(yield* idsOf(db, "SELECT id FROM log_two")).toEqual([])
      }).pipe(Effect.provide(makeLayer()), Effect.scoped))

    it.effect("runs on two databases (PostgreSQL: two schemas) do not wait for each other's lock", () =>
      Effect.gen(function*() {
        const gate = yield* Deferred.make<void>()
        const inside = yield* Deferred.make<void>()
        const held = yield* Effect.forkChild(
          Migrations.up({ migrations: gated("iso_a", gate, inside, "up") }).pipe(Effect.provide(makeLayer()))
        )
        yield* Deferred.await(inside)
        const other = yield* Migrations.up({ migrations: logged("iso_b") }).pipe(Effect.provide(makeLayer()), Effect.timeout("5 seconds"))
        expect(other.map((a) => a.id)).toEqual(["1", "2", "3"])
        yield* Deferred.succeed(gate, undefined)
        expect((yield* Fiber.join(held)).map((a) => a.id)).toEqual(["1", "2", "3"])
      }).pipe(Effect.scoped))

    it.effect("a run interrupted while it waits for the lock leaves the pool healthy and the next run applies the rest once", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const gate = yield* Deferred.make<void>()
        const inside = yield* Deferred.make<void>()
        const migrations = gated("wait", gate, inside, "up")
        yield* Migrations.up({ migrations, to: "2" })
        const holder = yield* Effect.forkChild(Migrations.up({ migrations }))
        yield* Deferred.await(inside)
        const waiter = yield* Effect.forkChild(Migrations.up({ migrations: logged("wait") }))
        yield* waitForLockWaiter(db)
        yield* Fiber.interrupt(waiter)
        yield* Deferred.succeed(gate, undefined)
        expect((yield* Fiber.join(holder)).map((a) => a.id)).toEqual(["3"])
        expect(yield* Migrations.up({ migrations: logged("wait") })).toEqual([])
        expect(yield* idsOf(db, "SELECT id FROM log_wait")).toEqual([2, 3])
        yield* db.begin(Migrations.statements(["INSERT INTO log_wait (id) VALUES (4)"]))
        expect(yield* idsOf(db, "SELECT id FROM log_wait")).toEqual([2, 3, 4])
      }).pipe(Effect.provide(makeLayer()), Effect.scoped))

    it.effect("a migration that runs the migrations runner itself is refused, typed, instead of waiting for its own lock", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        const nested = {
          id: "1",
          name: "runs_runner",
          up: Effect.asVoid(Migrations.up({ migrations: logged("inner") }))
        }
        const reason = migrationErrorOf(yield* Effect.exit(Migrations.up({ migrations: [nested] }).pipe(Effect.timeout("5 seconds"))))
        expect([reason.kind, reason.migrations]).toEqual(["invalid", ["1_runs_runner"]])
        expect((yield* db.reflect()).tables.map((t) => t.name)).toEqual(["effect_sqlservice_migrations"])
      }).pipe(Effect.provide(makeLayer()), Effect.scoped))

    it.effect("Migrations.layer twice in one application applies each migration once", () =>
      Effect.gen(function*() {
        const db = yield* Database.Database
        expect(yield* idsOf(db, "SELECT id FROM effect_sqlservice_migrations")).toEqual([1, 2, 3])
        expect(yield* idsOf(db, "SELECT id FROM log_twice")).toEqual([2, 3])
      }).pipe(
        Effect.provide(Layer.provideMerge(
          Layer.mergeAll(Migrations.layer({ migrations: logged("twice") }), Migrations.layer({ migrations: logged("twice") })),
          makeLayer()
        )),
        Effect.scoped
      ))
  })
}

/** PostgreSQL only: a non-transactional migration interrupted at each statement. */
const pgNonTransactional = (makeLayer: MakeLayer) => {
  let onStatement: (sql: string) => void = () => {}
  const migrations = (k: number): ReadonlyArray<Migrations.Migration> => [
    ...logged(`nt${k}`).slice(0, 1),
    {
      id: "2",
      name: "index",
      transactional: false,
      up: Migrations.statements([`CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_nt${k} ON log_nt${k} (id)`])
    },
    ...logged(`nt${k}`).slice(2)
  ]
  it.effect("a non-transactional migration interrupted at each statement: the lock is let go, the next run records each migration once", () =>
    Effect.gen(function*() {
      const db = yield* Database.Database
      let total = 0
      onStatement = () => total++
      yield* Migrations.up({ migrations: migrations(0), table: "mig_nt0" })
      onStatement = () => {}
      for (let k = 1; k <= total; k++) {
        let seen = 0
        let fiber: Fiber.Fiber<unknown, unknown> | undefined
        onStatement = () => {
          if (++seen === k) fiber!.interruptUnsafe()
        }
        fiber = yield* Effect.forkChild(Migrations.up({ migrations: migrations(k), table: `mig_nt${k}` }))
        const first = yield* Fiber.await(fiber)
        onStatement = () => {}
        expect({ k, interrupted: Exit.hasInterrupts(first) }).toEqual({ k, interrupted: true })
        const again = yield* Effect.exit(Migrations.up({ migrations: migrations(k), table: `mig_nt${k}` }).pipe(Effect.timeout("10 seconds")))
        if (Exit.isFailure(again)) throw new Error(`k=${k}: second run failed: ${String(again.cause)}`)
        expect({ k, applied: yield* idsOf(db, `SELECT id FROM mig_nt${k}`) }).toEqual({ k, applied: [1, 2, 3] })
        expect({ k, log: yield* idsOf(db, `SELECT id FROM log_nt${k}`) }).toEqual({ k, log: [3] })
      }
    }).pipe(Effect.provide(makeLayer({ onStatement: (sql) => onStatement(sql) })), Effect.scoped), 120_000)
}

attacks("sqlite :memory:", sqliteMemory)
describe.skipIf(!available)("PostgreSQL", () => {
  attacks("postgres", pgIsolated)
  pgNonTransactional(pgIsolated)
})
