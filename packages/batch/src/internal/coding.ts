/**
 * Little-endian fixed-width and varint codecs over a growable byte buffer, in
 * RocksDB's `util/coding.h` encodings. Hand-written because they sit on the
 * per-write hot path (batch encode, WAL framing, memtable entries).
 */

/** Largest sequence number representable exactly in a JS number (RocksDB allows 2^56 - 1). */
export const MAX_SAFE_SEQUENCE = Number.MAX_SAFE_INTEGER

export const getFixed32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0

export const putFixed32At = (b: Uint8Array, o: number, v: number): void => {
  b[o] = v & 0xff
  b[o + 1] = (v >>> 8) & 0xff
  b[o + 2] = (v >>> 16) & 0xff
  b[o + 3] = (v >>> 24) & 0xff
}

/**
 * Reads a fixed64 as a number. Returns -1 when the value does not fit in 2^53 - 1,
 * so callers can report it instead of silently rounding.
 */
export const getFixed64 = (b: Uint8Array, o: number): number => {
  const lo = getFixed32(b, o)
  const hi = getFixed32(b, o + 4)
  if (hi > 0x1fffff) return -1
  return hi * 0x100000000 + lo
}

export const putFixed64At = (b: Uint8Array, o: number, v: number): void => {
  putFixed32At(b, o, v >>> 0)
  putFixed32At(b, o + 4, Math.floor(v / 0x100000000) >>> 0)
}

export const varint32Length = (v: number): number => (v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5)

/** Writes `v` (0 <= v < 2^32) as a varint32 at `o`; returns the offset after it. */
export const putVarint32At = (b: Uint8Array, o: number, v: number): number => {
  while (v >= 0x80) {
    b[o++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  b[o++] = v
  return o
}

/**
 * Decodes a varint32 at `o`, not reading at or beyond `limit`. Returns the value and
 * stores the next offset in `cursor.pos`; returns -1 on a truncated or over-long varint.
 */
export const getVarint32 = (b: Uint8Array, o: number, limit: number, cursor: { pos: number }): number => {
  let result = 0
  for (let shift = 0; shift <= 28 && o < limit; shift += 7) {
    const byte = b[o++]!
    if (byte & 0x80) {
      result += (byte & 0x7f) * 2 ** shift
    } else {
      result += byte * 2 ** shift
      if (result > 0xffffffff) return -1
      cursor.pos = o
      return result
    }
  }
  return -1
}

const encoder = new TextEncoder()

/** UTF-8 byte length of a JS string (lone surrogates count as U+FFFD, 3 bytes, as TextEncoder does). */
export const utf8Length = (s: string): number => {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4
        i++
      } else n += 3
    } else n += 3
  }
  return n
}

/** Encodes `s` as UTF-8 at `o` (the caller reserved `utf8Length(s)` bytes). */
export const putUtf8At = (b: Uint8Array, o: number, s: string, byteLength: number): void => {
  if (byteLength === s.length) {
    // ASCII: a plain loop beats TextEncoder for the short keys typical of a KV store.
    for (let i = 0; i < byteLength; i++) b[o + i] = s.charCodeAt(i)
    return
  }
  encoder.encodeInto(s, b.subarray(o, o + byteLength))
}

export const toBytes = (v: Uint8Array | string): Uint8Array => (typeof v === "string" ? encoder.encode(v) : v)
