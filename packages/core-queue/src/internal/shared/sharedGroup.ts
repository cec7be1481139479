/**
 * The batch-group half of the cross-thread WriteThread: JoinBatchGroup,
 * EnterAsBatchGroupLeader (every admission rule of the single-thread queue),
 * ExitAsBatchGroupLeader, EnterUnbatched/ExitUnbatched, and sequence allocation and
 * publication. The protocol is described in ../../SharedWriteThread.ts.
 */
import { JOIN_MASK, STATE_COMPLETED, STATE_GROUP_LEADER } from "../../WriterState.ts"
import { invariant } from "../assert.ts"
import {
  F_DISABLE_WAL,
  F_HAS_BATCH,
  F_NO_BATCHING,
  F_NO_SLOWDOWN,
  F_SYNC,
  G_BYTES,
  G_LAST,
  G_RUNNING,
  G_SIZE,
  G_STATUS,
  H_GROUPS,
  H64_LAST_ALLOCATED,
  H64_LAST_PUBLISHED,
  NONE,
  POISONED,
  S_BATCH_COUNT,
  S_BATCH_LEN,
  S_FLAGS,
  S_GROUP,
  S_LINK_NEWER,
  S_LINK_OLDER,
  S_SEQ_HI,
  S_SEQ_LO,
  STALL_DUMMY,
} from "./layout.ts"
import { SharedLinks } from "./sharedLinks.ts"
import type { SharedWait } from "./stateWord.ts"

/** Flags that must equal the leader's for a writer to join its group (sync is one-way, below). */
const MATCH_FLAGS = F_NO_SLOWDOWN | F_DISABLE_WAL | (0xff << 8) | (0xf << 16)
const TWO_32 = 2 ** 32

/** A group as its leader's thread sees it; the cross-thread copy lives in the leader's slot (G_*). */
export interface SharedGroupView {
  readonly leader: number
  readonly lastWriter: number
  readonly size: number
  readonly bytes: number
}

export class SharedGroup extends SharedLinks {
  /**
   * `JoinBatchGroup(w)`. Undefined when the state is final for this step: GROUP_LEADER (the
   * queue was idle: lead at once) or COMPLETED (stall or poison). Otherwise YIELD until a
   * leader names this writer leader, completes it, or gives it memtable work.
   */
  joinBatchGroup(slot: number): SharedWait {
    invariant(this.hasBatch(slot), "joinBatchGroup: writer has no batch (use enterUnbatched)")
    const linked = this.linkOne(slot)
    if (linked === true || linked === false) return this.joined(slot, linked)
    return linked.then((l) => this.joined(slot, l))
  }

  private joined(slot: number, linkedAsLeader: boolean): SharedWait {
    if (linkedAsLeader) {
      this.setState(slot, STATE_GROUP_LEADER)
      return undefined
    }
    if ((this.stateWord(slot) & STATE_COMPLETED) !== 0) return undefined
    return this.awaitState(slot, JOIN_MASK)
  }

  /** The byte cap of a group led by `leaderSize` bytes: small leaders cap at their size + max/8. */
  groupByteCap(leaderSize: number): number {
    const minBatchSizeBytes = Math.floor(this.maxWriteBatchGroupSizeBytes / 8)
    return leaderSize <= minBatchSizeBytes ? leaderSize + minBatchSizeBytes : this.maxWriteBatchGroupSizeBytes
  }

  /** Why `w` may not ride in a group led by `leaderFlags` at `size` bytes so far (a RocksDB rule each). */
  private rejects(leaderFlags: number, w: number, size: number, maxSize: number): boolean {
    const flags = this.load(w, S_FLAGS)
    return (
      ((flags & F_SYNC) !== 0 && (leaderFlags & F_SYNC) === 0) || // a sync write is never under a non-sync leader
      (flags & MATCH_FLAGS) !== (leaderFlags & MATCH_FLAGS) || // noSlowdown, disableWAL, protection bytes, priority
      (flags & F_HAS_BATCH) === 0 || // unbatched writers and the stall dummy stay alone
      (flags & F_NO_BATCHING) !== 0 || // a callback that refuses batching
      size + this.load(w, S_BATCH_LEN) > maxSize
    )
  }

  /**
   * `EnterAsBatchGroupLeader(leader, group)`: admit the compatible writers queued behind the
   * leader, old to new, up to the head loaded (acquire) at the start; cut the misfits into
   * r_list and graft it back right after the group, with a CAS on the head if nobody linked
   * since, else by patching the writer linked right after the snapshot.
   * REQUIRES: leader is GROUP_LEADER, the oldest writer, no stall in force.
   * Returns undefined when the queue was poisoned (the poisoner completes everyone).
   */
  enterAsBatchGroupLeader(leader: number): SharedGroupView | undefined {
    invariant(this.load(leader, S_LINK_OLDER) === NONE, "enterAsBatchGroupLeader: leader is not the oldest writer")
    invariant(this.hasBatch(leader), "enterAsBatchGroupLeader: leader has no batch")
    const newestWriter = this.newest
    if (newestWriter === POISONED) return undefined
    invariant(newestWriter !== STALL_DUMMY, "enterAsBatchGroupLeader while a write stall is in force")

    const leaderFlags = this.load(leader, S_FLAGS)
    let size = this.load(leader, S_BATCH_LEN)
    const maxSize = this.groupByteCap(size)
    this.store(leader, S_GROUP, leader)
    this.createMissingNewerLinks(newestWriter)

    let count = 1
    let w = leader
    let we = leader
    let rb = NONE
    let re = NONE
    for (let steps = 0; w !== newestWriter; steps++) {
      if (steps > this.slotCount) {
        invariant(this.isPoisoned, "enterAsBatchGroupLeader: cycle in link_newer")
        return undefined
      }
      w = this.load(w, S_LINK_NEWER)
      const newer = this.load(w, S_LINK_NEWER)
      if (this.rejects(leaderFlags, w, size, maxSize)) {
        // Cut w out of the main list; its link_newer still points into it, so the walk goes on.
        const older = this.load(w, S_LINK_OLDER)
        this.store(older, S_LINK_NEWER, newer)
        if (newer !== NONE) this.store(newer, S_LINK_OLDER, older)
        if (re === NONE) {
          rb = re = w
          this.store(w, S_LINK_OLDER, NONE)
        } else {
          this.store(w, S_LINK_OLDER, re)
          this.store(re, S_LINK_NEWER, w)
          re = w
        }
      } else {
        we = w
        this.store(w, S_GROUP, leader)
        size += this.load(w, S_BATCH_LEN)
        count++
      }
    }
    if (rb !== NONE) {
      this.store(rb, S_LINK_OLDER, we)
      this.store(re, S_LINK_NEWER, NONE)
      this.store(we, S_LINK_NEWER, rb)
      if (this.casNewest(w, re) !== w) {
        // Writers linked after the snapshot: the first of them still points at the snapshot.
        let x = this.newest
        while (this.load(x, S_LINK_OLDER) !== newestWriter) x = this.load(x, S_LINK_OLDER)
        this.store(x, S_LINK_OLDER, re)
      }
    }
    this.store(leader, G_LAST, we)
    this.store(leader, G_SIZE, count)
    this.store(leader, G_BYTES, size)
    this.store(leader, G_STATUS, 0)
    this.store(leader, G_RUNNING, 0)
    Atomics.add(this.i32, H_GROUPS, 1)
    return { leader, lastWriter: we, size: count, bytes: size }
  }

  /** The group whose leader is `leader`, read back from the leader's slot (any thread). */
  groupOf(leader: number): SharedGroupView {
    return {
      leader,
      lastWriter: this.load(leader, G_LAST),
      size: this.load(leader, G_SIZE),
      bytes: this.load(leader, G_BYTES),
    }
  }

  /** Members old to new, the leader first. `fn` must not complete a member (read before set). */
  forEachMember(group: SharedGroupView, fn: (slot: number) => void): void {
    for (let w = group.leader; ; w = this.load(w, S_LINK_NEWER)) {
      fn(w)
      if (w === group.lastWriter) return
    }
  }

  /**
   * `ExitAsBatchGroupLeader(group, status)`: name the next leader first, then complete the
   * followers newest to oldest with `status`, reading each link before the state is set (a
   * completed slot may be reused at once). A follower that refuses (its thread died) is
   * freed instead, now that it is out of the queue.
   */
  exitAsBatchGroupLeader(group: SharedGroupView, status: number): void {
    const { leader, lastWriter } = group
    const groupStatus = this.load(leader, G_STATUS)
    if (status === 0 && groupStatus !== 0) status = groupStatus
    this.handOff(lastWriter)
    let w = lastWriter
    for (let i = 1; i < group.size; i++) {
      // A poisoner completes every linked writer itself; its completions and ours race
      // harmlessly (COMPLETED is terminal), but a slot it completed may be reused and relinked.
      if (this.isPoisoned) return
      const older = this.load(w, S_LINK_OLDER)
      if (!this.setState(w, STATE_COMPLETED, status)) this.freeIfOrphan(w)
      w = older
    }
  }

  // ---- sequences --------------------------------------------------------------------------------

  /**
   * Give every member its first sequence, in queue order, and advance LastAllocatedSequence.
   * Only the queue owner allocates, so WAL order = sequence order. Returns the group's last
   * sequence (= first - 1 for a group of empty batches).
   */
  allocateSequences(group: SharedGroupView): number {
    let next = Number(Atomics.load(this.i64, H64_LAST_ALLOCATED)) + 1
    this.forEachMember(group, (m) => {
      this.store(m, S_SEQ_LO, next % TWO_32)
      this.store(m, S_SEQ_HI, Math.floor(next / TWO_32))
      next += this.load(m, S_BATCH_COUNT)
    })
    Atomics.store(this.i64, H64_LAST_ALLOCATED, BigInt(next - 1))
    return next - 1
  }

  sequenceOf(slot: number): number {
    return (this.load(slot, S_SEQ_HI) * TWO_32 + (this.load(slot, S_SEQ_LO) >>> 0)) as number
  }

  /** `w->write_group`: the leader slot of the group `slot` is in, NONE while queued. */
  leaderOf(slot: number): number {
    return this.load(slot, S_GROUP)
  }

  /** Records in a writer's batch (the sequences it consumes). */
  batchCountOf(slot: number): number {
    return this.load(slot, S_BATCH_COUNT)
  }

  /** A group's first sequence (its leader's), once allocated. */
  firstSequenceOf(group: SharedGroupView): number {
    return this.sequenceOf(group.leader)
  }

  /** A group's last sequence, once allocated (first - 1 if every batch is empty). */
  lastSequenceOf(group: SharedGroupView): number {
    return this.sequenceOf(group.lastWriter) + this.load(group.lastWriter, S_BATCH_COUNT) - 1
  }

  get lastAllocated(): number {
    return Number(Atomics.load(this.i64, H64_LAST_ALLOCATED))
  }

  get lastPublished(): number {
    return Number(Atomics.load(this.i64, H64_LAST_PUBLISHED))
  }

  /**
   * Publish a group's sequences (readers may now see them). Groups publish in allocation
   * order: `firstSequence - 1` must be what is published now.
   */
  publish(firstSequence: number, lastSequence: number): void {
    const expected = BigInt(firstSequence - 1)
    const prev = Atomics.compareExchange(this.i64, H64_LAST_PUBLISHED, expected, BigInt(lastSequence))
    // The message is built only on failure: this runs once per group.
    if (prev !== expected) invariant(false, `publish: ${firstSequence}..${lastSequence} out of order, published is ${prev}`)
  }

  // ---- exclusive sections ---------------------------------------------------------------------

  /** `EnterUnbatched(w)`: own the queue with no group (memtable switch, WAL rotation). YIELD until then. */
  enterUnbatched(slot: number): SharedWait {
    invariant(!this.hasBatch(slot), "enterUnbatched: writer has a batch")
    const linked = this.linkOne(slot)
    const entered = (l: boolean): SharedWait => (l ? this.awaitNothing(slot) : this.awaitLeader(slot))
    if (linked === true || linked === false) return entered(linked)
    return linked.then(entered)
  }

  private awaitNothing(slot: number): SharedWait {
    this.setState(slot, STATE_GROUP_LEADER)
    return undefined
  }

  private awaitLeader(slot: number): SharedWait {
    if ((this.stateWord(slot) & STATE_COMPLETED) !== 0) return undefined
    return this.awaitState(slot, STATE_GROUP_LEADER | STATE_COMPLETED)
  }

  /** `ExitUnbatched(w)`: leave the exclusive section; the next writer, if any, leads. */
  exitUnbatched(slot: number): void {
    this.handOff(slot)
  }
}
