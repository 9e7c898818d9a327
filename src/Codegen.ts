/**
 * Code generation from a live database: `reflect` → one TypeScript module of
 * `Table` declarations (with `Column` annotations, keys, indexes, foreign
 * keys, enum and domain types) and `Relation`s for the foreign keys, which
 * `createAll` turns back into the same schema.
 *
 * ```ts
 * const source = yield* Codegen.fromDatabase()
 * fs.writeFileSync("src/db/tables.ts", source)
 * ```
 *
 * What a `Table` cannot say exactly (a type the library does not model, a
 * spelling `Column.dbType` does not take) is generated as the closest
 * faithful declaration with a `// note:` comment; views and triggers, which
 * `createAll` does not create, are listed in the module's header.
 *
 * @since 0.4.0
 */
import * as Effect from "effect/Effect"
import type * as Result from "effect/Result"
import * as Database from "./Database.js"
import type { DatabaseError } from "./DatabaseError.js"
import { generate } from "./internal/codegen/generate.js"
import type { Dialect, Metadata } from "./Metadata.js"

/**
 * @since 0.4.0
 * @category models
 */
export interface Options {
  /** The module the generated code imports `Column`, `Relation` and `Table` from; `"effect-sqlservice"` by default. */
  readonly importFrom?: string | undefined
  /** Whether to generate `Relation`s for the foreign keys (`belongsTo` on the child, `many` on the parent); `true` by default. */
  readonly relations?: boolean | undefined
}

/**
 * @since 0.4.0
 * @category models
 */
export interface FromMetadataOptions extends Options {
  /** The dialect `metadata` was reflected from. */
  readonly dialect: Dialect
}

/**
 * @since 0.4.0
 * @category models
 */
export interface FromDatabaseOptions extends Options {
  /** PostgreSQL schema to read (default: the connection's current schema). */
  readonly schema?: string | undefined
  /** Only these tables. */
  readonly tables?: ReadonlyArray<string> | undefined
}

/**
 * The module declaring the tables of `metadata` (as `reflect` returns it).
 * Fails with a `SchemaError` for an unknown dialect or an `importFrom` that
 * is not a module specifier.
 *
 * @since 0.4.0
 * @category constructors
 */
export const fromMetadata = (metadata: Metadata, options: FromMetadataOptions): Result.Result<string, DatabaseError> =>
  generate(metadata, options)

/**
 * Reflects the database (or the given schema and tables) and generates the
 * module declaring its tables.
 *
 * @since 0.4.0
 * @category constructors
 */
export const fromDatabase = (options: FromDatabaseOptions = {}): Effect.Effect<string, DatabaseError, Database.Database> =>
  Effect.gen(function*() {
    const db = yield* Database.Database
    const metadata = yield* db.reflect({
      ...(options.schema === undefined ? {} : { schema: options.schema }),
      ...(options.tables === undefined ? {} : { tables: options.tables })
    })
    return yield* Effect.fromResult(generate(metadata, { ...options, dialect: db.dialect }))
  })
