/**
 * The WriteThread: the main queue (./mainQueue.ts) plus the memtable stage, i.e. the
 * pipelined memtable-writer queue and the parallel memtable-writer protocol. One method per
 * `WriteThread` member of db/write_thread.h; the protocol is described in ../WriteThread.ts.
 */

import type { WriteGroup } from "../WriteGroup.ts"
import type { Writer } from "../Writer.ts"
import {
  STATE_COMPLETED,
  STATE_MEMTABLE_WRITER_LEADER,
  STATE_PARALLEL_MEMTABLE_CALLER,
  STATE_PARALLEL_MEMTABLE_WRITER,
} from "../WriterState.ts"
import { invariant } from "./assert.ts"
import { MIN_PARALLEL_SIZE } from "./constants.ts"
import { createMissingNewerLinks } from "./links.ts"
import { MainQueue } from "./mainQueue.ts"
import { awaitState, setState } from "./wait.ts"

export type { WriteThreadOptions } from "./mainQueue.ts"

export class WriteThreadImpl extends MainQueue {
  // ---- the memtable-writer queue (pipelined) --------------------------------------------------

  /**
   * `EnterAsMemTableWriter(leader, group)`: form a memtable group from the memtable queue,
   * WAL order. Stops at an unbatched writer (the WaitForMemTableWriters dummy) or a batch
   * with Merge (merge inserts read the memtable and must see it in order); the byte cap
   * applies only to serial inserts. Sets `group.lastSequence`.
   * REQUIRES: leader is MEMTABLE_WRITER_LEADER and the oldest memtable writer.
   */
  enterAsMemTableWriter(leader: Writer, group: WriteGroup): void {
    invariant(leader.linkOlder === undefined, "enterAsMemTableWriter: leader is not the oldest memtable writer")
    invariant(leader.batch !== undefined, "enterAsMemTableWriter: leader has no batch")
    let size = leader.batch.byteSize
    const maxSize = this.groupByteCap(size)

    leader.writeGroup = group
    group.leader = leader
    group.size = 1
    group.status = undefined
    group.running = 0
    let lastWriter = leader
    if (!this.allowConcurrentMemtableWrite || !leader.batch.hasMerge) {
      const newest = this.newestMemtableWriter.newest!
      createMissingNewerLinks(newest)
      let w = leader
      while (w !== newest) {
        w = w.linkNewer!
        const batch = w.batch
        if (batch === undefined || batch.hasMerge) break
        if (!this.allowConcurrentMemtableWrite) {
          if (size + batch.byteSize > maxSize) break
          size += batch.byteSize
        }
        w.writeGroup = group
        lastWriter = w
        group.size++
      }
    }
    group.lastWriter = lastWriter
    group.lastSequence = lastWriter.sequence + lastWriter.batch!.count - 1
    this.stats.memtableGroupsFormed++
  }

  /**
   * `ExitAsMemTableWriter`: hand the memtable queue to the next group, then complete every
   * member with the group's status. The leader goes last (it owns the group).
   * REQUIRES: the group's sequences were published (or the failure handled) already.
   */
  exitAsMemTableWriter(_self: Writer, group: WriteGroup): void {
    const leader = group.leader!
    const lastWriter = group.lastWriter!
    const head = this.newestMemtableWriter.newest
    if (head === lastWriter) {
      this.newestMemtableWriter.newest = undefined
    } else {
      createMissingNewerLinks(head)
      const next = lastWriter.linkNewer!
      next.linkOlder = undefined
      setState(next, STATE_MEMTABLE_WRITER_LEADER)
    }
    for (let w = leader; ; ) {
      if (group.status !== undefined) w.status = group.status
      const next = w.linkNewer
      if (w !== leader) setState(w, STATE_COMPLETED)
      if (w === lastWriter) break
      w = next!
    }
    setState(leader, STATE_COMPLETED)
  }

  // ---- parallel memtable writers -------------------------------------------------------------

  /**
   * `LaunchParallelMemTableWriters(group)`: every member inserts its own batch. Below 20
   * members the leader wakes them all; from 20 on it wakes sqrt(n) - 1 CALLERs and every
   * sqrt(n)-th member, and each caller wakes its own stride, so the serial wake-up cost is
   * about 2·sqrt(n) instead of n - 1 (RocksDB PR #12545).
   */
  launchParallelMemTableWriters(group: WriteGroup): void {
    const n = group.size
    group.running = n
    this.stats.parallelGroupsLaunched++
    if (n < MIN_PARALLEL_SIZE) {
      group.forEach((w) => {
        setState(w, STATE_PARALLEL_MEMTABLE_WRITER)
      })
      return
    }
    const stride = Math.floor(Math.sqrt(n))
    let w = group.leader!
    setState(w, STATE_PARALLEL_MEMTABLE_WRITER)
    for (let i = 1; i < stride; i++) {
      w = w.linkNewer!
      setState(w, STATE_PARALLEL_MEMTABLE_CALLER)
    }
    this.setMemWritersEachStride(w.linkNewer!)
  }

  /** `SetMemWritersEachStride(w)`: wake w and every stride-th member after it (a CALLER runs this on itself). */
  setMemWritersEachStride(w: Writer): void {
    const group = w.writeGroup!
    const last = group.lastWriter
    const stride = Math.floor(Math.sqrt(group.size))
    let count = 0
    for (let x: Writer | undefined = w; x !== undefined; x = x === last ? undefined : x.linkNewer) {
      if (count++ % stride === 0) setState(x, STATE_PARALLEL_MEMTABLE_WRITER)
    }
  }

  /**
   * `CompleteParallelMemTableWriter(w)`: a member finished its insert. Its error, if any,
   * goes into the group status. The last finisher gets `true` (and the group status in
   * `w.status`) and must publish and exit; every other member gets a Promise of `false`
   * that resolves once it is COMPLETED (YIELD).
   */
  completeParallelMemTableWriter(w: Writer): true | Promise<false> {
    const group = w.writeGroup!
    if (w.status !== undefined) group.status = w.status
    if (group.running-- > 1) {
      const wait = awaitState(w, STATE_COMPLETED)
      return wait === undefined ? Promise.resolve(false) : wait.then(() => false as const)
    }
    w.status = group.status
    return true
  }

  /**
   * `ExitAsBatchGroupFollower(w)` (classic): the last parallel finisher is not the leader, so
   * it exits the group on the leader's behalf and then completes the leader.
   */
  exitAsBatchGroupFollower(w: Writer): void {
    invariant(!this.enablePipelinedWrite, "exitAsBatchGroupFollower in pipelined mode (use exitAsMemTableWriter)")
    invariant(w.state === STATE_PARALLEL_MEMTABLE_WRITER, "exitAsBatchGroupFollower: writer is not a parallel writer")
    const group = w.writeGroup!
    this.exitAsBatchGroupLeader(group, group.status)
    setState(group.leader!, STATE_COMPLETED)
  }
}
