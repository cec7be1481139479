export type { Deleted, Found, GetResult, MergeOperands, NotFound } from "./GetResult.ts"
export {
  type InsertOptions,
  type InsertOutcome,
  type InsertReply,
  InsertWorker,
  type InsertWorkerOptions,
  StartGate,
} from "./InsertWorker.ts"
export {
  compareInternalKeys,
  compareUserKeys,
  encodeInternalKey,
  kMaxSequenceNumber,
  MAX_SAFE_SEQUENCE,
  type ParsedInternalKey,
  parseInternalKey,
  TRAILER_SIZE,
} from "./InternalKey.ts"
export type { RandomSource } from "./internal/random.ts"
export { type AttachOptions, FlushState, MemTable, type MemTableHandle, type MemTableOptions } from "./MemTable.ts"
export * from "./MemTableError.ts"
export { type MemTableEntry, MemTableIterator } from "./MemTableIterator.ts"
export { MemTableList } from "./MemTableList.ts"
export { MemTables } from "./MemTables.ts"
export { spawnModuleWorker } from "./spawnModuleWorker.ts"
