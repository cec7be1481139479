/**
 * Short index keys (LevelDB's `FindShortestSeparator` / `FindShortSuccessor`, bytewise
 * comparator lifted to internal keys by InternalKeyComparator). An index entry only needs a
 * key k with last(block i) <= k < first(block i+1); shorter keys make a smaller index.
 */
import { compareBytes } from "./coding.ts"

/** The trailer of (kMaxSequenceNumber, kValueTypeForSeek = 1): sorts first among equal user keys. */
const MAX_TRAILER = Uint8Array.of(0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)

const withMaxTrailer = (userKey: Uint8Array, n: number): Uint8Array => {
  const out = new Uint8Array(n + 8)
  out.set(userKey.subarray(0, n))
  out.set(MAX_TRAILER, n)
  return out
}

/** A short internal key in [start, limit) (REQUIRES: start < limit, both internal keys). */
export const shortestSeparator = (start: Uint8Array, limit: Uint8Array): Uint8Array => {
  const us = start.length - 8
  const ul = limit.length - 8
  const min = Math.min(us, ul)
  let diff = 0
  while (diff < min && start[diff] === limit[diff]) diff++
  if (diff >= min) return start.slice() // one user key is a prefix of the other
  const byte = start[diff]!
  if (byte < 0xff && byte + 1 < limit[diff]!) {
    const tmp = withMaxTrailer(start, diff + 1)
    tmp[diff] = byte + 1
    // diff + 1 <= us, so tmp's user key is no longer than start's; it is shorter or greater.
    if (diff + 1 < us && compareBytes(start, 0, us, tmp, 0, diff + 1) < 0) return tmp
  }
  return start.slice()
}

/** A short internal key >= key (the last index entry of a table). */
export const shortSuccessor = (key: Uint8Array): Uint8Array => {
  const n = key.length - 8
  for (let i = 0; i < n; i++) {
    const byte = key[i]!
    if (byte !== 0xff) {
      if (i + 1 < n) {
        const tmp = withMaxTrailer(key, i + 1)
        tmp[i] = byte + 1
        return tmp
      }
      return key.slice()
    }
  }
  return key.slice()
}
