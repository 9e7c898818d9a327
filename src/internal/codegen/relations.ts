/**
 * `Relation`s for the foreign keys between generated tables: `belongsTo`
 * on the child and `many` on the parent. They are values declared after
 * every table, so tables that point at each other (or at themselves) need
 * nothing more than the tables themselves.
 *
 * @internal
 */
import type { ForeignKeyMetadata } from "../../Metadata.js"
import { lowerFirst, pascalCase, str } from "./names.js"
import type { Named } from "./table.js"

/** A foreign key between two generated tables. */
export interface Link {
  readonly child: Named
  readonly parent: Named
  readonly fk: ForeignKeyMetadata
}

const fieldList = (named: Named, columns: ReadonlyArray<string>): string => `[${columns.map((c) => str(named.fields.get(c)!)).join(", ")}]`

/** `room_id` → `Room`; the parent's name when the column says nothing more (`id`, several columns). */
const roleOf = (link: Link): string => {
  if (link.fk.columns.length !== 1) return link.parent.exportName
  const stripped = link.fk.columns[0]!.replace(/_?id$/i, "")
  return stripped === "" ? link.parent.exportName : pascalCase(stripped)
}

/** The relation declarations of `links`, named by `unique`. */
export const relationsCode = (links: ReadonlyArray<Link>, unique: (wanted: string) => string): Array<string> => {
  const pairCount = new Map<string, number>()
  const pairKey = (l: Link) => `${l.child.exportName}\u0000${l.parent.exportName}`
  for (const l of links) pairCount.set(pairKey(l), (pairCount.get(pairKey(l)) ?? 0) + 1)
  return links.map((link) => {
    const { child, fk, parent } = link
    // With several foreign keys from the child to the parent, the relation says which one it follows.
    const several = pairCount.get(pairKey(link))! > 1
    const childFields = fieldList(child, fk.columns)
    const parentFields = fieldList(parent, fk.references.columns)
    const belongsTo = unique(`${lowerFirst(child.exportName)}${roleOf(link)}`)
    const many = unique(`${lowerFirst(parent.exportName)}${child.exportName}${several ? `By${pascalCase(fk.columns.join("_"))}` : ""}`)
    const on = (source: string, target: string) => (several ? `, { source: ${source}, target: ${target} }` : "")
    return [
      `/** ${child.table.name}(${fk.columns.join(", ")}) → ${parent.table.name}(${fk.references.columns.join(", ")}) */`,
      `export const ${belongsTo} = Relation.belongsTo(${child.exportName}, ${parent.exportName}${on(childFields, parentFields)})`,
      `export const ${many} = Relation.many(${parent.exportName}, ${child.exportName}${on(parentFields, childFields)})`
    ].join("\n")
  })
}
