/**
 * Names in generated code: export names from table names, field names from
 * column names, and string literals. Every name is a valid identifier and
 * unique where it must be; the database names themselves stay strings.
 *
 * @internal
 */

const RESERVED = new Set([
  "abstract", "arguments", "as", "async", "await", "boolean", "break", "byte", "case", "catch", "char", "class", "const",
  "continue", "debugger", "default", "delete", "do", "double", "else", "enum", "eval", "export", "extends", "false",
  "final", "finally", "float", "for", "from", "function", "get", "goto", "if", "implements", "import", "in",
  "instanceof", "int", "interface", "let", "long", "native", "new", "null", "of", "package", "private", "protected",
  "public", "return", "set", "short", "static", "super", "switch", "synchronized", "this", "throw", "throws",
  "transient", "true", "try", "typeof", "undefined", "var", "void", "volatile", "while", "with", "yield",
  "NaN", "Infinity", "Object", "Array", "String", "Number", "Boolean", "Symbol", "Date", "Error", "Function",
  "Promise", "Map", "Set", "BigInt", "JSON", "Math", "Reflect", "Proxy"
])

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** @internal */
export const isIdentifier = (name: string): boolean => IDENTIFIER.test(name)

/** The words of a database name: split at `_`, other punctuation and lower→upper case changes. */
const words = (name: string): Array<string> =>
  name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)

const capitalize = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1)

/** `user_devices` → `UserDevices`; a name that would start with a digit gets a `T` in front. */
export const pascalCase = (name: string): string => {
  const joined = words(name).map((w) => capitalize(w.toLowerCase())).join("")
  return joined === "" ? "T" : /^[0-9]/.test(joined) ? `T${joined}` : joined
}

/**
 * `room_id` → `roomId`. A name that is already a plain identifier in another
 * style (`createdAt`, `Name`) is kept, so the field reads like the column.
 */
export const camelCase = (name: string): string => {
  if (/^[a-z][a-z0-9]*(_[a-z0-9]+)+$/.test(name)) {
    const [first, ...rest] = name.split("_")
    return first! + rest.map(capitalize).join("")
  }
  if (isIdentifier(name)) return name
  const ws = words(name)
  const joined = ws.map((w, i) => (i === 0 ? w.toLowerCase() : capitalize(w.toLowerCase()))).join("")
  return joined === "" ? "column" : /^[0-9]/.test(joined) ? `_${joined}` : joined
}

/**
 * Hands out names that are unique among those given so far (`Users`,
 * `Users2`, ...); reserved words (which cannot name a `const`) get a `_`
 * unless they are allowed (object keys).
 */
export const uniqueNames = (taken: Iterable<string> = [], options: { readonly allowReserved?: boolean } = {}) => {
  const used = new Set(taken)
  return (wanted: string): string => {
    let candidate = options.allowReserved !== true && RESERVED.has(wanted) ? `${wanted}_` : wanted
    for (let n = 2; used.has(candidate); n++) candidate = `${wanted}${n}`
    used.add(candidate)
    return candidate
  }
}

/** A TypeScript string literal. */
export const str = (value: string): string => JSON.stringify(value)

/** A property key: bare when it is an identifier, quoted otherwise. */
export const key = (name: string): string => (isIdentifier(name) ? name : str(name))

/** `first` with its first letter in lower case (`Bookings` → `bookings`). */
export const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1)

export { capitalize }
