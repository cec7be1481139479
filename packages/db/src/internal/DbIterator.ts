/**
 * The user-visible iterator over memtables and tables (`DBIter` over a merging iterator):
 * collapses every user key's versions into its newest entry visible at the snapshot,
 * drops Delete/SingleDelete and keys covered by a newer range tombstone, and walks the
 * keys in bytewise order, forward or reverse, within optional bounds.
 *
 * Owns: one child iterator per memtable and per table, all at the same snapshot, and the
 * table pin. The memtables are pinned by reference when the iterator is created (they are
 * never freed while reachable); the tables by the TableSet pin, released when the walk ends
 * (or on `release`), so later switches, flushes and compactions do not disturb it.
 * Synchronous; nothing here yields.
 */
import { ValueType } from "@writepath/batch"
import { compareUserKeys, type MemTable } from "@writepath/memtable"
import type { RangeTombstone } from "@writepath/table"
import { NotSupported } from "../DbError.ts"
import type { PinnedTables } from "./TableSet.ts"

export interface IteratorBounds {
  readonly gt?: Uint8Array
  readonly gte?: Uint8Array
  readonly lt?: Uint8Array
  readonly lte?: Uint8Array
  readonly reverse?: boolean
}

const { kTypeValue, kTypeMerge } = ValueType

/** RocksDB's `max_sequential_skip_in_iterations` default: versions stepped over before reseeking. */
const maxSequentialSkip = 8

/** What MemTableIterator and TableIterator have in common: the merging walk needs only this. */
interface ChildIterator {
  valid(): boolean
  seekToFirst(): void
  seekToLast(): void
  seek(userKey: Uint8Array, sequence?: number): void
  seekForPrev(userKey: Uint8Array, sequence?: number): void
  next(): void
  prev(): void
  key(): Uint8Array
  value(): Uint8Array
  readonly sequence: number
  readonly type: number
}

export class DbIterator {
  private readonly memtables: ReadonlyArray<MemTable>
  private readonly children: ChildIterator[]
  private readonly tableTombstones: ReadonlyArray<RangeTombstone>
  private readonly pinned: PinnedTables | undefined
  private readonly snapshot: number
  private readonly bounds: IteratorBounds
  private started = false
  private done = false

  constructor(memtables: ReadonlyArray<MemTable>, snapshot: number, bounds: IteratorBounds, tables?: PinnedTables) {
    this.memtables = memtables
    this.snapshot = snapshot
    this.bounds = bounds
    this.pinned = tables
    this.children = memtables.map((m): ChildIterator => m.newIterator({ snapshot }))
    const tombstones: RangeTombstone[] = []
    for (const t of tables?.tables ?? []) {
      this.children.push(t.newIterator({ snapshot }))
      for (const r of t.rangeTombstones()) if (r.sequence <= snapshot) tombstones.push(r)
    }
    this.tableTombstones = tombstones
  }

  /** Ends the walk early: unpins the tables (idempotent; the walk's end does it too). */
  release(): void {
    this.done = true
    this.pinned?.release()
  }

  /** The next visible [key, value] (copies), or undefined at the end. */
  next(): [Uint8Array, Uint8Array] | undefined {
    if (this.done) return undefined
    try {
      const e = this.step()
      if (e === undefined) this.release()
      return e
    } catch (e) {
      this.release()
      throw e
    }
  }

  private step(): [Uint8Array, Uint8Array] | undefined {
    if (!this.started) this.position()
    const reverse = this.bounds.reverse === true
    for (;;) {
      // The smallest (forward) or largest (reverse) user key any child is at.
      let key: Uint8Array | undefined
      for (const c of this.children) {
        if (!c.valid()) continue
        const k = c.key()
        if (key === undefined || (reverse ? compareUserKeys(k, key) > 0 : compareUserKeys(k, key) < 0)) key = k
      }
      if (key === undefined || this.outOfBounds(key)) return undefined
      key = key.slice()
      // Consume that key's versions in every child, keeping the newest.
      let bestSeq = -1
      let bestType = 0
      let bestValue: Uint8Array | undefined
      for (const c of this.children) {
        let stepped = 0
        while (c.valid() && compareUserKeys(c.key(), key) === 0) {
          if (c.sequence > bestSeq) {
            bestSeq = c.sequence
            bestType = c.type
            bestValue = c.value()
          }
          if (reverse) c.prev()
          // An overwritten key can have thousands of versions in a memtable, and stepping
          // over each made scans cost O(versions) (DbIterator.next was 41% of a
          // readwhilewriting profile). Past a few steps, one seek to the key's oldest
          // possible entry skips the rest, as DBIter does after
          // max_sequential_skip_in_iterations (8). Versions come newest first, so the
          // ones skipped could never win. Only once per key: the seek may land on a
          // sequence-0 version of the key, which plain steps then pass.
          else if (stepped++ === maxSequentialSkip) c.seek(key, 0)
          else c.next()
        }
      }
      if (bestType === kTypeMerge) {
        throw new NotSupported({ reason: "reading a Merge needs a merge operator, which writepath does not have" })
      }
      if (bestType !== kTypeValue || bestValue === undefined) continue
      if (this.coveredByTombstone(key, bestSeq)) continue
      return [key, bestValue.slice()]
    }
  }

  private coveredByTombstone(key: Uint8Array, seq: number): boolean {
    for (const m of this.memtables) if (m.numRangeDeletes > 0 && m.maxCoveringTombstoneSeqnum(key, this.snapshot) > seq) return true
    for (const t of this.tableTombstones) {
      if (t.sequence > seq && compareUserKeys(t.begin, key) <= 0 && compareUserKeys(key, t.end) < 0) return true
    }
    return false
  }

  private position(): void {
    this.started = true
    const { gt, gte, lt, lte, reverse } = this.bounds
    for (const c of this.children) {
      if (reverse) {
        const upper = lte ?? lt
        if (upper === undefined) c.seekToLast()
        else {
          // Last entry at or before (upper, oldest): lands on upper's versions or the key below it.
          c.seekForPrev(upper, 0)
        }
      } else {
        const lower = gte ?? gt
        if (lower === undefined) c.seekToFirst()
        else c.seek(lower)
      }
    }
    // Exclusive starts skip the bound key itself.
    const skip = reverse ? (this.bounds.lte === undefined ? lt : undefined) : this.bounds.gte === undefined ? gt : undefined
    if (skip !== undefined) {
      for (const c of this.children) {
        while (c.valid() && compareUserKeys(c.key(), skip) === 0) {
          if (reverse) c.prev()
          else c.next()
        }
      }
    }
  }

  /** True once the walk has left the range (the start bound was applied by seeking). */
  private outOfBounds(key: Uint8Array): boolean {
    const { gt, gte, lt, lte, reverse } = this.bounds
    if (reverse) return (gte !== undefined && compareUserKeys(key, gte) < 0) || (gt !== undefined && compareUserKeys(key, gt) <= 0)
    return (lte !== undefined && compareUserKeys(key, lte) > 0) || (lt !== undefined && compareUserKeys(key, lt) >= 0)
  }
}
