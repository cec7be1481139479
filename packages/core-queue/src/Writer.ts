/**
 * Writer: one in-flight write (`WriteThread::Writer`, db/write_thread.h). It is the queue
 * node itself (intrusive links), so joining the queue allocates nothing but the Writer.
 *
 * Fields, grouped by who may touch them:
 *  - constant after construction: the batch and the options that drive admission;
 *  - written by the writer before it joins, read by the leader: `callback`, `userWriteCallback`;
 *  - written only by the current leader of the queue the writer is in, and read by the
 *    writer once it is woken: `writeGroup`, `sequence`, `status`, `callbackStatus`,
 *    `linkOlder`, `linkNewer`;
 *  - `state`: written through `WriteThread.setState` by whoever hands the writer its next
 *    role; the writer reads it after `joinBatchGroup` (or any wait) returns.
 *
 * Strategies that need more per-write data (WAL number, a reply slot) extend this class.
 */
import type { WriteBatch } from "@writepath/batch"
import type { WriteGroup } from "./WriteGroup.ts"
import { STATE_INIT } from "./WriterState.ts"

/** A write's status: `undefined` is OK (RocksDB's `Status::OK()`), anything else is the failure. */
export type WriteStatus = Error | undefined

/** Per-write options that take part in group admission (`WriteOptions`). */
export interface WriterOptions {
  readonly sync?: boolean
  readonly noSlowdown?: boolean
  readonly disableWAL?: boolean
  /** WAL-only write (two-queue prepare, commit markers): skips the memtable stage. */
  readonly disableMemtable?: boolean
  readonly lowPri?: boolean
  /** 0 or 8 (`protection_bytes_per_key`); members of a group must agree. */
  readonly protectionBytesPerKey?: number
  /** `rate_limiter_priority` as a number; members of a group must agree. Default 0 (IO_TOTAL). */
  readonly rateLimiterPriority?: number
  /** seq_per_batch mode: number of sub-batches (`batch_cnt`). Default 0. */
  readonly batchCnt?: number
}

/** `WriteCallback` (include/rocksdb/write_callback.h): run by the leader before the WAL write. */
export interface WriteCallback {
  /** A returned error skips the writer for WAL and memtable; it consumes no sequence. */
  callback(): WriteStatus
  /** false: the writer must form a group of its own. Only the candidate's own callback counts. */
  allowWriteBatching(): boolean
}

/** `UserWriteCallback` (public API of 2024): hooks on the writer's progress. */
export interface UserWriteCallback {
  /** After the writer is linked into the queue, always (also when it is about to wait). */
  onWriteEnqueued?(): void
  /** After a successful WAL append, for members whose callback passed. Called by the strategy. */
  onWalWriteFinish?(): void
}

export class Writer {
  // ---- constant after construction ---------------------------------------------------
  /** undefined for unbatched writers (EnterUnbatched) and dummies: never admitted as a follower. */
  readonly batch: WriteBatch | undefined
  readonly sync: boolean
  readonly noSlowdown: boolean
  readonly disableWAL: boolean
  readonly disableMemtable: boolean
  readonly lowPri: boolean
  readonly protectionBytesPerKey: number
  readonly rateLimiterPriority: number
  readonly batchCnt: number
  readonly callback: WriteCallback | undefined
  readonly userWriteCallback: UserWriteCallback | undefined

  // ---- written by the leader (or by whoever sets the state) -------------------------------
  state: number = STATE_INIT
  writeGroup: WriteGroup | undefined = undefined
  /** First sequence of this writer's batch, assigned by the leader. */
  sequence = 0
  status: WriteStatus = undefined
  callbackStatus: WriteStatus = undefined
  linkOlder: Writer | undefined = undefined
  linkNewer: Writer | undefined = undefined

  // ---- the parking slot (`made_waitable`, StateMutex, StateCV) -----------------------------
  /** @internal Resolves the writer's pending wait; set only while state is LOCKED_WAITING. */
  wake: ((value: undefined) => void) | undefined = undefined

  constructor(batch: WriteBatch | undefined, options?: WriterOptions, callback?: WriteCallback, userWriteCallback?: UserWriteCallback) {
    this.batch = batch
    this.sync = options?.sync === true
    this.noSlowdown = options?.noSlowdown === true
    this.disableWAL = options?.disableWAL === true
    this.disableMemtable = options?.disableMemtable === true
    this.lowPri = options?.lowPri === true
    this.protectionBytesPerKey = options?.protectionBytesPerKey ?? 0
    this.rateLimiterPriority = options?.rateLimiterPriority ?? 0
    this.batchCnt = options?.batchCnt ?? 0
    this.callback = callback
    this.userWriteCallback = userWriteCallback
  }

  /** Runs the WriteCallback once (`CheckCallback`); false means the writer is skipped. */
  checkCallback(): boolean {
    if (this.callback !== undefined) this.callbackStatus = this.callback.callback()
    return this.callbackStatus === undefined
  }

  callbackFailed(): boolean {
    return this.callbackStatus !== undefined
  }

  /** `ShouldWriteToMemtable`: status ok, callback passed, memtable not disabled. */
  shouldWriteToMemtable(): boolean {
    return this.status === undefined && this.callbackStatus === undefined && !this.disableMemtable
  }

  /** `ShouldWriteToWAL`: status ok, callback passed, WAL not disabled. */
  shouldWriteToWAL(): boolean {
    return this.status === undefined && this.callbackStatus === undefined && !this.disableWAL
  }

  /** `FinalStatus`: a write error wins, then the callback's, else OK. */
  finalStatus(): WriteStatus {
    return this.status ?? this.callbackStatus
  }
}
