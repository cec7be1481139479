/**
 * What happens to a thread's writer slots when the thread is gone (terminated, crashed,
 * or its MessagePort closed), and poisoning. JavaScript has no robust futex: nothing
 * tells the queue that a thread stopped, so the thread that learns it (the owner, from a
 * Worker 'exit' or port 'close' event) calls `markThreadDead(token)`. A dead thread writes
 * no more shared memory, so what its slots hold is final.
 *
 * Per slot the dead thread owns (S_OWNER === token):
 *   - not queued (S_LINKING 0), or COMPLETED: it is out of the queue: freed now.
 *   - queued and waiting (INIT, LOCKED_WAITING): marked ORPHAN, then CAS-completed with
 *     WRITER_DIED. It stays linked (its links are part of the queue) and whoever takes it
 *     out (a leader completing its group, a handoff that skips it, the stall sweep) frees
 *     it. If a leader's SetState wins the race instead, the slot is already out of the
 *     queue and freed here. Its batch may still ride in a group: the write may or may not
 *     survive, as after a crash.
 *   - holding a role (GROUP_LEADER, a parallel memtable role), or possibly the owner
 *     (INIT with link_older NONE: linked into an empty queue, not yet leader): others wait on work only
 *     it could finish, at a point nobody can know, so the queue is poisoned.
 *
 * Poison: the head is swapped to POISONED (nobody links again; LinkOne completes a writer
 * with POISONED), stall waiters are woken, and every queued writer is CAS-completed with
 * POISONED, generation-checked so a slot reused meanwhile is left alone. Terminal.
 *
 * Zombies. On Deno the Worker 'exit' event can arrive while the terminated thread still
 * runs for a moment (measured: 1 run in 10 of a kill test wedged on a leader slot the
 * "dead" thread acquired after the scan). So the dead bit is set before the scan, and the
 * thread checks its own bit after taking a slot, after raising S_LINKING, and before
 * releasing: a late step either is seen by the scan or sees the bit and stops
 * (ThreadDeclaredDead) without touching the slot again. A zombie already past those
 * checks (waiting, or leading) only reads its own state or works on a queue the scan has
 * just poisoned.
 *
 * A slot that died between setting S_LINKING and its LinkOne CAS cannot be told apart from
 * a queued one: if the CAS never happened, nobody ever unlinks it and the slot stays taken
 * (one slot per writer that died in that window).
 */
import { POISON_THREAD_DIED_IN_ROLE, SHARED_STATUS_POISONED, SHARED_STATUS_WRITER_DIED } from "../../SharedWriterStatus.ts"
import { STATE_COMPLETED, STATE_INIT, STATE_LOCKED_WAITING } from "../../WriterState.ts"
import {
  deadBit,
  deadWord,
  genOf,
  H_NEWEST,
  H_POISON,
  H_STALL_ENDED,
  NONE,
  ORPHAN,
  OWNER_FREE,
  POISONED,
  S_LINK_OLDER,
  S_LINKING,
  S_OWNER,
  S_STATE,
  slotWord,
  stateOf,
} from "./layout.ts"
import type { SharedLinks } from "./sharedLinks.ts"
import { setState } from "./stateWord.ts"

export interface ReclaimReport {
  /** Slots freed at once. */
  readonly freed: number
  /** Queued slots completed with WRITER_DIED, freed when they leave the queue. */
  readonly orphaned: number
  /** True if the dead thread held a role and the queue was poisoned. */
  readonly poisoned: boolean
}

export const markThreadDead = (q: SharedLinks, token: number): ReclaimReport => {
  const i32 = q.i32
  let freed = 0
  let orphaned = 0
  let poisoned = false
  // First the dead bit (the zombie fence in acquireSlot/linkOne/releaseSlot), then the scan.
  Atomics.or(i32, deadWord(token), deadBit(token))
  for (let slot = 1; slot <= q.slotCount; slot++) {
    const ownerIndex = slotWord(slot, S_OWNER)
    if (Atomics.load(i32, ownerIndex) !== token) continue
    if (Atomics.load(i32, slotWord(slot, S_LINKING)) === 0) {
      Atomics.compareExchange(i32, ownerIndex, token, OWNER_FREE)
      freed++
      continue
    }
    Atomics.store(i32, ownerIndex, token | ORPHAN)
    const stateIndex = slotWord(slot, S_STATE)
    for (;;) {
      const word = Atomics.load(i32, stateIndex)
      const state = stateOf(word)
      if ((state & STATE_COMPLETED) !== 0) {
        // Completed by a leader (so already out of the queue), or refused at LinkOne.
        if (Atomics.compareExchange(i32, ownerIndex, token | ORPHAN, OWNER_FREE) === (token | ORPHAN)) freed++
        break
      }
      // link_older NONE: it may have linked into an empty queue and died before naming
      // itself leader, so it may own the queue; only a poison is safe then.
      if ((state & ~STATE_LOCKED_WAITING) === STATE_INIT && Atomics.load(i32, slotWord(slot, S_LINK_OLDER)) !== NONE) {
        if (setState(i32, stateIndex, STATE_COMPLETED, SHARED_STATUS_WRITER_DIED, genOf(word))) {
          orphaned++
          break
        }
        continue
      }
      poisoned = true
      break
    }
  }
  if (poisoned) poison(q, POISON_THREAD_DIED_IN_ROLE)
  return { freed, orphaned, poisoned }
}

/** Poison the queue (idempotent): see the module comment. */
export const poison = (q: SharedLinks, reason: number): void => {
  const i32 = q.i32
  if (Atomics.compareExchange(i32, H_POISON, 0, reason) !== 0) return
  Atomics.exchange(i32, H_NEWEST, POISONED)
  Atomics.add(i32, H_STALL_ENDED, 1)
  Atomics.notify(i32, H_STALL_ENDED)
  for (let slot = 1; slot <= q.slotCount; slot++) {
    if (Atomics.load(i32, slotWord(slot, S_OWNER)) === OWNER_FREE) continue
    if (Atomics.load(i32, slotWord(slot, S_LINKING)) !== 1) continue
    const stateIndex = slotWord(slot, S_STATE)
    const word = Atomics.load(i32, stateIndex)
    setState(i32, stateIndex, STATE_COMPLETED, SHARED_STATUS_POISONED, genOf(word))
  }
}

export const poisonReason = (q: SharedLinks): number => Atomics.load(q.i32, H_POISON)
