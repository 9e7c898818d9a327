/**
 * node-postgres values ↔ canonical column values. pg already parses
 * json/jsonb, timestamptz (to Date), bool and int4; int8 and numeric arrive
 * as strings, bytea as Buffer, and (see `types.ts`, which also sends every
 * Date parameter as its UTC time) DATE as a Date at UTC midnight and
 * timestamp without time zone as its UTC wall-clock time.
 *
 * @internal
 */
import { asIsParameterWith, type Fidelity, INT16, INT32, INT64, unstorableWith } from "../fidelity.js"
import { fromDriverWith, toBuffer, toDriverWith } from "../valuesCommon.js"

const NO_UTF8 = "it has no UTF-8 encoding, and PostgreSQL jsonb refuses its escape"

/**
 * What PostgreSQL stores exactly: every double (NaN, ±Infinity and -0
 * included), every 64-bit integer (int8 arrives as text), but no U+0000 in
 * text or jsonb, no lone surrogate in jsonb, and UUIDs only in lower case.
 *
 * @internal
 */
const fidelity: Fidelity = {
  name: "PostgreSQL",
  nan: undefined,
  negativeZero: undefined,
  nulInText: "PostgreSQL text cannot hold U+0000",
  nulInJson: "PostgreSQL jsonb cannot hold U+0000",
  loneSurrogateInJson: NO_UTF8,
  upperCaseUuid: "PostgreSQL's uuid type reads back in lower case; pass it lower-cased",
  integerRange: { smallint: INT16, integer: INT32, bigint: INT64 },
  bigintReadBack: () => undefined
}

/** @internal */
export const unstorable = unstorableWith(fidelity)

/** @internal */
export const asIsParameter = asIsParameterWith(fidelity)

/** @internal */
export const fromDriver = fromDriverWith({ json: (raw) => raw })

/** @internal */
export const toDriver = toDriverWith((value, type) => {
  // pg would turn a JS array into a PostgreSQL array literal; JSON must be sent as text.
  if (type === "json") return JSON.stringify(value)
  if (typeof value === "bigint") return value.toString()
  // pg sends numbers as String(n), which writes -0 as "0".
  if (Object.is(value, -0)) return "-0"
  if (value instanceof Uint8Array) return toBuffer(value)
  return value
})
