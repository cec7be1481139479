/**
 * TableIterator: a two-level iterator (index block -> data block, `table/two_level_iterator.cc`)
 * over a table's point entries in internal-key order, showing only entries with sequence <=
 * its snapshot. Its face matches @writepath/memtable's MemTableIterator (seek by user key and
 * sequence, `key()` = user key, `sequence`, `type`, `value()`), so a merging iterator can treat
 * memtables and tables alike. Like them it yields every visible version and tombstone.
 *
 * Owns: an index-block iterator and the current data-block iterator.
 * Invariant: when valid, the data iterator is on a visible entry (sequence <= snapshot).
 * `key()`/`value()` are views valid until the iterator moves. Synchronous; block reads throw
 * TableCorruption / IOError.
 */
import type { Block, BlockIterator } from "./Block.ts"
import { compareInternal, putTrailerAt, trailerSequenceAt } from "./internal/coding.ts"
import type { Table } from "./Table.ts"
import type { BlockHandle } from "./TableFormat.ts"

export interface TableEntry {
  readonly key: Uint8Array
  readonly sequence: number
  readonly type: number
  readonly value: Uint8Array
}

export class TableIterator implements Iterable<TableEntry> {
  private readonly table: Table
  readonly snapshot: number
  private readonly index: BlockIterator
  private data: BlockIterator | undefined
  private dataHandle: BlockHandle | undefined
  private target = new Uint8Array(64)

  /** @internal Use `Table.newIterator`. */
  constructor(table: Table, snapshot: number) {
    this.table = table
    this.snapshot = snapshot
    this.index = table.index.iterator(compareInternal)
  }

  valid(): boolean {
    return this.data?.valid() === true
  }

  seekToFirst(): void {
    this.index.seekToFirst()
    this.loadData()
    this.data?.seekToFirst()
    this.skipForward()
  }

  seekToLast(): void {
    this.index.seekToLast()
    this.loadData()
    this.data?.seekToLast()
    this.skipBackward()
  }

  /** First visible entry at or after (userKey, sequence); by default the newest visible version of userKey. */
  seek(userKey: Uint8Array, sequence: number = this.snapshot): void {
    this.seekInternal(this.makeTarget(userKey, sequence, 0xff))
  }

  /** First visible entry at or after an encoded internal key. */
  seekInternal(target: Uint8Array): void {
    this.index.seek(target)
    this.loadData()
    this.data?.seek(target)
    this.skipForward()
  }

  /** Last visible entry at or before (userKey, sequence); by default the oldest version of userKey. */
  seekForPrev(userKey: Uint8Array, sequence = 0): void {
    const target = this.makeTarget(userKey, sequence, 0).slice()
    this.seekInternal(target)
    if (!this.valid()) this.seekToLast()
    else {
      // Past the target? Step back (the entry found is the first >= target).
      const k = this.data!
      if (compareInternal(k.keyBytes(), 0, k.keyLength(), target, 0, target.length) > 0) this.prev()
    }
  }

  /** REQUIRES: valid(). */
  next(): void {
    this.data!.next()
    this.skipForward()
  }

  /** REQUIRES: valid(). */
  prev(): void {
    this.data!.prev()
    this.skipBackward()
  }

  /** User key of the current entry (a view). REQUIRES: valid(). */
  key(): Uint8Array {
    const d = this.data!
    return d.keyBytes().subarray(0, d.keyLength() - 8)
  }

  /** The current internal key (a view). REQUIRES: valid(). */
  internalKey(): Uint8Array {
    return this.data!.key()
  }

  /** REQUIRES: valid(). */
  value(): Uint8Array {
    return this.data!.value()
  }

  /** REQUIRES: valid(). */
  get sequence(): number {
    const d = this.data!
    return trailerSequenceAt(d.keyBytes(), d.keyLength() - 8)
  }

  /** The ValueType byte. REQUIRES: valid(). */
  get type(): number {
    const d = this.data!
    return d.keyBytes()[d.keyLength() - 8]!
  }

  /** Visible entries from the first one (copies; the iterator is repositioned). */
  *[Symbol.iterator](): Iterator<TableEntry> {
    for (this.seekToFirst(); this.valid(); this.next()) {
      yield { key: this.key().slice(), sequence: this.sequence, type: this.type, value: this.value().slice() }
    }
  }

  private makeTarget(userKey: Uint8Array, sequence: number, type: number): Uint8Array {
    const n = userKey.length + 8
    if (this.target.length < n) this.target = new Uint8Array(Math.max(n, this.target.length * 2))
    const t = this.target.subarray(0, n)
    t.set(userKey)
    putTrailerAt(t, userKey.length, sequence, type)
    return t
  }

  private loadData(): void {
    this.table.blockCorruption(this.table.indexHandle, this.index.corruption)
    if (!this.index.valid()) {
      this.data = undefined
      this.dataHandle = undefined
      return
    }
    const h = this.table.handleAt(this.table.indexHandle, this.index.value())
    if (this.dataHandle && this.dataHandle.offset === h.offset && this.data) return
    const block: Block = this.table.dataBlock(h)
    this.data = block.iterator(compareInternal)
    this.dataHandle = h
  }

  private checkData(): void {
    if (this.data && this.dataHandle) this.table.blockCorruption(this.dataHandle, this.data.corruption)
  }

  private visible(): boolean {
    return this.sequence <= this.snapshot
  }

  private skipForward(): void {
    for (;;) {
      this.checkData()
      while (this.data === undefined || !this.data.valid()) {
        if (!this.index.valid()) {
          this.data = undefined
          return
        }
        this.index.next()
        this.loadData()
        this.data?.seekToFirst()
        this.checkData()
      }
      if (this.visible()) return
      this.data.next()
    }
  }

  private skipBackward(): void {
    for (;;) {
      this.checkData()
      while (this.data === undefined || !this.data.valid()) {
        if (!this.index.valid()) {
          this.data = undefined
          return
        }
        this.index.prev()
        this.loadData()
        this.data?.seekToLast()
        this.checkData()
      }
      if (this.visible()) return
      this.data.prev()
    }
  }
}
