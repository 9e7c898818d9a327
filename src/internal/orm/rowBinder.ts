/**
 * The inner loop of the single-pass bulk write: one row checked to be a
 * plain object of exactly the given fields, and its fields checked and bound
 * into the statement's parameters.
 *
 * A loop over the columns reads `row[column.key]` with a different key at
 * the same place, and calls a different check and converter at the same
 * call sites: V8 cannot specialize any of them, and that loop was a quarter
 * of a 10k-row insert on SQLite. So the binder of a column set is written
 * out as code once (each field read by its own key, each check and
 * converter called from its own call site) where the runtime allows code
 * generation. Keys enter the code only as JSON string literals; checks and
 * converters are passed in as values. Where code generation is refused (a
 * policy like `--disallow-code-generation-from-strings`), the loop does the
 * same work.
 *
 * @internal
 */
import { compiledFunction } from "../compiledFunction.js"

/** A column of a bulk write, as the binder needs it. */
export interface BoundColumn {
  readonly key: string
  /** Present in the first row: the statement has a parameter for it. */
  readonly present: boolean
  /** May be absent from a row (only where it is not present). */
  readonly optional: boolean
  /** The insert Schema's compiled check of the field. */
  readonly check: (value: unknown) => boolean
  /** The value as a bound parameter; throws where it cannot be stored. */
  readonly toParameter: (value: unknown) => unknown
  /** A value `toParameter` would return unchanged (most numbers and strings), bound without calling it. */
  readonly asIs: ((value: unknown) => boolean) | undefined
  /** A NULL sends the row to the general path (a key, or a NULL that would not read back as given). */
  readonly nullRefused: boolean
}

/**
 * Binds `row` into `params` from `at`; the next free index, or -1 when the
 * row needs the general path: not a plain object (prototype
 * `Object.prototype` or null, not an array), a key that is no present
 * column, or a field its column refuses. Throws what `toParameter` throws.
 * Params past `at` may be written before it answers -1.
 */
export type BindRow = (row: unknown, params: Array<unknown>, at: number) => number

const isPlain = (row: object): boolean => {
  if (Array.isArray(row)) return false
  const proto = Object.getPrototypeOf(row)
  return proto === Object.prototype || proto === null
}

// Every present column was read as given: as many keys means no foreign one.
const keyCount = (row: object): number => {
  let keys = 0
  for (const _ in row) keys++
  return keys
}

const widthOf = (columns: ReadonlyArray<BoundColumn>): number => columns.filter((c) => c.present).length

/** @internal */
export const makeRowBinder = (columns: ReadonlyArray<BoundColumn>): BindRow => compiledRowBinder(columns) ?? loopedRowBinder(columns)

/**
 * The binder as a loop over the columns.
 *
 * @internal
 */
export const loopedRowBinder = (columns: ReadonlyArray<BoundColumn>): BindRow => {
  const width = widthOf(columns)
  return (u, params, at) => {
    if (typeof u !== "object" || u === null) return -1
    if (!isPlain(u)) return -1
    const row = u as Record<string, unknown>
    for (let k = 0; k < columns.length; k++) {
      const c = columns[k]!
      const v = row[c.key]
      if (v === undefined) {
        // Absent where the first row had it, given as undefined, or required.
        if (c.present || c.key in row || !c.optional) return -1
        continue
      }
      if (!c.present || !c.check(v)) return -1
      if (v === null) {
        if (c.nullRefused) return -1
        params[at++] = null
      } else {
        params[at++] = c.asIs !== undefined && c.asIs(v) ? v : c.toParameter(v)
      }
    }
    return keyCount(row) === width ? at : -1
  }
}

/**
 * The binder written out as code, or `undefined` where code generation is refused.
 *
 * @internal
 */
export const compiledRowBinder = (columns: ReadonlyArray<BoundColumn>): BindRow | undefined => {
  const lines: Array<string> = []
  columns.forEach((c, k) => {
    const key = JSON.stringify(c.key)
    if (!c.present) {
      lines.push(c.optional ? `if (row[${key}] !== undefined || ${key} in row) return -1;` : "return -1;")
      return
    }
    lines.push(
      `v = row[${key}];`,
      `if (v === undefined || !check${k}(v)) return -1;`,
      `if (v === null) ${c.nullRefused ? "return -1;" : "params[at++] = null;"} else params[at++] = ${
        c.asIs === undefined ? "" : `asIs${k}(v) ? v : `
      }toParameter${k}(v);`
    )
  })
  // A field read right before the prototype check lets V8 read the prototype as a constant of the row's
  // shape (without it, getPrototypeOf was a tenth of the pass); the field's own line reads it again.
  const first = columns.find((c) => c.present)
  const shape = `if (typeof row !== "object" || row === null) return -1; ${
    first === undefined ? "" : `v = row[${JSON.stringify(first.key)}];`
  } if (!isPlain(row)) return -1;`
  return compiledFunction<BindRow>(
    ["isPlain", "keyCount", ...columns.flatMap((_, k) => [`check${k}`, `toParameter${k}`, `asIs${k}`])],
    `function bindRow(row, params, at) { let v; ${shape} ${lines.join(" ")} return keyCount(row) === ${widthOf(columns)} ? at : -1; }`,
    [isPlain, keyCount, ...columns.flatMap((c) => [c.check, c.toParameter, c.asIs])]
  )
}

/** A copy of a row that has exactly the given keys (own, enumerable, on a plain object). */
export type CopyRow = (row: Record<string, unknown>) => Record<string, unknown>

/**
 * The copy a bulk write returns as the stored row: an object literal of the
 * keys written out as code (every copy one shape, allocated in one step,
 * about half the cost of a spread), or a spread where code generation is
 * refused. `__proto__` as a literal's key would set the prototype, so a key
 * set with it is copied by spread too.
 *
 * @internal
 */
export const makeRowCopier = (keys: ReadonlyArray<string>): CopyRow => compiledRowCopier(keys) ?? spreadRowCopier

/** @internal */
export const spreadRowCopier: CopyRow = (row) => ({ ...row })

/** @internal */
export const compiledRowCopier = (keys: ReadonlyArray<string>): CopyRow | undefined =>
  keys.includes("__proto__") ? undefined : compiledFunction<CopyRow>(
    [],
    `function copyRow(row) { return { ${keys.map((k) => `${JSON.stringify(k)}: row[${JSON.stringify(k)}]`).join(", ")} }; }`,
    []
  )
