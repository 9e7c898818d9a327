import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import type { Row } from "../../Connection.js"
import type * as DatabaseError from "../../DatabaseError.js"
import type * as Table from "../../Table.js"
import type { Dialect, DriverConnection } from "../dialect/Dialect.js"
import type { Frame } from "../held.js"
import { run } from "../statements.js"
import { inList, Params } from "./compile.js"
import { primaryKeyValues } from "./read.js"
import { tableInfo, type TableInfo } from "./tableInfo.js"

/**
 * One column's driver value as a map key: a key the caller bound and the
 * value the row came back with are the same driver value up to its
 * representation (an integer as a number, a bigint or, for PostgreSQL's
 * int8, text; a uuid in either case).
 */
const keyPart = (value: unknown, lowerCase: boolean): string => {
  if (value instanceof Date) return `d${value.getTime()}`
  if (value instanceof Uint8Array) return `b${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")}`
  if (value === null || value === undefined) return "null"
  const text = String(value)
  return lowerCase ? text.toLowerCase() : text
}

const keyOf = (info: TableInfo, values: ReadonlyArray<unknown>): string => {
  const key = info.primaryKey
  if (key.length === 1) return keyPart(values[0], key[0]!.dbType === "uuid")
  let out = ""
  for (let k = 0; k < key.length; k++) out += keyPart(values[k], key[k]!.dbType === "uuid") + "\u0000"
  return out
}

type Answer = Exit.Exit<Row | undefined, DatabaseError.DatabaseError>

/** One key of a batch and the callers waiting for its row. */
interface Wanted {
  readonly values: ReadonlyArray<unknown>
  readonly waiters: Set<(answer: Answer) => void>
}

/** The lookups of one table on one connection (a block's, or pooled) made before the batch is sent. */
interface Batch {
  readonly info: TableInfo
  readonly frame: Frame | undefined
  readonly wanted: Map<unknown, Wanted>
  /** Callers still waiting once the batch is sent; none left interrupts its statement. */
  waiting: number
  running: Fiber.Fiber<unknown, unknown> | undefined
}

/** @internal */
export interface BatchedGetContext {
  readonly dialect: Dialect
  /** The connection a statement of a fiber in `frame` runs on (as `db.sql`'s), or why there is none. */
  readonly connection: (frame: Frame | undefined) => Result.Result<DriverConnection, DatabaseError.DatabaseError>
  readonly frameOf: (fiber: Fiber.Fiber<unknown, unknown>) => Frame | undefined
}

/**
 * `db.get`: point lookups by primary key that concurrent fibers make in the
 * same tick go to the database as one statement per table and connection,
 * `WHERE pk IN (...)` with the whole key list bound as one parameter
 * (`= ANY($1)` on PostgreSQL, `json_each` on SQLite). Every caller checks and
 * encodes its key first, exactly as `session.get` does, and fails alone if
 * it is invalid; equal keys share one place in the list; each caller decodes
 * its own row in its own fiber, so a row that does not decode fails only its
 * callers. An interrupted caller leaves the batch (the others still get their
 * rows); when every caller of a running batch is gone, its statement is
 * interrupted (cancelled on PostgreSQL).
 *
 * The batch is sent from a task queued on the first caller's scheduler
 * after it suspends: fibers started in the same `Effect.all` or `forkChild`
 * loop join it.
 *
 * @internal
 */
export const make = (ctx: BatchedGetContext) => {
  const pending = new Map<TableInfo, Map<Frame | undefined, Batch>>()

  const send = (batch: Batch, fiber: Fiber.Fiber<unknown, unknown>) => {
    const byFrame = pending.get(batch.info)
    byFrame?.delete(batch.frame)
    if (byFrame?.size === 0) pending.delete(batch.info)
    const wanted = [...batch.wanted.values()].filter((w) => w.waiters.size > 0)
    if (wanted.length === 0) return
    const answerAll = (answer: (w: Wanted) => Answer) => {
      for (const w of wanted) {
        const a = answer(w)
        for (const waiter of w.waiters) waiter(a)
        w.waiters.clear()
      }
    }
    const conn = ctx.connection(batch.frame)
    if (Result.isFailure(conn)) return answerAll(() => Exit.fail(conn.failure))
    const { info } = batch
    const values = info.primaryKey.map(() => new Array<unknown>(wanted.length))
    for (let row = 0; row < wanted.length; row++) {
      for (let k = 0; k < values.length; k++) values[k]![row] = wanted[row]!.values[k]
    }
    const params = new Params(ctx.dialect)
    const where = inList(info.primaryKey, values, params, false)
    if (Result.isFailure(where)) return answerAll(() => Exit.fail(where.failure))
    const statement = Effect.map(
      run(ctx.dialect, conn.success, `SELECT ${info.selectList} FROM ${info.qualified} WHERE ${where.success}`, params.values),
      (result) => {
        const rows = new Map<unknown, Row>()
        const names = info.primaryKey.map((c) => c.name)
        for (const row of result.rows) rows.set(keyOf(info, names.map((n) => row[n])), row)
        return rows
      }
    )
    const running = Effect.runForkWith(fiber.context)(statement)
    batch.running = running
    running.addObserver((exit) => {
      batch.running = undefined
      if (Exit.isFailure(exit)) return answerAll(() => exit as Exit.Exit<never, DatabaseError.DatabaseError>)
      answerAll((w) => Exit.succeed(exit.value.get(keyOf(info, w.values))))
    })
  }

  // Waits in the batch of (table, frame) for the row of `values` (already checked).
  const enqueue = (info: TableInfo, values: ReadonlyArray<unknown>) =>
    Effect.withFiber<Row | undefined, DatabaseError.DatabaseError>((fiber) =>
      Effect.callback<Row | undefined, DatabaseError.DatabaseError>((resume) => {
        const frame = ctx.frameOf(fiber)
        let byFrame = pending.get(info)
        if (byFrame === undefined) {
          byFrame = new Map()
          pending.set(info, byFrame)
        }
        let batch = byFrame.get(frame)
        if (batch === undefined) {
          const created: Batch = { info, frame, wanted: new Map(), waiting: 0, running: undefined }
          batch = created
          byFrame.set(frame, created)
          fiber.currentDispatcher.scheduleTask(() => send(created, fiber), 0)
        }
        const key = keyOf(info, values)
        let wanted = batch.wanted.get(key)
        if (wanted === undefined) {
          wanted = { values, waiters: new Set() }
          batch.wanted.set(key, wanted)
        }
        const mine = wanted
        const owner = batch
        const waiter = (answer: Answer) => {
          owner.waiting--
          resume(answer)
        }
        mine.waiters.add(waiter)
        owner.waiting++
        return Effect.sync(() => {
          if (!mine.waiters.delete(waiter)) return
          owner.waiting--
          if (owner.waiting === 0 && owner.running !== undefined) owner.running.interruptUnsafe()
        })
      })
    )

  return <T extends Table.Any>(table: T, pk: unknown): Effect.Effect<Option.Option<Table.Type<T>>, DatabaseError.DatabaseError, Table.Context<T>> =>
    Effect.suspend(() => {
      const i = tableInfo(table, ctx.dialect.name, ctx.dialect.valueOptions)
      if (Result.isFailure(i)) return Effect.fail(i.failure)
      const info = i.success
      const values = primaryKeyValues(info, pk)
      if (Result.isFailure(values)) return Effect.fail(values.failure)
      const key = info.primaryKey
      const encoded: Array<unknown> = new Array(key.length)
      for (let k = 0; k < key.length; k++) {
        const e = key[k]!.encode(values.success[k])
        if (Result.isFailure(e)) return Effect.fail(e.failure)
        encoded[k] = e.success
      }
      return Effect.flatMap(enqueue(info, encoded), (row) => {
        if (row === undefined) return Effect.succeed(Option.none())
        const decoded = info.codec.decodeEither(row)
        if (decoded === undefined) return Effect.map(info.codec.decode(row) as Effect.Effect<any, DatabaseError.DatabaseError>, Option.some)
        return Result.isSuccess(decoded) ? Effect.succeed(Option.some(decoded.success)) : Effect.fail(decoded.failure)
      })
    }) as Effect.Effect<Option.Option<Table.Type<T>>, DatabaseError.DatabaseError, Table.Context<T>>
}
