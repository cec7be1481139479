/**
 * The crash loop's workload, shared by the writer child and the driver: writer `w` of
 * iteration `i` issues a deterministic stream of operations on its own keys, so the
 * driver can rebuild every operation (including the one in flight at the kill) from the
 * seed and the acknowledged counts alone, and each key's history is one writer's program
 * order. Values name their operation (`i3w5n17.`), so a value that was never written is
 * recognisable.
 */

/** Keys per writer. Small, so batches and range deletes overlap earlier writes. */
export const KEYS_PER_WRITER = 8

export type Mutation = { readonly key: number; readonly value: string | undefined }

export type Op =
  | { readonly kind: "put"; readonly n: number; readonly sync: boolean; readonly key: number; readonly value: string }
  | { readonly kind: "delete"; readonly n: number; readonly sync: boolean; readonly key: number }
  | { readonly kind: "batch"; readonly n: number; readonly sync: boolean; readonly mutations: ReadonlyArray<Mutation> }
  | { readonly kind: "deleteRange"; readonly n: number; readonly sync: boolean; readonly from: number; readonly to: number }
  /** A 2PC transaction: puts, a sync prepare, then a sync commit (or rollback). */
  | {
      readonly kind: "txn"
      readonly n: number
      readonly name: string
      readonly mutations: ReadonlyArray<Mutation>
      readonly commit: boolean
    }

/** mulberry32: small, fast, good enough for workload choices. */
export const prng = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const keyOf = (iteration: number, w: number, key: number): string =>
  `i${String(iteration).padStart(4, "0")}w${String(w).padStart(3, "0")}k${key}`

/** Every key of iteration `iteration` sorts in [prefix, prefix + "~"). */
export const iterationPrefix = (iteration: number): string => `i${String(iteration).padStart(4, "0")}w`

export const valueFor = (iteration: number, w: number, n: number, pad: number): string => `i${iteration}w${w}n${n}.${"x".repeat(pad)}`

/** The operations of writer `w` in iteration `iteration`, in order; op `n` is the n-th call. */
export const opStream = (seed: number, iteration: number, w: number, withTransactions: boolean): (() => Op) => {
  const r = prng((seed * 1_000_003 + iteration * 7919 + w * 104_729) >>> 0)
  let n = 0
  const pick = (k: number): number => Math.floor(r() * k)
  // Values of 0..400 bytes: with 64 KiB memtables a switch comes every ~300 writes.
  const value = (m: number): string => valueFor(iteration, w, m, pick(400))
  return () => {
    const m = n++
    const x = r()
    const sync = r() < 0.5
    if (x < 0.4) return { kind: "put", n: m, sync, key: pick(KEYS_PER_WRITER), value: value(m) }
    if (x < 0.52) return { kind: "delete", n: m, sync, key: pick(KEYS_PER_WRITER) }
    if (x < 0.57) {
      const from = pick(KEYS_PER_WRITER - 1)
      return { kind: "deleteRange", n: m, sync, from, to: from + 1 + pick(KEYS_PER_WRITER - from - 1) }
    }
    const size = 2 + pick(3)
    const keys = new Set<number>()
    while (keys.size < size) keys.add(pick(KEYS_PER_WRITER))
    const mutations = [...keys].map((key) => ({ key, value: r() < 0.8 ? value(m) : undefined }))
    if (withTransactions && x < 0.7) {
      return {
        kind: "txn",
        n: m,
        name: `i${iteration}w${w}t${m}`,
        mutations: mutations.map((u) => ({ key: u.key, value: u.value ?? value(m) })),
        commit: r() < 0.7,
      }
    }
    return { kind: "batch", n: m, sync, mutations }
  }
}

/** Applies `op` to a writer's key state (index = key number). */
export const apply = (state: Array<string | undefined>, op: Op): void => {
  switch (op.kind) {
    case "put":
      state[op.key] = op.value
      return
    case "delete":
      state[op.key] = undefined
      return
    case "deleteRange":
      for (let k = op.from; k < op.to; k++) state[k] = undefined
      return
    case "batch":
      for (const u of op.mutations) state[u.key] = u.value
      return
    case "txn":
      if (op.commit) for (const u of op.mutations) state[u.key] = u.value
      return
  }
}

/** Whether the op is acknowledged only after a WAL sync (its effect must survive a lost page cache). */
export const isSync = (op: Op): boolean => (op.kind === "txn" ? true : op.sync)
