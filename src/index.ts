/**
 * @since 0.1.0
 */

/**
 * @since 0.4.0
 */
export * as Codegen from "./Codegen.js"

/**
 * @since 0.1.0
 */
export * as Column from "./Column.js"

/**
 * @since 0.1.0
 */
export * as Connection from "./Connection.js"

/**
 * @since 0.1.0
 */
export * as Database from "./Database.js"

/**
 * @since 0.1.0
 */
export * as DatabaseError from "./DatabaseError.js"

/**
 * @since 0.1.0
 */
export * as Hooks from "./Hooks.js"

/**
 * @since 0.1.0
 */
export * as Metadata from "./Metadata.js"

/**
 * @since 0.4.0
 */
export * as Migrations from "./Migrations.js"

/**
 * @since 0.1.0
 */
export * as Query from "./Query.js"

/**
 * @since 0.1.0
 */
export * as Relation from "./Relation.js"

/**
 * @since 0.1.0
 */
export * as Session from "./Session.js"

/**
 * @since 0.1.0
 */
export * as Table from "./Table.js"
