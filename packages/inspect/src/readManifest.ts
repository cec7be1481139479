/**
 * CURRENT and the MANIFEST it names, replayed by @writepath/version's `replayManifest` (the
 * replay recovery does, LevelDB's `VersionSet::Recover`: same read, same per-record checks,
 * same required counters), which also hands over every edit, so the report's edit list and
 * its final state come from one read of the file: a live database may append to its
 * MANIFEST, or switch to a new one, between two reads.
 *
 * Read-only (readFileSync). Synchronous. Throws InspectCorruption or IOError.
 */
import * as path from "node:path"
import { type FileMetaData, type RecoveredVersionSet, replayManifest, VersionCorruption, type VersionEdit } from "@writepath/version"
import { IOError } from "@writepath/wal"
import { InspectCorruption } from "./InspectError.ts"
import type { ManifestEdit, ManifestReport } from "./InspectReport.ts"
import { internalKey } from "./printableKey.ts"

export interface ManifestContents {
  readonly report: ManifestReport
  /** Live tables per level (7 levels), in the report's order. */
  readonly files: ReadonlyArray<ReadonlyArray<FileMetaData>>
}

const compareBytes = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(a, b)
/** The user key of an internal key (a malformed key shorter than its trailer: the whole key). */
const userKey = (k: Uint8Array): Uint8Array => (k.length >= 8 ? k.subarray(0, k.length - 8) : k)

/**
 * Level 0 newest first, as reads search it (level-0 files come only from flushes, numbered in
 * flush order); levels >= 1 hold disjoint ranges and are listed by smallest user key.
 */
const sortLevel = (files: FileMetaData[], level: number): FileMetaData[] =>
  level === 0
    ? files.sort((a, b) => b.number - a.number)
    : files.sort((a, b) => compareBytes(userKey(a.smallest), userKey(b.smallest)) || a.number - b.number)

const editView = (offset: number, e: VersionEdit): ManifestEdit => ({
  offset,
  ...(e.comparator !== undefined ? { comparator: e.comparator } : {}),
  ...(e.logNumber !== undefined ? { logNumber: e.logNumber } : {}),
  ...(e.prevLogNumber !== undefined ? { prevLogNumber: e.prevLogNumber } : {}),
  ...(e.nextFileNumber !== undefined ? { nextFileNumber: e.nextFileNumber } : {}),
  ...(e.lastSequence !== undefined ? { lastSequence: e.lastSequence } : {}),
  ...(e.compactPointers ? { compactPointers: e.compactPointers.map((p) => ({ level: p.level, key: internalKey(p.key) })) } : {}),
  ...(e.deletedFiles ? { deletedFiles: e.deletedFiles.map((d) => ({ level: d.level, number: d.number })) } : {}),
  ...(e.newFiles
    ? {
        newFiles: e.newFiles.map((f) => ({
          level: f.level,
          number: f.number,
          size: f.fileSize,
          smallest: internalKey(f.smallest),
          largest: internalKey(f.largest),
        })),
      }
    : {}),
})

/** Recovery's errors in the report's terms: corruption (bad CURRENT, a missing MANIFEST included) is InspectCorruption. */
const replay = (dir: string, onEdit: (offset: number, edit: VersionEdit) => void): RecoveredVersionSet => {
  try {
    return replayManifest(dir, onEdit)
  } catch (e) {
    if (e instanceof VersionCorruption) throw new InspectCorruption({ path: e.path, reason: e.reason })
    if (e instanceof IOError && e.code === "ENOENT" && e.operation === "read") {
      throw new InspectCorruption({
        path: path.join(dir, "CURRENT"),
        reason: `CURRENT names ${path.basename(e.path)}, which does not exist`,
      })
    }
    throw e
  }
}

export const readManifest = (dir: string, verbose: boolean): ManifestContents => {
  let editCount = 0
  const edits: ManifestEdit[] = []
  const state = replay(dir, (offset, edit) => {
    editCount++
    if (verbose) edits.push(editView(offset, edit))
  })
  const report: ManifestReport = {
    name: path.basename(state.manifestPath),
    size: state.manifestSize,
    comparator: state.comparator,
    logNumber: state.logNumber,
    prevLogNumber: state.prevLogNumber,
    nextFileNumber: state.nextFileNumber,
    lastSequence: state.lastSequence,
    editCount,
    compactPointers: state.compactPointers.flatMap((key, level) => (key ? [{ level, key: internalKey(key) }] : [])),
    ...(verbose ? { edits } : {}),
  }
  return { report, files: state.files.map((l, level) => sortLevel([...l], level)) }
}
