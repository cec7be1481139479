/**
 * Flush to level 0 (LevelDB's `WriteLevel0Table` + `BuildTable`, the parts below the engine):
 * writes a memtable's entries to a new table NNNNNN.ldb, fsyncs it and the folder, then
 * records it in the MANIFEST with the new log number, so LevelDB (and writepath) can open it.
 *
 * What a LevelDB table can hold, and how a flush gets there:
 *  - Put (1) and Delete (0) are written as they are, with their sequence numbers.
 *  - SingleDelete (7) is written as Delete (0): LevelDB has no SingleDelete, and a Delete is at
 *    least as strong.
 *  - Merge (2) cannot be flushed: writepath has no merge operator (VersionInvalidArgument).
 *  - A range tombstone [b, e)@s is kept in the "rocksdb.range_del" meta block (LevelDB ignores
 *    it; writepath reads it), and is also turned into point Deletes at s for every covered user
 *    key the flush knows of: keys of this memtable, and keys the caller reports through
 *    `coveredKeys` (older tables/memtables). Only then does LevelDB see them deleted.
 *  - With `snapshots` (the live snapshot sequences), versions no snapshot can tell apart are
 *    dropped (newest per snapshot stripe kept); without, every version is kept.
 *
 * Yields: between chunks of entries (every `yieldEveryMs` of work, default 4 ms) so the event
 * loop never pauses longer, and while awaiting fsync of the table and of the MANIFEST.
 */
import * as fs from "node:fs"
import { compareUserKeys } from "@writepath/memtable"
import { TableBuilder, type TableBuilderOptions, type TableProperties } from "@writepath/table"
import { tableFileName } from "./FileNames.ts"
import { syncDir } from "./internal/durable.ts"
import { entriesForKey, type FlushEntry, groupByUserKey, type Tombstone } from "./internal/flushEntries.ts"
import type { NewFile, VersionEdit } from "./VersionEdit.ts"
import { VersionSet, type VersionState } from "./VersionSet.ts"

export type { FlushEntry }

export interface FlushOptions {
  /**
   * The log number to record: the WAL that stays live after this flush (the one opened when
   * the memtable was switched). WALs with smaller numbers are obsolete once the flush returns.
   * REQUIRES: allocated with `versions.newFileNumber()`, >= the recorded log number.
   */
  readonly logNumber: number
  /** Range tombstones of the memtable (MemTable.newRangeTombstoneIterator(): key = begin, value = end). */
  readonly rangeTombstones?: Iterable<FlushEntry>
  /** Live snapshot sequences; when given, versions no snapshot can see are dropped. */
  readonly snapshots?: ReadonlyArray<number>
  /** User keys in [begin, end) held by older tables or memtables (for LevelDB-visible range deletes). */
  readonly coveredKeys?: (begin: Uint8Array, end: Uint8Array) => Iterable<Uint8Array>
  /** The engine's last sequence, recorded if larger than the table's. */
  readonly lastSequence?: number
  /** Longest synchronous stretch of table building before yielding to the event loop. Default 4 ms. */
  readonly yieldEveryMs?: number
  readonly table?: TableBuilderOptions
}

export interface FlushResult {
  /** The new level-0 file, or undefined when there was nothing to write. */
  readonly file: NewFile | undefined
  readonly properties: TableProperties | undefined
  /** The edit recorded in the MANIFEST. */
  readonly edit: VersionEdit
  readonly state: VersionState
  /** Longest synchronous stretch while building, in ms (for the "no long event-loop pause" check). */
  readonly longestStretchMs: number
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * Builds NNNNNN.ldb from `entries` (internal-key order, e.g. `memtable.newIterator()`), fsyncs
 * it and the folder, then `logAndApply`s { logNumber, lastSequence, new file at level 0 }.
 * On failure the table file is deleted and nothing is recorded.
 */
export const flushToLevel0 = async (versions: VersionSet, entries: Iterable<FlushEntry>, options: FlushOptions): Promise<FlushResult> => {
  const tombstones: Tombstone[] = []
  for (const t of options.rangeTombstones ?? []) tombstones.push({ begin: t.key.slice(), end: t.value.slice(), sequence: t.sequence })
  const extra = collectCoveredKeys(tombstones, options.coveredKeys)
  const snapshots = options.snapshots ? [...options.snapshots].sort((a, b) => a - b) : undefined
  const number = versions.newFileNumber()
  const path = tableFileName(versions.dir, number)
  const builder = TableBuilder.create(path, options.table ?? {})
  const budget = options.yieldEveryMs ?? 4
  let longest = 0
  let properties: TableProperties
  try {
    let stretchStart = performance.now()
    let n = 0
    for (const group of groupByUserKey(entries, extra)) {
      for (const e of entriesForKey(group.key, group.entries, tombstones, snapshots)) builder.addEntry(e.key, e.sequence, e.type, e.value)
      if ((++n & 63) === 0) {
        const now = performance.now()
        if (now - stretchStart >= budget) {
          longest = Math.max(longest, now - stretchStart)
          await yieldToLoop()
          stretchStart = performance.now()
        }
      }
    }
    for (const t of tombstones) builder.addRangeTombstone(t.begin, t.end, t.sequence)
    longest = Math.max(longest, performance.now() - stretchStart)
    if (builder.entries === 0 && tombstones.length === 0) {
      builder.abandon()
      const edit: VersionEdit = {
        logNumber: options.logNumber,
        ...(options.lastSequence !== undefined ? { lastSequence: options.lastSequence } : {}),
      }
      const state = await versions.logAndApply(edit)
      return { file: undefined, properties: undefined, edit, state, longestStretchMs: longest }
    }
    properties = await builder.finish()
    syncDir(versions.dir)
  } catch (e) {
    builder.abandon()
    try {
      fs.unlinkSync(path)
    } catch {
      // not created or already gone
    }
    throw e
  }
  const file: NewFile = { level: 0, number, fileSize: properties.fileSize, smallest: properties.smallest, largest: properties.largest }
  const edit: VersionEdit = {
    logNumber: options.logNumber,
    lastSequence: Math.max(properties.largestSequence, options.lastSequence ?? 0),
    newFiles: [file],
  }
  const state = await versions.logAndApply(edit)
  return { file, properties, edit, state, longestStretchMs: longest }
}

const collectCoveredKeys = (
  tombstones: ReadonlyArray<Tombstone>,
  coveredKeys: ((begin: Uint8Array, end: Uint8Array) => Iterable<Uint8Array>) | undefined,
): Uint8Array[] => {
  if (!coveredKeys || tombstones.length === 0) return []
  const keys: Uint8Array[] = []
  for (const t of tombstones) for (const k of coveredKeys(t.begin, t.end)) keys.push(k.slice())
  keys.sort(compareUserKeys)
  return keys.filter((k, i) => i === 0 || compareUserKeys(keys[i - 1]!, k) !== 0)
}

/** One entry for `writeLevelDbFolder`. */
export interface FolderEntry {
  readonly key: Uint8Array
  readonly sequence: number
  /** 1 Put, 0 Delete, 7 SingleDelete, 0x0F DeleteRange (value = end key). */
  readonly type: number
  readonly value: Uint8Array
}

/**
 * Writes a fresh LevelDB folder holding `entries` (any order; sequences distinct): a MANIFEST,
 * CURRENT and, unless empty, one level-0 table. For tests, tools and fixtures.
 */
export const writeLevelDbFolder = async (
  dir: string,
  entries: ReadonlyArray<FolderEntry>,
  options: Omit<FlushOptions, "logNumber" | "rangeTombstones"> = {},
): Promise<FlushResult> => {
  const versions = await VersionSet.create(dir)
  try {
    const points = entries.filter((e) => e.type !== 0x0f)
    points.sort((a, b) => compareUserKeys(a.key, b.key) || b.sequence - a.sequence)
    const ranges = entries.filter((e) => e.type === 0x0f)
    const logNumber = versions.newFileNumber()
    const lastSequence = entries.reduce((m, e) => Math.max(m, e.sequence), options.lastSequence ?? 0)
    return await flushToLevel0(versions, points, { ...options, logNumber, rangeTombstones: ranges, lastSequence })
  } finally {
    await versions.close()
  }
}
