/**
 * Compaction picking (LevelDB's `VersionSet::Finalize`, `PickCompaction`, `SetupOtherInputs`,
 * `CompactRange`), with RocksDB's option names. Pure: reads a VersionState, returns a plan.
 *
 * Rules:
 *  1. Score per level 0..5 (the last level is never compacted out): level 0 = file count /
 *     `level0FileNumCompactionTrigger`; level n >= 1 = live bytes / `maxBytesForLevel(n)`, where
 *     level 1 may hold `maxBytesForLevelBase` and each deeper level `maxBytesForLevelMultiplier`
 *     times more. The highest score wins (ties: the shallower level); below 1 nothing is picked.
 *  2. The first input is the level's first file whose largest key is after the level's compact
 *     pointer (wrapping to the first file): compactions walk each level round robin.
 *  3. Level 0 files overlap each other: the input grows to every level-0 file that overlaps the
 *     range, repeated until the range stops growing.
 *  4. Files of level n+1 overlapping the input range join; files sharing a boundary user key
 *     with an input join too (`AddBoundaryInputs`). Then the level-n input grows to everything
 *     in the combined range if that adds no level-n+1 file and stays under 25 target files of
 *     bytes.
 *  5. Grandparents (level n+2 files in the combined range) bound the output files' overlap.
 *  6. A single input with no level n+1 overlap and at most 10 target files of grandparent
 *     overlap is a trivial move: the edit moves the file down, nothing is rewritten.
 *  7. The compact pointer of level n becomes the largest key of the level-n input, recorded in
 *     the compaction's edit.
 * Invariant kept: files of a level >= 1 never overlap (by internal key), given that runCompaction
 * writes outputs only inside the inputs' range (see CompactionJob.ts).
 */

import type { VersionState } from "./internal/applyEdit.ts"
import { compareInternalKeys, userKeyOf } from "./internal/internalKey.ts"
import { addBoundaryInputs, overlappingInputs, rangeOf, totalFileSize } from "./internal/levelFiles.ts"
import { type FileMetaData, kNumLevels } from "./VersionEdit.ts"
import { VersionInvalidArgument } from "./VersionError.ts"

export interface CompactionOptions {
  /** Level-0 file count that makes level 0's score 1. Default 4. */
  readonly level0FileNumCompactionTrigger?: number
  /** Bytes level 1 may hold. Default 256 MiB. */
  readonly maxBytesForLevelBase?: number
  /** Each level below 1 may hold this many times the level above. Default 10. */
  readonly maxBytesForLevelMultiplier?: number
  /** Output file size for level 1 (files are cut at user-key boundaries once this large). Default 64 MiB. */
  readonly targetFileSizeBase?: number
  /** Output file size grows by this factor per level below 1. Default 1 (LevelDB: one size for all levels). */
  readonly targetFileSizeMultiplier?: number
}

export const defaultCompactionOptions: Required<CompactionOptions> = {
  level0FileNumCompactionTrigger: 4,
  maxBytesForLevelBase: 256 * 1024 * 1024,
  maxBytesForLevelMultiplier: 10,
  targetFileSizeBase: 64 * 1024 * 1024,
  targetFileSizeMultiplier: 1,
}

export type CompactionReason = "level0FileNum" | "levelSize" | "manual"

/** A planned compaction of `level` into `outputLevel` (= level + 1). */
export interface Compaction {
  readonly level: number
  readonly outputLevel: number
  readonly reason: CompactionReason
  /** The level's score when picked (0 for manual compactions). */
  readonly score: number
  /** inputs[0]: files of `level`; inputs[1]: overlapping files of `outputLevel`. Each sorted by smallest key. */
  readonly inputs: readonly [ReadonlyArray<FileMetaData>, ReadonlyArray<FileMetaData>]
  /** Files of level + 2 overlapping the compaction's range. */
  readonly grandparents: ReadonlyArray<FileMetaData>
  /** Cut an output once it is this large (at the next user key). */
  readonly maxOutputFileSize: number
  /** Cut an output once it overlaps this many grandparent bytes. */
  readonly maxGrandparentOverlapBytes: number
  /** Largest key of inputs[0]: the level's next compact pointer, recorded with the edit. */
  readonly compactPointer: Uint8Array
  /** Move inputs[0][0] down by an edit alone. */
  readonly trivialMove: boolean
  /** The state the compaction was picked from (its deeper levels decide where a Delete may be dropped). */
  readonly inputVersion: VersionState
}

/** Options with defaults filled in; VersionInvalidArgument for a value that is not a positive number. */
const resolve = (o: CompactionOptions): Required<CompactionOptions> => {
  const r = { ...defaultCompactionOptions, ...o }
  for (const [name, v] of Object.entries(r)) {
    if (!(typeof v === "number" && v > 0 && Number.isFinite(v))) {
      throw new VersionInvalidArgument({ reason: `compaction option ${name} must be a positive number, got ${v}` })
    }
  }
  return r
}

/** `MaxBytesForLevel` with RocksDB's options: base for level 1 (and 0), times the multiplier per level below. */
export const maxBytesForLevel = (level: number, options: CompactionOptions = {}): number => {
  const o = resolve(options)
  let bytes = o.maxBytesForLevelBase
  for (let l = 1; l < level; l++) bytes *= o.maxBytesForLevelMultiplier
  return bytes
}

/** Output file size for files written to `level` (RocksDB's `MaxFileSizeForLevel`). */
export const targetFileSizeForLevel = (level: number, options: CompactionOptions = {}): number => {
  const o = resolve(options)
  let bytes = o.targetFileSizeBase
  for (let l = 1; l < level; l++) bytes *= o.targetFileSizeMultiplier
  return bytes
}

/** Scores of levels 0..kNumLevels-2 (`Finalize`); a level with score >= 1 needs compaction. */
export const compactionScores = (state: VersionState, options: CompactionOptions = {}): number[] => {
  const o = resolve(options)
  const scores: number[] = []
  for (let level = 0; level < kNumLevels - 1; level++) {
    const files = state.files[level] ?? []
    scores.push(level === 0 ? files.length / o.level0FileNumCompactionTrigger : totalFileSize(files) / maxBytesForLevel(level, options))
  }
  return scores
}

/** `PickCompaction` (size-triggered): the compaction the state needs most, or undefined when no score reaches 1. */
export const pickCompaction = (state: VersionState, options: CompactionOptions = {}): Compaction | undefined => {
  const scores = compactionScores(state, options)
  let level = -1
  let score = -1
  for (let l = 0; l < scores.length; l++) {
    if (scores[l]! > score) {
      score = scores[l]!
      level = l
    }
  }
  if (score < 1) return undefined
  const files = state.files[level]!
  const pointer = state.compactPointers[level]
  let first = files.find((f) => pointer === undefined || compareInternalKeys(f.largest, pointer) > 0)
  first ??= files[0]!
  let inputs0: FileMetaData[] = [first]
  if (level === 0) {
    const r = rangeOf(inputs0)
    inputs0 = overlappingInputs(0, files, userKeyOf(r.smallest), userKeyOf(r.largest))
  }
  return setupOtherInputs(state, level, inputs0, options, level === 0 ? "level0FileNum" : "levelSize", score)
}

/**
 * `Version::OverlapInLevel`: whether some file of `level` holds a user key in [begin, end]
 * (undefined = open).
 */
export const overlapInLevel = (state: VersionState, level: number, begin: Uint8Array | undefined, end: Uint8Array | undefined): boolean =>
  overlappingInputs(level, state.files[level] ?? [], begin, end).length > 0

/**
 * `CompactRange` for one level: the files of `level` overlapping [begin, end] (user keys;
 * undefined = open), at most one target file of bytes beyond level 0, compacted into
 * level + 1. Never a trivial move (as LevelDB's manual compaction). Undefined when no file
 * overlaps. REQUIRES: 0 <= level < kNumLevels - 1.
 */
export const pickRangeCompaction = (
  state: VersionState,
  level: number,
  begin: Uint8Array | undefined,
  end: Uint8Array | undefined,
  options: CompactionOptions = {},
): Compaction | undefined => {
  if (!Number.isInteger(level) || level < 0 || level >= kNumLevels - 1) {
    throw new VersionInvalidArgument({ reason: `compaction level ${level} is not in 0..${kNumLevels - 2}` })
  }
  let inputs = overlappingInputs(level, state.files[level]!, begin, end)
  if (inputs.length === 0) return undefined
  if (level > 0) {
    const limit = targetFileSizeForLevel(level, options)
    let total = 0
    const cut = inputs.findIndex((f) => (total += f.fileSize) >= limit)
    if (cut >= 0) inputs = inputs.slice(0, cut + 1)
  }
  return setupOtherInputs(state, level, inputs, options, "manual", 0)
}

/** `SetupOtherInputs` + `IsTrivialMove`. */
const setupOtherInputs = (
  state: VersionState,
  level: number,
  picked: ReadonlyArray<FileMetaData>,
  options: CompactionOptions,
  reason: CompactionReason,
  score: number,
): Compaction => {
  const outputLevel = level + 1
  const levelFiles = state.files[level]!
  const outFiles = state.files[outputLevel]!
  const maxOutputFileSize = targetFileSizeForLevel(outputLevel, options)
  let inputs0 = addBoundaryInputs(levelFiles, picked)
  let range = rangeOf(inputs0)
  let inputs1 = addBoundaryInputs(outFiles, overlappingInputs(outputLevel, outFiles, userKeyOf(range.smallest), userKeyOf(range.largest)))
  let all = rangeOf([...inputs0, ...inputs1])
  if (inputs1.length > 0) {
    const expanded0 = addBoundaryInputs(levelFiles, overlappingInputs(level, levelFiles, userKeyOf(all.smallest), userKeyOf(all.largest)))
    if (expanded0.length > inputs0.length && totalFileSize(inputs1) + totalFileSize(expanded0) < 25 * maxOutputFileSize) {
      const r = rangeOf(expanded0)
      const expanded1 = addBoundaryInputs(outFiles, overlappingInputs(outputLevel, outFiles, userKeyOf(r.smallest), userKeyOf(r.largest)))
      if (expanded1.length === inputs1.length) {
        inputs0 = expanded0
        inputs1 = expanded1
        range = r
        all = rangeOf([...inputs0, ...inputs1])
      }
    }
  }
  const grandparents =
    outputLevel + 1 < kNumLevels
      ? overlappingInputs(outputLevel + 1, state.files[outputLevel + 1]!, userKeyOf(all.smallest), userKeyOf(all.largest))
      : []
  const maxGrandparentOverlapBytes = 10 * maxOutputFileSize
  return {
    level,
    outputLevel,
    reason,
    score,
    inputs: [inputs0, inputs1],
    grandparents,
    maxOutputFileSize,
    maxGrandparentOverlapBytes,
    compactPointer: range.largest,
    trivialMove:
      reason !== "manual" && inputs0.length === 1 && inputs1.length === 0 && totalFileSize(grandparents) <= maxGrandparentOverlapBytes,
    inputVersion: state,
  }
}
