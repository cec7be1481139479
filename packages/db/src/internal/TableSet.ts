/**
 * TableSet: the live tables of the current version (what the MANIFEST says) with an open
 * Table reader for each, and the reads that go through them (LevelDB's `Version::Get` over
 * its TableCache).
 *
 * Owns: one Table per live or still-pinned file number, the current levels.
 * Invariants:
 *  1. `levels` is the state most recently `install`ed, which is always the VersionSet's
 *     state after its last successful `logAndApply`: readers never see a table the MANIFEST
 *     does not record, nor miss one it does.
 *  2. Level 0 is ordered newest first (by file number descending: level-0 files come only
 *     from flushes, which number them in flush order); levels >= 1 hold disjoint key ranges
 *     sorted by smallest key.
 *  3. A Table is closed only when it left the version and no reader pins it (refs 0), so an
 *     iterator over a compacted-away table keeps reading it (its file may already be
 *     unlinked: POSIX keeps the open inode).
 * Nothing here yields: installs, lookups and pins are synchronous.
 */
import { compareUserKeys } from "@writepath/memtable"
import { Table, type TableGetResult } from "@writepath/table"
import { type FileMetaData, tableFileName, type VersionState } from "@writepath/version"

/** Decoded data blocks each table keeps in memory. LevelDB shares one 8 MiB cache; ours is per table. */
const BLOCK_CACHE_BYTES = 1024 * 1024

interface Handle {
  readonly table: Table
  refs: number
  live: boolean
}

export interface LiveFile {
  readonly meta: FileMetaData
  readonly table: Table
  /** User-key bounds (the internal keys without their 8-byte trailer). */
  readonly smallestUserKey: Uint8Array
  readonly largestUserKey: Uint8Array
}

/** Tables held for a reader; `release` exactly once when done. */
export interface PinnedTables {
  /** Newest data first: level 0 newest first, then levels 1.. in key order. */
  readonly tables: ReadonlyArray<Table>
  release(): void
}

const NOT_FOUND: TableGetResult = Object.freeze({ _tag: "NotFound" })
const userKeyOf = (internalKey: Uint8Array): Uint8Array => internalKey.subarray(0, internalKey.length - 8)

export class TableSet {
  readonly dir: string
  private readonly handles = new Map<number, Handle>()
  private levels_: ReadonlyArray<ReadonlyArray<LiveFile>> = []

  constructor(dir: string) {
    this.dir = dir
  }

  /**
   * Makes `state` the current version: opens the tables it adds (throws TableCorruption /
   * IOError from the footer, index or filter checks; then nothing changed), drops the ones
   * it removed, closing those no reader pins.
   */
  install(state: VersionState): void {
    const opened: number[] = []
    const next: LiveFile[][] = []
    try {
      for (let level = 0; level < state.files.length; level++) {
        const files = state.files[level]!.map((meta) => {
          let h = this.handles.get(meta.number)
          if (h === undefined) {
            h = { table: Table.open(tableFileName(this.dir, meta.number), { blockCacheBytes: BLOCK_CACHE_BYTES }), refs: 0, live: true }
            this.handles.set(meta.number, h)
            opened.push(meta.number)
          }
          return { meta, table: h.table, smallestUserKey: userKeyOf(meta.smallest), largestUserKey: userKeyOf(meta.largest) }
        })
        if (level === 0) files.sort((a, b) => b.meta.number - a.meta.number)
        next.push(files)
      }
    } catch (e) {
      for (const n of opened) {
        this.handles.get(n)!.table.close()
        this.handles.delete(n)
      }
      throw e
    }
    const liveNow = new Set(next.flatMap((l) => l.map((f) => f.meta.number)))
    for (const [n, h] of this.handles) {
      h.live = liveNow.has(n)
      if (!h.live && h.refs === 0) this.closeHandle(n, h)
    }
    this.levels_ = next
  }

  get levels(): ReadonlyArray<ReadonlyArray<LiveFile>> {
    return this.levels_
  }

  get numLevel0Files(): number {
    return this.levels_[0]?.length ?? 0
  }

  /** Table bytes per level. */
  levelBytes(): number[] {
    return this.levels_.map((l) => l.reduce((s, f) => s + f.meta.fileSize, 0))
  }

  /** The open Table of a live file (compaction reads its inputs through the same readers). */
  tableOf(number: number): Table {
    const h = this.handles.get(number)
    if (h === undefined) throw new Error(`table ${number} is not open`)
    return h.table
  }

  /**
   * The newest entry for `key` at `snapshot` in the tables (`Version::Get`): level-0 files
   * newest first (each may hold any key), then the one file per deeper level whose range
   * holds the key. The first table that decides the key wins: every table is older than the
   * memtables, and a newer level's entry is newer than any deeper level's.
   */
  get(key: Uint8Array, snapshot: number): TableGetResult {
    const levels = this.levels_
    for (let level = 0; level < levels.length; level++) {
      const files = levels[level]!
      if (files.length === 0) continue
      if (level === 0) {
        for (const f of files) {
          if (compareUserKeys(key, f.smallestUserKey) < 0 || compareUserKeys(key, f.largestUserKey) > 0) continue
          const r = f.table.get(key, snapshot)
          if (r._tag !== "NotFound") return r
        }
        continue
      }
      const f = findFile(files, key)
      if (f === undefined || compareUserKeys(key, f.smallestUserKey) < 0) continue
      const r = f.table.get(key, snapshot)
      if (r._tag !== "NotFound") return r
    }
    return NOT_FOUND
  }

  /** Pins every table of the current version for a reader (newest data first). */
  pin(): PinnedTables {
    const pinned: Array<[number, Handle]> = []
    for (const level of this.levels_) {
      for (const f of level) {
        const h = this.handles.get(f.meta.number)!
        h.refs++
        pinned.push([f.meta.number, h])
      }
    }
    let released = false
    return {
      tables: pinned.map(([, h]) => h.table),
      release: () => {
        if (released) return
        released = true
        for (const [n, h] of pinned) {
          h.refs--
          if (h.refs === 0 && !h.live) this.closeHandle(n, h)
        }
      },
    }
  }

  /** Closes every reader (database close); pinned iterators fail with IOError afterwards. */
  closeAll(): void {
    for (const [n, h] of this.handles) this.closeHandle(n, h)
    this.levels_ = []
  }

  private closeHandle(n: number, h: Handle): void {
    h.table.close()
    this.handles.delete(n)
  }
}

/** The first file whose largest user key is >= key (LevelDB `FindFile`), by binary search. */
const findFile = (files: ReadonlyArray<LiveFile>, key: Uint8Array): LiveFile | undefined => {
  let lo = 0
  let hi = files.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compareUserKeys(files[mid]!.largestUserKey, key) < 0) lo = mid + 1
    else hi = mid
  }
  return files[lo]
}
