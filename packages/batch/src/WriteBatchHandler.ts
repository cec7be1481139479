import type { Bytes } from "./WriteBatch.ts"

/**
 * Receives the records of a batch in order (`WriteBatch::Handler`). Every method is
 * optional: a missing put/delete/singleDelete/deleteRange/merge/logData/marker is
 * skipped, as RocksDB's default Handler accepts them; a missing `timedPut`,
 * `putEntity` or `putBlobIndex` is an InvalidArgument, as in RocksDB (a reader that
 * does not know these records must not silently drop data).
 *
 * Slices alias the batch's bytes: copy what you keep.
 */
export interface WriteBatchHandler {
  put?(cf: number, key: Uint8Array, value: Uint8Array): void
  delete?(cf: number, key: Uint8Array): void
  singleDelete?(cf: number, key: Uint8Array): void
  deleteRange?(cf: number, begin: Uint8Array, end: Uint8Array): void
  merge?(cf: number, key: Uint8Array, value: Uint8Array): void
  logData?(blob: Uint8Array): void
  putBlobIndex?(cf: number, key: Uint8Array, blobIndex: Uint8Array): void
  putEntity?(cf: number, key: Uint8Array, entity: Uint8Array): void
  /** `writeUnixTime` as a bigint: RocksDB stores a uint64 and uses UINT64_MAX as "unset". */
  timedPut?(cf: number, key: Uint8Array, value: Uint8Array, writeUnixTime: bigint): void
  /** `unprepared`: the batch is a WriteUnprepared sub-batch (kTypeBeginUnprepareXID). */
  markBeginPrepare?(unprepared: boolean): void
  markEndPrepare?(xid: Uint8Array): void
  markCommit?(xid: Uint8Array): void
  markCommitWithTimestamp?(xid: Uint8Array, commitTimestamp: Uint8Array): void
  markRollback?(xid: Uint8Array): void
  /** `emptyBatch`: no counted record came before this Noop. */
  markNoop?(emptyBatch: boolean): void
  /** Returning false stops the iteration before the next record (no count check then). */
  continue?(): boolean
}

/** One decoded record, as yielded by `records()`. */
export type WriteBatchRecord =
  | {
      readonly op: "Put" | "Merge" | "PutBlobIndex" | "PutEntity"
      readonly cf: number
      readonly key: Uint8Array
      readonly value: Uint8Array
    }
  | { readonly op: "TimedPut"; readonly cf: number; readonly key: Uint8Array; readonly value: Uint8Array; readonly writeUnixTime: bigint }
  | { readonly op: "Delete" | "SingleDelete"; readonly cf: number; readonly key: Uint8Array }
  | { readonly op: "DeleteRange"; readonly cf: number; readonly key: Uint8Array; readonly end: Uint8Array }
  | { readonly op: "LogData"; readonly value: Uint8Array }
  | { readonly op: "BeginPrepare"; readonly unprepared: boolean }
  | { readonly op: "EndPrepare" | "Commit" | "Rollback"; readonly xid: Uint8Array }
  | { readonly op: "CommitWithTimestamp"; readonly xid: Uint8Array; readonly timestamp: Uint8Array }
  | { readonly op: "Noop" }

export type { Bytes }
