/**
 * Parameter arrays whose every value is already what the drivers bind: the
 * bulk write's chunks, made of `toParameter` results and values it vouched
 * binds as they are. A driver that scans parameters for values to convert
 * (SQLite: booleans, Dates, undefined) skips the scan for them; a 4000-value
 * chunk scanned cost about 2% of a 10k-row `saveAll` on SQLite.
 *
 * @internal
 */
const driverReady = new WeakSet<ReadonlyArray<unknown>>()

/** @internal */
export const markDriverValues = <A extends ReadonlyArray<unknown>>(params: A): A => {
  driverReady.add(params)
  return params
}

/** @internal */
export const areDriverValues = (params: ReadonlyArray<unknown>): boolean => driverReady.has(params)
