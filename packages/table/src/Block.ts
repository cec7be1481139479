/**
 * Block: a read-only view of one decoded block and its iterator (`table/block.cc`).
 * The layout is described in BlockBuilder.ts.
 *
 * A BlockIterator seeks by binary search over the restart points, then decodes forward;
 * `prev()` steps back to the restart point before the current entry and decodes forward
 * again, as LevelDB does. `key()`/`value()` are views: the key into the iterator's scratch
 * buffer (valid until the next move), the value into the block's bytes (valid while the
 * block is). A malformed entry ends iteration and sets `corruption` (callers turn it into
 * a TableCorruption naming their file and block offset).
 */
import { type Cursor, getFixed32, getVarint32, type RangeComparator } from "./internal/coding.ts"

export class Block {
  readonly data: Uint8Array
  /** Offset of the restart array (= end of the entries). */
  readonly restartOffset: number
  readonly numRestarts: number

  /** Returns the block, or a reason string when its restart array is malformed. */
  static parse(data: Uint8Array): Block | string {
    if (data.length < 4) return "bad block contents (shorter than its restart count)"
    const num = getFixed32(data, data.length - 4)
    const maxRestarts = (data.length - 4) / 4
    if (num > maxRestarts) return "bad block contents (restart count too large)"
    return new Block(data, data.length - 4 - num * 4, num)
  }

  private constructor(data: Uint8Array, restartOffset: number, numRestarts: number) {
    this.data = data
    this.restartOffset = restartOffset
    this.numRestarts = numRestarts
  }

  restartPoint(i: number): number {
    return getFixed32(this.data, this.restartOffset + i * 4)
  }

  iterator(compare: RangeComparator): BlockIterator {
    return new BlockIterator(this, compare)
  }
}

export class BlockIterator {
  private readonly block: Block
  private readonly data: Uint8Array
  private readonly compare: RangeComparator
  private readonly limit: number
  private readonly cursor: Cursor = { pos: 0 }
  /** Offset of the current entry; `limit` when not valid. */
  private current: number
  private restartIndex: number
  private keyBuf = new Uint8Array(64)
  private keyLen = 0
  private valueOff = 0
  private valueLen = 0
  /** Set when an entry failed to decode; the iterator is then invalid. */
  corruption: string | undefined

  constructor(block: Block, compare: RangeComparator) {
    this.block = block
    this.data = block.data
    this.compare = compare
    this.limit = block.restartOffset
    this.current = this.limit
    this.restartIndex = block.numRestarts
  }

  valid(): boolean {
    return this.current < this.limit
  }

  /** The current key: a view valid until the iterator moves. REQUIRES: valid(). */
  key(): Uint8Array {
    return this.keyBuf.subarray(0, this.keyLen)
  }

  /** Scratch buffer and length of the current key, for comparisons without a view. */
  keyBytes(): Uint8Array {
    return this.keyBuf
  }

  keyLength(): number {
    return this.keyLen
  }

  /** The current value: a view into the block. REQUIRES: valid(). */
  value(): Uint8Array {
    return this.data.subarray(this.valueOff, this.valueOff + this.valueLen)
  }

  valueOffset(): number {
    return this.valueOff
  }

  valueLength(): number {
    return this.valueLen
  }

  seekToFirst(): void {
    this.seekToRestartPoint(0)
    this.parseNextKey()
  }

  seekToLast(): void {
    if (this.block.numRestarts === 0) {
      this.invalidate()
      return
    }
    this.seekToRestartPoint(this.block.numRestarts - 1)
    while (this.parseNextKey() && this.nextEntryOffset() < this.limit) {
      // keep going to the last entry
    }
  }

  /** First entry with key >= target. */
  seek(target: Uint8Array): void {
    const n = this.block.numRestarts
    if (n === 0) {
      this.invalidate()
      return
    }
    let left = 0
    let right = n - 1
    const c = this.cursor
    while (left < right) {
      const mid = (left + right + 1) >>> 1
      const off = this.block.restartPoint(mid)
      const shared = getVarint32(this.data, off, this.limit, c)
      const nonShared = shared < 0 ? -1 : getVarint32(this.data, c.pos, this.limit, c)
      const vlen = nonShared < 0 ? -1 : getVarint32(this.data, c.pos, this.limit, c)
      if (vlen < 0 || shared !== 0 || c.pos + nonShared > this.limit) {
        this.corrupt("bad entry in block")
        return
      }
      if (this.compare(this.data, c.pos, nonShared, target, 0, target.length) < 0) left = mid
      else right = mid - 1
    }
    this.seekToRestartPoint(left)
    while (this.parseNextKey()) {
      if (this.compare(this.keyBuf, 0, this.keyLen, target, 0, target.length) >= 0) return
    }
  }

  /** REQUIRES: valid(). */
  next(): void {
    this.parseNextKey()
  }

  /** REQUIRES: valid(). */
  prev(): void {
    const original = this.current
    while (this.block.restartPoint(this.restartIndex) >= original) {
      if (this.restartIndex === 0) {
        this.invalidate()
        return
      }
      this.restartIndex--
    }
    this.seekToRestartPoint(this.restartIndex)
    while (this.parseNextKey() && this.nextEntryOffset() < original) {
      // decode forward to the entry just before `original`
    }
  }

  private nextEntryOffset(): number {
    return this.valueOff + this.valueLen
  }

  private invalidate(): void {
    this.current = this.limit
    this.restartIndex = this.block.numRestarts
  }

  private corrupt(reason: string): void {
    this.corruption = reason
    this.keyLen = 0
    this.invalidate()
  }

  private seekToRestartPoint(i: number): void {
    this.keyLen = 0
    this.restartIndex = i
    // parseNextKey starts at valueOff + valueLen.
    this.valueOff = i < this.block.numRestarts ? this.block.restartPoint(i) : this.limit
    this.valueLen = 0
  }

  private parseNextKey(): boolean {
    const p = this.nextEntryOffset()
    this.current = p
    if (p >= this.limit) {
      this.invalidate()
      return false
    }
    const d = this.data
    let shared: number
    let nonShared: number
    let vlen: number
    let q: number
    // Fast path: all three lengths fit in one byte each (LevelDB's DecodeEntry does the same).
    if (p + 3 <= this.limit && (d[p]! | d[p + 1]! | d[p + 2]!) < 0x80) {
      shared = d[p]!
      nonShared = d[p + 1]!
      vlen = d[p + 2]!
      q = p + 3
    } else {
      const c = this.cursor
      shared = getVarint32(d, p, this.limit, c)
      nonShared = shared < 0 ? -1 : getVarint32(d, c.pos, this.limit, c)
      vlen = nonShared < 0 ? -1 : getVarint32(d, c.pos, this.limit, c)
      if (vlen < 0) {
        this.corrupt("bad entry in block")
        return false
      }
      q = c.pos
    }
    if (shared > this.keyLen || q + nonShared + vlen > this.limit) {
      this.corrupt("bad entry in block")
      return false
    }
    const kl = shared + nonShared
    if (this.keyBuf.length < kl) {
      const grown = new Uint8Array(Math.max(kl, this.keyBuf.length * 2))
      grown.set(this.keyBuf.subarray(0, shared))
      this.keyBuf = grown
    }
    if (nonShared <= 16) for (let i = 0; i < nonShared; i++) this.keyBuf[shared + i] = d[q + i]!
    else this.keyBuf.set(d.subarray(q, q + nonShared), shared)
    this.keyLen = kl
    this.valueOff = q + nonShared
    this.valueLen = vlen
    while (this.restartIndex + 1 < this.block.numRestarts && this.block.restartPoint(this.restartIndex + 1) < this.current) {
      this.restartIndex++
    }
    return true
  }
}
