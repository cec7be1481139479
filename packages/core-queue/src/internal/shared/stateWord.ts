/**
 * SetState and AwaitState on a slot's Int32 state word, which is also the futex word
 * (RocksDB's per-writer mutex + condvar collapse into it; WRITE-PATH: db/write_thread.cc
 * SetState / AwaitState / BlockingAwaitState).
 *
 * Handshake (no lost wake-up):
 *   waiter  load; if the goal is met, return. Else CAS the word to word|LOCKED_WAITING and
 *           Atomics.wait(word, word|LOCKED_WAITING): the wait returns at once ("not-equal")
 *           if the word moved after the CAS, because the check runs inside the waiter-list
 *           critical section that notify also takes.
 *   waker   CAS the word to its new state (dropping LOCKED_WAITING); only if the old value
 *           had LOCKED_WAITING, Atomics.notify. A waker that finishes before the waiter
 *           parks costs no syscall and leaves a value the waiter's CAS or wait will see.
 * The generation bits make every stored value unique to one use of the slot, so the
 * value check cannot suffer ABA across reuse.
 *
 * Spinning: `spinIterations` Atomics.loads (about 7 ns each, with Atomics.pause where the
 * runtime has it) before parking. A futex handoff costs 12-16 µs one way on the project's
 * machine, so a spin shorter than that repeats the park on every handoff; 0 disables it
 * (the right choice when writer threads outnumber cores).
 */
import { STATE_COMPLETED, STATE_LOCKED_WAITING } from "../../WriterState.ts"
import { holdEventLoop, releaseEventLoop } from "./keepAlive.ts"
import { GEN_MASK, genOf, STATUS_SHIFT } from "./layout.ts"

export type WaitMode = "block" | "async"

/** `undefined`: the goal already holds, read the state now. A Promise: YIELD until it holds. */
export type SharedWait = Promise<void> | undefined

type WaitAsyncResult = { async: false; value: "not-equal" | "timed-out" } | { async: true; value: Promise<"ok" | "timed-out"> }
const waitAsync = (Atomics as unknown as { waitAsync?: (a: Int32Array, i: number, v: number) => WaitAsyncResult }).waitAsync
const pause = (Atomics as unknown as { pause?: () => void }).pause

/** A blocking park wakes at least this often to re-check its word (a safety net, not a poll the protocol needs). */
const BLOCK_TIMEOUT_MS = 1000

/**
 * `SetState(w, state)` with `status` folded in. Refuses (returns false) once the word is
 * COMPLETED: a completed slot may already belong to another write. `gen`, when given,
 * also refuses a slot reused since the caller looked at it (the reclaimer's case).
 */
export const setState = (i32: Int32Array, index: number, state: number, status = 0, gen?: number): boolean => {
  for (;;) {
    const old = Atomics.load(i32, index)
    if ((old & STATE_COMPLETED) !== 0) return false
    if (gen !== undefined && genOf(old) !== gen) return false
    const next = (old & GEN_MASK) | (status << STATUS_SHIFT) | state
    if (Atomics.compareExchange(i32, index, old, next) === old) {
      if ((old & STATE_LOCKED_WAITING) !== 0) Atomics.notify(i32, index, 1)
      return true
    }
  }
}

/** Spin, then try to mark the word parked. Returns the value to wait on, or undefined when the goal holds. */
const spinThenMark = (i32: Int32Array, index: number, goal: number, spinIterations: number): number | undefined => {
  for (let i = 0; i < spinIterations; i++) {
    if ((Atomics.load(i32, index) & goal) !== 0) return undefined
    pause?.()
  }
  for (;;) {
    const w = Atomics.load(i32, index)
    if ((w & goal) !== 0) return undefined
    if ((w & STATE_LOCKED_WAITING) !== 0) return w
    if (Atomics.compareExchange(i32, index, w, w | STATE_LOCKED_WAITING) === w) return w | STATE_LOCKED_WAITING
  }
}

/**
 * `AwaitState(w, goal_mask)`. "block": Atomics.wait (workers with one write in flight).
 * "async": Atomics.waitAsync, which never blocks the thread (main thread, many writers).
 */
export const awaitState = (i32: Int32Array, index: number, goal: number, mode: WaitMode, spinIterations: number): SharedWait => {
  if (mode === "block") {
    for (;;) {
      const parked = spinThenMark(i32, index, goal, spinIterations)
      if (parked === undefined) return undefined
      Atomics.wait(i32, index, parked, BLOCK_TIMEOUT_MS)
    }
  }
  const parked = spinThenMark(i32, index, goal, spinIterations)
  return parked === undefined ? undefined : parkAsync(i32, index, goal, parked)
}

const parkAsync = async (i32: Int32Array, index: number, goal: number, parked: number): Promise<void> => {
  if (waitAsync === undefined) throw new TypeError("Atomics.waitAsync is not available on this runtime")
  holdEventLoop()
  try {
    let value: number | undefined = parked
    while (value !== undefined) {
      const r = waitAsync(i32, index, value)
      if (r.async) await r.value
      value = spinThenMark(i32, index, goal, 0)
    }
  } finally {
    releaseEventLoop()
  }
}

/**
 * Wait until the Int32 at `index` differs from `seen` (a monotonic counter: the stall
 * barrier's ended count). Same modes as awaitState; no spin (stalls last milliseconds).
 */
export const awaitChange = (i32: Int32Array, index: number, seen: number, mode: WaitMode): SharedWait => {
  if (Atomics.load(i32, index) !== seen) return undefined
  if (mode === "block") {
    while (Atomics.load(i32, index) === seen) Atomics.wait(i32, index, seen, BLOCK_TIMEOUT_MS)
    return undefined
  }
  return (async () => {
    if (waitAsync === undefined) throw new TypeError("Atomics.waitAsync is not available on this runtime")
    holdEventLoop()
    try {
      while (Atomics.load(i32, index) === seen) {
        const r = waitAsync(i32, index, seen)
        if (r.async) await r.value
      }
    } finally {
      releaseEventLoop()
    }
  })()
}
