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

/** The longest common prefix of `names` that ends at a `_` (`billing_country`, `billing_zip` → `billing`). */
const sharedPrefix = (names: ReadonlyArray<string>): string => {
  let prefix = names[0]!
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1)
  const cut = prefix.lastIndexOf("_")
  return cut <= 0 ? "" : prefix.slice(0, cut)
}

/**
 * What the foreign key's columns call the parent: `room_id` → `Room`,
 * `billing_country, billing_zip` → `Billing`; the parent's name when they
 * say nothing more (`id`).
 */
const roleOf = (link: Link): string => {
  const columns = link.fk.columns
  const stripped = columns.length === 1 ? columns[0]!.replace(/_?id$/i, "") : sharedPrefix(columns)
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
    const role = roleOf(link)
    const belongsTo = unique(`${lowerFirst(child.exportName)}${role}`)
    const by = role === parent.exportName ? pascalCase(fk.columns.join("_")) : role
    const many = unique(`${lowerFirst(parent.exportName)}${child.exportName}${several ? `By${by}` : ""}`)
    const on = (source: string, target: string) => (several ? `, { source: ${source}, target: ${target} }` : "")
    return [
      `/** ${child.table.name}(${fk.columns.join(", ")}) → ${parent.table.name}(${fk.references.columns.join(", ")}) */`,
      `export const ${belongsTo} = Relation.belongsTo(${child.exportName}, ${parent.exportName}${on(childFields, parentFields)})`,
      `export const ${many} = Relation.many(${parent.exportName}, ${child.exportName}${on(parentFields, childFields)})`
    ].join("\n")
  })
}
