/**
 * Parking and waking a writer (`AwaitState`, `BlockingAwaitState`, `SetState`,
 * WRITE-PATH.md 1.10) for writers in this isolate.
 *
 * RocksDB spins, yields, then parks on a lazily built mutex + condvar. In one isolate there
 * is nothing to spin for: a state can only change while the waiter is suspended, so the
 * first check either succeeds at once (no allocation, no tick) or the writer parks on a
 * Promise made on the spot (the lazily built condvar). `setState` on a parked writer
 * resolves that Promise. No polling and no timers anywhere.
 *
 * As in RocksDB, the waker never passes through an intermediate state: a parked writer
 * (state LOCKED_WAITING) goes straight to its next role, so after the Promise resolves its
 * state is in the goal mask.
 */
import type { Writer } from "../Writer.ts"
import { STATE_LOCKED_WAITING } from "../WriterState.ts"

/** undefined: no wait was needed, read `w.state` now. A Promise: `w.state` is final once it resolves. */
export type Wait = Promise<void> | undefined

/** `SetState(w, s)`: hand `w` its next state, waking it if it is parked. */
export const setState = (w: Writer, state: number): void => {
  if (w.state === STATE_LOCKED_WAITING) {
    const wake = w.wake!
    w.wake = undefined
    w.state = state
    wake(undefined)
  } else {
    w.state = state
  }
}

/** `AwaitState(w, goal)`: undefined if `w.state` is already in `goal`, else a Promise that resolves once it is. */
export const awaitState = (w: Writer, goal: number): Wait => {
  if ((w.state & goal) !== 0) return undefined
  w.state = STATE_LOCKED_WAITING
  return new Promise<void>((resolve) => {
    w.wake = resolve
  })
}
