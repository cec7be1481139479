/**
 * LevelDB's built-in bloom filter (`util/bloom.cc`, policy name
 * "leveldb.BuiltinBloomFilter2") and its hash (`util/hash.cc`, a Murmur-like hash).
 * Bit for bit what LevelDB writes and probes, so filters interoperate both ways.
 *
 *   filter := bit array (ceil(max(n * bitsPerKey, 64) / 8) bytes) | k (1 byte)
 *
 * k = floor(bitsPerKey * 0.69) clamped to 1..30; each key sets k bits chosen by double
 * hashing: h = Hash(key, 0xbc9f1d34), delta = h rotated right 17, bit_j = (h + j*delta) mod bits.
 * A filter whose last byte is above 30 is a reserved encoding and matches everything.
 * Filters are built over user keys (LevelDB's InternalFilterPolicy strips the trailer).
 */

const kSeed = 0xbc9f1d34
const M = 0xc6a4a793

/** LevelDB's `Hash(data, n, seed)` over `data[start..end)`. */
export const hash = (data: Uint8Array, seed: number, start = 0, end: number = data.length): number => {
  const n = end - start
  let h = (seed ^ Math.imul(n, M)) >>> 0
  let i = start
  while (end - i >= 4) {
    const w = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) >>> 0
    i += 4
    h = (h + w) >>> 0
    h = Math.imul(h, M) >>> 0
    h = (h ^ (h >>> 16)) >>> 0
  }
  const rest = end - i
  if (rest > 0) {
    if (rest === 3) h = (h + (data[i + 2]! << 16)) >>> 0
    if (rest >= 2) h = (h + (data[i + 1]! << 8)) >>> 0
    h = (h + data[i]!) >>> 0
    h = Math.imul(h, M) >>> 0
    h = (h ^ (h >>> 24)) >>> 0
  }
  return h
}

/** `BloomHash`: the hash every filter probe starts from. */
export const bloomHash = (key: Uint8Array, start = 0, end: number = key.length): number => hash(key, kSeed, start, end)

/** Probes per key for a bits-per-key setting (LevelDB rounds 0.69 * bitsPerKey down). */
export const probesFor = (bitsPerKey: number): number => Math.min(30, Math.max(1, Math.floor(bitsPerKey * 0.69)))

/** Size in bytes of the filter for `n` keys (bit array plus the k byte). */
export const filterSize = (n: number, bitsPerKey: number): number => Math.ceil(Math.max(n * bitsPerKey, 64) / 8) + 1

/**
 * `CreateFilter`: writes the filter for `keys` (given as hashes, see `bloomHash`) into
 * `out[at..at + filterSize(n))`, which must be zeroed. Returns the offset after it.
 */
export const createFilterAt = (hashes: ArrayLike<number>, n: number, bitsPerKey: number, out: Uint8Array, at: number): number => {
  const bytes = Math.ceil(Math.max(n * bitsPerKey, 64) / 8)
  const bits = bytes * 8
  const k = probesFor(bitsPerKey)
  out[at + bytes] = k
  for (let i = 0; i < n; i++) {
    let h = hashes[i]! >>> 0
    const delta = ((h >>> 17) | (h << 15)) >>> 0
    for (let j = 0; j < k; j++) {
      const bitpos = h % bits
      out[at + (bitpos >>> 3)]! |= 1 << (bitpos & 7)
      h = (h + delta) >>> 0
    }
  }
  return at + bytes + 1
}

/** A standalone filter for `keys` (tests, tools). */
export const createFilter = (keys: ReadonlyArray<Uint8Array>, bitsPerKey = 10): Uint8Array => {
  const out = new Uint8Array(filterSize(keys.length, bitsPerKey))
  createFilterAt(
    keys.map((k) => bloomHash(k)),
    keys.length,
    bitsPerKey,
    out,
    0,
  )
  return out
}

/** `KeyMayMatch` for a key hash against `filter[start..end)`. */
export const hashMayMatch = (h: number, filter: Uint8Array, start = 0, end: number = filter.length): boolean => {
  const len = end - start
  if (len < 2) return false
  const bits = (len - 1) * 8
  const k = filter[end - 1]!
  if (k > 30) return true
  h >>>= 0
  const delta = ((h >>> 17) | (h << 15)) >>> 0
  for (let j = 0; j < k; j++) {
    const bitpos = h % bits
    if ((filter[start + (bitpos >>> 3)]! & (1 << (bitpos & 7))) === 0) return false
    h = (h + delta) >>> 0
  }
  return true
}

/** `KeyMayMatch(key, filter)`: false means the key was certainly not added. */
export const keyMayMatch = (key: Uint8Array, filter: Uint8Array, start = 0, end: number = filter.length): boolean =>
  hashMayMatch(bloomHash(key), filter, start, end)
