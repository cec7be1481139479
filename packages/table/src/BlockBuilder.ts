/**
 * BlockBuilder: LevelDB's block layout (`table/block_builder.cc`).
 *
 *   entry   := varint32 shared | varint32 non_shared | varint32 value_length
 *              | key[shared..] (non_shared bytes) | value
 *   block   := entry* | fixed32 restart[num_restarts] | fixed32 num_restarts
 *
 * Every `restartInterval` entries the key is stored whole (shared = 0) and its offset is
 * recorded as a restart point, so a reader can binary-search restarts and decode from there.
 * An empty block is one restart (offset 0) and the count 1: 8 bytes.
 *
 * Owns: a growable output buffer, the restart offsets, a copy of the last key.
 * Invariants:
 *  1. `restarts[0] === 0` and restarts ascend; an entry at a restart offset has shared = 0.
 *  2. Keys are added in strictly increasing comparator order (checked by TableBuilder, which
 *     knows the comparator; the builder only stores bytes).
 *  3. After `finish()` nothing may be added until `reset()`.
 * Synchronous; nothing yields.
 */
import { putFixed32At, putVarintAt } from "./internal/coding.ts"
import { kDefaultRestartInterval } from "./TableFormat.ts"

export class BlockBuilder {
  private readonly restartInterval: number
  private buf: Uint8Array
  private len = 0
  private restarts: number[] = [0]
  private counter = 0
  private finished = false
  private lastKey: Uint8Array = new Uint8Array(64)
  private lastKeyLen = 0
  private entries = 0

  constructor(restartInterval: number = kDefaultRestartInterval, initialCapacity = 8 * 1024) {
    if (!Number.isInteger(restartInterval) || restartInterval < 1) throw new RangeError("restartInterval must be >= 1")
    this.restartInterval = restartInterval
    this.buf = new Uint8Array(initialCapacity)
  }

  /** Forgets everything added: the builder is empty again (buffers are kept). */
  reset(): void {
    this.len = 0
    this.restarts = [0]
    this.counter = 0
    this.finished = false
    this.lastKeyLen = 0
    this.entries = 0
  }

  /** No entry added since construction or `reset()`. */
  empty(): boolean {
    return this.entries === 0
  }

  /** Entries added since construction or `reset()`. */
  get count(): number {
    return this.entries
  }

  /** Size of the block `finish()` would return now (`CurrentSizeEstimate`). */
  currentSizeEstimate(): number {
    return this.len + this.restarts.length * 4 + 4
  }

  /** Appends `key` -> `value[vs..ve)`. REQUIRES: not finished; key greater than every key added before. */
  add(key: Uint8Array, value: Uint8Array, vs = 0, ve: number = value.length): void {
    if (this.finished) throw new RangeError("BlockBuilder.add after finish")
    let shared = 0
    if (this.counter < this.restartInterval) {
      const last = this.lastKey
      const n = Math.min(this.lastKeyLen, key.length)
      while (shared < n && last[shared] === key[shared]) shared++
    } else {
      this.restarts.push(this.len)
      this.counter = 0
    }
    const nonShared = key.length - shared
    const vlen = ve - vs
    this.reserve(15 + nonShared + vlen)
    const b = this.buf
    let o = this.len
    if (shared < 0x80 && nonShared < 0x80 && vlen < 0x80) {
      b[o] = shared
      b[o + 1] = nonShared
      b[o + 2] = vlen
      o += 3
    } else {
      o = putVarintAt(b, o, shared)
      o = putVarintAt(b, o, nonShared)
      o = putVarintAt(b, o, vlen)
    }
    b.set(shared === 0 ? key : key.subarray(shared), o)
    o += nonShared
    if (vlen > 0) b.set(vs === 0 && ve === value.length ? value : value.subarray(vs, ve), o)
    this.len = o + vlen
    if (this.lastKey.length < key.length) this.lastKey = new Uint8Array(Math.max(key.length, this.lastKey.length * 2))
    this.lastKey.set(key.subarray(shared), shared)
    this.lastKeyLen = key.length
    this.counter++
    this.entries++
  }

  /** The last key added (a view into the builder: copy it to keep it). */
  lastKeyView(): Uint8Array {
    return this.lastKey.subarray(0, this.lastKeyLen)
  }

  /** Appends the restart array and returns the block's bytes: a view valid until `reset()`. */
  finish(): Uint8Array {
    if (!this.finished) {
      this.reserve(this.restarts.length * 4 + 4)
      for (const r of this.restarts) {
        putFixed32At(this.buf, this.len, r)
        this.len += 4
      }
      putFixed32At(this.buf, this.len, this.restarts.length)
      this.len += 4
      this.finished = true
    }
    return this.buf.subarray(0, this.len)
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.len + n))
    grown.set(this.buf.subarray(0, this.len))
    this.buf = grown
  }
}
