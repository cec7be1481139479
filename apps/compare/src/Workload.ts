/**
 * The workloads, named after db_bench's, and the keys and values they write.
 *
 * Keys are decimal numbers zero-padded to `keySize` bytes (db_bench's layout), so that
 * byte order is numeric order and fillseq appends at the end of every engine's key space.
 * Values are slices of one random buffer, as db_bench's RandomGenerator does, so no
 * engine gains from compression and making a value costs nothing.
 */
import { Buffer } from "node:buffer"
import { randomFillSync } from "node:crypto"
import { isYcsb, ycsbPresets } from "./Ycsb.ts"

export const workloads = ["fillseq", "fillrandom", "overwrite", "readwhilewriting", "txn", ...ycsbPresets] as const
export type Workload = (typeof workloads)[number]

/** Keys loaded (without sync, untimed) before overwrite, readwhilewriting and the YCSB presets (their record count). */
export const preloadKeys = 10_000

/** Workloads that write over a preloaded key space. */
export const needsPreload = (w: Workload): boolean => w === "overwrite" || w === "readwhilewriting" || isYcsb(w)

/** db_bench-style keys: `keySize` bytes, the number right-aligned and zero-padded. */
export const makeKey = (n: number, keySize: number): Buffer => {
  const digits = String(n)
  const key = Buffer.alloc(keySize, 0x30)
  key.write(digits.length > keySize ? digits.slice(-keySize) : digits, Math.max(0, keySize - digits.length), "latin1")
  return key
}

/** A 32-bit xorshift: cheap, seeded, the same key stream on every engine. */
export const xorshift = (seed: number): (() => number) => {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 0x100000000
  }
}

/** Values: `valueSize` bytes at a moving offset into 1 MiB of random data. */
export const valueSource = (valueSize: number): ((i: number) => Buffer) => {
  const pool = Buffer.alloc(Math.max(1 << 20, valueSize * 2))
  randomFillSync(pool)
  const span = pool.length - valueSize
  return (i) => {
    const at = (i * 997) % (span + 1)
    return pool.subarray(at, at + valueSize)
  }
}

/**
 * The key of the `i`-th write of a run. fillseq counts up; fillrandom draws from the
 * run's whole key range (mostly new keys); overwrite and readwhilewriting draw from the
 * preloaded keys, so every write replaces a live one.
 */
export const keyStream = (workload: Workload, keySize: number, seed = 301): ((i: number) => Buffer) => {
  const random = xorshift(seed)
  switch (workload) {
    case "fillseq":
      return (i) => makeKey(i, keySize)
    case "fillrandom":
    case "txn":
      return () => makeKey(Math.floor(random() * 1e9), keySize)
    default:
      // overwrite, readwhilewriting (the YCSB presets draw their own requests: Ycsb.ts).
      return () => makeKey(Math.floor(random() * preloadKeys), keySize)
  }
}
