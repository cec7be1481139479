/**
 * Little-endian fixed-width and varint codecs in LevelDB's `util/coding.h` encodings,
 * over plain Uint8Arrays. Values are JS numbers: varint64/fixed64 are exact up to 2^53 - 1
 * (file offsets and sizes never come close); decoders report larger values as failures.
 */

export const getFixed32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0

export const putFixed32At = (b: Uint8Array, o: number, v: number): void => {
  b[o] = v & 0xff
  b[o + 1] = (v >>> 8) & 0xff
  b[o + 2] = (v >>> 16) & 0xff
  b[o + 3] = (v >>> 24) & 0xff
}

export const putFixed64At = (b: Uint8Array, o: number, v: number): void => {
  putFixed32At(b, o, v >>> 0)
  putFixed32At(b, o + 4, Math.floor(v / 0x100000000) >>> 0)
}

export const varintLength = (v: number): number => {
  let n = 1
  while (v >= 0x80) {
    v = Math.floor(v / 128)
    n++
  }
  return n
}

/** Writes `v` (0 <= v <= 2^53 - 1) as a varint at `o`; returns the offset after it. */
export const putVarintAt = (b: Uint8Array, o: number, v: number): number => {
  while (v >= 0x80) {
    b[o++] = (v % 128) | 0x80
    v = Math.floor(v / 128)
  }
  b[o++] = v
  return o
}

/** Decoding position shared by the `get*` decoders: set to the offset after the value on success. */
export interface Cursor {
  pos: number
}

/**
 * Decodes a varint32 at `o`, reading no byte at or beyond `limit`. Returns -1 for a
 * truncated or over-long varint (or one above 2^32 - 1); on success sets `cursor.pos`.
 */
export const getVarint32 = (b: Uint8Array, o: number, limit: number, cursor: Cursor): number => {
  const first = o < limit ? b[o]! : 0x80
  if (first < 0x80 && o < limit) {
    cursor.pos = o + 1
    return first
  }
  let result = 0
  for (let shift = 0; shift <= 28 && o < limit; shift += 7) {
    const byte = b[o++]!
    if (byte & 0x80) result += (byte & 0x7f) * 2 ** shift
    else {
      result += byte * 2 ** shift
      if (result > 0xffffffff) return -1
      cursor.pos = o
      return result
    }
  }
  return -1
}

/** Decodes a varint64 at `o`; -1 when truncated, over-long, or above 2^53 - 1. */
export const getVarint64 = (b: Uint8Array, o: number, limit: number, cursor: Cursor): number => {
  let result = 0
  for (let shift = 0; shift <= 63 && o < limit; shift += 7) {
    const byte = b[o++]!
    result += (byte & 0x7f) * 2 ** shift
    if ((byte & 0x80) === 0) {
      if (result > Number.MAX_SAFE_INTEGER) return -1
      cursor.pos = o
      return result
    }
  }
  return -1
}

/** Bytewise comparison of `a[ao..ao+al)` and `b[bo..bo+bl)` (LevelDB's BytewiseComparator). */
export const compareBytes = (a: Uint8Array, ao: number, al: number, b: Uint8Array, bo: number, bl: number): number => {
  const n = Math.min(al, bl)
  for (let i = 0; i < n; i++) {
    const d = a[ao + i]! - b[bo + i]!
    if (d !== 0) return d
  }
  return al - bl
}

/**
 * Internal-key order on byte ranges (LevelDB's InternalKeyComparator over
 * BytewiseComparator): user key ascending, then the 8-byte trailer (seq << 8 | type)
 * descending. REQUIRES: both ranges are at least 8 bytes long.
 */
export const compareInternal = (a: Uint8Array, ao: number, al: number, b: Uint8Array, bo: number, bl: number): number => {
  const c = compareBytes(a, ao, al - 8, b, bo, bl - 8)
  if (c !== 0) return c
  const ta = ao + al - 8
  const tb = bo + bl - 8
  for (let i = 7; i >= 0; i--) {
    const d = b[tb + i]! - a[ta + i]!
    if (d !== 0) return d
  }
  return 0
}

/** A comparator over byte ranges, as blocks use it. */
export type RangeComparator = typeof compareBytes

/** Writes the internal-key trailer fixed64 LE (sequence << 8 | type) at `o`, exact for sequences up to 2^53 - 1. */
export const putTrailerAt = (b: Uint8Array, o: number, sequence: number, type: number): void => {
  putFixed32At(b, o, ((sequence % 0x1000000) * 256 + type) >>> 0)
  putFixed32At(b, o + 4, Math.floor(sequence / 0x1000000) >>> 0)
}

/** Sequence number of the trailer at `o` (exact up to 2^53 - 1; larger stored values come back rounded). */
export const trailerSequenceAt = (b: Uint8Array, o: number): number => getFixed32(b, o + 4) * 0x1000000 + (getFixed32(b, o) >>> 8)
