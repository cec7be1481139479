export * as Crc32c from "./Crc32c.ts"
export {
  LogFile,
  type LogFileService,
  layerNode,
  makeNode,
  type NodeLogFileOptions,
  type OpenWritableOptions,
  type ReadableLogFile,
  type WritableLogFile,
} from "./LogFile.ts"
export { logFileName, parseLogFileName } from "./LogFileName.ts"
export {
  isRecyclableType,
  kBlockSize,
  kHeaderSize,
  kRecordTypeSafeIgnoreMask,
  kRecyclableHeaderSize,
  RecordType,
  recordTypeName,
} from "./LogFormat.ts"
export {
  bytesSource,
  LogReader,
  type LogReaderOptions,
  type LogRecord,
  type LogSource,
  type PredecessorWalInfo,
  type ReaderDrop,
} from "./LogReader.ts"
export { LogWriter, type LogWriterOptions } from "./LogWriter.ts"
export { allRecoveryModes, recoveryModeValue, WalRecoveryMode } from "./RecoveryMode.ts"
export { type DumpEntry, type DumpOp, type DumpOptions, dumpLog, renderBytes } from "./WalDump.ts"
export * from "./WalError.ts"
export * as WalManager from "./WalManager.ts"
export { type RecoveredRecord, type RecoverOptions, type RecoveryResult, recover, recoverLogs, type WalFileRef } from "./WalRecovery.ts"
