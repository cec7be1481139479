/**
 * The base of the cross-thread WriteThread: the views over the shared buffer, writer slots
 * (acquire, release), LinkOne, CreateMissingNewerLinks, the leadership handoff and the
 * stall barrier. The protocol and its invariants are described once, in
 * ../../SharedWriteThread.ts; comments here say what each step protects.
 *
 * One instance per thread (a "handle"); all of them view the same buffer. Instance fields
 * are this thread's own; every shared word is read and written with Atomics.
 */

import { SHARED_STATUS_POISONED, SHARED_STATUS_WRITE_STALL } from "../../SharedWriterStatus.ts"
import { ThreadDeclaredDead } from "../../SharedWriteThreadError.ts"
import { STATE_COMPLETED, STATE_GROUP_LEADER, STATE_INIT } from "../../WriterState.ts"
import { invariant } from "../assert.ts"
import {
  deadBit,
  deadWord,
  EMPTY,
  F_HAS_BATCH,
  F_NO_SLOWDOWN,
  G_LAST,
  genOf,
  H_NEWEST,
  H_STALL_BEGUN,
  H_STALL_ENDED,
  HEADER_BYTES,
  LINE_BYTES,
  NONE,
  nextGen,
  ORPHAN,
  OWNER_FREE,
  POISONED,
  packState,
  S_BATCH_COUNT,
  S_BATCH_LEN,
  S_FLAGS,
  S_GROUP,
  S_LINK_NEWER,
  S_LINK_OLDER,
  S_LINKING,
  S_OWNER,
  S_STATE,
  STALL_DUMMY,
  slotWord,
  stateOf,
} from "./layout.ts"
import { awaitChange, awaitState, type SharedWait, setState, type WaitMode } from "./stateWord.ts"

/** The fixed geometry, read from the buffer's creator (SharedWriteThread.allocate). */
export interface SharedGeometry {
  readonly slotCount: number
  readonly batchCapacity: number
  readonly maxWriteBatchGroupSizeBytes: number
}

export class SharedLinks {
  readonly i32: Int32Array
  readonly i64: BigInt64Array
  readonly bytes: Uint8Array
  readonly slotCount: number
  readonly batchCapacity: number
  readonly maxWriteBatchGroupSizeBytes: number
  /** Byte offset of slot 0's batch region. */
  readonly arenaBase: number
  /** This thread's token (S_OWNER of the slots it acquires). */
  readonly token: number
  readonly waitMode: WaitMode
  readonly spinIterations: number
  /** Where the next free-slot scan starts (this thread's own hint, so threads spread out). */
  private cursor: number

  constructor(buffer: SharedArrayBuffer, geometry: SharedGeometry, token: number, waitMode: WaitMode, spinIterations: number) {
    this.i32 = new Int32Array(buffer)
    this.i64 = new BigInt64Array(buffer, 0, HEADER_BYTES / 8)
    this.bytes = new Uint8Array(buffer)
    this.slotCount = geometry.slotCount
    this.batchCapacity = geometry.batchCapacity
    this.maxWriteBatchGroupSizeBytes = geometry.maxWriteBatchGroupSizeBytes
    this.arenaBase = HEADER_BYTES + (geometry.slotCount + 1) * LINE_BYTES
    this.token = token
    this.waitMode = waitMode
    this.spinIterations = spinIterations
    this.cursor = 1 + ((token * 7) % geometry.slotCount)
  }

  // ---- word access ----------------------------------------------------------------------------

  load(slot: number, word: number): number {
    return Atomics.load(this.i32, slotWord(slot, word))
  }

  store(slot: number, word: number, value: number): void {
    Atomics.store(this.i32, slotWord(slot, word), value)
  }

  stateWord(slot: number): number {
    return Atomics.load(this.i32, slotWord(slot, S_STATE))
  }

  /** `SetState`: false if the slot is already COMPLETED (a dead writer the reclaimer completed). */
  setState(slot: number, state: number, status = 0): boolean {
    return setState(this.i32, slotWord(slot, S_STATE), state, status)
  }

  /** `AwaitState`. YIELD when it returns a Promise. */
  awaitState(slot: number, goal: number): SharedWait {
    return awaitState(this.i32, slotWord(slot, S_STATE), goal, this.waitMode, this.spinIterations)
  }

  get newest(): number {
    return Atomics.load(this.i32, H_NEWEST)
  }

  get isPoisoned(): boolean {
    return Atomics.load(this.i32, H_NEWEST) === POISONED
  }

  /** Byte offset of `slot`'s batch region. */
  batchOffset(slot: number): number {
    return this.arenaBase + slot * this.batchCapacity
  }

  /** True once this thread was declared dead (it is a zombie: it must not touch shared slots). */
  get declaredDead(): boolean {
    return (Atomics.load(this.i32, deadWord(this.token)) & deadBit(this.token)) !== 0
  }

  // ---- slots ----------------------------------------------------------------------------------

  /**
   * Take a free slot for a new write and reset it to STATE_INIT with a new generation.
   * Returns NONE when every slot is taken. The CAS on S_OWNER is the only step that
   * contends; the rest is private until LinkOne publishes the slot.
   */
  acquireSlot(flags: number, batchLen: number, batchCount: number): number {
    const n = this.slotCount
    for (let i = 0; i < n; i++) {
      const slot = this.cursor
      this.cursor = slot === n ? 1 : slot + 1
      if (Atomics.compareExchange(this.i32, slotWord(slot, S_OWNER), OWNER_FREE, this.token) !== OWNER_FREE) continue
      // Zombie fence: the reclaimer sets the dead bit before it scans owners, so either its
      // scan sees this CAS or this check sees the bit. A dead thread gives the slot back
      // (if the scan has not already) and touches nothing else.
      if (this.declaredDead) {
        Atomics.compareExchange(this.i32, slotWord(slot, S_OWNER), this.token, OWNER_FREE)
        throw new ThreadDeclaredDead({ token: this.token })
      }
      const gen = nextGen(genOf(this.stateWord(slot)))
      this.store(slot, S_LINKING, 0)
      this.store(slot, S_FLAGS, flags)
      this.store(slot, S_BATCH_LEN, batchLen)
      this.store(slot, S_BATCH_COUNT, batchCount)
      this.store(slot, S_GROUP, NONE)
      this.store(slot, S_LINK_OLDER, NONE)
      this.store(slot, S_LINK_NEWER, NONE)
      this.store(slot, G_LAST, NONE)
      Atomics.store(this.i32, slotWord(slot, S_STATE), packState(gen, 0, STATE_INIT))
      return slot
    }
    return NONE
  }

  /** Give a slot back. REQUIRES: its write is over (COMPLETED, or it led and exited). */
  releaseSlot(slot: number): void {
    // A zombie's slot belongs to the reclaim now (freed, or freed when it leaves the queue).
    if (this.declaredDead) return
    this.store(slot, S_LINKING, 0)
    const was = Atomics.compareExchange(this.i32, slotWord(slot, S_OWNER), this.token, OWNER_FREE)
    if (was !== this.token) invariant(false, `releaseSlot: slot ${slot} is owned by ${was}, not by this thread (${this.token})`)
  }

  /** Free a dead thread's slot once it is out of the queue (whoever unlinks it first wins the CAS). */
  freeIfOrphan(slot: number): void {
    const owner = this.load(slot, S_OWNER)
    if ((owner & ORPHAN) !== 0) Atomics.compareExchange(this.i32, slotWord(slot, S_OWNER), owner, OWNER_FREE)
  }

  // ---- linking --------------------------------------------------------------------------------

  /**
   * Every CAS on H_NEWEST goes through here (LinkOne, the r_list graft, the handoff, the
   * stall dummy): one seam where a test can run another thread's step right before it.
   */
  protected casNewest(expected: number, value: number): number {
    return Atomics.compareExchange(this.i32, H_NEWEST, expected, value)
  }

  /** Complete our own, not yet linked slot (stall or poison): it was never in the queue. */
  private refuse(slot: number, status: number): false {
    this.setState(slot, STATE_COMPLETED, status)
    return false
  }

  /**
   * `LinkOne(w, &newest_writer_)`: push `slot` with a CAS on H_NEWEST; true if the queue was
   * empty (the writer owns it at once). On the stall dummy a noSlowdown writer is completed
   * with WRITE_STALL and others wait for the stall to end (YIELD in "async" mode); on a
   * poisoned queue the writer is completed with POISONED. Both return false.
   */
  linkOne(slot: number): boolean | Promise<boolean> {
    const noSlowdown = (this.load(slot, S_FLAGS) & F_NO_SLOWDOWN) !== 0
    for (;;) {
      // S_LINKING before the head is read: a poisoner that swaps the head after this load
      // finds the flag in its scan, and one that swapped it before is seen below.
      this.store(slot, S_LINKING, 1)
      // Zombie fence (as in acquireSlot): if the reclaimer's scan read S_LINKING 0 it freed
      // the slot, and then this check sees the dead bit it set first.
      if (this.declaredDead) throw new ThreadDeclaredDead({ token: this.token })
      const head = this.newest
      if (head === POISONED) return this.refuse(slot, SHARED_STATUS_POISONED)
      if (head === STALL_DUMMY) {
        this.store(slot, S_LINKING, 0)
        if (noSlowdown) return this.refuse(slot, SHARED_STATUS_WRITE_STALL)
        const wait = this.waitForStallEnd()
        if (wait !== undefined) return wait.then(() => this.linkOne(slot))
        continue
      }
      // Published by the CAS below: the leader that loads H_NEWEST sees link_older.
      this.store(slot, S_LINK_OLDER, head)
      if (this.casNewest(head, slot) === head) return head === EMPTY
    }
  }

  /** Park until the stall that is (or just was) in force ends. The ended count is read before the head. */
  private waitForStallEnd(): SharedWait {
    const ended = Atomics.load(this.i32, H_STALL_ENDED)
    if (this.newest !== STALL_DUMMY) return undefined
    return awaitChange(this.i32, H_STALL_ENDED, ended, this.waitMode)
  }

  /**
   * `CreateMissingNewerLinks(head)`: fill link_newer from `head` down to the first writer
   * that has it. Only the queue owner calls it (never concurrently with itself). The walk
   * is bounded by the slot count: more steps means the links were rewritten under us,
   * which only a poisoned queue allows.
   */
  createMissingNewerLinks(head: number): void {
    let w = head
    for (let steps = 0; ; steps++) {
      invariant(steps <= this.slotCount || this.isPoisoned, "createMissingNewerLinks: cycle in link_older")
      if (steps > this.slotCount) return
      const older = this.load(w, S_LINK_OLDER)
      if (older === NONE) return
      if (this.load(older, S_LINK_NEWER) !== NONE) return
      this.store(older, S_LINK_NEWER, w)
      w = older
    }
  }

  /**
   * Hand the queue on after `last` (the newest writer the owner is done with): empty the
   * queue if nobody is behind, else name the next writer GROUP_LEADER. A next writer whose
   * thread died was completed by the reclaimer and refuses the role; it is taken out of
   * the queue like a one-member group and its slot freed, and the next one is tried.
   * Returns the new leader's slot, or NONE.
   */
  handOff(last: number): number {
    let dead = NONE
    for (;;) {
      if (this.casNewest(last, EMPTY) === last) {
        if (dead !== NONE) this.freeIfOrphan(dead)
        return NONE
      }
      const head = this.newest
      if (head === POISONED) return NONE
      this.createMissingNewerLinks(head)
      const next = this.load(last, S_LINK_NEWER)
      invariant(next !== NONE && this.load(next, S_LINK_OLDER) === last, "handOff: broken link after the group")
      this.store(next, S_LINK_OLDER, NONE)
      if (dead !== NONE) this.freeIfOrphan(dead)
      // Handoff before release: the next group forms while this one's followers wake up.
      if (this.setState(next, STATE_GROUP_LEADER)) return next
      dead = next
      last = next
    }
  }

  // ---- the stall barrier ---------------------------------------------------------------------

  /**
   * `BeginWriteStall()`: link the dummy (slot 0) as the head so nobody can join, then
   * complete every queued noSlowdown writer that is not yet in a group with WRITE_STALL.
   * REQUIRES: the caller owns the queue and is not noSlowdown.
   */
  beginWriteStall(): void {
    invariant(this.newest !== STALL_DUMMY, "beginWriteStall: a stall is already in force")
    Atomics.add(this.i32, H_STALL_BEGUN, 1)
    const dummy = STALL_DUMMY
    Atomics.store(this.i32, slotWord(dummy, S_STATE), packState(0, 0, STATE_INIT))
    this.store(dummy, S_LINK_NEWER, NONE)
    for (;;) {
      const head = this.newest
      if (head === POISONED) return
      this.store(dummy, S_LINK_OLDER, head)
      if (this.casNewest(head, dummy) === head) break
    }
    // Nobody links while the dummy is the head, and only the caller (the owner) edits links.
    let prev = dummy
    let w = this.load(dummy, S_LINK_OLDER)
    while (w !== NONE && this.load(w, S_GROUP) === NONE) {
      const older = this.load(w, S_LINK_OLDER)
      if ((this.load(w, S_FLAGS) & F_NO_SLOWDOWN) !== 0) {
        this.store(prev, S_LINK_OLDER, older)
        // Patch link_newer only where it was set: CreateMissingNewerLinks stops at the first set one.
        if (older !== NONE && this.load(older, S_LINK_NEWER) !== NONE) this.store(older, S_LINK_NEWER, prev)
        // Read before set: the slot may be reused as soon as it is COMPLETED.
        if (!this.setState(w, STATE_COMPLETED, SHARED_STATUS_WRITE_STALL)) this.freeIfOrphan(w)
      } else {
        prev = w
      }
      w = older
    }
  }

  /** `EndWriteStall()`: unlink the dummy and wake every writer parked on the barrier. */
  endWriteStall(): void {
    const dummy = STALL_DUMMY
    const head = this.newest
    if (head !== POISONED) {
      invariant(head === dummy, "endWriteStall: the stall dummy is not the head")
      const older = this.load(dummy, S_LINK_OLDER)
      if (older !== NONE && this.load(older, S_LINK_NEWER) === dummy) this.store(older, S_LINK_NEWER, NONE)
      Atomics.store(this.i32, H_NEWEST, older)
    }
    Atomics.add(this.i32, H_STALL_ENDED, 1)
    Atomics.notify(this.i32, H_STALL_ENDED)
  }

  /** `GetBegunCountOfOutstandingStall`: the stall's number if one is in force, else 0. */
  getBegunCountOfOutstandingStall(): number {
    const begun = Atomics.load(this.i32, H_STALL_BEGUN)
    return begun > Atomics.load(this.i32, H_STALL_ENDED) ? begun : 0
  }

  get isStalled(): boolean {
    return this.newest === STALL_DUMMY
  }

  /** The writer has a batch (unbatched writers never join a group). */
  hasBatch(slot: number): boolean {
    return (this.load(slot, S_FLAGS) & F_HAS_BATCH) !== 0
  }

  stateOf(slot: number): number {
    return stateOf(this.stateWord(slot))
  }
}
