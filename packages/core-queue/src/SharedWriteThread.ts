/**
 * SharedWriteThread: RocksDB's WriteThread (db/write_thread.{h,cc}) for writers on many
 * threads (Node worker_threads, Bun and Deno workers) over one SharedArrayBuffer. Like the
 * single-thread WriteThread it knows nothing about WALs or memtables: a driver (the
 * engine's strategy, or the tests' fake) joins, leads, allocates sequences, commits and
 * exits. It is independent of `WriteThread`; the two share only the state-bit values.
 *
 * WHAT IT OWNS (internal/shared/layout.ts has the byte map)
 *
 *   - the header words: `newest_writer` (H_NEWEST), the stall begun/ended counts, the
 *     poison reason, the next thread token, LastAllocated/LastPublished sequences
 *     (BigInt64, only ever accessed with Atomics, so never torn);
 *   - a fixed array of writer slots (RocksDB's `Writer`): an Int32 state word that is also
 *     the futex (generation | status | state bits), the owner thread's token, admission
 *     flags, link_older/link_newer as slot indexes, the batch's length and record count,
 *     the writer's group (leader slot) and first sequence; a leader's slot also holds its
 *     group (last writer, size, bytes, first error, `running`);
 *   - one batch region per slot in the same buffer, so a leader reads every member's
 *     batch in place to build the group's WAL record (no copy through messages).
 *   Slot 0 is `write_stall_dummy_`. Each thread works through its own handle
 *   (`SharedWriteThread.attach`), which owns nothing shared: only a token, a wait mode and
 *   a slot-scan cursor.
 *
 * THE PROTOCOL (classic; the stages of WriteThread.ts, across threads)
 *
 *   1. acquire  acquireWriter: CAS a free slot's owner word to the thread's token, copy the
 *               batch into the slot's region, store the fields, then the state word
 *               (INIT, generation + 1).
 *   2. join     joinBatchGroup = LinkOne: store link_older = head, CAS H_NEWEST from head
 *               to the slot. A writer that finds the queue empty leads at once; others
 *               AwaitState(JOIN_MASK). While the stall dummy is the head a noSlowdown
 *               writer completes with WRITE_STALL and others wait for the ended count.
 *   3. form     enterAsBatchGroupLeader: load the head once, CreateMissingNewerLinks,
 *               walk old to new admitting writers (sync never under a non-sync leader;
 *               noSlowdown, disableWAL, protection bytes, priority equal; no null batch;
 *               no callback that refuses batching; bytes under the cap, small-leader rule
 *               size + max/8); misfits are cut into r_list and grafted back right after
 *               the group (CAS on the head, or patch the writer linked after the snapshot).
 *   4. commit   allocateSequences, the WAL record (driver), the memtable inserts serially
 *               or launchParallelMemTableWriters (running = size; CALLERs for >= 20; each
 *               member completeParallelMemTableWriter; the last finisher exits, through
 *               exitAsBatchGroupFollower if it is not the leader), publish in order.
 *   5. exit     exitAsBatchGroupLeader: CAS the head from the last writer to EMPTY, else
 *               CreateMissingNewerLinks, cut after the last writer and SetState(next,
 *               GROUP_LEADER); only then complete the followers, each link read before
 *               its COMPLETED is set.
 *   6. release  the owner thread sees COMPLETED (or has led), reads its status and
 *               sequence, and frees the slot (owner word back to 0).
 *
 * INVARIANTS
 *
 *   1. Anyone pushes (CAS on H_NEWEST); only the queue owner removes writers, writes
 *      link_newer, rewrites link_older of queued writers, or allocates sequences. The owner
 *      is the GROUP_LEADER (or unbatched writer) and is the oldest writer (link_older NONE).
 *   2. Ownership moves only by SetState(next, GROUP_LEADER) from the owner, or by linking
 *      into an empty queue. The next leader is named before any follower is completed.
 *   3. A slot's fields are written by its owner thread before LinkOne and published by the
 *      LinkOne CAS; a leader's writes to a member's slot (group, sequence) are published by
 *      the SetState CAS that wakes it. Every shared word is accessed with Atomics, at the
 *      width it was written (a plain read of a hot word may be hoisted out of a loop).
 *   4. COMPLETED is terminal and carries the status in the same word: one CAS, so a waiter
 *      never sees COMPLETED with a stale status, and a second completer is refused. A
 *      COMPLETED slot may be reused at once, so nobody reads a slot's links after
 *      completing it; the generation in the state word makes a late CAS on a reused slot
 *      fail and makes every value waited on unique (no ABA in the futex check).
 *   5. SetState = CAS to the new state, then Atomics.notify only if the old value had
 *      LOCKED_WAITING. AwaitState = bounded spin, then CAS in LOCKED_WAITING and wait on that
 *      exact value, so a wake that lands first is never lost.
 *   6. Sequences are allocated by the owner in queue order and published in that order:
 *      publish(first, last) CASes LastPublished from first - 1 and fails otherwise.
 *   7. A thread in "block" wait mode has at most one write in flight: Atomics.wait freezes
 *      the whole thread, including any other write of it, which may be the leader. Threads
 *      that must not block (the main thread) or run many writers use "async"
 *      (Atomics.waitAsync while a ref'd interval keeps the event loop alive).
 *   8. A dead thread's queued writers are completed with WRITER_DIED and freed when they
 *      leave the queue; a dead thread that held a role poisons the queue, and every writer
 *      then completes with POISONED (internal/shared/reclaim.ts). Nobody waits forever.
 *
 * YIELD POINTS: joinBatchGroup (not when the queue was empty), enterUnbatched,
 * completeParallelMemTableWriter (all but the last finisher), and linking while a stall is
 * in force. In "block" mode these block the thread instead of returning a Promise.
 *
 * NOT HERE (yet): the pipelined memtable-writer queue and the two-queue WAL-only queue
 * across threads, and taking over a dead leader's group (it poisons instead).
 *
 * REJECTED: passing batches or wake-ups by postMessage (25-38 µs a round trip, the same
 * order as a futex handoff but with copies and no way to merge batches in place), and a
 * mutex word around a shared deque (every writer would contend on one word; the CAS stack
 * contends only at the head and lets the leader walk the queue without a lock).
 */

import { DEFAULT_MAX_WRITE_BATCH_GROUP_SIZE_BYTES } from "./internal/constants.ts"
import {
  bufferBytes,
  EMPTY,
  F_DISABLE_WAL,
  F_HAS_BATCH,
  F_HAS_MERGE,
  F_NO_BATCHING,
  F_NO_SLOWDOWN,
  F_PRIORITY_SHIFT,
  F_PROTECTION_SHIFT,
  F_SYNC,
  H_GROUPS,
  H_NEWEST,
  H_NEXT_TOKEN,
  MAX_TOKEN,
  NONE,
  OWNER_DUMMY,
  S_BATCH_LEN,
  S_LINK_NEWER,
  S_LINK_OLDER,
  S_OWNER,
  STALL_DUMMY,
  slotWord,
  statusOf,
} from "./internal/shared/layout.ts"
import { markThreadDead, poison, poisonReason, type ReclaimReport } from "./internal/shared/reclaim.ts"
import { SharedParallel } from "./internal/shared/sharedParallel.ts"
import type { WaitMode } from "./internal/shared/stateWord.ts"
import { POISON_BY_OWNER } from "./SharedWriterStatus.ts"
import {
  BlockingWaitWithConcurrentWriters,
  InvalidSharedWriteThreadOptions,
  SharedBatchTooLarge,
  WriterSlotsExhausted,
} from "./SharedWriteThreadError.ts"

export type { ReclaimReport } from "./internal/shared/reclaim.ts"
export type { SharedGroupView } from "./internal/shared/sharedGroup.ts"
export type { SharedWait, WaitMode } from "./internal/shared/stateWord.ts"

export interface SharedWriteThreadOptions {
  /** Writer slots: the most writes in flight at once, over all threads. Default 256. */
  readonly slotCount?: number
  /** Bytes of each slot's batch region: the largest batch a writer can carry. Default 64 KiB. */
  readonly batchCapacity?: number
  /** `max_write_batch_group_size_bytes`. Default 1 MiB. */
  readonly maxWriteBatchGroupSizeBytes?: number
}

/** A structured-cloneable description of a shared queue: post it to a worker, then `attach`. */
export interface SharedWriteThreadBuffer {
  readonly buffer: SharedArrayBuffer
  readonly slotCount: number
  readonly batchCapacity: number
  readonly maxWriteBatchGroupSizeBytes: number
}

export interface AttachOptions {
  /** This thread's token from `SharedWriteThread.registerThread` (taken by the thread that can see it die). */
  readonly token: number
  /** "block" (Atomics.wait; one write in flight) or "async" (Atomics.waitAsync). Default "async". */
  readonly waitMode?: WaitMode
  /** Atomics.load iterations before parking (about 7 ns each). Default 1000; 0 when threads outnumber cores. */
  readonly spinIterations?: number
}

/** RocksDB's WriteOptions that decide grouping, plus the batch facts the queue needs. */
export interface SharedWriterOptions {
  readonly sync?: boolean
  readonly noSlowdown?: boolean
  readonly disableWAL?: boolean
  readonly protectionBytesPerKey?: number
  readonly rateLimiterPriority?: number
  /** False for a WriteCallback whose `AllowWriteBatching()` is false. Default true. */
  readonly allowWriteBatching?: boolean
  readonly hasMerge?: boolean
}

const isInt = (n: number, min: number, max: number): boolean => Number.isSafeInteger(n) && n >= min && n <= max
const check = (ok: boolean, reason: string): void => {
  if (!ok) throw new InvalidSharedWriteThreadOptions({ reason })
}

export class SharedWriteThread extends SharedParallel {
  private inFlight = 0

  /** Make the shared buffer (on the thread that will own the database). */
  static allocate(options: SharedWriteThreadOptions = {}): SharedWriteThreadBuffer {
    const slotCount = options.slotCount ?? 256
    const batchCapacity = options.batchCapacity ?? 64 * 1024
    const maxWriteBatchGroupSizeBytes = options.maxWriteBatchGroupSizeBytes ?? DEFAULT_MAX_WRITE_BATCH_GROUP_SIZE_BYTES
    check(isInt(slotCount, 1, 0xffff), `slotCount must be an integer in 1..65535, got ${slotCount}`)
    check(isInt(batchCapacity, 12, 1 << 24), `batchCapacity must be an integer in 12..16777216, got ${batchCapacity}`)
    check(
      isInt(maxWriteBatchGroupSizeBytes, 1, 2 ** 31 - 1),
      `maxWriteBatchGroupSizeBytes must be a positive Int32, got ${maxWriteBatchGroupSizeBytes}`,
    )
    const buffer = new SharedArrayBuffer(bufferBytes(slotCount, batchCapacity))
    const i32 = new Int32Array(buffer)
    Atomics.store(i32, H_NEWEST, EMPTY)
    for (let slot = 0; slot <= slotCount; slot++) {
      Atomics.store(i32, slotWord(slot, S_LINK_OLDER), NONE)
      Atomics.store(i32, slotWord(slot, S_LINK_NEWER), NONE)
    }
    Atomics.store(i32, slotWord(STALL_DUMMY, S_OWNER), OWNER_DUMMY)
    return { buffer, slotCount, batchCapacity, maxWriteBatchGroupSizeBytes }
  }

  /** A new thread token (never reused). Take it where the thread's death will be seen. */
  static registerThread(shared: SharedWriteThreadBuffer): number {
    const token = Atomics.add(new Int32Array(shared.buffer), H_NEXT_TOKEN, 1) + 1
    check(token <= MAX_TOKEN, "thread tokens exhausted")
    return token
  }

  /** This thread's handle on the shared queue. */
  static attach(shared: SharedWriteThreadBuffer, options: AttachOptions): SharedWriteThread {
    check(shared.buffer instanceof SharedArrayBuffer, "buffer is not a SharedArrayBuffer")
    check(shared.buffer.byteLength === bufferBytes(shared.slotCount, shared.batchCapacity), "buffer size does not match its geometry")
    check(isInt(options.token, 1, MAX_TOKEN), `token must come from registerThread, got ${options.token}`)
    const mode = options.waitMode ?? "async"
    check(mode === "block" || mode === "async", `waitMode must be "block" or "async", got ${String(mode)}`)
    const spin = options.spinIterations ?? 1000
    check(isInt(spin, 0, 1 << 24), `spinIterations must be a non-negative integer, got ${spin}`)
    return new SharedWriteThread(shared.buffer, shared, options.token, mode, spin)
  }

  /**
   * Take a slot for one write: `batch` bytes (undefined for EnterUnbatched) holding `count`
   * records. Throws WriterSlotsExhausted, SharedBatchTooLarge, or
   * BlockingWaitWithConcurrentWriters (invariant 7).
   */
  acquireWriter(batch: Uint8Array | undefined, count: number, options: SharedWriterOptions = {}): number {
    if (this.waitMode === "block" && this.inFlight > 0) throw new BlockingWaitWithConcurrentWriters({ inFlight: this.inFlight })
    const len = batch?.byteLength ?? 0
    if (len > this.batchCapacity) throw new SharedBatchTooLarge({ byteLength: len, batchCapacity: this.batchCapacity })
    check(isInt(count, 0, 2 ** 31 - 1), `count must be a non-negative Int32, got ${count}`)
    const protection = options.protectionBytesPerKey ?? 0
    const priority = options.rateLimiterPriority ?? 0
    check(isInt(protection, 0, 255), `protectionBytesPerKey must be in 0..255, got ${protection}`)
    check(isInt(priority, 0, 15), `rateLimiterPriority must be in 0..15, got ${priority}`)
    const flags =
      (options.sync === true ? F_SYNC : 0) |
      (options.noSlowdown === true ? F_NO_SLOWDOWN : 0) |
      (options.disableWAL === true ? F_DISABLE_WAL : 0) |
      (batch !== undefined ? F_HAS_BATCH : 0) |
      (options.allowWriteBatching === false ? F_NO_BATCHING : 0) |
      (options.hasMerge === true ? F_HAS_MERGE : 0) |
      (protection << F_PROTECTION_SHIFT) |
      (priority << F_PRIORITY_SHIFT)
    const slot = this.acquireSlot(flags, len, count)
    if (slot === NONE) throw new WriterSlotsExhausted({ slotCount: this.slotCount })
    // Plain stores: published by the LinkOne CAS (invariant 3).
    if (batch !== undefined) this.bytes.set(batch, this.batchOffset(slot))
    this.inFlight++
    return slot
  }

  /** Free the slot of a finished write. REQUIRES: COMPLETED, or it led (or ran unbatched) and exited. */
  releaseWriter(slot: number): void {
    this.releaseSlot(slot)
    this.inFlight--
  }

  /** A writer's batch, in place in the shared buffer (valid until its slot is released). */
  batchOf(slot: number): Uint8Array {
    const offset = this.batchOffset(slot)
    return this.bytes.subarray(offset, offset + this.load(slot, S_BATCH_LEN))
  }

  /** A writer's status code (SharedWriterStatus.ts); final once it is COMPLETED. */
  statusOf(slot: number): number {
    return statusOf(this.stateWord(slot))
  }

  /** Slots owned by a write in flight or awaiting reclaim, over all threads. */
  slotsInUse(): number {
    let n = 0
    for (let slot = 1; slot <= this.slotCount; slot++) if (this.load(slot, S_OWNER) !== 0) n++
    return n
  }

  /** Groups formed so far, over all threads. */
  get groupsFormed(): number {
    return Atomics.load(this.i32, H_GROUPS)
  }

  /** See internal/shared/reclaim.ts. Call it once the thread with `token` can run no more code. */
  markThreadDead(token: number): ReclaimReport {
    check(isInt(token, 1, MAX_TOKEN), `token must come from registerThread, got ${token}`)
    return markThreadDead(this, token)
  }

  /**
   * Call markThreadDead(token) when `target` emits `event`: a Worker's "exit" (reaches only
   * the thread that spawned it; Node, Bun, Deno) or a MessagePort's "close" (Node and Bun;
   * Deno does not emit it for a terminated worker).
   */
  reclaimOn(token: number, target: { once(event: string, listener: () => void): unknown }, event: "exit" | "close" = "exit"): void {
    target.once(event, () => {
      this.markThreadDead(token)
    })
  }

  /** Poison the queue: every queued and future writer completes with POISONED. */
  poison(): void {
    poison(this, POISON_BY_OWNER)
  }

  /** 0 while healthy, else why the queue was poisoned (POISON_*). */
  get poisonReason(): number {
    return poisonReason(this)
  }
}
