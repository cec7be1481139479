/**
 * Compactions: how the engine runs LevelDB-style compactions over its live tables, the
 * automatic size-triggered one (`BackgroundCompaction`) and the manual range one
 * (`CompactRange`), both through @writepath/version's picking and merging.
 *
 * Owns: the compaction options (from the engine options) and the compaction totals.
 * Invariants:
 *  1. Runs only as a BackgroundWork compaction step: one compaction at a time; a flush may
 *     run alongside.
 *  2. A compaction's result is installed from the VersionSet's current state right after its
 *     MANIFEST record succeeded, with no await in between (inputs leave the read path in the
 *     same step as outputs enter; a concurrent flush's edit, already in that state, stays).
 *  3. Inputs are read through the engine's open Tables (the TableSet keeps them open while
 *     pinned), never reopened.
 * Yields: throughout each merge (every few ms) and on every fsync and MANIFEST record.
 */
import type { EngineOptions } from "@writepath/strategies"
import type { TableBuilderOptions } from "@writepath/table"
import {
  type CompactionOptions,
  type CompactionResult,
  overlapInLevel,
  pickCompaction,
  pickRangeCompaction,
  runCompaction,
  type Compaction as VersionCompaction,
  type VersionSet,
} from "@writepath/version"
import type { TableSet } from "./TableSet.ts"

/** What compactions need from the engine. */
export interface CompactionHost {
  readonly versions: VersionSet
  readonly tables: TableSet
  liveSnapshots(): ReadonlyArray<number>
  /** After each version change: obsolete files and write stalls. */
  afterVersionChange(): Promise<void>
}

export class Compactions {
  /** Totals since open. */
  readonly stats = { count: 0, bytesRead: 0, bytesWritten: 0, longestStretchMs: 0 }
  private readonly host: CompactionHost
  private readonly options: CompactionOptions
  private readonly table: TableBuilderOptions

  constructor(host: CompactionHost, o: EngineOptions) {
    this.host = host
    this.options = {
      level0FileNumCompactionTrigger: o.level0FileNumCompactionTrigger,
      maxBytesForLevelBase: o.maxBytesForLevelBase,
      maxBytesForLevelMultiplier: o.maxBytesForLevelMultiplier,
      targetFileSizeBase: o.targetFileSizeBase,
    }
    this.table = { compression: o.compression }
  }

  /** One size-triggered compaction if a level's score reached 1; false when none is due. */
  async compactOnce(): Promise<boolean> {
    const c = pickCompaction(this.host.versions.state, this.options)
    if (c === undefined) return false
    await this.run(c) // YIELD
    return true
  }

  /**
   * `CompactRange`'s job (the caller flushed first): compacts every level holding keys of
   * [begin, end] (undefined = open) into the next, down to and including the deepest such
   * level. LevelDB stops above that level; like RocksDB's forced bottommost compaction we
   * also rewrite it, so a compactRange after a snapshot is released reclaims what only the
   * snapshot kept.
   */
  async compactRange(begin: Uint8Array | undefined, end: Uint8Array | undefined): Promise<void> {
    const state = this.host.versions.state
    let deepest = 1
    for (let level = 1; level < state.files.length; level++) {
      if (overlapInLevel(state, level, begin, end)) deepest = level
    }
    const last = Math.min(deepest, state.files.length - 2)
    for (let level = 0; level <= last; level++) {
      for (;;) {
        const c = pickRangeCompaction(this.host.versions.state, level, begin, end, this.options)
        if (c === undefined) break
        await this.run(c) // YIELD
        await this.host.afterVersionChange() // YIELD
      }
    }
  }

  private async run(c: VersionCompaction): Promise<void> {
    const tables = this.host.tables
    const r = await runCompaction(this.host.versions, c, {
      snapshots: this.host.liveSnapshots(),
      openTable: (f) => tables.tableOf(f.number),
      table: this.table,
    }) // YIELD
    tables.install(this.host.versions.state) // invariant 2
    this.note(r)
  }

  private note(r: CompactionResult): void {
    this.stats.count++
    this.stats.bytesRead += r.stats.bytesRead
    this.stats.bytesWritten += r.stats.bytesWritten
    this.stats.longestStretchMs = Math.max(this.stats.longestStretchMs, r.longestStretchMs)
  }
}
