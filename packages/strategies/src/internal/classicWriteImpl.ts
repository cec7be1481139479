/**
 * `DBImpl::WriteImpl`, classic path (WRITE-PATH.md 2.1), with serial or parallel
 * memtable insert (2.2). Used by the Classic and ConcurrentMemtable strategies, and by
 * the main queue of TwoQueue.
 *
 * Yield points (each a lock drop for the queue state this writer does not own):
 *  1. joinBatchGroup: a follower parks until it is completed or given a memtable role;
 *  2. the leader's adaptive yield before forming its group (it owns the queue: newcomers
 *     link behind it);
 *  3. preprocessWrite (only when switching the WAL or stalling; the leader owns the queue);
 *  4. the WAL append's sync (the leader owns the queue; the group is formed); a serial
 *     group's memtable insert runs before this await, while the sync is in flight;
 *  5. a parallel member's insert on a worker thread, and completeParallelMemTableWriter
 *     for all but the last finisher.
 */
import type { WriteBatch } from "@writepath/batch"
import {
  STATE_COMPLETED,
  STATE_GROUP_LEADER,
  STATE_PARALLEL_MEMTABLE_CALLER,
  STATE_PARALLEL_MEMTABLE_WRITER,
  stateName,
  WriteGroup,
  Writer,
  type WriteStatus,
  type WriteThreadImpl,
} from "@writepath/core-queue"
import type { WriteOptions } from "../EngineOptions.ts"
import type { WritePathEnvService } from "../WritePathEnv.ts"
import {
  Arrivals,
  assignSequences,
  countGroup,
  groupRoom,
  mergeGroup,
  reportFailedGroup,
  toStatus,
  writerOptions,
  yieldToArrivals,
} from "./groupCommit.ts"

/** How members of a parallel group insert their own batch (ConcurrentMemtable). */
export interface ParallelInserter {
  /** `leader`: the group leader inserts on this thread while the others run on workers. */
  insert(batch: WriteBatch, sequence: number, leader: boolean): WriteStatus | Promise<WriteStatus>
}

export class ClassicWriteImpl {
  private readonly env: WritePathEnvService
  readonly wt: WriteThreadImpl
  private readonly parallel: ParallelInserter | undefined
  /** Size of the last group this queue committed: the adaptive-yield signal. */
  private readonly arrivals = new Arrivals()
  /**
   * The first failure of a group whose sequences were allocated (a WAL error, a failed
   * insert, a throw). Every later group fails with it before allocating: publishing a later
   * sequence would make the failed group's entries (below it) visible. The engine makes such
   * a failure fatal too; this holds whatever the env does.
   */
  private failed: WriteStatus
  /** Arena room reserved for a parallel group, released by its last finisher. */
  private readonly groupRoom = new WeakMap<WriteGroup, number>()

  constructor(env: WritePathEnvService, wt: WriteThreadImpl, parallel?: ParallelInserter) {
    this.env = env
    this.wt = wt
    this.parallel = parallel
  }

  write(batch: WriteBatch, options: WriteOptions, disableMemtable: boolean): Promise<void> {
    return this.arrivals.run(new Writer(batch, writerOptions(options, disableMemtable)), this)
  }

  /** @internal Called through `Arrivals.run`. */
  async writeImpl(w: Writer): Promise<void> {
    const wt = this.wt
    const joined = wt.joinBatchGroup(w)
    if (joined !== undefined) await joined // YIELD 1

    if (w.state === STATE_PARALLEL_MEMTABLE_CALLER) wt.setMemWritersEachStride(w)
    if (w.state === STATE_PARALLEL_MEMTABLE_WRITER) {
      await this.parallelMember(w, false)
      return
    }
    if (w.state === STATE_COMPLETED) return
    if (w.state !== STATE_GROUP_LEADER) throw new Error(`classic writer woke as ${stateName(w.state)}`)
    await this.lead(w)
  }

  /**
   * The leader's part, from becoming GROUP_LEADER to leaving the group. Whatever throws in
   * between (the env, an invariant, a bug) the leader still leaves its group with that
   * error, so no follower stays parked: the group is formed if it was not yet, reserved
   * room is returned, and a group whose sequences were already allocated (its record may
   * be in the WAL, its entries in the memtable) is reported as a memtable failure, which
   * makes the engine read-only: it is never published and never resumed.
   */
  private async lead(w: Writer): Promise<void> {
    const { env, wt } = this
    const group = new WriteGroup()
    let formed = false
    let exited = false
    let allocated = false
    let room = 0
    const exit = (status: WriteStatus): void => {
      exited = true
      wt.exitAsBatchGroupLeader(group, status)
    }
    try {
      if (this.arrivals.othersInFlight) {
        env.stats.leaderYields++
        await yieldToArrivals() // YIELD 2
      }
      const pre = env.preprocessWrite(w, wt)
      let status = pre instanceof Promise ? await pre : pre // YIELD 3
      status ??= this.failed
      wt.enterAsBatchGroupLeader(w, group)
      formed = true
      this.arrivals.formed(group.size)
      if (status !== undefined) return exit(status)

      const { total, hasMerge } = countGroup(group)
      const need = groupRoom(group, env.mutableMemTable())
      if (need > 0) {
        const r = env.reserveRoom(need)
        const roomStatus = r instanceof Promise ? await r : r // YIELD 3 (a memtable switch)
        if (roomStatus !== undefined) return exit(roomStatus)
        room = need
      }
      const first = env.versions.allocate(total)
      allocated = true
      assignSequences(group, first)
      group.lastSequence = first + total - 1
      env.stats.groups++
      env.stats.groupMembers += group.size

      let walSync: Promise<WriteStatus> | undefined
      if (!w.disableWAL) {
        const merged = mergeGroup(group)
        if (merged !== undefined) {
          merged.sequence = first
          const r = env.writeToWAL(merged, w.sync)
          if (r instanceof Promise) walSync = r
          else status = r
        }
      }
      const parallel = this.parallel !== undefined && group.size > 1 && !hasMerge
      if (walSync !== undefined && (parallel || status !== undefined)) {
        status = await walSync // YIELD 4
        walSync = undefined
      }
      if (status === undefined && parallel) {
        env.stats.parallelGroups++
        this.groupRoom.set(group, room)
        room = 0 // the last finisher returns it
        exited = true // from here the last finisher exits the group
        wt.launchParallelMemTableWriters(group)
        await this.parallelMember(w, true)
        return
      }
      if (status === undefined) {
        // Serial insert while the WAL's fdatasync is in flight on the thread pool: the record
        // is already appended, the entries stay invisible until publication, and publication
        // waits for the sync. A failed sync never publishes and is fatal for the engine (the
        // entries of a failed group must never become visible nor reach a table: the engine
        // refuses every later insert and flush, and `resume` refuses a write-path error).
        let insertStatus: WriteStatus
        group.forEach((m) => {
          if (insertStatus === undefined && m.shouldWriteToMemtable()) insertStatus = env.insertInto(m.batch!, m.sequence)
        })
        if (walSync !== undefined) status = await walSync // YIELD 4
        if (status === undefined && insertStatus !== undefined) {
          status = insertStatus
          env.handleMemTableInsertFailure(insertStatus)
        }
        // The publication point: after the WAL (and its sync), before any member is released, never after a failure.
        if (status === undefined) env.versions.publish(group.lastSequence)
      }
      if (status !== undefined) this.failed ??= status
      exit(status)
    } catch (e) {
      if (exited) throw e
      const error = toStatus(e)
      if (allocated) {
        this.failed ??= error
        reportFailedGroup(env, error)
      }
      if (!formed) wt.enterAsBatchGroupLeader(w, group)
      exit(error)
    } finally {
      if (room > 0) env.releaseRoom(room)
    }
  }

  /** A member (the leader included) inserting its own batch in a parallel group; the last finisher publishes and exits. */
  private async parallelMember(w: Writer, isLeader: boolean): Promise<void> {
    const wt = this.wt
    if (w.shouldWriteToMemtable()) {
      try {
        const r = this.parallel!.insert(w.batch!, w.sequence, isLeader)
        w.status = r instanceof Promise ? await r : r // YIELD 5
      } catch (e) {
        w.status = toStatus(e)
      }
    }
    const last = wt.completeParallelMemTableWriter(w)
    if (last !== true) {
      await last // YIELD 5
      return
    }
    // The last finisher exits the group whatever throws here (see lead).
    const group = w.writeGroup!
    try {
      this.env.releaseRoom(this.groupRoom.get(group) ?? 0)
      this.groupRoom.delete(group)
      if (group.status === undefined) this.env.versions.publish(group.lastSequence)
      else {
        this.failed ??= group.status
        this.env.handleMemTableInsertFailure(group.status)
      }
    } catch (e) {
      this.failed ??= toStatus(e)
      group.status ??= toStatus(e)
      reportFailedGroup(this.env, group.status)
    } finally {
      if (w === group.leader) wt.exitAsBatchGroupLeader(group, group.status)
      else wt.exitAsBatchGroupFollower(w)
    }
  }
}
