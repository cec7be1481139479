/**
 * LevelIterator: abstract-level's iterator over a writepath `Database.iterator`.
 *
 * Owns: the current engine iterator (created at the first read, and again after a seek), and
 * the snapshot it reads at: the caller's explicit one (abstract-level holds a reference to it
 * during each read, so it is only looked at then), or one taken here at creation
 * (abstract-level's implicit snapshot), released on close.
 * Invariants:
 *  1. Every engine iterator this one creates reads at the same sequence, so a `seek` (a new
 *     engine iterator with the range narrowed to start at the target) sees the same data as
 *     the walk before it.
 *  2. The range is the caller's: a seek only narrows the side the walk starts from, to the
 *     target (forward: keys >= target; reverse: keys <= target) intersected with it.
 *  3. After `_close`, the engine iterator is released (its table pin dropped) and an owned
 *     snapshot is released; nothing is read again.
 * Yields: at each `next()` of the engine iterator (a promise, no lock held across it).
 */
import type { Database, IteratorOptions, Snapshot } from "@writepath/db"
import { AbstractIterator } from "abstract-level"
import type { LevelSnapshot } from "./LevelSnapshot.ts"

/** The range abstract-level hands `_iterator` (already encoded as Uint8Array: the "view" format). */
export interface LevelRange {
  readonly gt?: Uint8Array
  readonly gte?: Uint8Array
  readonly lt?: Uint8Array
  readonly lte?: Uint8Array
  readonly reverse: boolean
}

type Entry = [Uint8Array, Uint8Array]

const compare = (a: Uint8Array, b: Uint8Array): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

export class LevelIterator extends AbstractIterator<unknown, Uint8Array, Uint8Array> {
  private readonly engine: Database
  private readonly range: LevelRange
  private readonly explicit: LevelSnapshot | undefined
  private readonly implicit: Snapshot | undefined
  /** The range the next engine iterator walks: the caller's, or narrowed by a seek. */
  private pending: LevelRange | undefined
  private walk: AsyncIterator<Entry> | undefined

  constructor(level: unknown, db: Database, range: LevelRange, snapshot: LevelSnapshot | undefined, options: object) {
    super(level, options as ConstructorParameters<typeof AbstractIterator<unknown, Uint8Array, Uint8Array>>[1])
    this.engine = db
    this.range = range
    this.pending = range
    this.explicit = snapshot
    this.implicit = snapshot === undefined ? db.snapshot() : undefined
  }

  private current(): AsyncIterator<Entry> {
    if (this.pending !== undefined) {
      void this.walk?.return?.()
      const r = this.pending
      this.pending = undefined
      const o: { -readonly [K in keyof IteratorOptions]: IteratorOptions[K] } = {
        reverse: r.reverse,
        snapshot: this.explicit?.inner ?? this.implicit!,
      }
      if (r.gt !== undefined) o.gt = r.gt
      if (r.gte !== undefined) o.gte = r.gte
      if (r.lt !== undefined) o.lt = r.lt
      if (r.lte !== undefined) o.lte = r.lte
      this.walk = this.engine.iterator(o)[Symbol.asyncIterator]()
    }
    return this.walk!
  }

  async _next(): Promise<Entry | undefined> {
    const r = await this.current().next()
    return r.done ? undefined : r.value
  }

  async _nextv(size: number): Promise<Entry[]> {
    const walk = this.current()
    const out: Entry[] = []
    while (out.length < size) {
      const r = await walk.next()
      if (r.done) break
      out.push(r.value)
    }
    return out
  }

  /** Invariant 2: the next read restarts at `target` within the caller's range. */
  _seek(target: Uint8Array): void {
    const r = this.range
    if (!r.reverse) {
      const lowerOk = (r.gt === undefined || compare(target, r.gt) > 0) && (r.gte === undefined || compare(target, r.gte) >= 0)
      this.pending = lowerOk ? { ...withoutLower(r), gte: target } : r
    } else {
      const upperOk = (r.lt === undefined || compare(target, r.lt) < 0) && (r.lte === undefined || compare(target, r.lte) <= 0)
      this.pending = upperOk ? { ...withoutUpper(r), lte: target } : r
    }
  }

  async _close(): Promise<void> {
    await this.walk?.return?.()
    this.implicit?.release()
  }
}

const withoutLower = (r: LevelRange): LevelRange => {
  const { gt: _gt, gte: _gte, ...rest } = r
  return rest
}

const withoutUpper = (r: LevelRange): LevelRange => {
  const { lt: _lt, lte: _lte, ...rest } = r
  return rest
}
