/**
 * Turning a memtable's entries into what a LevelDB table can hold (see Flush.ts for the rules):
 * SingleDelete -> Delete, range tombstones -> point Deletes for every covered user key the
 * flush knows of, versions no snapshot can see dropped. Streams: one user key at a time.
 */
import { ValueType } from "@writepath/batch"
import { compareUserKeys } from "@writepath/memtable"
import { VersionInvalidArgument } from "../VersionError.ts"

/** One memtable entry, as MemTableIterator yields them (views are fine: they are copied when kept). */
export interface FlushEntry {
  readonly key: Uint8Array
  readonly sequence: number
  readonly type: number
  readonly value: Uint8Array
}

export interface Tombstone {
  readonly begin: Uint8Array
  readonly end: Uint8Array
  readonly sequence: number
}

export interface TableEntryOut {
  readonly key: Uint8Array
  readonly sequence: number
  /** 0 (Delete) or 1 (Put). */
  readonly type: number
  readonly value: Uint8Array
}

const EMPTY = new Uint8Array(0)

const covers = (t: Tombstone, k: Uint8Array): boolean => compareUserKeys(t.begin, k) <= 0 && compareUserKeys(k, t.end) < 0

/**
 * For one user key's entries (newest first), the entries to write: synthetic Deletes at each
 * covering tombstone's sequence merged in, then, with `snapshots` (ascending), only the newest
 * entry of each snapshot stripe kept (RocksDB's flush/compaction rule; Deletes are kept,
 * because older tables may still hold the key).
 */
export const entriesForKey = (
  key: Uint8Array,
  entries: ReadonlyArray<FlushEntry>,
  tombstones: ReadonlyArray<Tombstone>,
  snapshots: ReadonlyArray<number> | undefined,
): TableEntryOut[] => {
  const out: TableEntryOut[] = []
  for (const e of entries) {
    if (e.type === ValueType.kTypeValue) out.push({ key, sequence: e.sequence, type: ValueType.kTypeValue, value: e.value })
    else if (e.type === ValueType.kTypeDeletion || e.type === ValueType.kTypeSingleDeletion) {
      out.push({ key, sequence: e.sequence, type: ValueType.kTypeDeletion, value: EMPTY })
    } else if (e.type === ValueType.kTypeMerge) {
      throw new VersionInvalidArgument({ reason: "a Merge entry cannot be flushed to a LevelDB table (writepath has no merge operator)" })
    } else throw new VersionInvalidArgument({ reason: `entry type ${e.type} cannot be flushed to a LevelDB table` })
  }
  if (tombstones.length > 0) {
    const seen = new Set(out.map((e) => e.sequence))
    for (const t of tombstones) {
      if (!seen.has(t.sequence) && covers(t, key)) {
        seen.add(t.sequence)
        out.push({ key, sequence: t.sequence, type: ValueType.kTypeDeletion, value: EMPTY })
      }
    }
    out.sort((a, b) => b.sequence - a.sequence)
  }
  if (snapshots === undefined || out.length < 2) return out
  const kept: TableEntryOut[] = []
  let lastStripe = -1
  for (const e of out) {
    const stripe = stripeOf(e.sequence, snapshots)
    if (stripe !== lastStripe) kept.push(e)
    lastStripe = stripe
  }
  return kept
}

/** Index of the first snapshot >= seq (snapshots.length when none): entries in one stripe look alike to every reader. */
export const stripeOf = (seq: number, snapshots: ReadonlyArray<number>): number => {
  let lo = 0
  let hi = snapshots.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (snapshots[mid]! >= seq) hi = mid
    else lo = mid + 1
  }
  return lo
}

/**
 * Walks `entries` (internal-key order) grouped by user key, merged with `extraKeys` (sorted,
 * distinct user keys known only to older tables and covered by a tombstone), calling `emit`
 * for each key's output in order.
 */
export function* groupByUserKey(
  entries: Iterable<FlushEntry>,
  extraKeys: ReadonlyArray<Uint8Array>,
): Generator<{ readonly key: Uint8Array; readonly entries: ReadonlyArray<FlushEntry> }> {
  let x = 0
  let key: Uint8Array | undefined
  let group: FlushEntry[] = []
  const flushExtrasBefore = function* (k: Uint8Array | undefined) {
    while (x < extraKeys.length && (k === undefined || compareUserKeys(extraKeys[x]!, k) < 0)) {
      yield { key: extraKeys[x]!, entries: [] as FlushEntry[] }
      x++
    }
    if (k !== undefined && x < extraKeys.length && compareUserKeys(extraKeys[x]!, k) === 0) x++
  }
  for (const e of entries) {
    if (key === undefined || compareUserKeys(e.key, key) !== 0) {
      if (key !== undefined) yield { key, entries: group }
      key = e.key.slice()
      yield* flushExtrasBefore(key)
      group = []
    }
    group.push({ key, sequence: e.sequence, type: e.type, value: e.value.slice() })
  }
  if (key !== undefined) yield { key, entries: group }
  yield* flushExtrasBefore(undefined)
}
