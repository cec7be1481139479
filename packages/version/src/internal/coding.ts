/**
 * The few LevelDB codecs (`util/coding.h`) a VersionEdit needs: varint32/varint64 and
 * length-prefixed slices. Numbers are exact up to 2^53 - 1; larger stored values are
 * reported as malformed rather than rounded.
 */

/** A growable output buffer. */
export class Writer {
  buf = new Uint8Array(128)
  len = 0

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.len + n))
    grown.set(this.buf.subarray(0, this.len))
    this.buf = grown
  }

  varint(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`not a varint: ${v}`)
    this.reserve(10)
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 128) | 0x80
      v = Math.floor(v / 128)
    }
    this.buf[this.len++] = v
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length)
    this.buf.set(b, this.len)
    this.len += b.length
  }

  lengthPrefixed(b: Uint8Array): void {
    this.varint(b.length)
    this.bytes(b)
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.len)
  }
}

/** A decoding cursor over `b`; every getter returns undefined (consuming nothing usable) when malformed. */
export class Reader {
  private readonly b: Uint8Array
  pos = 0

  constructor(b: Uint8Array) {
    this.b = b
  }

  get done(): boolean {
    return this.pos >= this.b.length
  }

  /** A varint of at most `maxBytes` bytes (5 for varint32, 10 for varint64). */
  varint(maxBytes = 10): number | undefined {
    let result = 0
    let p = this.pos
    for (let i = 0; i < maxBytes && p < this.b.length; i++) {
      const byte = this.b[p++]!
      result += (byte & 0x7f) * 2 ** (7 * i)
      if ((byte & 0x80) === 0) {
        if (result > Number.MAX_SAFE_INTEGER || (maxBytes === 5 && result > 0xffffffff)) return undefined
        this.pos = p
        return result
      }
    }
    return undefined
  }

  lengthPrefixed(): Uint8Array | undefined {
    const n = this.varint(5)
    if (n === undefined || this.pos + n > this.b.length) return undefined
    const out = this.b.slice(this.pos, this.pos + n)
    this.pos += n
    return out
  }
}
