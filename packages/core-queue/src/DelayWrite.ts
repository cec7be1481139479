/**
 * delayWrite: `DBImpl::DelayWrite` (WRITE-PATH.md 5.3), the leader's throttle before it
 * forms a group. It joins the WriteController's verdict to the stall barrier of the queue
 * the leader owns:
 *
 *  - a timed delay (`getDelay(bytes) > 0`): a `noSlowdown` leader fails with WriteStall;
 *    otherwise the barrier goes up (`BeginWriteStall`: queued noSlowdown writers fail at
 *    once, later ones fail as they link), the leader sleeps in `kDelayInterval` (1 ms here)
 *    steps on the Clock, re-checking `needsDelay()` after each, until the delay is over, and
 *    the barrier falls;
 *  - a stop (`isStopped()`): the same, waiting for a stop token to be released (RocksDB's
 *    `bg_cv_`) or for `wake`, for as long as writes are stopped and not `cancelled`.
 *
 * `bytes` is what the caller charges: RocksDB charges `last_batch_group_size_`, the byte
 * size of the previous group this queue formed (`WriteThreadImpl.lastBatchGroupSize`), so
 * the rate holds whatever the number of writers per group.
 *
 * REQUIRES: the caller owns `wt` (a GROUP_LEADER before enterAsBatchGroupLeader), and `wt`
 * is the queue the caller leads: a barrier raised on another queue would be raised by a
 * writer that does not own it (and could meet that queue's own barrier already up).
 * Timed delays apply on the primary queue only (the two-queue strategy passes
 * `timed: false` on its WAL-only queue, where only stops apply). Stall time lands in the
 * WriteThread's statistics through BeginWriteStall/EndWriteStall. Yields: every sleep and
 * every wait for a controller change (the leader keeps the queue throughout).
 */
import { Duration, Effect } from "effect"
import { WriteStall } from "./CoreQueueError.ts"
import type { WriteControllerImpl } from "./WriteController.ts"
import type { WriteThreadImpl } from "./WriteThread.ts"

/**
 * How often a delayed leader re-checks the controller. RocksDB's `kDelayInterval` is
 * 1001 µs; Effect's Clock here is read in whole milliseconds (TestClock keeps milliseconds,
 * and fractional ones break its nanosecond view), so the interval is 1 ms and a delay is
 * rounded up to whole milliseconds.
 */
export const DELAY_INTERVAL_MILLIS = 1

export interface DelayWriteOptions {
  /** The leader's `noSlowdown`: fail with WriteStall instead of waiting. */
  readonly noSlowdown: boolean
  /** Apply timed delays (primary queue). Default true. */
  readonly timed?: boolean
  /** True when waiting must end (the database closes or failed): checked after every wake. */
  readonly cancelled?: () => boolean
  /** A Promise that resolves when `cancelled` may have become true (wakes a stopped leader). */
  readonly wake?: () => Promise<void>
  /** Called each time the barrier goes up (the engine counts stalls). */
  readonly onStall?: () => void
}

const never = (): Promise<void> => new Promise<void>(() => undefined)

export const delayWrite = (
  wt: WriteThreadImpl,
  wc: WriteControllerImpl,
  numBytes: number,
  options: DelayWriteOptions,
): Effect.Effect<void, WriteStall> =>
  Effect.gen(function* () {
    const cancelled = options.cancelled ?? (() => false)
    if (options.timed !== false) {
      const delay = wc.getDelay(numBytes)
      if (delay > 0) {
        if (options.noSlowdown) return yield* new WriteStall({ reason: "Write stall" })
        wt.beginWriteStall()
        options.onStall?.()
        const deadline = (yield* Effect.clockWith((c) => c.currentTimeMillis)) + Math.ceil(delay / 1000)
        // YIELD: the leader sleeps with the barrier up; nobody can join meanwhile.
        yield* Effect.gen(function* () {
          while (wc.needsDelay() && !cancelled()) {
            const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
            if (now >= deadline) break
            yield* Effect.sleep(Duration.millis(Math.min(deadline - now, DELAY_INTERVAL_MILLIS)))
          }
        }).pipe(Effect.ensuring(Effect.sync(() => wt.endWriteStall())))
      }
    }
    while (wc.isStopped() && !cancelled()) {
      if (options.noSlowdown) return yield* new WriteStall({ reason: "Write stall" })
      wt.beginWriteStall()
      options.onStall?.()
      const wake = options.wake ?? never
      // YIELD: until a stop token is released or the caller wakes us (then re-check).
      yield* Effect.promise(() => Promise.race([wc.waitForChange(), wake()])).pipe(Effect.ensuring(Effect.sync(() => wt.endWriteStall())))
    }
  })
