/**
 * MergingIterator (`table/merger.cc`, forward only): merges child iterators over internal keys
 * into one stream in internal-key order (user key ascending, sequence descending), with a
 * binary min-heap of children keyed by their current internal key. LevelIterator
 * (`Version::NewConcatenatingIterator`) walks the disjoint, sorted files of one level >= 1
 * as a single child, opening each table's iterator only when reached.
 *
 * Owns: the children, the heap, each child's current key view.
 * Invariants:
 *  1. The heap holds exactly the valid children; `keys[i]` is child i's current internal key.
 *  2. heap[0] is the child with the smallest key (ties: the lower child index, i.e. the order
 *     the children were given: put newer sources first).
 * Views returned by `internalKey()`/`value()` are valid until `next()`. Synchronous; a child's
 * block read throws (TableCorruption, IOError) straight through.
 */
import type { Table, TableIterator } from "@writepath/table"
import { compareInternalKeys } from "./internalKey.ts"

/** The forward face shared by TableIterator, LevelIterator and MergingIterator. */
export interface InternalIterator {
  valid(): boolean
  seekToFirst(): void
  next(): void
  /** user key | fixed64 LE (seq << 8 | type): a view valid until the iterator moves. */
  internalKey(): Uint8Array
  value(): Uint8Array
}

export class MergingIterator implements InternalIterator {
  private readonly children: ReadonlyArray<InternalIterator>
  private readonly keys: Uint8Array[]
  private heap: number[] = []

  constructor(children: ReadonlyArray<InternalIterator>) {
    this.children = children
    this.keys = children.map(() => new Uint8Array(0))
  }

  valid(): boolean {
    return this.heap.length > 0
  }

  seekToFirst(): void {
    this.heap = []
    for (let i = 0; i < this.children.length; i++) {
      const c = this.children[i]!
      c.seekToFirst()
      if (c.valid()) {
        this.keys[i] = c.internalKey()
        this.heap.push(i)
      }
    }
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i)
  }

  /** REQUIRES: valid(). */
  next(): void {
    const top = this.heap[0]!
    const c = this.children[top]!
    c.next()
    if (c.valid()) this.keys[top] = c.internalKey()
    else {
      const last = this.heap.pop()!
      if (this.heap.length === 0) return
      this.heap[0] = last
    }
    this.siftDown(0)
  }

  /** REQUIRES: valid(). */
  internalKey(): Uint8Array {
    return this.keys[this.heap[0]!]!
  }

  /** REQUIRES: valid(). */
  value(): Uint8Array {
    return this.children[this.heap[0]!]!.value()
  }

  private less(a: number, b: number): boolean {
    const c = compareInternalKeys(this.keys[a]!, this.keys[b]!)
    return c < 0 || (c === 0 && a < b)
  }

  private siftDown(i: number): void {
    const h = this.heap
    const n = h.length
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) return
      const r = l + 1
      const m = r < n && this.less(h[r]!, h[l]!) ? r : l
      if (!this.less(h[m]!, h[i]!)) return
      const t = h[i]!
      h[i] = h[m]!
      h[m] = t
      i = m
    }
  }
}

/** The files of one level >= 1 (disjoint, sorted by key) as one iterator. */
export class LevelIterator implements InternalIterator {
  private readonly tables: ReadonlyArray<Table>
  private index = 0
  private current: TableIterator | undefined

  constructor(tables: ReadonlyArray<Table>) {
    this.tables = tables
  }

  valid(): boolean {
    return this.current?.valid() === true
  }

  seekToFirst(): void {
    this.index = 0
    this.open()
  }

  next(): void {
    this.current!.next()
    if (!this.current!.valid()) {
      this.index++
      this.open()
    }
  }

  internalKey(): Uint8Array {
    return this.current!.internalKey()
  }

  value(): Uint8Array {
    return this.current!.value()
  }

  /** Positions on the first entry of tables[index..], skipping empty tables. */
  private open(): void {
    this.current = undefined
    for (; this.index < this.tables.length; this.index++) {
      const it = this.tables[this.index]!.newIterator()
      it.seekToFirst()
      if (it.valid()) {
        this.current = it
        return
      }
    }
  }
}
