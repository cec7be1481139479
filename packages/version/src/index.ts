export {
  type Compaction,
  type CompactionOptions,
  type CompactionReason,
  compactionScores,
  defaultCompactionOptions,
  maxBytesForLevel,
  overlapInLevel,
  pickCompaction,
  pickRangeCompaction,
  targetFileSizeForLevel,
} from "./Compaction.ts"
export { type CompactionResult, type CompactionStats, type RunCompactionOptions, runCompaction } from "./CompactionJob.ts"
export { readCurrentFile, setCurrentFile } from "./Current.ts"
export {
  currentFileName,
  descriptorFileName,
  type FileType,
  lockFileName,
  parseFileName,
  sstTableFileName,
  tableFileName,
  tempFileName,
} from "./FileNames.ts"
export { type FlushEntry, type FlushOptions, type FlushResult, type FolderEntry, flushToLevel0, writeLevelDbFolder } from "./Flush.ts"
export {
  decodeVersionEdit,
  encodeVersionEdit,
  type FileMetaData,
  kNumLevels,
  type NewFile,
  Tag,
  type VersionEdit,
} from "./VersionEdit.ts"
export * from "./VersionError.ts"
export {
  kBytewiseComparator,
  openScoped,
  type RecoveredVersionSet,
  recoverVersionSet,
  replayManifest,
  VersionSet,
  type VersionState,
  Versions,
} from "./VersionSet.ts"
