import * as Statement from "effect/sql/Statement"

const escape = Statement.defaultEscape("\"")

/**
 * `effect/sql`'s statement compiler for PostgreSQL: `$n` placeholders,
 * quoted identifiers, `updateValues` as `(values ...) AS alias(columns)`.
 * Ours rather than `@effect/sql-pg`'s, whose JSON fragments compile to
 * parameter objects only its own wire-protocol driver can bind (and which
 * loads that whole driver). Our client offers no custom fragments, so one
 * from elsewhere is refused by name.
 *
 * @internal
 */
export const compiler: Statement.Compiler = Statement.makeCompiler({
  dialect: "pg",
  placeholder: (index) => `$${index}`,
  onIdentifier: escape,
  onRecordUpdate: (placeholders, alias, columns, values, returning) => [
    `(values ${placeholders}) AS ${alias}${columns}${returning ? ` RETURNING ${returning[0]}` : ""}`,
    returning ? values.flat().concat(returning[1]) : values.flat()
  ],
  onCustom: (type) => {
    throw new TypeError(`a custom SQL fragment of kind ${String(type.kind)} cannot be compiled for PostgreSQL by effect-sqlservice`)
  }
})
