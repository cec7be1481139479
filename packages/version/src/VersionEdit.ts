/**
 * VersionEdit: one MANIFEST record (`db/version_edit.cc`), byte for byte as LevelDB.
 *
 *   edit   := field*        field := varint32 tag | payload
 *   1 kComparator      length-prefixed name ("leveldb.BytewiseComparator")
 *   2 kLogNumber       varint64: WALs with a smaller number are no longer needed
 *   9 kPrevLogNumber   varint64 (0 = none)
 *   3 kNextFileNumber  varint64: next number to hand out for a file
 *   4 kLastSequence    varint64
 *   5 kCompactPointer  varint32 level | length-prefixed internal key
 *   6 kDeletedFile     varint32 level | varint64 file number
 *   7 kNewFile         varint32 level | varint64 number | varint64 file size
 *                      | length-prefixed smallest internal key | length-prefixed largest
 *
 * Encoding writes the fields in that order (comparator, log, prev log, next file, last
 * sequence, compact pointers, deleted files sorted by (level, number), new files), as
 * `EncodeTo`. Levels must be < 7 (`config::kNumLevels`). Tag 8 (LevelDB's retired
 * large-value refs) and any other tag are "unknown tag".
 */
import { Reader, Writer } from "./internal/coding.ts"

export const kNumLevels = 7

export const Tag = {
  kComparator: 1,
  kLogNumber: 2,
  kNextFileNumber: 3,
  kLastSequence: 4,
  kCompactPointer: 5,
  kDeletedFile: 6,
  kNewFile: 7,
  kPrevLogNumber: 9,
} as const

/** A live table file as the MANIFEST records it (`FileMetaData`). */
export interface FileMetaData {
  readonly number: number
  readonly fileSize: number
  /** Smallest and largest internal keys in the file (user key | fixed64 LE (seq << 8 | type)). */
  readonly smallest: Uint8Array
  readonly largest: Uint8Array
}

export interface NewFile extends FileMetaData {
  readonly level: number
}

export interface VersionEdit {
  readonly comparator?: string
  readonly logNumber?: number
  readonly prevLogNumber?: number
  readonly nextFileNumber?: number
  readonly lastSequence?: number
  readonly compactPointers?: ReadonlyArray<{ readonly level: number; readonly key: Uint8Array }>
  readonly deletedFiles?: ReadonlyArray<{ readonly level: number; readonly number: number }>
  readonly newFiles?: ReadonlyArray<NewFile>
}

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder()

const checkLevel = (level: number): void => {
  if (!Number.isInteger(level) || level < 0 || level >= kNumLevels) throw new RangeError(`level ${level} is not in 0..${kNumLevels - 1}`)
}

/** `EncodeTo`. Throws RangeError for a level out of range or a negative/unsafe number. */
export const encodeVersionEdit = (e: VersionEdit): Uint8Array => {
  const w = new Writer()
  if (e.comparator !== undefined) {
    w.varint(Tag.kComparator)
    w.lengthPrefixed(textEncoder.encode(e.comparator))
  }
  if (e.logNumber !== undefined) {
    w.varint(Tag.kLogNumber)
    w.varint(e.logNumber)
  }
  if (e.prevLogNumber !== undefined) {
    w.varint(Tag.kPrevLogNumber)
    w.varint(e.prevLogNumber)
  }
  if (e.nextFileNumber !== undefined) {
    w.varint(Tag.kNextFileNumber)
    w.varint(e.nextFileNumber)
  }
  if (e.lastSequence !== undefined) {
    w.varint(Tag.kLastSequence)
    w.varint(e.lastSequence)
  }
  for (const p of e.compactPointers ?? []) {
    checkLevel(p.level)
    w.varint(Tag.kCompactPointer)
    w.varint(p.level)
    w.lengthPrefixed(p.key)
  }
  // LevelDB keeps deleted files in a std::set<pair<int, uint64_t>>: sorted, no duplicates.
  const deleted = [...(e.deletedFiles ?? [])].sort((a, b) => a.level - b.level || a.number - b.number)
  let prev: { level: number; number: number } | undefined
  for (const d of deleted) {
    checkLevel(d.level)
    if (prev && prev.level === d.level && prev.number === d.number) continue
    prev = d
    w.varint(Tag.kDeletedFile)
    w.varint(d.level)
    w.varint(d.number)
  }
  for (const f of e.newFiles ?? []) {
    checkLevel(f.level)
    w.varint(Tag.kNewFile)
    w.varint(f.level)
    w.varint(f.number)
    w.varint(f.fileSize)
    w.lengthPrefixed(f.smallest)
    w.lengthPrefixed(f.largest)
  }
  return w.result()
}

/** `DecodeFrom`: the edit, or LevelDB's reason ("VersionEdit: unknown tag", ...) as a string. */
export const decodeVersionEdit = (bytes: Uint8Array): VersionEdit | string => {
  const r = new Reader(bytes)
  let comparator: string | undefined
  let logNumber: number | undefined
  let prevLogNumber: number | undefined
  let nextFileNumber: number | undefined
  let lastSequence: number | undefined
  const compactPointers: Array<{ level: number; key: Uint8Array }> = []
  const deletedFiles: Array<{ level: number; number: number }> = []
  const newFiles: NewFile[] = []
  const level = (): number | undefined => {
    const v = r.varint(5)
    return v !== undefined && v < kNumLevels ? v : undefined
  }
  const internalKey = (): Uint8Array | undefined => {
    const k = r.lengthPrefixed()
    return k !== undefined && k.length > 0 ? k : undefined
  }
  while (!r.done) {
    const tag = r.varint(5)
    if (tag === undefined) return "VersionEdit: invalid tag"
    switch (tag) {
      case Tag.kComparator: {
        const s = r.lengthPrefixed()
        if (s === undefined) return "VersionEdit: comparator name"
        comparator = textDecoder.decode(s)
        break
      }
      case Tag.kLogNumber:
        logNumber = r.varint()
        if (logNumber === undefined) return "VersionEdit: log number"
        break
      case Tag.kPrevLogNumber:
        prevLogNumber = r.varint()
        if (prevLogNumber === undefined) return "VersionEdit: previous log number"
        break
      case Tag.kNextFileNumber:
        nextFileNumber = r.varint()
        if (nextFileNumber === undefined) return "VersionEdit: next file number"
        break
      case Tag.kLastSequence:
        lastSequence = r.varint()
        if (lastSequence === undefined) return "VersionEdit: last sequence number"
        break
      case Tag.kCompactPointer: {
        const l = level()
        const key = l === undefined ? undefined : internalKey()
        if (l === undefined || key === undefined) return "VersionEdit: compaction pointer"
        compactPointers.push({ level: l, key })
        break
      }
      case Tag.kDeletedFile: {
        const l = level()
        const n = l === undefined ? undefined : r.varint()
        if (l === undefined || n === undefined) return "VersionEdit: deleted file"
        deletedFiles.push({ level: l, number: n })
        break
      }
      case Tag.kNewFile: {
        const l = level()
        const n = l === undefined ? undefined : r.varint()
        const size = n === undefined ? undefined : r.varint()
        const smallest = size === undefined ? undefined : internalKey()
        const largest = smallest === undefined ? undefined : internalKey()
        if (l === undefined || n === undefined || size === undefined || smallest === undefined || largest === undefined) {
          return "VersionEdit: new-file entry"
        }
        newFiles.push({ level: l, number: n, fileSize: size, smallest, largest })
        break
      }
      default:
        return "VersionEdit: unknown tag"
    }
  }
  return {
    ...(comparator !== undefined ? { comparator } : {}),
    ...(logNumber !== undefined ? { logNumber } : {}),
    ...(prevLogNumber !== undefined ? { prevLogNumber } : {}),
    ...(nextFileNumber !== undefined ? { nextFileNumber } : {}),
    ...(lastSequence !== undefined ? { lastSequence } : {}),
    ...(compactPointers.length > 0 ? { compactPointers } : {}),
    ...(deletedFiles.length > 0 ? { deletedFiles } : {}),
    ...(newFiles.length > 0 ? { newFiles } : {}),
  }
}
