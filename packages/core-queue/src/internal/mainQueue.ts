/**
 * The main queue half of the WriteThread: linking, JoinBatchGroup, the batch-group
 * leader's enter/exit (classic and pipelined), unbatched sections, the stall barrier.
 * `WriteThreadImpl` (./writeThreadImpl.ts) adds the memtable stage. One method per
 * `WriteThread` member of db/write_thread.h.
 * The protocol (stages, invariants, yield points) is described once, in ../WriteThread.ts;
 * comments here say what each step protects.
 *
 * Every method is synchronous unless it returns a `Wait`; a returned Promise is the only
 * place the caller gives up the queue ("drops the mutex"), and each one is marked
 * `YIELD` below.
 */
import { writeStall } from "../CoreQueueError.ts"
import type { WriteGroup } from "../WriteGroup.ts"
import { Writer, type WriteStatus } from "../Writer.ts"
import {
  JOIN_MASK,
  PIPELINED_EXIT_MASK,
  STATE_COMPLETED,
  STATE_GROUP_LEADER,
  STATE_INIT,
  STATE_MEMTABLE_WRITER_LEADER,
} from "../WriterState.ts"
import { WriteThreadStats } from "../WriteThreadStats.ts"
import { invariant } from "./assert.ts"
import { systemMicros } from "./clock.ts"
import { DEFAULT_MAX_WRITE_BATCH_GROUP_SIZE_BYTES } from "./constants.ts"
import { completeFollower, completeLeader, createMissingNewerLinks, linkGroup, QueueHead } from "./links.ts"
import { StallCondition } from "./stallBarrier.ts"
import { awaitState, setState, type Wait } from "./wait.ts"

export interface WriteThreadOptions {
  /** `max_write_batch_group_size_bytes`: cap on a group's bytes. Default 1 MiB. */
  readonly maxWriteBatchGroupSizeBytes?: number
  /** `enable_pipelined_write`: WAL and memtable stages are separate queues. */
  readonly enablePipelinedWrite?: boolean
  /** `allow_concurrent_memtable_write`: memtable groups ignore the byte cap (members insert in parallel). */
  readonly allowConcurrentMemtableWrite?: boolean
  /** Microsecond clock for stall statistics. `WriteThread.make` passes Effect's Clock. */
  readonly nowMicros?: () => number
}

export class MainQueue {
  readonly maxWriteBatchGroupSizeBytes: number
  readonly enablePipelinedWrite: boolean
  readonly allowConcurrentMemtableWrite: boolean
  readonly stats = new WriteThreadStats()

  /** `newest_writer_`: the main (WAL) queue. Anyone pushes; only its owner removes. */
  readonly newestWriter = new QueueHead()
  /** `newest_memtable_writer_`: the pipelined memtable-writer queue. */
  readonly newestMemtableWriter = new QueueHead()

  /**
   * `last_batch_group_size_`: bytes of the last group formed on this queue. The next leader
   * charges them to the WriteController's delay (`delayWrite`), so the delayed-write rate
   * holds for groups, not just for their leaders' batches.
   */
  lastBatchGroupSize = 0

  /** `write_stall_dummy_`: while it is the head, nobody may link (§ stall barrier). */
  private readonly writeStallDummy = new Writer(undefined)
  private readonly stallCv = new StallCondition()
  private stallBegunCount = 0
  private stallEndedCount = 0
  private stallStartedAt = 0
  private readonly nowMicros: () => number

  constructor(options: WriteThreadOptions = {}) {
    const max = options.maxWriteBatchGroupSizeBytes ?? DEFAULT_MAX_WRITE_BATCH_GROUP_SIZE_BYTES
    invariant(Number.isSafeInteger(max) && max > 0, `maxWriteBatchGroupSizeBytes must be a positive integer, got ${max}`)
    this.maxWriteBatchGroupSizeBytes = max
    this.enablePipelinedWrite = options.enablePipelinedWrite === true
    this.allowConcurrentMemtableWrite = options.allowConcurrentMemtableWrite === true
    this.nowMicros = options.nowMicros ?? systemMicros
  }

  // ---- waiting ------------------------------------------------------------------------------

  /** `SetState`: give `w` its next role, waking it if parked. */
  setState(w: Writer, state: number): void {
    setState(w, state)
  }

  /** `AwaitState`. YIELD when it returns a Promise. */
  awaitState(w: Writer, goal: number): Wait {
    return awaitState(w, goal)
  }

  // ---- linking ------------------------------------------------------------------------------

  /**
   * `LinkOne(w, head)`: push `w`; true if the queue was empty (w owns it without waiting).
   * On the stall dummy: a `noSlowdown` writer is completed with WriteStall (returns false,
   * state COMPLETED); any other writer parks on the stall condition and retries.
   * YIELD only in that second case (the Promise form).
   */
  linkOne(w: Writer, head: QueueHead): boolean | Promise<boolean> {
    invariant(w.state === STATE_INIT, "linkOne: writer is not in STATE_INIT (reused Writer?)")
    const newest = head.newest
    if (newest === this.writeStallDummy) {
      if (w.noSlowdown) {
        w.status = writeStall()
        setState(w, STATE_COMPLETED)
        this.stats.writersStalledOut++
        return false
      }
      return this.linkOneAfterStall(w, head)
    }
    w.linkOlder = newest
    head.newest = w
    return newest === undefined
  }

  private async linkOneAfterStall(w: Writer, head: QueueHead): Promise<boolean> {
    // YIELD: parked on stall_cv_ until EndWriteStall; the head is re-read after every wake.
    while (head.newest === this.writeStallDummy) await this.stallCv.wait()
    return this.linkOne(w, head)
  }

  // ---- the main queue -----------------------------------------------------------------------

  /**
   * `JoinBatchGroup(w)`. REQUIRES: w has a batch and is fresh (STATE_INIT).
   * Returns undefined when `w.state` is already final for this step: GROUP_LEADER (the queue
   * was idle: lead now, no tick) or COMPLETED (refused by the stall barrier). Otherwise a
   * Promise (YIELD) after which `w.state` is one of JOIN_MASK.
   */
  joinBatchGroup(w: Writer): Wait {
    invariant(w.batch !== undefined, "joinBatchGroup: writer has no batch (use enterUnbatched)")
    const linked = this.linkOne(w, this.newestWriter)
    if (linked === true || linked === false) return this.joined(w, linked)
    return linked.then((l) => this.joined(w, l))
  }

  private joined(w: Writer, linkedAsLeader: boolean): Wait {
    w.userWriteCallback?.onWriteEnqueued?.()
    if (linkedAsLeader) {
      setState(w, STATE_GROUP_LEADER)
      this.stats.leadersWithoutWait++
      return undefined
    }
    if (w.state === STATE_COMPLETED) return undefined
    this.stats.writersWaited++
    // YIELD: until a leader names us leader, completes us, or gives us memtable work.
    return awaitState(w, JOIN_MASK)
  }

  /**
   * The byte cap of a group led by a batch of `leaderSize` bytes. A small write never
   * waits behind more than max/8 of other data: a leader of at most max/8 bytes caps its
   * group at its own size + max/8 (128 KiB at the 1 MiB default). Shared by the WAL
   * groups and the memtable-writer groups, as in RocksDB.
   */
  protected groupByteCap(leaderSize: number): number {
    const minBatchSizeBytes = Math.floor(this.maxWriteBatchGroupSizeBytes / 8)
    return leaderSize <= minBatchSizeBytes ? leaderSize + minBatchSizeBytes : this.maxWriteBatchGroupSizeBytes
  }

  /**
   * `EnterAsBatchGroupLeader(leader, group)`: form the group from the writers queued behind
   * the leader; returns the group's total byte size (for `DelayWrite`'s accounting).
   * REQUIRES: leader is GROUP_LEADER and the oldest writer of the main queue.
   *
   * Rejected writers are cut out into `r_list` (keeping their order) and re-spliced right
   * after the group, so a later compatible writer may overtake an earlier incompatible one.
   */
  enterAsBatchGroupLeader(leader: Writer, group: WriteGroup): number {
    invariant(leader.linkOlder === undefined, "enterAsBatchGroupLeader: leader is not the oldest writer")
    invariant(leader.batch !== undefined, "enterAsBatchGroupLeader: leader has no batch")
    // A stall must end before the group forms: the dummy would be re-spliced behind the group and named leader.
    invariant(this.newestWriter.newest !== this.writeStallDummy, "enterAsBatchGroupLeader while a write stall is in force")

    let size = leader.batch.byteSize
    const maxSize = this.groupByteCap(size)

    leader.writeGroup = group
    group.leader = leader
    group.lastWriter = leader
    group.size = 1
    group.status = undefined
    group.running = 0
    const newestWriter = this.newestWriter.newest!
    createMissingNewerLinks(newestWriter)

    // Walk old -> new from the leader (exclusive) to the snapshot (inclusive).
    let w = leader
    let we = leader // group end
    let rb: Writer | undefined // r_list begin / end
    let re: Writer | undefined
    while (w !== newestWriter) {
      w = w.linkNewer!
      const batch = w.batch
      if (
        (w.sync && !leader.sync) || // a sync write never rides with a non-sync leader (it would not be synced)
        w.noSlowdown !== leader.noSlowdown || // fail-fast and wait-on-stall writes are stalled differently
        w.disableWAL !== leader.disableWAL || // keeps no-WAL data out of the log
        w.protectionBytesPerKey !== leader.protectionBytesPerKey ||
        w.rateLimiterPriority !== leader.rateLimiterPriority ||
        batch === undefined || // unbatched writers and the stall dummy want to be alone
        (w.callback !== undefined && !w.callback.allowWriteBatching()) ||
        size + batch.byteSize > maxSize
      ) {
        // Cut w out of the main list...
        w.linkOlder!.linkNewer = w.linkNewer
        if (w.linkNewer !== undefined) w.linkNewer.linkOlder = w.linkOlder
        // ...and append it to r_list. w.linkNewer still points into the main list, so the walk goes on.
        if (re === undefined) {
          rb = re = w
          w.linkOlder = undefined
        } else {
          w.linkOlder = re
          re.linkNewer = w
          re = w
        }
      } else {
        we = w
        w.writeGroup = group
        size += batch.byteSize
        group.lastWriter = w
        group.size++
      }
    }
    if (rb !== undefined && re !== undefined) {
      // Re-splice r_list right after the group's last member.
      rb.linkOlder = we
      re.linkNewer = undefined
      we.linkNewer = rb
      if (this.newestWriter.newest === w) {
        this.newestWriter.newest = re
      } else {
        // Newer writers arrived after the snapshot: only possible when writers link from
        // other threads (not in one isolate, where this whole method is one critical section).
        let x = this.newestWriter.newest!
        while (x.linkOlder !== newestWriter) x = x.linkOlder!
        x.linkOlder = re
      }
    }
    this.stats.groupsFormed++
    this.stats.groupSize.record(group.size)
    this.lastBatchGroupSize = size
    return size
  }

  /**
   * `ExitAsBatchGroupLeader(group, status)`. The group's error (a parallel member's) wins
   * over an OK `status`; every member, the leader included, gets the result in `status`.
   *
   * Classic: names the next leader first, then completes the followers newest to oldest.
   * Pipelined: moves the members that still have memtable work onto the memtable queue in
   * WAL order, completes the others, hands the main queue on, and returns a Wait for the
   * old leader's memtable-stage state (YIELD).
   */
  exitAsBatchGroupLeader(group: WriteGroup, status: WriteStatus): Wait {
    const leader = group.leader!
    const lastWriter = group.lastWriter!
    invariant(leader.linkOlder === undefined, "exitAsBatchGroupLeader: leader is not the oldest writer")
    if (status === undefined && group.status !== undefined) status = group.status
    leader.status = status

    if (this.enablePipelinedWrite) return this.exitAsPipelinedWalLeader(group, leader, lastWriter, status)

    const head = this.newestWriter.newest
    if (head === lastWriter) {
      // Nobody queued behind the group: the next arrival leads by itself.
      this.newestWriter.newest = undefined
    } else {
      createMissingNewerLinks(head)
      const next = lastWriter.linkNewer!
      invariant(next.linkOlder === lastWriter, "exitAsBatchGroupLeader: broken link after the group")
      next.linkOlder = undefined
      // Handoff before release: the next group starts before any follower resumes.
      setState(next, STATE_GROUP_LEADER)
    }
    let w = lastWriter
    while (w !== leader) {
      w.status = status
      const next = w.linkOlder!
      setState(w, STATE_COMPLETED)
      w = next
    }
    return undefined
  }

  private exitAsPipelinedWalLeader(group: WriteGroup, leader: Writer, lastWriter: Writer, status: WriteStatus): Wait {
    // A dummy takes the group's place at the bottom of the main queue, so no later WAL
    // leader can link its group into the memtable queue ahead of ours. (In one isolate this
    // method is a single critical section and nobody can observe the dummy; it is kept so
    // the steps stay RocksDB's and hold once writers link from workers.)
    const dummy = new Writer(undefined)
    let head = this.newestWriter.newest
    if (head === lastWriter) {
      this.newestWriter.newest = dummy
    } else {
      createMissingNewerLinks(head)
      const after = lastWriter.linkNewer!
      after.linkOlder = dummy
      dummy.linkNewer = after
    }

    // Complete members with no memtable work (failed callback, disableMemtable, any error).
    for (let w = lastWriter; w !== leader; ) {
      const next = w.linkOlder!
      w.status = status
      if (!w.shouldWriteToMemtable()) completeFollower(w, group)
      w = next
    }
    if (!leader.shouldWriteToMemtable()) completeLeader(group)

    // Link the rest to the memtable queue before the main queue moves on.
    if (group.size > 0 && linkGroup(group, this.newestMemtableWriter)) {
      // The group's leader may have changed (members were removed).
      setState(group.leader!, STATE_MEMTABLE_WRITER_LEADER)
    }

    head = this.newestWriter.newest
    if (head === dummy) {
      this.newestWriter.newest = undefined
    } else {
      createMissingNewerLinks(head)
      const newLeader = dummy.linkNewer!
      newLeader.linkOlder = undefined
      setState(newLeader, STATE_GROUP_LEADER)
    }
    // YIELD: the old WAL leader waits for its memtable-stage role (or completion).
    return awaitState(leader, PIPELINED_EXIT_MASK)
  }

  // ---- draining the memtable stage ---------------------------------------------------------

  /**
   * `WaitForMemTableWriters`: drain the memtable stage. REQUIRES: the caller owns the main
   * queue (so no new memtable group can be linked) and pipelined mode.
   * YIELD until every queued memtable group has exited.
   */
  waitForMemTableWriters(): Wait {
    invariant(this.enablePipelinedWrite, "waitForMemTableWriters outside pipelined mode")
    if (this.newestMemtableWriter.newest === undefined) return undefined
    const w = new Writer(undefined)
    const linkedAsLeader = this.linkOne(w, this.newestMemtableWriter) as boolean
    const done = (): void => {
      invariant(this.newestMemtableWriter.newest === w, "waitForMemTableWriters: a memtable writer linked behind the drain dummy")
      this.newestMemtableWriter.newest = undefined
    }
    if (linkedAsLeader) {
      done()
      return undefined
    }
    return awaitState(w, STATE_MEMTABLE_WRITER_LEADER)!.then(done)
  }

  // ---- exclusive sections and the stall barrier -----------------------------------------------

  /**
   * `EnterUnbatched(w)`: own the main queue with no group active (memtable switch, WAL
   * rotation). `w` has no batch, so no leader admits it as a follower. In pipelined mode
   * the memtable queue is drained too. YIELD until both hold.
   */
  enterUnbatched(w: Writer): Wait {
    invariant(w.batch === undefined, "enterUnbatched: writer has a batch")
    const linked = this.linkOne(w, this.newestWriter)
    if (linked === true || linked === false) return this.enteredUnbatched(w, linked)
    return linked.then((l) => this.enteredUnbatched(w, l))
  }

  private enteredUnbatched(w: Writer, linkedAsLeader: boolean): Wait {
    if (!linkedAsLeader) {
      const wait = awaitState(w, STATE_GROUP_LEADER)
      if (wait !== undefined) return wait.then(() => this.drainMemtableQueue())
    }
    return this.drainMemtableQueue()
  }

  private drainMemtableQueue(): Wait {
    return this.enablePipelinedWrite ? this.waitForMemTableWriters() : undefined
  }

  /** `ExitUnbatched(w)`: leave the exclusive section; the next writer, if any, leads. */
  exitUnbatched(w: Writer): void {
    const head = this.newestWriter.newest
    if (head === w) {
      this.newestWriter.newest = undefined
      return
    }
    createMissingNewerLinks(head)
    const next = w.linkNewer!
    next.linkOlder = undefined
    setState(next, STATE_GROUP_LEADER)
  }

  /**
   * `BeginWriteStall()`: raise the barrier. Links the stall dummy as the head, so nobody
   * can join, then completes every queued `noSlowdown` writer that is not yet in a group
   * with WriteStall. REQUIRES: the caller owns the main queue, is not itself noSlowdown, and
   * calls endWriteStall before it forms its group.
   */
  beginWriteStall(): void {
    this.stallBegunCount++
    this.stats.stalls++
    this.stallStartedAt = this.nowMicros()
    const dummy = this.writeStallDummy
    invariant(this.newestWriter.newest !== dummy, "beginWriteStall: a stall is already in force")
    dummy.state = STATE_INIT
    dummy.linkNewer = undefined
    dummy.linkOlder = this.newestWriter.newest
    this.newestWriter.newest = dummy

    // The group in flight (if any) never mixes noSlowdown and slowdown writers, so the walk
    // stops at the first writer already in a group.
    let prev = dummy
    let w = dummy.linkOlder
    while (w !== undefined && w.writeGroup === undefined) {
      if (w.noSlowdown) {
        prev.linkOlder = w.linkOlder
        w.status = writeStall()
        setState(w, STATE_COMPLETED)
        this.stats.writersStalledOut++
        // Patch linkNewer only where it was already set: createMissingNewerLinks treats the
        // first set linkNewer as the end of the unlinked run.
        const older = prev.linkOlder
        if (older !== undefined && older.linkNewer !== undefined) older.linkNewer = prev
        w = older
      } else {
        prev = w
        w = w.linkOlder
      }
    }
  }

  /** `EndWriteStall()`: unlink the dummy and wake every writer parked on the barrier. */
  endWriteStall(): void {
    const dummy = this.writeStallDummy
    invariant(this.newestWriter.newest === dummy, "endWriteStall: the stall dummy is not the head")
    if (dummy.linkOlder !== undefined) dummy.linkOlder.linkNewer = dummy.linkNewer
    this.newestWriter.newest = dummy.linkOlder
    dummy.linkOlder = undefined
    this.stallEndedCount++
    const micros = Math.max(0, this.nowMicros() - this.stallStartedAt)
    this.stats.stallMicros += micros
    this.stats.stallDuration.record(micros)
    this.stallCv.signalAll()
  }

  /** `GetBegunCountOfOutstandingStall`: the stall's number if one is in force, else 0. */
  getBegunCountOfOutstandingStall(): number {
    return this.stallBegunCount > this.stallEndedCount ? this.stallBegunCount : 0
  }

  /** `WaitForStallEndedCount(n)`: YIELD until stall number n has ended. */
  waitForStallEndedCount(n: number): Wait {
    if (this.stallEndedCount >= n) return undefined
    return this.stallCv.wait().then(() => this.waitForStallEndedCount(n))
  }

  /** True while the stall dummy heads the main queue. */
  get isStalled(): boolean {
    return this.newestWriter.newest === this.writeStallDummy
  }
}
