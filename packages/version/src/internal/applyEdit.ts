/**
 * Applying VersionEdits to a version state (LevelDB's `VersionSet::Builder` plus the
 * counters `LogAndApply`/`Recover` track). Pure: returns a new state or a reason string.
 */
import type { FileMetaData, VersionEdit } from "../VersionEdit.ts"
import { kNumLevels } from "../VersionEdit.ts"
import { compareBytesN, compareInternalKeys } from "./internalKey.ts"

export const kBytewiseComparator = "leveldb.BytewiseComparator"

/** What a MANIFEST describes: the counters and the live table files per level. */
export interface VersionState {
  readonly comparator: string
  /** WALs with a smaller number hold nothing that is not in tables. */
  readonly logNumber: number
  readonly prevLogNumber: number
  /** The next number to hand out for a file (table, WAL, MANIFEST). */
  readonly nextFileNumber: number
  readonly lastSequence: number
  /** Live tables per level (7 levels); each level sorted by smallest key, then number, as LevelDB. */
  readonly files: ReadonlyArray<ReadonlyArray<FileMetaData>>
  /** Per-level compaction cursors (LevelDB's compact pointers), if any were recorded. */
  readonly compactPointers: ReadonlyArray<Uint8Array | undefined>
}

export const emptyState = (): VersionState => ({
  comparator: kBytewiseComparator,
  logNumber: 0,
  prevLogNumber: 0,
  nextFileNumber: 2,
  lastSequence: 0,
  files: Array.from({ length: kNumLevels }, () => []),
  compactPointers: Array.from({ length: kNumLevels }, () => undefined),
})

/** Internal-key order on whole keys (user key asc, trailer desc); keys shorter than 8 bytes compare bytewise. */
export const compareInternalKeyBytes = (a: Uint8Array, b: Uint8Array): number =>
  a.length < 8 || b.length < 8 ? compareBytesN(a, a.length, b, b.length) : compareInternalKeys(a, b)

/**
 * The state after `edit`. `strict` (writing) also refuses adding a file that is already live
 * or deleting one that is not; recovery (not strict) applies edits as LevelDB's Builder does.
 */
export const applyEdit = (s: VersionState, edit: VersionEdit, strict: boolean): VersionState | string => {
  if (edit.comparator !== undefined && edit.comparator !== s.comparator) {
    return `${edit.comparator} does not match existing comparator ${s.comparator}`
  }
  const files = s.files.map((l) => [...l])
  for (const d of edit.deletedFiles ?? []) {
    const level = files[d.level]!
    const i = level.findIndex((f) => f.number === d.number)
    if (i >= 0) level.splice(i, 1)
    else if (strict) return `deleted file ${d.number} is not live at level ${d.level}`
  }
  for (const f of edit.newFiles ?? []) {
    if (strict && files.some((l) => l.some((g) => g.number === f.number))) return `file ${f.number} is already live`
    const level = files[f.level]!
    const i = level.findIndex((g) => g.number === f.number)
    if (i >= 0) level.splice(i, 1)
    level.push({ number: f.number, fileSize: f.fileSize, smallest: f.smallest, largest: f.largest })
  }
  for (const l of files) l.sort((a, b) => compareInternalKeyBytes(a.smallest, b.smallest) || a.number - b.number)
  const compactPointers = [...s.compactPointers]
  for (const p of edit.compactPointers ?? []) compactPointers[p.level] = p.key
  const logNumber = edit.logNumber ?? s.logNumber
  const prevLogNumber = edit.prevLogNumber ?? s.prevLogNumber
  let next = edit.nextFileNumber ?? s.nextFileNumber
  // MarkFileNumberUsed: a number already in use is never handed out again.
  next = Math.max(next, logNumber + 1, prevLogNumber + 1)
  return {
    comparator: s.comparator,
    logNumber,
    prevLogNumber,
    nextFileNumber: next,
    lastSequence: edit.lastSequence ?? s.lastSequence,
    files,
    compactPointers,
  }
}

/** The edit that recreates `s` from nothing (`WriteSnapshot`): first record of a new MANIFEST. */
export const snapshotEdit = (s: VersionState): VersionEdit => ({
  comparator: s.comparator,
  logNumber: s.logNumber,
  prevLogNumber: s.prevLogNumber,
  nextFileNumber: s.nextFileNumber,
  lastSequence: s.lastSequence,
  compactPointers: s.compactPointers.flatMap((key, level) => (key ? [{ level, key }] : [])),
  newFiles: s.files.flatMap((l, level) => l.map((f) => ({ level, ...f }))),
})
