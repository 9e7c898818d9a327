/**
 * Exact decimal arithmetic for aggregates that must read the same on every
 * dialect: a decimal is an integer of units of 10^-scale.
 *
 * @internal
 */

/** @internal */
export interface Decimal {
  readonly units: bigint
  readonly scale: number
}

/** Parses decimal text (`-12.50`, `3`, `1e3`); a float's shortest text is its exact decimal. */
export const parseDecimal = (text: string): Decimal => {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text)
  if (m === null || (m[2] === "" && (m[3] ?? "") === "")) throw new RangeError(`not a decimal number: ${JSON.stringify(text)}`)
  const fraction = m[3] ?? ""
  const exponent = m[4] === undefined ? 0 : Number(m[4])
  let units = BigInt(`${m[2] || "0"}${fraction}`)
  let scale = fraction.length - exponent
  if (scale < 0) {
    units *= 10n ** BigInt(-scale)
    scale = 0
  }
  return { units: m[1] === "-" ? -units : units, scale }
}

const rescale = (d: Decimal, scale: number): bigint => d.units * 10n ** BigInt(scale - d.scale)

/** @internal */
export const addDecimals = (a: Decimal, b: Decimal): Decimal => {
  const scale = Math.max(a.scale, b.scale)
  return { units: rescale(a, scale) + rescale(b, scale), scale }
}

/** Text with the decimal's scale, e.g. `{ units: -1250n, scale: 2 }` → `-12.50`. */
export const showDecimal = (d: Decimal): string => {
  const negative = d.units < 0n
  const digits = (negative ? -d.units : d.units).toString().padStart(d.scale + 1, "0")
  const whole = d.scale === 0 ? digits : `${digits.slice(0, digits.length - d.scale)}.${digits.slice(digits.length - d.scale)}`
  return negative ? `-${whole}` : whole
}

/** The digits of an average kept: at least this many after the point. */
export const AVERAGE_SCALE = 16

/**
 * `sum / count` to `AVERAGE_SCALE` places (more if the sum has more),
 * truncated toward zero, trailing zeros dropped: `7/2` → `3.5`, `1/3` →
 * `0.3333333333333333`.
 */
export const averageText = (sum: string, count: bigint): string => {
  const d = parseDecimal(sum)
  const scale = Math.max(AVERAGE_SCALE, d.scale)
  const units = rescale(d, scale) / count
  const text = showDecimal({ units, scale })
  const trimmed = text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text
  return trimmed === "-0" ? "0" : trimmed
}
