import * as Statement from "effect/sql/Statement"

const escape = Statement.defaultEscape("\"")

/**
 * `effect/sql`'s statement compiler for SQLite: `?` placeholders, quoted
 * identifiers, like `Statement.makeCompilerSqlite`, and `updateValues`
 * rendered (upstream writes nothing for it, leaving a statement that fails
 * to parse): SQLite takes no column list on a subquery's alias, so the
 * values become a named common table expression,
 * `(WITH alias(columns) AS (VALUES ...) SELECT * FROM alias) AS alias`, for
 * `UPDATE ... FROM`. Our client offers no custom fragments, so one from
 * elsewhere is refused by name.
 *
 * @internal
 */
export const compiler: Statement.Compiler = Statement.makeCompiler({
  dialect: "sqlite",
  placeholder: () => "?",
  onIdentifier: escape,
  onRecordUpdate: (placeholders, alias, columns, values, returning) => [
    `(WITH ${alias}${columns} AS (VALUES ${placeholders}) SELECT * FROM ${alias}) AS ${alias}${
      returning ? ` RETURNING ${returning[0]}` : ""
    }`,
    returning ? values.flat().concat(returning[1]) : values.flat()
  ],
  onCustom: (type) => {
    throw new TypeError(`a custom SQL fragment of kind ${String(type.kind)} cannot be compiled for SQLite by effect-sqlservice`)
  }
})
