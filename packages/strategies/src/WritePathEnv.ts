/**
 * WritePathEnv: what a write strategy needs from the engine (Pebble's `commitEnv`).
 * The strategies own the protocol (queues, groups, sequences, publication); the
 * engine owns the resources (WAL files, memtables, background error, flow control).
 * Tests drive a strategy with a fake env, so the protocol is tested without a database.
 *
 * Every method runs in the caller's critical section unless it returns a Promise: a
 * returned Promise is a yield point (a lock drop) and is documented as one there.
 */
import type { WriteBatch } from "@writepath/batch"
import type { SequencerImpl, Writer, WriteStatus, WriteThreadImpl } from "@writepath/core-queue"
import type { MemTable } from "@writepath/memtable"
import { Context } from "effect"
import type { EngineOptions } from "./EngineOptions.ts"

/** Counters a strategy keeps; the engine reports them in `db.stats()`. */
export interface WritePathStats {
  /** Main-queue groups committed (WAL or memtable work done for them). */
  groups: number
  /** Writers in those groups. */
  groupMembers: number
  /** WAL records appended and their bytes. */
  walRecords: number
  walBytes: number
  /** fdatasync/fsync calls that completed. */
  walSyncs: number
  /** Wall time spent waiting for those syncs, microseconds. */
  walSyncMicros: number
  /** Groups whose memtable insert ran in parallel (concurrent-memtable, pipelined with parallel). */
  parallelGroups: number
  /** Leaders that yielded once before forming their group (adaptive batching, see Classic). */
  leaderYields: number
}

export const makeWritePathStats = (): WritePathStats => ({
  groups: 0,
  groupMembers: 0,
  walRecords: 0,
  walBytes: 0,
  walSyncs: 0,
  walSyncMicros: 0,
  parallelGroups: 0,
  leaderYields: 0,
})

export interface WritePathEnvService {
  readonly options: EngineOptions
  readonly versions: SequencerImpl
  readonly stats: WritePathStats
  /**
   * `PreprocessWrite` (WRITE-PATH.md 5.1), run by the main-queue leader before it forms
   * its group: background error, memtable switch, write controller delay or stop.
   * Returns the leader's failure (the background error, WriteStall for noSlowdown) or
   * undefined. YIELDS when it switches the WAL or waits on the controller; the leader
   * still owns `queue` (the queue it leads) throughout, and a stall raises `queue`'s
   * barrier (`BeginWriteStall` on the caller's own queue). The delay charges
   * `queue.lastBatchGroupSize` (RocksDB's `last_batch_group_size_`). `drainMemtableStage`
   * (pipelined) is called before a memtable switch so no earlier group is still inserting
   * into the old one. A throw is handled by the strategy like a returned error.
   */
  preprocessWrite(
    leader: Writer,
    queue: WriteThreadImpl,
    drainMemtableStage?: () => Promise<void> | undefined,
  ): WriteStatus | Promise<WriteStatus>
  /**
   * Reserves `bytes` of the mutable memtable's arena for a group about to be written
   * (its SharedArrayBuffer is fixed in size: a group that did not fit would fail half
   * inserted). Switches the memtable first when the room is short (after
   * `drainMemtableStage`); a group that cannot fit even an empty memtable gets an
   * InvalidArgument. YIELDS only when it switches. Pair with `releaseRoom`.
   */
  reserveRoom(bytes: number, drainMemtableStage?: () => Promise<void> | undefined): WriteStatus | Promise<WriteStatus>
  /** Returns room reserved by `reserveRoom` once the inserts it covered are done (or will not happen). */
  releaseRoom(bytes: number): void
  /**
   * The WAL-only queue's check (`DelayWrite(0)` on the second queue): the background
   * error, and a full stop of the write controller (timed delays apply only to the main
   * queue, to avoid throttling twice). YIELDS while stopped, with `queue`'s barrier up
   * (the WAL-only queue the caller leads, never the main queue).
   */
  preprocessWalOnlyWrite(leader: Writer, queue: WriteThreadImpl): WriteStatus | Promise<WriteStatus>
  /**
   * Appends one WAL record (the group's merged batch, its header sequence set) and,
   * with `sync`, makes every live WAL durable before resolving. The append itself is
   * synchronous, so records from two queues never interleave; the sync YIELDS. A failure
   * has already put the engine in its read-only error state when this returns it.
   */
  writeToWAL(merged: WriteBatch, sync: boolean): WriteStatus | Promise<WriteStatus>
  /** Inserts one batch into the mutable memtable at `sequence`, on this thread. */
  insertInto(batch: WriteBatch, sequence: number): WriteStatus
  /**
   * The mutable memtable, for strategies that insert into it concurrently (from worker
   * threads through its SharedArrayBuffer handle). It changes only inside `preprocessWrite`
   * (a memtable switch), never while a group is inserting.
   */
  mutableMemTable(): MemTable
  /**
   * A memtable insert failed after the WAL write, or a group failed after its sequences were
   * allocated: fatal, the engine turns read-only until reopen (`HandleMemTableInsertFailure`).
   *
   * The failed-group invariant: entries of a group that did not succeed are never visible
   * (its last sequence is never published, and neither is any later one: the engine
   * refuses every later insert and write) and never flushed to a table (the engine never
   * flushes a memtable after a write-path failure, and `resume` does not clear one).
   */
  handleMemTableInsertFailure(error: Error): void
}

export class WritePathEnv extends Context.Tag("@writepath/strategies/WritePathEnv")<WritePathEnv, WritePathEnvService>() {}
