/**
 * Writer states (`WriteThread::State` in db/write_thread.h). Bit flags, so a waiter can
 * name a set of states as one mask (`AwaitState(w, goal_mask)`).
 *
 * Transitions (WRITE-PATH.md 1.2):
 *   classic, serial          INIT -> GROUP_LEADER | COMPLETED
 *   classic, parallel insert GROUP_LEADER -> PARALLEL_MEMTABLE_WRITER -> COMPLETED (leader)
 *                            INIT -> [PARALLEL_MEMTABLE_CALLER ->] PARALLEL_MEMTABLE_WRITER -> COMPLETED
 *   pipelined                INIT -> GROUP_LEADER -> MEMTABLE_WRITER_LEADER | CALLER | PARALLEL | COMPLETED,
 *                            or INIT straight to any memtable-stage state
 *   any mode                 LOCKED_WAITING between any two states while the writer is parked
 */

/** Enqueued, waiting. Set by the Writer constructor. */
export const STATE_INIT = 1
/** Owns the main queue and must build and commit a group. */
export const STATE_GROUP_LEADER = 2
/** Pipelined only: owns the memtable-writer queue. */
export const STATE_MEMTABLE_WRITER_LEADER = 4
/** Insert your own batch now, then call `completeParallelMemTableWriter`. */
export const STATE_PARALLEL_MEMTABLE_WRITER = 8
/** Terminal: `status` is final. */
export const STATE_COMPLETED = 16
/**
 * Parked: the writer's wake-up Promise exists and `setState` must resolve it. RocksDB sets
 * this when a thread blocks on its condvar; here when a writer first has to await.
 */
export const STATE_LOCKED_WAITING = 32
/** Groups of >= 20: wake every stride-th member starting at yourself, then insert as a parallel writer. */
export const STATE_PARALLEL_MEMTABLE_CALLER = 64

/** What a writer in `joinBatchGroup` waits for. */
export const JOIN_MASK =
  STATE_GROUP_LEADER | STATE_MEMTABLE_WRITER_LEADER | STATE_PARALLEL_MEMTABLE_CALLER | STATE_PARALLEL_MEMTABLE_WRITER | STATE_COMPLETED

/** What the old WAL leader waits for after the pipelined `exitAsBatchGroupLeader`. */
export const PIPELINED_EXIT_MASK =
  STATE_MEMTABLE_WRITER_LEADER | STATE_PARALLEL_MEMTABLE_CALLER | STATE_PARALLEL_MEMTABLE_WRITER | STATE_COMPLETED

/** Names for logs and test messages: `stateName(STATE_GROUP_LEADER | STATE_COMPLETED)` = "GROUP_LEADER|COMPLETED". */
export const stateName = (state: number): string => {
  const names: string[] = []
  for (const [bit, name] of STATE_NAMES) if ((state & bit) !== 0) names.push(name)
  return names.length === 0 ? `0x${state.toString(16)}` : names.join("|")
}

const STATE_NAMES: ReadonlyArray<readonly [number, string]> = [
  [STATE_INIT, "INIT"],
  [STATE_GROUP_LEADER, "GROUP_LEADER"],
  [STATE_MEMTABLE_WRITER_LEADER, "MEMTABLE_WRITER_LEADER"],
  [STATE_PARALLEL_MEMTABLE_WRITER, "PARALLEL_MEMTABLE_WRITER"],
  [STATE_COMPLETED, "COMPLETED"],
  [STATE_LOCKED_WAITING, "LOCKED_WAITING"],
  [STATE_PARALLEL_MEMTABLE_CALLER, "PARALLEL_MEMTABLE_CALLER"],
]
