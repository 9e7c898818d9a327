/**
 * @since 0.1.0
 */

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
export * as Session from "./Session.js"
