import * as DatabaseError from "../../../DatabaseError.js"
import { clip, errorMessage } from "../../errorMessage.js"

/**
 * How the driver talks to the server: directly (`"session"`: one server
 * connection per client connection for its whole life), or through a
 * transaction-mode pooler (`"transaction"`: PgBouncer and the poolers of
 * managed services hand a server connection to a client for one transaction
 * at a time, so nothing may outlive a transaction on it).
 *
 * @internal
 */
export type PoolerMode = "session" | "transaction"

/**
 * A failure the pg driver decides itself, carrying its reason ready-made
 * (pg's `classify` passes it through).
 *
 * @internal
 */
export class ReasonFailure extends Error {
  constructor(readonly reason: DatabaseError.Reason) {
    super(reason.message)
    this.name = "ReasonFailure"
  }
}

// Comments, string literals, quoted identifiers and dollar quotes: what they
// hold is not a statement (`SELECT 'a; SET b'`), and `/* x */ SET ...` is one.
const NOT_CODE = /--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'|"(?:[^"]|"")*"|\$([A-Za-z_][A-Za-z_0-9]*)?\$[\s\S]*?\$\1\$/g

// Session state a pooler would leave on a server connection that other
// clients then use (or that this client never sees again): what follows a
// statement start (the text's start, or a `;` in a script).
const SESSION_STATEMENTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/(?:^|;)\s*SET\s+(?!LOCAL\b|TRANSACTION\b|CONSTRAINTS\b)/i, "a session SET (use SET LOCAL inside a begin, or set it on the server, role or database)"],
  [/(?:^|;)\s*RESET\b/i, "RESET changes the session (use SET LOCAL inside a begin)"],
  [/(?:^|;)\s*(?:UN)?LISTEN\b/i, "LISTEN needs a session of its own (connect to the server directly for notifications)"],
  [/(?:^|;)\s*PREPARE\b/i, "a SQL PREPARE lives in the session (statements are prepared per transaction in pooler mode)"],
  [/(?:^|;)\s*DISCARD\b/i, "DISCARD resets a server connection other clients share"],
  [
    /(?:^|;)\s*CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?TEMP(?:ORARY)?\s+TABLE\b(?![^;]*\bON\s+COMMIT\s+DROP\b)/i,
    "a temporary table outlives the transaction on a server connection other clients share (add ON COMMIT DROP and use it inside one begin)"
  ],
  [
    /(?:^|;)\s*DECLARE\b[^;]*\bWITH\s+HOLD\b/i,
    "a WITH HOLD cursor outlives the transaction (declare it WITHOUT HOLD inside a begin, or use stream)"
  ],
  [
    /\bset_config\s*\((?![^()]*,\s*true\s*\))/i,
    "set_config(..., false) is a session SET (pass true as its third argument, inside a begin)"
  ],
  [
    /\bpg_(?:try_)?advisory_(?:un)?lock(?:_shared)?\s*\(/i,
    "a session advisory lock outlives the transaction (use pg_advisory_xact_lock inside a begin)"
  ]
]

/**
 * Why `sql` cannot work behind a transaction-mode pooler, or undefined when
 * it can: statements whose effect stays with the server connection after the
 * transaction, where the next client of that connection would inherit it.
 *
 * @internal
 */
export const sessionStateRefusal = (sql: string): DatabaseError.InputError | undefined => {
  const text = /--|\/\*|['"$]/.test(sql) ? sql.replace(NOT_CODE, " ") : sql
  for (const [pattern, why] of SESSION_STATEMENTS) {
    if (pattern.test(text)) {
      return new DatabaseError.InputError({
        message: errorMessage(
          `statement ${JSON.stringify(clip(sql.trim().replace(/\s+/g, " "), 80))} refused in pooler mode`,
          `behind a transaction-mode pooler the server connection changes between transactions, and ${why}`,
          "pooler: \"transaction\" is set on this Database; run session-level statements on a Database without it, connected to the server directly"
        )
      })
    }
  }
  return undefined
}

/**
 * A named statement reached a server connection that did not prepare it
 * (26000) or already had its name (42P05) inside a transaction, which
 * PostgreSQL has aborted: the connection is behind a transaction-mode pooler.
 *
 * @internal
 */
export const poolerDetected = (code: string, message: string): ReasonFailure =>
  new ReasonFailure(
    new DatabaseError.ConfigError({
      message: errorMessage(
        "prepared statement lost inside a transaction",
        `${message} (${code}): consecutive statements reached different server connections, as behind a transaction-mode pooler (PgBouncer), and the transaction was aborted`,
        "set pooler: \"transaction\" on the Database when it connects through such a pooler"
      )
    })
  )

/** SQLSTATEs of a named statement that reached the wrong server connection. @internal */
export const isLostStatement = (code: string | undefined): code is "26000" | "42P05" =>
  code === "26000" || code === "42P05"
