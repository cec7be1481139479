/**
 * Reading batches straight from bytes (a WAL record payload) without copying them
 * into a WriteBatch first: the recovery and wal-dump paths.
 */
import { iterateBatch, recordsOf } from "./internal/iterate.ts"
import type { WriteBatchHandler, WriteBatchRecord } from "./WriteBatchHandler.ts"

/** `WriteBatch.iterate` over raw bytes; slices alias `bytes`. */
export const iterateBatchBytes = (bytes: Uint8Array, handler: WriteBatchHandler): void => iterateBatch(bytes, handler)

/** `WriteBatch.records` over raw bytes; slices alias `bytes`. */
export const recordsOfBytes = (bytes: Uint8Array): Generator<WriteBatchRecord> => recordsOf(bytes)
