/**
 * Snappy compression (google/snappy's `CompressFragment`), producing the raw format
 * snappyDecompress.ts describes. The input is cut into 64 KiB fragments; in each, a hash
 * table of 4-byte sequences finds earlier occurrences, matches become copies and the gaps
 * literals. The search skips ahead faster the longer it finds nothing (snappy's "heuristic
 * match skipping"), so incompressible data costs little.
 *
 * Owns: one reusable hash table (module scope, reset per fragment). Synchronous; no state
 * survives a call except the table's storage. Invariants:
 *  1. The output never exceeds `snappyMaxCompressedLength(n)` (32 + n + n/6).
 *  2. Copies stay within their fragment, so every offset is < 65536 (1- or 2-byte offsets).
 *  3. The last 15 bytes of a fragment are only emitted as literal (no 4-byte load past it).
 */

const kBlockSize = 1 << 16
const kMaxHashTableSize = 1 << 14
/** Bytes at a fragment's end never searched for a match (snappy's kInputMarginBytes). */
const kInputMargin = 15

const table = new Uint16Array(kMaxHashTableSize)

export const snappyMaxCompressedLength = (n: number): number => 32 + n + Math.floor(n / 6)

const load32 = (b: Uint8Array, i: number): number => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)

const emitLiteral = (dst: Uint8Array, op: number, src: Uint8Array, from: number, len: number): number => {
  const n = len - 1
  if (n < 60) dst[op++] = n << 2
  else if (n < 0x100) {
    dst[op++] = 60 << 2
    dst[op++] = n
  } else if (n < 0x10000) {
    dst[op++] = 61 << 2
    dst[op++] = n & 0xff
    dst[op++] = n >>> 8
  } else if (n < 0x1000000) {
    dst[op++] = 62 << 2
    dst[op++] = n & 0xff
    dst[op++] = (n >>> 8) & 0xff
    dst[op++] = n >>> 16
  } else {
    dst[op++] = 63 << 2
    dst[op++] = n & 0xff
    dst[op++] = (n >>> 8) & 0xff
    dst[op++] = (n >>> 16) & 0xff
    dst[op++] = n >>> 24
  }
  if (len < 16) for (let i = 0; i < len; i++) dst[op + i] = src[from + i]!
  else dst.set(src.subarray(from, from + len), op)
  return op + len
}

/** One copy of 4..64 bytes. */
const emitCopyUpTo64 = (dst: Uint8Array, op: number, offset: number, len: number): number => {
  if (len < 12 && offset < 2048) {
    dst[op++] = 1 | ((len - 4) << 2) | ((offset >>> 8) << 5)
    dst[op++] = offset & 0xff
  } else {
    dst[op++] = 2 | ((len - 1) << 2)
    dst[op++] = offset & 0xff
    dst[op++] = offset >>> 8
  }
  return op
}

const emitCopy = (dst: Uint8Array, op: number, offset: number, len: number): number => {
  // Pieces of 64 while at least 68 remain, so the last piece is never shorter than 4.
  while (len >= 68) {
    op = emitCopyUpTo64(dst, op, offset, 64)
    len -= 64
  }
  if (len > 64) {
    op = emitCopyUpTo64(dst, op, offset, 60)
    len -= 60
  }
  return emitCopyUpTo64(dst, op, offset, len)
}

/** Compresses `src[start..end)` (at most 64 KiB) into `dst` at `op`; returns the new `op`. */
const compressFragment = (src: Uint8Array, start: number, end: number, dst: Uint8Array, op: number): number => {
  const n = end - start
  let nextEmit = start
  if (n >= kInputMargin) {
    let size = 256
    while (size < kMaxHashTableSize && size < n) size <<= 1
    const shift = 32 - Math.log2(size)
    table.fill(0, 0, size)
    const hash = (v: number): number => Math.imul(v, 0x1e35a7bd) >>> shift
    const ipLimit = end - kInputMargin
    let ip = start + 1
    let nextHash = hash(load32(src, ip))
    outer: for (;;) {
      let skip = 32
      let nextIp = ip
      let candidate: number
      do {
        ip = nextIp
        const h = nextHash
        nextIp = ip + (skip++ >> 5)
        if (nextIp > ipLimit) break outer
        nextHash = hash(load32(src, nextIp))
        candidate = start + table[h]!
        table[h] = ip - start
      } while (load32(src, ip) !== load32(src, candidate))
      op = emitLiteral(dst, op, src, nextEmit, ip - nextEmit)
      let cur: number
      do {
        const base = ip
        let a = candidate + 4
        let b = ip + 4
        while (b < end && src[a] === src[b]) {
          a++
          b++
        }
        ip = b
        op = emitCopy(dst, op, base - candidate, b - base)
        nextEmit = ip
        if (ip >= ipLimit) break outer
        table[hash(load32(src, ip - 1))] = ip - 1 - start
        cur = load32(src, ip)
        const h = hash(cur)
        candidate = start + table[h]!
        table[h] = ip - start
      } while (cur === load32(src, candidate))
      nextHash = hash(load32(src, ++ip))
    }
  }
  if (nextEmit < end) op = emitLiteral(dst, op, src, nextEmit, end - nextEmit)
  return op
}

/** Snappy-compresses `src` (raw format: varint32 length, then elements). */
export const snappyCompress = (src: Uint8Array): Uint8Array => {
  const dst = new Uint8Array(snappyMaxCompressedLength(src.length))
  let op = 0
  let v = src.length
  while (v >= 0x80) {
    dst[op++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  dst[op++] = v
  for (let pos = 0; pos < src.length; pos += kBlockSize) {
    op = compressFragment(src, pos, Math.min(pos + kBlockSize, src.length), dst, op)
  }
  return dst.subarray(0, op)
}
