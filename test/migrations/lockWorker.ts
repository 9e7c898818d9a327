/**
 * One "app instance" of the lock test: waits for the barrier file, then runs
 * `Migrations.up` against the database given. Each migration writes its id
 * to a plain log table and sleeps inside its transaction, so two instances
 * started together overlap. Exits 0 on success, 1 (printing the error)
 * otherwise.
 *
 * node --import tsx --conditions=source lockWorker.ts <url> <barrier file> <pooler|direct> [setup]
 *
 * With `setup` it applies the first migration only (the log table), at once.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as Database from "../../src/Database.js"
import * as Migrations from "../../src/Migrations.js"

const [url, barrier, mode, phase] = process.argv.slice(2)
if (url === undefined || barrier === undefined) {
  console.error("usage: lockWorker.ts <url> <barrier file> [pooler]")
  process.exit(2)
}

const logged = (id: string): Migrations.Migration => ({
  id,
  name: `step_${id}`,
  up: Effect.gen(function*() {
    yield* Migrations.statements([`INSERT INTO lock_log (migration, pid) VALUES ('${id}', ${process.pid})`])
    yield* Effect.sleep("200 millis")
  })
})

const migrations: ReadonlyArray<Migrations.Migration> = [
  {
    id: "1",
    name: "log",
    up: Migrations.statements([
      "CREATE TABLE lock_log (migration TEXT NOT NULL, pid INTEGER NOT NULL)",
      // No pid here: the statements are the checksum, the same in every process.
      "INSERT INTO lock_log (migration, pid) VALUES ('1', 0)"
    ])
  },
  logged("2"),
  logged("3"),
  logged("4")
]

const waitForBarrier = Effect.promise(async () => {
  while (!fs.existsSync(barrier)) await new Promise((resolve) => setTimeout(resolve, 5))
})

const run = phase === "setup" ? Migrations.up({ migrations, to: "1" }) : Effect.andThen(waitForBarrier, Migrations.up({ migrations }))

const program = run.pipe(
  Effect.provide(Database.layer({ url, ...(mode === "pooler" ? { pooler: "transaction" as const } : {}) }))
)

Effect.runPromise(program).then(
  (applied) => {
    console.log(JSON.stringify(applied.map((a) => a.id)))
    process.exit(0)
  },
  (error) => {
    console.error(String(error))
    process.exit(1)
  }
)
