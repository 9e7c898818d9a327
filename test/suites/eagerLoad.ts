/**
 * Eager loading (`Query.with`) over random data: every relation kind loaded
 * by `with` equals what a manual query per relation gives (all target rows
 * read by a plain statement, matched in JavaScript): zero children, NULL
 * foreign keys, duplicate parent keys, composite keys, many-to-many, nested
 * relations, a transformed key (the Schema encode path), a key a refinement
 * refuses (an InputError, as the Schema says), and key lists past every
 * parameter limit. Also: the statements one load sends, loads from forked
 * fibers of one session and from concurrent sessions, and an interrupted load.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"
import fc from "fast-check"
import * as Column from "../../src/Column.js"
import * as Database from "../../src/Database.js"
import * as DatabaseError from "../../src/DatabaseError.js"
import * as Query from "../../src/Query.js"
import * as Relation from "../../src/Relation.js"
import type * as Session from "../../src/Session.js"
import * as Table from "../../src/Table.js"
import type { MakeLayer } from "../support/layers.js"

// An identity transformation: the column's values go through the Schema encode, never a fast path.
const viaParser = <S extends Schema.Codec<any, any, never, never>>(schema: S) =>
  schema.pipe(Schema.decodeTo(Schema.toType(schema), SchemaTransformation.transform({ decode: (a) => a, encode: (a) => a })))

const Owner = Table.make("el_owners", {
  id: Schema.Int.pipe(Column.primaryKey),
  grp: Schema.NullOr(Schema.Int),
  tag: Schema.NullOr(Schema.String),
  ref: Schema.NullOr(viaParser(Schema.Int)),
  // Any integer; pets' `rank` takes only positive ones.
  num: Schema.Int
})
const Pet = Table.make("el_pets", {
  id: Schema.Int.pipe(Column.primaryKey),
  ownerId: Schema.NullOr(Schema.Int).pipe(Column.references(() => Owner.columns.id)),
  grp: Schema.NullOr(Schema.Int.pipe(Schema.brand("Group"))),
  tag: Schema.NullOr(Schema.String),
  ref: Schema.NullOr(viaParser(Schema.Int)),
  rank: Schema.Int.check(Schema.isGreaterThan(0)),
  name: Schema.String
}, { columnNames: "snake_case" })
const Toy = Table.make("el_toys", {
  id: Schema.Int.pipe(Column.primaryKey),
  petId: Schema.Int.pipe(Column.references(() => Pet.columns.id)),
  name: Schema.String
}, { columnNames: "snake_case" })
const Label = Table.make("el_labels", { id: Schema.Int.pipe(Column.primaryKey), name: Schema.String })
const OwnerLabel = Table.make("el_owner_labels", {
  ownerId: Schema.Int.pipe(Column.references(() => Owner.columns.id)),
  labelId: Schema.Int.pipe(Column.references(() => Label.columns.id))
}, { columnNames: "snake_case", primaryKey: ["ownerId", "labelId"] })
const tables = [Owner, Pet, Toy, Label, OwnerLabel]

const relations = {
  pets: Relation.with(Relation.many(Owner, Pet), { toys: Relation.many(Pet, Toy) }),
  firstPet: Relation.one(Owner, Pet),
  byGroup: Relation.many(Owner, Pet, { source: ["grp"], target: ["grp"] }),
  byPair: Relation.many(Owner, Pet, { source: ["grp", "tag"], target: ["grp", "tag"] }),
  byRef: Relation.many(Owner, Pet, { source: ["ref"], target: ["ref"] }),
  labels: Relation.manyToMany(Owner, Label, { through: OwnerLabel })
}
const ownerQuery = Query.select(Owner).pipe(Query.orderBy(Owner.columns.id), Query.with(relations))
const petQuery = Query.select(Pet).pipe(Query.orderBy(Pet.columns.id), Query.with({ owner: Relation.belongsTo(Pet, Owner) }))
const byRank = Query.select(Owner).pipe(
  Query.orderBy(Owner.columns.id),
  Query.with({ ranked: Relation.many(Owner, Pet, { source: ["num"], target: ["rank"] }) })
)

interface Data {
  readonly owners: ReadonlyArray<Table.Encoded<typeof Owner>>
  readonly pets: ReadonlyArray<Table.Encoded<typeof Pet>>
  readonly toys: ReadonlyArray<Table.Encoded<typeof Toy>>
  readonly labels: ReadonlyArray<Table.Encoded<typeof Label>>
  readonly links: ReadonlyArray<Table.Encoded<typeof OwnerLabel>>
  /**
   * Pets and toys inserted in descending id order: PostgreSQL then reads
   * them back out of key order, and loaded arrays must still be in key
   * order (they are ordered in JavaScript for integer keys, not by SQL).
   */
  readonly insertReversed: boolean
}

const small = fc.option(fc.integer({ min: -2, max: 3 }), { nil: null })
const tag = fc.option(fc.constantFrom("x", "y"), { nil: null })

const data: fc.Arbitrary<Data> = fc.integer({ min: 0, max: 12 }).chain((nOwners) => {
  const ownerIds = Array.from({ length: nOwners }, (_, i) => i + 1)
  const ownerId = nOwners === 0 ? fc.constant(null) : fc.option(fc.constantFrom(...ownerIds), { nil: null, freq: 4 })
  return fc.record({
    owners: fc.tuple(...ownerIds.map((id) =>
      fc.record({ id: fc.constant(id), grp: small, tag, ref: small, num: fc.integer({ min: 1, max: 4 }) })
    )),
    pets: fc.array(fc.record({ ownerId, grp: small, tag, ref: small, rank: fc.integer({ min: 1, max: 4 }), name: fc.string({ maxLength: 3 }) }), { maxLength: 25 }),
    nToys: fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 30 }),
    labels: fc.integer({ min: 0, max: 4 }),
    links: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 20 }),
    insertReversed: fc.boolean()
  }).map(({ insertReversed, labels, links, nToys, owners, pets }): Data => {
    const petRows = pets.map((p, i) => ({ id: i + 1, ...p }))
    const labelRows = Array.from({ length: labels }, (_, i) => ({ id: i + 1, name: `label ${i + 1}` }))
    const pairs = new Map<string, { ownerId: number; labelId: number }>()
    if (owners.length > 0 && labels > 0) {
      for (const [o, l] of links) {
        const link = { ownerId: (o % owners.length) + 1, labelId: (l % labels) + 1 }
        pairs.set(`${link.ownerId}/${link.labelId}`, link)
      }
    }
    return {
      owners,
      pets: petRows,
      toys: petRows.length === 0 ? [] : nToys.map((n, i) => ({ id: i + 1, petId: (n % petRows.length) + 1, name: `toy ${i}` })),
      labels: labelRows,
      links: [...pairs.values()],
      insertReversed
    }
  })
})

/** Values of `fields` of both rows are all equal and none is NULL: SQL's `=`. */
const matches = (a: Record<string, unknown>, af: ReadonlyArray<string>, b: Record<string, unknown>, bf: ReadonlyArray<string>) =>
  af.every((f, k) => a[f] !== null && a[f] !== undefined && a[f] === b[bf[k]!])

const byId = (a: { readonly id: number }, b: { readonly id: number }) => a.id - b.id

/**
 * The reference: each table read whole by a plain statement (decoded by its
 * table), and every relation matched in JavaScript.
 */
const manualLoad = (s: Session.Session) =>
  Effect.gen(function*() {
    const owners = yield* s.all(Owner, "SELECT * FROM el_owners ORDER BY id")
    const pets = yield* s.all(Pet, "SELECT * FROM el_pets ORDER BY id")
    const toys = yield* s.all(Toy, "SELECT * FROM el_toys ORDER BY id")
    const labels = yield* s.all(Label, "SELECT * FROM el_labels ORDER BY id")
    const links = yield* s.all(OwnerLabel, "SELECT * FROM el_owner_labels")
    const petTree = pets.map((p) => ({ ...p, toys: toys.filter((t) => t.petId === p.id).sort(byId) }))
    const ownerTree = owners.map((o) => ({
      ...o,
      pets: petTree.filter((p) => matches(o, ["id"], p, ["ownerId"])),
      firstPet: Option.fromNullishOr(pets.find((p) => matches(o, ["id"], p, ["ownerId"]))),
      byGroup: pets.filter((p) => matches(o, ["grp"], p, ["grp"])),
      byPair: pets.filter((p) => matches(o, ["grp", "tag"], p, ["grp", "tag"])),
      byRef: pets.filter((p) => matches(o, ["ref"], p, ["ref"])),
      labels: labels.filter((l) => links.some((k) => k.ownerId === o.id && k.labelId === l.id))
    }))
    const petOwners = pets.map((p) => ({ ...p, owner: Option.fromNullishOr(owners.find((o) => o.id === p.ownerId)) }))
    return { owners: ownerTree, pets: petOwners }
  })

const eagerLoad = (s: Session.Session) =>
  Effect.all({ owners: s.all(ownerQuery), pets: s.all(petQuery) })

const reset = (d: Data) =>
  Effect.scoped(Effect.gen(function*() {
    const s = yield* Database.session
    for (const t of ["el_owner_labels", "el_toys", "el_pets", "el_labels", "el_owners"]) yield* s.execute(`DELETE FROM ${t}`)
    if (d.owners.length > 0) yield* s.insertAll(Owner, d.owners)
    const inOrder = <A>(rows: ReadonlyArray<A>) => d.insertReversed ? [...rows].reverse() : rows
    if (d.pets.length > 0) yield* s.insertAll(Pet, inOrder(d.pets) as any)
    if (d.toys.length > 0) yield* s.insertAll(Toy, inOrder(d.toys))
    if (d.labels.length > 0) yield* s.insertAll(Label, d.labels)
    if (d.links.length > 0) yield* s.insertAll(OwnerLabel, d.links)
    yield* s.commit
  }))

const inSession = <A, E, R>(f: (s: Session.Session) => Effect.Effect<A, E, R>) =>
  Effect.scoped(Effect.flatMap(Database.session, f))

export const suite = (name: string, makeLayer: MakeLayer) => {
  describe(`eager loading over random data (${name})`, () => {
    it("with(...) returns exactly the trees a manual query per relation gives", async () => {
      const runtime = ManagedRuntime.make(makeLayer({ tables }))
      try {
        await runtime.runPromise(Effect.flatMap(Database.Database, (db) => db.createAll()))
        let nonEmpty = 0
        await fc.assert(
          fc.asyncProperty(data, (d) =>
            runtime.runPromise(Effect.gen(function*() {
              yield* reset(d)
              const expected = yield* inSession(manualLoad)
              const loaded = yield* inSession(eagerLoad)
              expect(loaded).toEqual(expected)
              if (expected.owners.some((o) => o.pets.length > 0)) nonEmpty++
            }))
          ),
          { seed: 20261201, numRuns: 40 }
        )
        // The runs were not all trivial.
        expect(nonEmpty).toBeGreaterThan(10)
      } finally {
        await runtime.dispose()
      }
    }, 180_000)

    it("a parent key the target's refinement refuses is an InputError, as the Schema encode says", async () => {
      const runtime = ManagedRuntime.make(makeLayer({ tables }))
      try {
        await runtime.runPromise(Effect.flatMap(Database.Database, (db) => db.createAll()))
        await fc.assert(
          fc.asyncProperty(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 6 }), (nums) =>
            runtime.runPromise(Effect.gen(function*() {
              yield* reset({ owners: nums.map((num, i) => ({ id: i + 1, grp: null, tag: null, ref: null, num })), pets: [], toys: [], labels: [], links: [], insertReversed: false })
              const exit = yield* Effect.exit(inSession((s) => s.all(byRank)))
              const outcome = Exit.match(exit, {
                onSuccess: () => "loaded",
                onFailure: (cause) => {
                  const error = Cause.findErrorOption(cause)
                  return Option.isSome(error) && DatabaseError.isDatabaseError(error.value) ? error.value.reason._tag : "other"
                }
              })
              expect(outcome).toBe(nums.some((n) => n <= 0) ? "InputError" : "loaded")
            }))
          ),
          { seed: 20261202, numRuns: 30 }
        )
      } finally {
        await runtime.dispose()
      }
    }, 120_000)
  })

  describe(`eager loading: statements and concurrency (${name})`, () => {
    const OWNERS = 70_000
    const statements: Array<string> = []
    // Called with each statement as it is sent (to interrupt a load at a chosen one).
    let onSend: ((sql: string) => void) | undefined
    const layer = makeLayer({
      tables,
      onStatement: (sql) => {
        statements.push(sql)
        onSend?.(sql)
      }
    })

    const seedBig = Effect.gen(function*() {
      const db = yield* Database.Database
      yield* db.createAll()
      yield* reset({
        owners: Array.from({ length: OWNERS }, (_, i) => ({ id: i + 1, grp: i % 5, tag: null, ref: i % 3, num: 1 })),
        pets: Array.from({ length: OWNERS }, (_, i) => ({ id: i + 1, ownerId: i % 7 === 0 ? null : i + 1, grp: null, tag: null, ref: i % 4, rank: 1, name: "p" })) as any,
        toys: Array.from({ length: OWNERS }, (_, i) => ({ id: i + 1, petId: (i % OWNERS) + 1, name: "t" })),
        labels: [],
        links: [],
        insertReversed: false
      })
    })
    const tree = Query.select(Owner).pipe(
      Query.orderBy(Owner.columns.id),
      Query.with({ pets: Relation.with(Relation.many(Owner, Pet), { toys: Relation.many(Pet, Toy) }) })
    )
    const check = (owners: ReadonlyArray<{ readonly id: number; readonly pets: ReadonlyArray<{ readonly id: number; readonly toys: ReadonlyArray<{ readonly petId: number }> }> }>) => {
      expect(owners).toHaveLength(OWNERS)
      let pets = 0
      for (const o of owners) {
        for (const p of o.pets) {
          expect(p.id).toBe(o.id)
          expect(p.toys.map((t) => t.petId)).toEqual([p.id])
          pets++
        }
      }
      expect(pets).toBe(OWNERS - Math.ceil(OWNERS / 7))
    }

    it.effect(`${OWNERS} parents (past every parameter limit): 3 SELECTs, one per level, their text independent of the key count`, () =>
      Effect.gen(function*() {
        yield* seedBig
        statements.length = 0
        check(yield* inSession((s) => s.all(tree)))
        const selects = statements.filter((sql) => sql.startsWith("SELECT"))
        expect(selects).toHaveLength(3)
        // A smaller load sends the same texts: one prepared statement per relation whatever the number of keys.
        statements.length = 0
        yield* inSession((s) => s.all(tree.pipe(Query.limit(10))))
        expect(statements.filter((sql) => sql.startsWith("SELECT")).slice(1)).toEqual(selects.slice(1))
      }).pipe(Effect.provide(layer)), 180_000)

    it.effect("loads from forked fibers of one session, from concurrent sessions, and after an interrupted load", () =>
      Effect.gen(function*() {
        yield* seedBig
        const small = tree.pipe(Query.limit(500))
        // Forked fibers sharing one session (its one connection).
        const forked = yield* inSession((s) =>
          Effect.gen(function*() {
            const fibers = yield* Effect.forEach([1, 2, 3], () => Effect.forkChild(s.all(small)))
            return yield* Fiber.joinAll(fibers)
          })
        )
        expect(forked).toHaveLength(3)
        for (const owners of forked) expect(owners.map((o) => o.pets.length)).toEqual(forked[0]!.map((o) => o.pets.length))
        // Concurrent sessions.
        const concurrent = yield* Effect.all([1, 2, 3, 4].map(() => inSession((s) => s.all(tree))), { concurrency: 4 })
        for (const owners of concurrent) check(owners)
        // A load interrupted between its levels (at its second SELECT) ends interrupted, and the database serves the next load.
        let selects = 0
        const fiber = yield* Effect.forkChild(inSession((s) => s.all(tree)), { startImmediately: false })
        onSend = (sql) => {
          if (sql.startsWith("SELECT") && ++selects === 2) fiber.interruptUnsafe()
        }
        const exit = yield* Fiber.await(fiber)
        onSend = undefined
        expect(selects).toBe(2)
        expect(Exit.hasInterrupts(exit)).toBe(true)
        check(yield* inSession((s) => s.all(tree)))
      }).pipe(Effect.provide(layer)), 240_000)
  })
}
