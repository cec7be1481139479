/**
 * runCompaction: executes a picked Compaction (`DBImpl::DoCompactionWork` +
 * `InstallCompactionResults`). Merges the input tables in internal-key order, drops what no
 * reader can see, writes tables for the output level, and records the result in ONE
 * MANIFEST edit.
 *
 * What is dropped (per user key, entries newest first; snapshots ascending s1 < s2 < ...):
 *  1. Snapshot stripes: stripe(seq) = index of the first snapshot >= seq (one past the last
 *     snapshot for newer entries). Readers at any snapshot (or the latest) cannot tell apart two
 *     entries of one stripe, so only the newest entry of each stripe is kept.
 *  2. A Delete in stripe 0 (at or below the oldest snapshot; every entry without snapshots) is
 *     dropped when no level deeper than the output level has a file whose user-key range holds
 *     the key (`IsBaseLevelForKey`): nothing older can be uncovered. The older entries of its
 *     stripe go by rule 1.
 * Range tombstones ("rocksdb.range_del" blocks) are never dropped: the engine also writes them
 * as point Deletes at flush, so they are redundant, but every input tombstone is carried into
 * the outputs, clipped to each output's key span (see internal/compactionOutputs.ts).
 *
 * Crash safety, as flush: outputs fsynced, the folder fsynced, then one edit {delete inputs,
 * add outputs at level + 1, compact pointer} appended and fsynced. A failure before the edit
 * (corrupt input, I/O error, input no longer live) deletes the outputs and records nothing. A
 * failed MANIFEST write leaves the outputs in place: whether the record is durable is unknown
 * (LevelDB keeps files after a background error for the same reason); reopening decides.
 * The caller deletes `obsoleteFiles` (the inputs) once it no longer reads them.
 *
 * REQUIRES: one compaction at a time per VersionSet (flushes may run concurrently: they only
 * add level-0 files, newer than anything compacted).
 * Yields: between input table opens and every `yieldEveryMs` (default 4 ms) of merging, at each
 * output's fsync, the folder's fsync and the MANIFEST write; `longestStretchMs` reports the longest synchronous
 * stretch. Floor of that figure: one `Table.open` (it reads and checks the index and filter
 * blocks synchronously; pass `openTable` to reuse open tables) and the GC pauses of the merge.
 */
import { ValueType } from "@writepath/batch"
import { Table, type TableBuilderOptions } from "@writepath/table"
import type { Compaction } from "./Compaction.ts"
import { tableFileName } from "./FileNames.ts"
import { CompactionOutputs, coalesceTombstones, type Tombstone } from "./internal/compactionOutputs.ts"
import { stripeOf } from "./internal/flushEntries.ts"
import { compareBytesN, compareUserKeyTo, sequenceOf, typeOf } from "./internal/internalKey.ts"
import { LoopBudget } from "./internal/loopBudget.ts"
import { type InternalIterator, LevelIterator, MergingIterator } from "./internal/mergingIterator.ts"
import { syncDirAsync } from "./internal/syncDirAsync.ts"
import type { FileMetaData, NewFile, VersionEdit } from "./VersionEdit.ts"
import { VersionInvalidArgument } from "./VersionError.ts"
import type { VersionSet, VersionState } from "./VersionSet.ts"

export interface RunCompactionOptions {
  /** Live snapshot sequences (any order). Without: only the latest state must stay readable. */
  readonly snapshots?: ReadonlyArray<number>
  /**
   * Opens an input table (so the engine can share its open tables); the caller keeps owning
   * it. Default: opens NNNNNN.ldb in the folder with a 256 KiB block cache (a compaction reads
   * each block once: a large cache only retains garbage) and closes it when the compaction ends.
   */
  readonly openTable?: (file: FileMetaData) => Table
  /** Longest synchronous stretch of merging before yielding to the event loop. Default 4 ms. */
  readonly yieldEveryMs?: number
  /** Options of the output tables. */
  readonly table?: TableBuilderOptions
}

export interface CompactionStats {
  readonly bytesRead: number
  readonly bytesWritten: number
  readonly entriesIn: number
  readonly entriesOut: number
  /** Entries hidden by a newer entry of the same snapshot stripe. */
  readonly droppedVersions: number
  /** Deletes dropped at the base level. */
  readonly droppedTombstones: number
  readonly rangeTombstonesIn: number
  /** Range tombstone pieces written (a tombstone spanning k outputs counts k times). */
  readonly rangeTombstonesOut: number
  readonly ms: number
}

export interface CompactionResult {
  /** The edit recorded in the MANIFEST. */
  readonly edit: VersionEdit
  readonly state: VersionState
  /** Files added at the output level (the moved file for a trivial move). */
  readonly newFiles: ReadonlyArray<NewFile>
  /** Input files no longer live: the caller deletes them (empty for a trivial move). */
  readonly obsoleteFiles: ReadonlyArray<number>
  readonly trivialMove: boolean
  readonly stats: CompactionStats
  /** Longest synchronous stretch, in ms. */
  readonly longestStretchMs: number
}

/** Runs `c` against `versions` (see the file header). Rejects with TableCorruption, IOError, VersionInvalidArgument, VersionSetClosed. */
export const runCompaction = async (versions: VersionSet, c: Compaction, options: RunCompactionOptions = {}): Promise<CompactionResult> => {
  const t0 = performance.now()
  const budget = new LoopBudget(options.yieldEveryMs ?? 4)
  checkLive(versions.state, c)
  const deletedFiles = [
    ...c.inputs[0].map((f) => ({ level: c.level, number: f.number })),
    ...c.inputs[1].map((f) => ({ level: c.outputLevel, number: f.number })),
  ]
  const compactPointers = [{ level: c.level, key: c.compactPointer }]
  if (c.trivialMove) {
    const f = c.inputs[0][0]!
    const moved: NewFile = { level: c.outputLevel, ...f }
    const edit: VersionEdit = { deletedFiles, newFiles: [moved], compactPointers }
    const state = await budget.around(versions.logAndApply(edit))
    budget.mark()
    const stats = { ...emptyStats(), ms: performance.now() - t0 }
    return { edit, state, newFiles: [moved], obsoleteFiles: [], trivialMove: true, stats, longestStretchMs: budget.longestMs }
  }

  const owned: Table[] = []
  const open = (f: FileMetaData): Table => {
    if (options.openTable) return options.openTable(f)
    const t = Table.open(tableFileName(versions.dir, f.number), { blockCacheBytes: 256 * 1024 })
    owned.push(t)
    return t
  }
  let outputs: CompactionOutputs | undefined
  try {
    // Children newest first: level-0 files by number descending, then the two levels. A table
    // open reads and checks its index and filter blocks: yield between opens.
    const openAll = async (files: ReadonlyArray<FileMetaData>): Promise<Table[]> => {
      const tables: Table[] = []
      for (const f of files) {
        tables.push(open(f))
        if (budget.due()) await budget.yieldNow()
      }
      return tables
    }
    const l0 = c.level === 0 ? await openAll([...c.inputs[0]].sort((a, b) => b.number - a.number)) : []
    const upper = c.level === 0 ? [] : await openAll(c.inputs[0])
    const lower = await openAll(c.inputs[1])
    const all = [...l0, ...upper, ...lower]
    const children: InternalIterator[] = [...l0.map((t) => t.newIterator())]
    if (upper.length > 0) children.push(new LevelIterator(upper))
    if (lower.length > 0) children.push(new LevelIterator(lower))
    const input: Tombstone[] = all.flatMap((t) => t.rangeTombstones())
    outputs = new CompactionOutputs({
      versions,
      outputLevel: c.outputLevel,
      maxOutputFileSize: c.maxOutputFileSize,
      maxGrandparentOverlapBytes: c.maxGrandparentOverlapBytes,
      grandparents: c.grandparents,
      tombstones: coalesceTombstones(input),
      table: options.table ?? {},
      budget,
    })
    const counts = await mergeInto(outputs, new MergingIterator(children), c, options.snapshots ?? [], budget)
    await outputs.finish()
    await budget.around(syncDirAsync(versions.dir))
    const edit: VersionEdit = { deletedFiles, newFiles: outputs.files, compactPointers }
    let state: VersionState
    try {
      state = await budget.around(versions.logAndApply(edit))
    } catch (e) {
      // Refused before writing: nothing recorded, the outputs are garbage. Otherwise keep them.
      if (!(e instanceof VersionInvalidArgument)) outputs = undefined
      throw e
    }
    budget.mark()
    const bytesRead = [...c.inputs[0], ...c.inputs[1]].reduce((n, f) => n + f.fileSize, 0)
    const stats: CompactionStats = {
      bytesRead,
      bytesWritten: outputs.bytesWritten,
      entriesIn: counts.entriesIn,
      entriesOut: outputs.entriesWritten,
      droppedVersions: counts.droppedVersions,
      droppedTombstones: counts.droppedTombstones,
      rangeTombstonesIn: input.length,
      rangeTombstonesOut: outputs.tombstonesWritten,
      ms: performance.now() - t0,
    }
    const obsoleteFiles = deletedFiles.map((d) => d.number)
    return { edit, state, newFiles: outputs.files, obsoleteFiles, trivialMove: false, stats, longestStretchMs: budget.longestMs }
  } catch (e) {
    outputs?.abandon()
    throw e
  } finally {
    for (const t of owned) t.close()
  }
}

const emptyStats = (): CompactionStats => ({
  bytesRead: 0,
  bytesWritten: 0,
  entriesIn: 0,
  entriesOut: 0,
  droppedVersions: 0,
  droppedTombstones: 0,
  rangeTombstonesIn: 0,
  rangeTombstonesOut: 0,
  ms: 0,
})

const checkLive = (s: VersionState, c: Compaction): void => {
  for (const [which, level] of [
    [0, c.level],
    [1, c.outputLevel],
  ] as const) {
    for (const f of c.inputs[which]) {
      if (!s.files[level]!.some((g) => g.number === f.number)) {
        throw new VersionInvalidArgument({ reason: `compaction input ${f.number} is no longer live at level ${level}` })
      }
    }
  }
}

/** The merge loop: applies the drop rules of the header, writes the rest, cuts outputs between user keys. */
const mergeInto = async (
  outputs: CompactionOutputs,
  it: MergingIterator,
  c: Compaction,
  snapshotList: ReadonlyArray<number>,
  budget: LoopBudget,
): Promise<{ entriesIn: number; droppedVersions: number; droppedTombstones: number }> => {
  const snapshots = [...snapshotList].sort((a, b) => a - b)
  const base = new BaseLevelCheck(c)
  let entriesIn = 0
  let droppedVersions = 0
  let droppedTombstones = 0
  let currentKey = new Uint8Array(64)
  let currentLen = -1 // no current user key yet
  let lastStripe = -1
  let keyStarted = false // an entry of the current user key was written
  for (it.seekToFirst(); it.valid(); it.next()) {
    const ik = it.internalKey()
    const userLen = ik.length - 8
    entriesIn++
    if (currentLen < 0 || compareBytesN(ik, userLen, currentKey, currentLen) !== 0) {
      if (currentKey.length < userLen) currentKey = new Uint8Array(Math.max(userLen, currentKey.length * 2))
      currentKey.set(ik.subarray(0, userLen))
      currentLen = userLen
      lastStripe = -1
      keyStarted = false
    }
    const seq = sequenceOf(ik)
    const stripe = stripeOf(seq, snapshots)
    let drop = false
    if (stripe === lastStripe) {
      drop = true
      droppedVersions++
    } else if (stripe === 0 && typeOf(ik) === ValueType.kTypeDeletion && base.isBaseLevelFor(currentKey.subarray(0, currentLen))) {
      drop = true
      droppedTombstones++
    }
    lastStripe = stripe
    if (!drop) {
      if (!keyStarted) {
        keyStarted = true
        if (outputs.shouldCutBefore(ik)) await outputs.cut(currentKey.subarray(0, currentLen))
      }
      outputs.add(it.internalKey(), it.value())
    }
    if ((entriesIn & 63) === 0 && budget.due()) await budget.yieldNow()
  }
  return { entriesIn, droppedVersions, droppedTombstones }
}

/**
 * `IsBaseLevelForKey`: no file of a level deeper than the output level has a range holding the
 * key. Keys arrive ascending, so each level's cursor only moves forward.
 */
class BaseLevelCheck {
  private readonly levels: ReadonlyArray<ReadonlyArray<FileMetaData>>
  private readonly cursors: number[]

  constructor(c: Compaction) {
    this.levels = c.inputVersion.files.slice(c.outputLevel + 1)
    this.cursors = this.levels.map(() => 0)
  }

  isBaseLevelFor(userKey: Uint8Array): boolean {
    for (let l = 0; l < this.levels.length; l++) {
      const files = this.levels[l]!
      while (this.cursors[l]! < files.length) {
        const f = files[this.cursors[l]!]!
        if (compareUserKeyTo(userKey, f.largest) <= 0) {
          if (compareUserKeyTo(userKey, f.smallest) >= 0) return false
          break
        }
        this.cursors[l] = this.cursors[l]! + 1
      }
    }
    return true
  }
}
