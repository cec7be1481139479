/**
 * WriteThread: RocksDB's write queue (db/write_thread.{h,cc}; WRITE-PATH.md 1) for writers
 * in one JavaScript isolate. Strategies (classic, pipelined, two-queue, concurrent-memtable)
 * drive it; it knows nothing about WALs or memtables.
 *
 * THE IDEA
 *
 * Every write is a `Writer` pushed onto an intrusive stack (`newestWriter`, linked by
 * `linkOlder`). The oldest writer is the leader: it takes the compatible writers queued
 * behind it as its group, commits the group once (one WAL record, one sync), and hands the
 * queue to the next writer. Followers only wait. In pipelined mode a second stack
 * (`newestMemtableWriter`) takes groups from the WAL stage, in WAL order, to a memtable
 * stage that runs while the next WAL group is written.
 *
 * "Thread", "mutex" and "condvar" translate as: a writer is an async task; the queue is
 * mutated only in synchronous code, so a method that does not return a Promise is one
 * critical section (the mutex is held); every `await` of a returned Promise drops it; a
 * parked writer waits on its own Promise, made only when it must wait and resolved by
 * `setState` (no polling, no timers).
 *
 * STAGES (classic; see the README for the pipelined and parallel drivers)
 *
 *   1. join      joinBatchGroup(w): link w. If the queue was empty, w is GROUP_LEADER at
 *                once (no tick). Else w parks until it is named leader, completed, or
 *                given memtable work.
 *   2. form      enterAsBatchGroupLeader(leader, group): admit compatible writers queued
 *                behind the leader (sync, noSlowdown, disableWAL, protection, priority,
 *                callbacks, byte cap with the small-leader rule); misfits are skipped and
 *                keep their order right after the group.
 *   3. commit    the strategy allocates sequences, writes the WAL, inserts into the memtable
 *                (serially, or launchParallelMemTableWriters + completeParallelMemTableWriter)
 *                and publishes the last sequence (Sequencer.publish).
 *   4. exit      exitAsBatchGroupLeader(group, status): name the next leader, then complete
 *                the followers with the group's status.
 *
 * INVARIANTS
 *
 *   1. Only the owner of a queue removes nodes or writes `linkNewer`; anyone may push.
 *      The owner of the main queue is the GROUP_LEADER (or the unbatched writer); of the
 *      memtable queue the MEMTABLE_WRITER_LEADER.
 *   2. The owner is the oldest writer of its queue (`linkOlder === undefined`), and there
 *      is at most one owner per queue. Ownership moves only by `setState(next, ...LEADER)`
 *      from the previous owner, or by linking into an empty queue.
 *   3. A group is a contiguous run leader..lastWriter of the queue; its members are in
 *      arrival order, except that rejected writers are moved behind it (overtaking). Once
 *      a writer is in a group it is never moved again.
 *   4. The next leader is named before any follower is completed, so the next group forms
 *      while this one's followers are still waking up.
 *   5. Sequences are allocated by the owner of the main queue, so WAL order = allocation
 *      order. Memtable groups (pipelined) are formed and published strictly in WAL order.
 *   6. Publication (Sequencer.publish) happens before any member is released, and never
 *      for a group whose insert failed. A writer's `status` is final when it is COMPLETED.
 *   7. A writer is linked once and its state only moves forward (INIT -> roles ->
 *      COMPLETED); LOCKED_WAITING is "parked" and is replaced by the waker's state.
 *   8. While the stall dummy heads the main queue nobody links: noSlowdown writers are
 *      completed with WriteStall, others park on the stall condition until EndWriteStall.
 *
 * YIELD POINTS (where the lock is dropped; every one returns a `Wait`)
 *
 *   joinBatchGroup (not when the queue was idle), exitAsBatchGroupLeader (pipelined: the
 *   old WAL leader waits for its memtable role), completeParallelMemTableWriter (all but the
 *   last finisher), enterUnbatched, waitForMemTableWriters, waitForStallEndedCount, and
 *   linking while a stall is in force. Everything else is synchronous, and a strategy must
 *   not hold queue state across its own awaits (WAL I/O) except what the owner owns.
 *
 * REJECTED ALTERNATIVE
 *
 *   A leader that drains an array of pending writes (LevelDB's deque + one condvar, or
 *   "promises in an array") is simpler in one isolate, but loses what the strategies need:
 *   per-writer roles (parallel memtable writers, CALLERs), moving a group to a second queue
 *   without copying (pipelined), overtaking with order-preserving re-splice, and a layout
 *   that maps onto SharedArrayBuffer slots for writers in worker threads.
 *
 *   Also rejected: an Effect fiber per write. The same path written with Effect.gen and one
 *   runPromise per write reached ~40-160k writes/s against ~2.5-4.4M/s with bare Promises
 *   (bench/queue.bench.ts: walAsyncEffectFiberPerWrite vs walAsync). The queue must stay far
 *   cheaper than the WAL append it batches, so Effect is its face, not its hot path.
 */
import { Context, Effect, Layer } from "effect"
import { clockMicros } from "./internal/clock.ts"
import type { Wait } from "./internal/wait.ts"
import { WriteThreadImpl, type WriteThreadOptions } from "./internal/writeThreadImpl.ts"

export type { Wait } from "./internal/wait.ts"
export { WriteThreadImpl, type WriteThreadOptions } from "./internal/writeThreadImpl.ts"

/**
 * The WriteThread service. One per queue: a database has the main queue, and a second one
 * (`nonmem_write_thread_`) under the two-queue strategy.
 */
export class WriteThread extends Context.Tag("@writepath/core-queue/WriteThread")<WriteThread, WriteThreadImpl>() {
  /** A queue whose stall statistics use the context's Clock (TestClock in tests). */
  static readonly make = (options: WriteThreadOptions = {}): Effect.Effect<WriteThreadImpl> =>
    Effect.map(Effect.clock, (clock) => new WriteThreadImpl({ nowMicros: clockMicros(clock), ...options }))

  static readonly layer = (options: WriteThreadOptions = {}): Layer.Layer<WriteThread> =>
    Layer.effect(WriteThread, WriteThread.make(options))

  /** Outside Effect (benchmarks, the Promise facade): a queue on the system clock. */
  static readonly unsafeMake = (options: WriteThreadOptions = {}): WriteThreadImpl => new WriteThreadImpl(options)

  /** A `Wait` as an Effect: no suspension at all when there is nothing to wait for. */
  static readonly await = (wait: Wait): Effect.Effect<void> => (wait === undefined ? Effect.void : Effect.promise(() => wait))
}
