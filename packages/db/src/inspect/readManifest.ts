/**
 * CURRENT and the MANIFEST it names, read once and replayed as recovery replays them
 * (`recoverVersionSet` in @writepath/version, LevelDB's `VersionSet::Recover`): the same
 * absolute-consistency read, the same per-record checks, the same required counters. It is
 * a replay of its own, not a call to `recoverVersionSet`, because the report also lists every
 * edit, and the edits and the final state must come from one read of the file: a live
 * database may append to its MANIFEST, or switch to a new one, between two reads.
 *
 * Read-only (readFileSync). Synchronous. Throws InspectCorruption or IOError.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import {
  decodeVersionEdit,
  type FileMetaData,
  kBytewiseComparator,
  kNumLevels,
  readCurrentFile,
  VersionCorruption,
  type VersionEdit,
} from "@writepath/version"
import { bytesSource, IOError, LogReader, WalRecoveryMode } from "@writepath/wal"
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

/** The MANIFEST path CURRENT names; a bad CURRENT is an InspectCorruption naming CURRENT. */
const manifestPathOf = (dir: string): string => {
  try {
    return readCurrentFile(dir)
  } catch (e) {
    if (e instanceof VersionCorruption) throw new InspectCorruption({ path: e.path, reason: e.reason })
    throw e
  }
}

export const readManifest = (dir: string, verbose: boolean): ManifestContents => {
  const manifestPath = manifestPathOf(dir)
  const name = path.basename(manifestPath)
  let bytes: Uint8Array
  try {
    bytes = fs.readFileSync(manifestPath)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw new InspectCorruption({ path: path.join(dir, "CURRENT"), reason: `CURRENT names ${name}, which does not exist` })
    }
    throw new IOError({ operation: "read", path: manifestPath, code: (e as NodeJS.ErrnoException).code ?? "unknown", cause: e })
  }
  const corrupt = (reason: string): InspectCorruption => new InspectCorruption({ path: manifestPath, reason })
  let problem: string | undefined
  const reader = new LogReader(bytesSource(bytes), {
    recoveryMode: WalRecoveryMode.kAbsoluteConsistency,
    reporter: (d) => {
      if (d.reported && problem === undefined) problem = `${d.reason} at offset ${d.offset}`
    },
  })
  // Live files by number per level: LevelDB's Builder applies deletions, then additions.
  const levels = Array.from({ length: kNumLevels }, () => new Map<number, FileMetaData>())
  const compactPointers: Array<Uint8Array | undefined> = Array.from({ length: kNumLevels }, () => undefined)
  let comparator: string | undefined
  let logNumber: number | undefined
  let prevLogNumber = 0
  let nextFileNumber: number | undefined
  let lastSequence: number | undefined
  let editCount = 0
  const edits: ManifestEdit[] = []
  for (let r = reader.readRecord(); r !== undefined && problem === undefined; r = reader.readRecord()) {
    const edit = decodeVersionEdit(r.data)
    if (typeof edit === "string") throw corrupt(`${edit} (record at offset ${r.offset})`)
    if (edit.comparator !== undefined && edit.comparator !== kBytewiseComparator) {
      throw corrupt(`${edit.comparator} does not match existing comparator ${kBytewiseComparator}`)
    }
    editCount++
    if (verbose) edits.push(editView(r.offset, edit))
    for (const d of edit.deletedFiles ?? []) levels[d.level]!.delete(d.number)
    for (const f of edit.newFiles ?? []) {
      levels[f.level]!.set(f.number, { number: f.number, fileSize: f.fileSize, smallest: f.smallest, largest: f.largest })
    }
    for (const p of edit.compactPointers ?? []) compactPointers[p.level] = p.key
    comparator = edit.comparator ?? comparator
    logNumber = edit.logNumber ?? logNumber
    prevLogNumber = edit.prevLogNumber ?? prevLogNumber
    nextFileNumber = edit.nextFileNumber ?? nextFileNumber
    lastSequence = edit.lastSequence ?? lastSequence
  }
  if (problem !== undefined) throw corrupt(problem)
  if (nextFileNumber === undefined) throw corrupt("no meta-nextfile entry in descriptor")
  if (logNumber === undefined) throw corrupt("no meta-lognumber entry in descriptor")
  if (lastSequence === undefined) throw corrupt("no last-sequence-number entry in descriptor")
  const report: ManifestReport = {
    name,
    size: bytes.length,
    comparator: comparator ?? kBytewiseComparator,
    logNumber,
    prevLogNumber,
    // MarkFileNumberUsed: recovery never hands out a number a recorded log already uses.
    nextFileNumber: Math.max(nextFileNumber, logNumber + 1, prevLogNumber + 1),
    lastSequence,
    editCount,
    compactPointers: compactPointers.flatMap((key, level) => (key ? [{ level, key: internalKey(key) }] : [])),
    ...(verbose ? { edits } : {}),
  }
  return { report, files: levels.map((l, level) => sortLevel([...l.values()], level)) }
}
