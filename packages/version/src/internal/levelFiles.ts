/**
 * File-set helpers of compaction picking (`Version::GetOverlappingInputs`, `AddBoundaryInputs`,
 * `GetRange`, `TotalFileSize` in `db/version_set.cc`). Pure functions over a level's files.
 * Ranges are compared by user key, inclusive at both ends, as LevelDB does.
 */
import type { FileMetaData } from "../VersionEdit.ts"
import { compareInternalKeys, compareUserKeysOf, compareUserKeyTo, userKeyOf } from "./internalKey.ts"

export const totalFileSize = (files: ReadonlyArray<FileMetaData>): number => files.reduce((n, f) => n + f.fileSize, 0)

/** Smallest and largest internal key over `files`. REQUIRES: files non-empty. */
export const rangeOf = (files: ReadonlyArray<FileMetaData>): { readonly smallest: Uint8Array; readonly largest: Uint8Array } => {
  let smallest = files[0]!.smallest
  let largest = files[0]!.largest
  for (const f of files) {
    if (compareInternalKeys(f.smallest, smallest) < 0) smallest = f.smallest
    if (compareInternalKeys(f.largest, largest) > 0) largest = f.largest
  }
  return { smallest, largest }
}

/**
 * Files of `levelFiles` whose user-key range meets [begin, end] (user keys; undefined = open).
 * On level 0 files overlap each other, so a file widening the range restarts the search with
 * the wider range: the result is closed under overlap.
 */
export const overlappingInputs = (
  level: number,
  levelFiles: ReadonlyArray<FileMetaData>,
  begin: Uint8Array | undefined,
  end: Uint8Array | undefined,
): FileMetaData[] => {
  const out: FileMetaData[] = []
  for (let i = 0; i < levelFiles.length; ) {
    const f = levelFiles[i++]!
    if (begin !== undefined && compareUserKeyTo(begin, f.largest) > 0) continue
    if (end !== undefined && compareUserKeyTo(end, f.smallest) < 0) continue
    out.push(f)
    if (level === 0) {
      if (begin !== undefined && compareUserKeyTo(begin, f.smallest) > 0) {
        begin = userKeyOf(f.smallest)
        out.length = 0
        i = 0
      } else if (end !== undefined && compareUserKeyTo(end, f.largest) < 0) {
        end = userKeyOf(f.largest)
        out.length = 0
        i = 0
      }
    }
  }
  return out
}

/**
 * `AddBoundaryInputs`: while some file b2 of the level starts (internal key) after the largest
 * key u1 of `files` but with the same user key, b2 joins: leaving it behind would let a read
 * find the older versions of that user key in b2 before the newer ones moved one level down.
 * Returns a new array sorted by smallest key.
 */
export const addBoundaryInputs = (levelFiles: ReadonlyArray<FileMetaData>, files: ReadonlyArray<FileMetaData>): FileMetaData[] => {
  const out = [...files]
  if (out.length > 0) {
    let largest = rangeOf(out).largest
    for (;;) {
      let boundary: FileMetaData | undefined
      for (const f of levelFiles) {
        if (compareInternalKeys(f.smallest, largest) > 0 && compareUserKeysOf(f.smallest, largest) === 0) {
          if (!boundary || compareInternalKeys(f.smallest, boundary.smallest) < 0) boundary = f
        }
      }
      if (!boundary || out.includes(boundary)) break
      out.push(boundary)
      largest = boundary.largest
    }
  }
  return out.sort((a, b) => compareInternalKeys(a.smallest, b.smallest) || a.number - b.number)
}
