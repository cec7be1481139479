/**
 * Keeps closed-loop writers and the reader from holding the event loop. An engine whose
 * operations complete without an event-loop turn (better-sqlite3, lmdb's reads, an
 * engine's no-sync writes, limit-memtable) runs its callers' loops entirely in
 * microtasks; left alone, they would starve everything that needs a turn: other
 * engines' I/O callbacks, a sync writer's fdatasync completion, the progress bar.
 *
 * The guard notices when no turn has happened for `sliceMillis` (a setImmediate armed at
 * most once per turn stamps each turn) and only then asks the caller to yield. Callers
 * whose operations go through I/O see turns all the time and never yield, so groups of
 * writers stay whole; callers that hog the loop take turns in slices of `sliceMillis`.
 */
import { performance } from "node:perf_hooks"
import { setImmediate as yieldToLoop } from "node:timers/promises"

/** Returns a promise to await when the caller has held the loop for too long, else undefined. */
export type TurnGuard = (now: number) => Promise<void> | undefined

export const makeTurnGuard = (sliceMillis = 1): TurnGuard => {
  let lastTurn = performance.now()
  let armed = false
  const stamp = (): void => {
    armed = false
    lastTurn = performance.now()
  }
  return (now) => {
    if (!armed) {
      armed = true
      setImmediate(stamp)
    }
    return now - lastTurn > sliceMillis ? yieldToLoop() : undefined
  }
}
