export * from "./BatchError.ts"
export { ContentFlags, ValueType } from "./ValueType.ts"
export {
  type Bytes,
  HEADER_SIZE,
  MAX_KEY_SIZE,
  MAX_VALUE_SIZE,
  type MarkEndPrepareOptions,
  WriteBatch,
  type WriteBatchOptions,
} from "./WriteBatch.ts"
export type { WriteBatchHandler, WriteBatchRecord } from "./WriteBatchHandler.ts"
export { iterateBatchBytes, recordsOfBytes } from "./WriteBatchReader.ts"
