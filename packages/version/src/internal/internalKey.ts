/**
 * Internal keys as bytes (`db/dbformat.h`): user key | fixed64 LE (sequence << 8 | type).
 * Order: user key ascending (bytewise), then the 8-byte trailer descending, so newer versions
 * of a key come first. Helpers here work on whole keys without allocating views.
 * REQUIRES: keys are at least 8 bytes (every caller holds table or MANIFEST keys).
 */

/** Bytewise comparison of a[0..aLen) with b[0..bLen). */
export const compareBytesN = (a: Uint8Array, aLen: number, b: Uint8Array, bLen: number): number => {
  const n = Math.min(aLen, bLen)
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!
    if (d !== 0) return d
  }
  return aLen - bLen
}

/** User key order of two internal keys. */
export const compareUserKeysOf = (a: Uint8Array, b: Uint8Array): number => compareBytesN(a, a.length - 8, b, b.length - 8)

/** A user key against the user key of an internal key. */
export const compareUserKeyTo = (userKey: Uint8Array, ik: Uint8Array): number => compareBytesN(userKey, userKey.length, ik, ik.length - 8)

/** Internal-key order (LevelDB's `InternalKeyComparator`). */
export const compareInternalKeys = (a: Uint8Array, b: Uint8Array): number => {
  const c = compareBytesN(a, a.length - 8, b, b.length - 8)
  if (c !== 0) return c
  // Trailers are little-endian: compare from the most significant byte, larger first.
  const ao = a.length - 8
  const bo = b.length - 8
  for (let i = 7; i >= 0; i--) {
    const d = b[bo + i]! - a[ao + i]!
    if (d !== 0) return d
  }
  return 0
}

/** The sequence number of an internal key (exact below 2^53). */
export const sequenceOf = (ik: Uint8Array): number => {
  const o = ik.length - 7
  let s = 0
  for (let i = 6; i >= 0; i--) s = s * 256 + ik[o + i]!
  return s
}

/** The ValueType byte of an internal key. */
export const typeOf = (ik: Uint8Array): number => ik[ik.length - 8]!

/** A view of the user key of an internal key. */
export const userKeyOf = (ik: Uint8Array): Uint8Array => ik.subarray(0, ik.length - 8)

/** `userKey | fixed64 LE (sequence << 8 | type)` as a new array. */
export const makeInternalKey = (userKey: Uint8Array, sequence: number, type: number): Uint8Array => {
  const out = new Uint8Array(userKey.length + 8)
  out.set(userKey)
  let s = sequence
  out[userKey.length] = type
  for (let i = 1; i < 8; i++) {
    out[userKey.length + i] = s % 256
    s = Math.floor(s / 256)
  }
  return out
}
