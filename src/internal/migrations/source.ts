/**
 * Where migrations come from: a directory of modules (one dialect's
 * `migrations/sqlite` or `migrations/pg`), or a list given in code. Either
 * way the result is validated and sorted, with checksums resolved.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import type * as DatabaseError from "../../DatabaseError.js"
import { fileChecksum, migrationChecksum } from "./checksum.js"
import { listing, migrationError } from "./errors.js"
import type { Migration } from "./model.js"
import { compareMigrations, ID, label } from "./order.js"

/** @internal */
export type Source =
  | { readonly directory: string }
  | { readonly migrations: ReadonlyArray<Migration> }

/** `<digits>_<slug>.<ts|mts|js|mjs>` */
const FILE = /^([0-9]+)_([A-Za-z0-9][A-Za-z0-9_-]*)\.(ts|mts|js|mjs)$/
const MODULE_EXTENSION = /\.(ts|mts|cts|js|mjs|cjs)$/
const NOT_MIGRATIONS = /(\.d\.(ts|mts|cts)|\.map)$/

const isStringArray = (u: unknown): u is ReadonlyArray<string> =>
  Array.isArray(u) && u.every((s) => typeof s === "string")

/** Why a migration's fields are unusable, or undefined. */
const problemOf = (m: Record<string, unknown>): string | undefined => {
  if (typeof m.id !== "string" || !ID.test(m.id)) return `id must be a string of digits, got ${JSON.stringify(m.id)}`
  if (typeof m.name !== "string") return `name must be a string, got ${typeof m.name}`
  if (!Effect.isEffect(m.up)) return "up must be an Effect (Migrations.statements([...]) or an Effect using Database)"
  if (m.down !== undefined && !Effect.isEffect(m.down)) return "down, when given, must be an Effect"
  if (m.transactional !== undefined && typeof m.transactional !== "boolean") return "transactional, when given, must be a boolean"
  if (m.destructive !== undefined) {
    const d = m.destructive as Record<string, unknown> | null
    if (typeof d !== "object" || d === null || (d.up !== undefined && !isStringArray(d.up)) || (d.down !== undefined && !isStringArray(d.down))) {
      return "destructive, when given, must be { up?: string[], down?: string[] }"
    }
  }
  if (m.irreversible !== undefined && !isStringArray(m.irreversible)) return "irreversible, when given, must be a string[]"
  if (m.checksum !== undefined && typeof m.checksum !== "string") return "checksum, when given, must be a string"
  return undefined
}

const invalid = (message: string, migrations: ReadonlyArray<string>, cause?: unknown) =>
  migrationError("invalid", message, { migrations, cause })

const sorted = (migrations: ReadonlyArray<Migration>): Effect.Effect<ReadonlyArray<Migration>, DatabaseError.DatabaseError> =>
  Effect.suspend(() => {
    const list = [...migrations].sort(compareMigrations)
    const byId = new Map<string, Array<Migration>>()
    for (const m of list) byId.set(BigInt(m.id).toString(), [...(byId.get(BigInt(m.id).toString()) ?? []), m])
    const duplicates = [...byId.values()].filter((ms) => ms.length > 1)
    if (duplicates.length > 0) {
      const names = duplicates.flatMap((ms) => ms.map(label))
      return Effect.fail(invalid(
        `duplicate migration ids: ${duplicates.map((ms) => listing(ms.map(label))).join("; ")} (each migration needs an id of its own: rename one so that it sorts where it belongs)`,
        names
      ))
    }
    return Effect.succeed(list)
  })

/** A list given in code: validated, sorted, with checksums of their statements when none is given. */
export const fromList = (
  migrations: ReadonlyArray<Migration>
): Effect.Effect<ReadonlyArray<Migration>, DatabaseError.DatabaseError> =>
  Effect.suspend(() => {
    if (!Array.isArray(migrations)) {
      return Effect.fail(invalid("option migrations must be an array of migrations ({ id, name, up, down? })", []))
    }
    const resolved: Array<Migration> = []
    for (const [index, m] of migrations.entries()) {
      const problem = typeof m === "object" && m !== null ? problemOf(m as unknown as Record<string, unknown>) : "not an object"
      if (problem !== undefined) {
        const name = typeof m?.id === "string" ? label(m) : `migrations[${index}]`
        return Effect.fail(invalid(`migration ${name}: ${problem}`, [name]))
      }
      const checksum = migrationChecksum(m)
      resolved.push(checksum === undefined ? m : { ...m, checksum })
    }
    return sorted(resolved)
  })

/** Why a migration module could not be imported, and what to do. */
export const cannotImport = (file: string, error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code
  const text = error instanceof Error ? error.message : String(error)
  if (code === "ERR_UNKNOWN_FILE_EXTENSION" && /\.m?ts$/.test(file)) {
    return invalid(
      `cannot import migration ${file}: this process cannot load TypeScript (run it under tsx, e.g. node --import tsx, or compile the migrations to .js and point directory at the output)`,
      [file],
      error
    )
  }
  return invalid(`cannot import migration ${file}: ${text} (fix the module so that it loads)`, [file], error)
}

const loadFile = (directory: string, file: string, id: string, name: string) =>
  Effect.gen(function*() {
    const full = path.join(directory, file)
    const text = yield* Effect.tryPromise({
      try: () => fs.readFile(full, "utf8"),
      catch: (error) => invalid(`cannot read migration ${file}: ${String(error)}`, [file], error)
    })
    const mod = yield* Effect.tryPromise({
      try: () => import(pathToFileURL(full).href) as Promise<Record<string, unknown>>,
      catch: (error) => cannotImport(file, error)
    })
    const exported = {
      id,
      name,
      up: mod.up,
      down: mod.down,
      transactional: mod.transactional,
      destructive: mod.destructive,
      irreversible: mod.irreversible
    }
    const problem = problemOf(exported)
    if (problem !== undefined) {
      return yield* Effect.fail(invalid(`migration ${file}: exported ${problem}`, [file]))
    }
    const migration: Migration = {
      id,
      name,
      up: mod.up as Migration["up"],
      ...(mod.down === undefined ? {} : { down: mod.down as Migration["up"] }),
      ...(mod.transactional === undefined ? {} : { transactional: mod.transactional as boolean }),
      ...(mod.destructive === undefined ? {} : { destructive: mod.destructive as NonNullable<Migration["destructive"]> }),
      ...(mod.irreversible === undefined ? {} : { irreversible: mod.irreversible as ReadonlyArray<string> }),
      checksum: fileChecksum(text),
      source: file
    }
    return migration
  })

/**
 * The migrations of a directory: files `<digits>_<slug>.(ts|mts|js|mjs)`,
 * imported in id order. Dotfiles, declaration files, source maps and files
 * that are not modules (README.md, notes) are left alone; a module or a
 * `<digits>_...` file whose name does not fit is refused, so a migration is
 * never silently skipped.
 */
export const fromDirectory = (directory: string): Effect.Effect<ReadonlyArray<Migration>, DatabaseError.DatabaseError> =>
  Effect.gen(function*() {
    if (typeof directory !== "string" || directory === "") {
      return yield* Effect.fail(invalid("option directory must be a non-empty path", []))
    }
    const entries = yield* Effect.tryPromise({
      try: () => fs.readdir(directory, { withFileTypes: true }),
      catch: (error) =>
        invalid(
          `cannot read the migrations directory ${directory}: ${error instanceof Error ? error.message : String(error)} (create it, or point directory at the dialect's migrations, e.g. migrations/sqlite)`,
          [],
          error
        )
    })
    const files: Array<{ file: string; id: string; name: string }> = []
    const malformed: Array<string> = []
    for (const entry of entries) {
      const file = entry.name
      if (!entry.isFile() || file.startsWith(".") || NOT_MIGRATIONS.test(file)) continue
      const match = FILE.exec(file)
      if (match !== null) files.push({ file, id: match[1]!, name: match[2]! })
      else if (MODULE_EXTENSION.test(file) || /^[0-9]+_/.test(file)) malformed.push(file)
    }
    if (malformed.length > 0) {
      return yield* Effect.fail(invalid(
        `migrations directory ${directory} has files that are not named <digits>_<name>.(ts|mts|js|mjs): ${listing(malformed.sort())} (rename them, or move them out of the directory)`,
        malformed
      ))
    }
    files.sort((a, b) => compareMigrations(a, b))
    const loaded: Array<Migration> = []
    for (const f of files) loaded.push(yield* loadFile(directory, f.file, f.id, f.name))
    return yield* sorted(loaded)
  })

/** @internal */
export const load = (source: Source): Effect.Effect<ReadonlyArray<Migration>, DatabaseError.DatabaseError> => {
  if (typeof source === "object" && source !== null) {
    if ("directory" in source && "migrations" in source) {
      return Effect.fail(invalid("give either directory or migrations, not both", []))
    }
    if ("directory" in source) return fromDirectory(source.directory)
    if ("migrations" in source) return fromList(source.migrations)
  }
  return Effect.fail(invalid("no migrations given: pass { directory: \"migrations/<dialect>\" } or { migrations: [...] }", []))
}
