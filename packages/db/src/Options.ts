/**
 * The option types of the public API, one place for the Promise face (`Database`) and the
 * Effect face (`Db`). They are compile-time contracts: a typo (`{ synk: true }`) or a wrong
 * type (`writeBufferSize: "64MB"`) fails `tsc`. Every method still validates at run time
 * and rejects with a typed error naming the field, for callers without types.
 */
import type { Bytes } from "@writepath/batch"
import type { EngineOptionsInput, StrategyName, WalRecoveryMode } from "@writepath/strategies"
import type { Snapshot } from "./Snapshot.ts"

export type { Bytes, StrategyName, WalRecoveryMode }

/**
 * Options of `open` and `Db.layer`: the folder, the write strategy and RocksDB's tuning
 * options (camelCased names, RocksDB's defaults). Only `path` is required.
 *
 * @example
 * ```ts
 * const options: OpenOptions = { path: "./data", strategy: "pipelined", writeBufferSize: 64 * 1024 * 1024 }
 * ```
 */
export type OpenOptions = EngineOptionsInput

/** Per-write options (RocksDB's `WriteOptions`). All default to false. */
export interface WriteOptionsInput {
  /** fdatasync (or fsync with `useFsync`) the WAL before acknowledging the write. */
  readonly sync?: boolean
  /** Skip the WAL: the write is lost on a crash before the next flush. */
  readonly disableWAL?: boolean
  /** Fail with WriteStall instead of waiting when writes are delayed or stopped. */
  readonly noSlowdown?: boolean
  /** Low priority: delayed first while compaction is behind. */
  readonly lowPri?: boolean
}

/** Options of a point read (`get`, `getMany`, `has`). */
export interface ReadOptions {
  /** Read as of this snapshot instead of now. */
  readonly snapshot?: Snapshot
}

/**
 * A key range, level-style: each bound is optional, `gt`/`gte` from below and `lt`/`lte`
 * from above. Keys compare as bytes (strings as their UTF-8 encoding).
 */
export interface RangeOptions {
  readonly gt?: Bytes
  readonly gte?: Bytes
  readonly lt?: Bytes
  readonly lte?: Bytes
}

/** Options of `iterator`, `keys` and `values`. */
export interface IteratorOptions extends RangeOptions {
  /** Walk from the largest key down. */
  readonly reverse?: boolean
  /** Read as of this snapshot instead of the iterator's creation. */
  readonly snapshot?: Snapshot
  /** Stop after this many entries (a non-negative integer; absent: no limit). */
  readonly limit?: number
}

/** Options of `clear`: the range to delete (absent: every key). */
export interface ClearOptions extends RangeOptions {
  /** Write options of the deletes. */
  readonly writeOptions?: WriteOptionsInput
}

/** Options of `beginTransaction`. */
export interface TransactionOptions {
  /** The transaction's name, unique among live transactions (RocksDB's `SetName`). */
  readonly name: string
  /** Write options of its prepare, commit and rollback. */
  readonly writeOptions?: WriteOptionsInput
}

/** Options of `flushWal`. */
export interface FlushWalOptions {
  /** Also sync the WAL (RocksDB `FlushWAL(sync)`). */
  readonly sync?: boolean
}

/** Options of `compactRange`: the key range [gte, lte] to compact (absent: everything). */
export interface CompactRangeOptions {
  readonly gte?: Bytes
  readonly lte?: Bytes
}
