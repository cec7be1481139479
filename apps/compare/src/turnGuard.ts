/**
 * Keeps closed-loop writers and the reader from holding the event loop. An engine whose
 * operations complete without an event-loop turn (better-sqlite3, lmdb's reads, an
 * engine's no-sync writes, limit-memtable) runs its callers' loops entirely in
 * microtasks; left alone, they would starve everything that needs a turn: other
 * engines' I/O callbacks, a sync writer's fdatasync completion, the progress bar.
 *
 * The guard arms a setImmediate the first time it is asked after a turn, and asks the
 * caller to yield once that immediate has been pending for more than `sliceMillis`. A
 * pending immediate keeps the loop from blocking in poll, so pending that long means the
 * loop has been held, not idle (time spent waiting for I/O is never counted). Callers whose
 * operations go through I/O see turns all the time and never yield, so groups of writers
 * stay whole; callers that hog the loop take turns in slices of `sliceMillis`.
 */
import { setImmediate as yieldToLoop } from "node:timers/promises"

/** Returns a promise to await when the caller has held the loop for too long, else undefined. */
export type TurnGuard = (now: number) => Promise<void> | undefined

export const makeTurnGuard = (sliceMillis = 1): TurnGuard => {
  let armedAt = 0
  let armed = false
  const turned = (): void => {
    armed = false
  }
  return (now) => {
    if (!armed) {
      armed = true
      armedAt = now
      setImmediate(turned)
      return undefined
    }
    return now - armedAt > sliceMillis ? yieldToLoop() : undefined
  }
}
