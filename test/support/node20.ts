/**
 * vitest 5 declares Node >= 22.12. On Node 20 (where CI runs the whole suite,
 * see the README) it runs, but its reporter and snapshot code call four
 * functions that Node 20 lacks, and a failing run would lose its summary in a
 * TypeError. They are added here, only where missing, in the process that
 * loads vitest.config.ts (the one that reports); test code never sees them.
 */
const define = (target: object, name: string, value: unknown) => {
  if (!(name in target)) Object.defineProperty(target, name, { value, writable: true, configurable: true })
}

const groupInto = <K, V>(items: Iterable<V>, key: (item: V, index: number) => K, add: (key: K, item: V) => void) => {
  let index = 0
  for (const item of items) add(key(item, index++), item)
}

define(Map, "groupBy", <K, V>(items: Iterable<V>, key: (item: V, index: number) => K) => {
  const groups = new Map<K, Array<V>>()
  groupInto(items, key, (k, item) => {
    const group = groups.get(k)
    if (group === undefined) groups.set(k, [item])
    else group.push(item)
  })
  return groups
})

define(Object, "groupBy", <V>(items: Iterable<V>, key: (item: V, index: number) => PropertyKey) => {
  const groups: Record<PropertyKey, Array<V>> = Object.create(null)
  groupInto(items, key, (k, item) => {
    ;(groups[k] ??= []).push(item)
  })
  return groups
})

define(Promise, "withResolvers", <T>() => {
  let resolve!: (value: T | PromiseLike<T>) => void
  let reject!: (reason?: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
})

define(Array, "fromAsync", async <T>(items: AsyncIterable<T> | Iterable<T | PromiseLike<T>>) => {
  const out: Array<T> = []
  for await (const item of items as AsyncIterable<T>) out.push(item)
  return out
})

export {}
