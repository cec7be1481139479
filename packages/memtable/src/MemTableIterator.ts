/**
 * An iterator over one skiplist of a memtable in internal-key order (user key
 * ascending, sequence descending), showing only entries with sequence <= its
 * snapshot. Like RocksDB's memtable iterator it yields every visible version and
 * every tombstone: collapsing versions into user-visible values (and applying range
 * tombstones) is the DB iterator's job, which merges several memtables and tables.
 *
 * Safe to use while other threads insert: it never blocks, and an entry it has
 * passed stays where it was (nodes are never removed). Entries inserted after the
 * iterator moved past their position are not seen; entries that existed when it
 * was positioned are never missed (RocksDB inlineskiplist_test ConcurrentRead).
 *
 * `key()`/`value()` alias the arena; see GetResult for their lifetime.
 */
import { kTypeForSeek, trailerHi, trailerLo, trailerSequence } from "./InternalKey.ts"
import type { InlineSkipList } from "./internal/inlineSkipList.ts"

/** One entry, as produced by the JS iteration protocol. */
export interface MemTableEntry {
  readonly key: Uint8Array
  readonly sequence: number
  readonly type: number
  readonly value: Uint8Array
}

export class MemTableIterator implements Iterable<MemTableEntry> {
  private readonly list: InlineSkipList
  private readonly u8: Uint8Array
  /** Entries with a larger sequence are invisible. */
  readonly snapshot: number
  private node: number

  /** @internal Use `MemTable.newIterator` / `newRangeTombstoneIterator`. */
  constructor(list: InlineSkipList, u8: Uint8Array, snapshot: number) {
    this.list = list
    this.u8 = u8
    this.snapshot = snapshot
    this.node = 0
  }

  valid(): boolean {
    return this.node !== 0
  }

  seekToFirst(): void {
    this.node = this.list.nextOf(this.list.head, 0)
    this.skipInvisibleForward()
  }

  seekToLast(): void {
    this.node = this.list.findLast()
    this.skipInvisibleBackward()
  }

  /** First visible entry at or after (userKey, sequence); by default the newest visible version of userKey. */
  seek(userKey: Uint8Array, sequence: number = this.snapshot): void {
    this.node = this.list.findGreaterOrEqual(userKey, 0, userKey.length, trailerHi(sequence), trailerLo(sequence, kTypeForSeek))
    this.skipInvisibleForward()
  }

  /** Last visible entry at or before (userKey, sequence); by default the oldest version of userKey (RocksDB's SeekForPrev target). */
  seekForPrev(userKey: Uint8Array, sequence = 0): void {
    const hi = trailerHi(sequence)
    const lo = trailerLo(sequence, 0)
    const x = this.list.findGreaterOrEqual(userKey, 0, userKey.length, hi, lo)
    this.node =
      x !== 0 && this.list.compare(userKey, 0, userKey.length, hi, lo, x) === 0
        ? x
        : this.list.findLessThan(userKey, 0, userKey.length, hi, lo)
    this.skipInvisibleBackward()
  }

  /** REQUIRES: valid(). */
  next(): void {
    this.node = this.list.nextOf(this.node, 0)
    this.skipInvisibleForward()
  }

  /** REQUIRES: valid(). A search from the head (nodes have no back links), as in RocksDB. */
  prev(): void {
    this.node = this.list.prevOf(this.node)
    this.skipInvisibleBackward()
  }

  /** User key of the current entry (aliases the arena). REQUIRES: valid(). */
  key(): Uint8Array {
    const o = this.list.keyOffset(this.node)
    return this.u8.subarray(o, o + this.list.keyLength(this.node))
  }

  /** Value of the current entry (for a range tombstone: its end key). REQUIRES: valid(). */
  value(): Uint8Array {
    const o = this.list.keyOffset(this.node) + this.list.keyLength(this.node)
    return this.u8.subarray(o, o + this.list.valueLength(this.node))
  }

  /** REQUIRES: valid(). */
  get sequence(): number {
    return trailerSequence(this.list.trailerHi(this.node), this.list.trailerLo(this.node))
  }

  /** The ValueType byte. REQUIRES: valid(). */
  get type(): number {
    return this.list.trailerLo(this.node) & 0xff
  }

  /** A copy of the current internal key: user key | fixed64 LE trailer. REQUIRES: valid(). */
  internalKey(): Uint8Array {
    const k = this.key()
    const out = new Uint8Array(k.length + 8)
    out.set(k)
    const dv = new DataView(out.buffer)
    dv.setUint32(k.length, this.list.trailerLo(this.node), true)
    dv.setUint32(k.length + 4, this.list.trailerHi(this.node), true)
    return out
  }

  /** Visible entries from the first one (the iterator is repositioned). */
  *[Symbol.iterator](): Iterator<MemTableEntry> {
    for (this.seekToFirst(); this.valid(); this.next()) {
      yield { key: this.key(), sequence: this.sequence, type: this.type, value: this.value() }
    }
  }

  private visible(x: number): boolean {
    return trailerSequence(this.list.trailerHi(x), this.list.trailerLo(x)) <= this.snapshot
  }

  private skipInvisibleForward(): void {
    while (this.node !== 0 && !this.visible(this.node)) this.node = this.list.nextOf(this.node, 0)
  }

  private skipInvisibleBackward(): void {
    while (this.node !== 0 && !this.visible(this.node)) this.node = this.list.prevOf(this.node)
  }
}
