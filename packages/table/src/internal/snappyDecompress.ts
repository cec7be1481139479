/**
 * Snappy decompression (google/snappy `format_description.txt`), the raw format LevelDB stores
 * in a block of type 1: varint32 uncompressed length, then elements whose tag's low 2 bits say
 *   00 literal   length-1 in the tag's high 6 bits; 60..63 mean 1..4 little-endian length-1 bytes follow
 *   01 copy      length 4..11 (3 tag bits), offset 0..2047 (3 tag bits << 8 | next byte)
 *   10 copy      length 1..64 (tag's high 6 bits + 1), offset: 2 little-endian bytes
 *   11 copy      length 1..64, offset: 4 little-endian bytes
 * A copy reads `offset` bytes back in the output; the source may overlap the destination
 * (offset < length repeats a pattern), so overlapping copies go byte by byte.
 *
 * Stateless. Never throws on bad input and never writes outside the output: every length,
 * offset and read is checked, and the output must be filled exactly. The declared length is
 * bounded by what the input could expand to (a 3-byte copy yields at most 64 bytes), so a
 * corrupt preamble cannot allocate gigabytes. Errors are returned as a reason string; the
 * table reader turns it into a TableCorruption naming the file and block.
 */

/** The largest output `n` input bytes can describe: 64 bytes per 3-byte copy, plus the rounding. */
const maxExpansion = (n: number): number => Math.ceil((n * 64) / 3) + 64

/** Decodes the varint32 preamble: [length, bytes used] or a reason. */
export const snappyUncompressedLength = (src: Uint8Array): readonly [number, number] | string => {
  let result = 0
  for (let i = 0, shift = 0; i < 5 && i < src.length; i++, shift += 7) {
    const b = src[i]!
    if (i === 4 && b > 0x0f) return "snappy length varint exceeds 32 bits"
    result += (b & 0x7f) * 2 ** shift
    if (b < 0x80) return [result, i + 1]
  }
  return "truncated snappy length varint"
}

/** The uncompressed bytes of `src`, or a reason why `src` is not valid Snappy. */
export const snappyDecompress = (src: Uint8Array): Uint8Array | string => {
  const pre = snappyUncompressedLength(src)
  if (typeof pre === "string") return pre
  const [n, start] = pre
  if (n > maxExpansion(src.length - start)) return `snappy length ${n} is more than ${src.length} input bytes can hold`
  const out = new Uint8Array(n)
  const end = src.length
  let ip = start
  let op = 0
  while (ip < end) {
    const tag = src[ip++]!
    const kind = tag & 3
    if (kind === 0) {
      let len = tag >>> 2
      if (len >= 60) {
        const extra = len - 59
        if (ip + extra > end) return "truncated snappy literal length"
        len = src[ip]!
        if (extra > 1) len |= src[ip + 1]! << 8
        if (extra > 2) len |= src[ip + 2]! << 16
        if (extra > 3) len = (len | (src[ip + 3]! << 24)) >>> 0
        ip += extra
      }
      len += 1
      if (ip + len > end) return "snappy literal runs past the input"
      if (op + len > n) return "snappy literal runs past the declared length"
      // A subarray costs an allocation: worth it only for long literals.
      if (len < 128) {
        for (let i = 0; i < len; i++) out[op + i] = src[ip + i]!
      } else out.set(src.subarray(ip, ip + len), op)
      ip += len
      op += len
      continue
    }
    let len: number
    let offset: number
    if (kind === 1) {
      if (ip >= end) return "truncated snappy copy"
      len = ((tag >>> 2) & 7) + 4
      offset = ((tag >>> 5) << 8) | src[ip++]!
    } else if (kind === 2) {
      if (ip + 2 > end) return "truncated snappy copy"
      len = (tag >>> 2) + 1
      offset = src[ip]! | (src[ip + 1]! << 8)
      ip += 2
    } else {
      if (ip + 4 > end) return "truncated snappy copy"
      len = (tag >>> 2) + 1
      offset = (src[ip]! | (src[ip + 1]! << 8) | (src[ip + 2]! << 16) | (src[ip + 3]! << 24)) >>> 0
      ip += 4
    }
    if (offset === 0 || offset > op) return `snappy copy offset ${offset} outside the ${op} bytes produced`
    if (op + len > n) return "snappy copy runs past the declared length"
    let from = op - offset
    if (offset >= len && len > 32) {
      out.copyWithin(op, from, from + len)
      op += len
    } else {
      const stop = op + len
      while (op < stop) out[op++] = out[from++]!
    }
  }
  if (op !== n) return `snappy data ends after ${op} of ${n} declared bytes`
  return out
}
