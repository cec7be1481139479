/**
 * delayWrite: `DBImpl::DelayWrite` (WRITE-PATH.md 5.3), the leader's throttle before it
 * forms a group. It joins the WriteController's verdict to the WriteThread's stall barrier:
 *
 *  - a timed delay (`getDelay(bytes) > 0`): a `noSlowdown` leader fails with WriteStall;
 *    otherwise the barrier goes up (queued noSlowdown writers are swept), the leader sleeps
 *    on the Clock until the delay is over or no delay token is left, and the barrier falls;
 *  - a stop (`isStopped()`): the same, waiting for a stop token to be released (RocksDB's
 *    `bg_cv_`), for as long as writes are stopped.
 *
 * REQUIRES: the caller owns the main queue (a GROUP_LEADER before enterAsBatchGroupLeader).
 * Timed delays apply on the primary queue only (the two-queue strategy passes `timed: false`
 * on its WAL-only queue, where only stops apply). Stall time lands in the WriteThread's
 * statistics through BeginWriteStall/EndWriteStall.
 *
 * Deviation: RocksDB sleeps in 1001 µs steps re-checking NeedsDelay; here the sleep races a
 * wake-up on token release, which ends the delay at the same moment without polling.
 */
import { Duration, Effect } from "effect"
import { WriteStall } from "./CoreQueueError.ts"
import type { WriteControllerImpl } from "./WriteController.ts"
import type { WriteThreadImpl } from "./WriteThread.ts"

export interface DelayWriteOptions {
  /** The leader's `noSlowdown`: fail with WriteStall instead of waiting. */
  readonly noSlowdown: boolean
  /** Apply timed delays (primary queue). Default true. */
  readonly timed?: boolean
}

/** Resolves once no delay token is held. */
const untilNoDelay = (wc: WriteControllerImpl): Effect.Effect<void> =>
  Effect.suspend(() =>
    wc.needsDelay()
      ? Effect.zipRight(
          Effect.promise(() => wc.waitForChange()),
          untilNoDelay(wc),
        )
      : Effect.void,
  )

export const delayWrite = (
  wt: WriteThreadImpl,
  wc: WriteControllerImpl,
  numBytes: number,
  options: DelayWriteOptions,
): Effect.Effect<void, WriteStall> =>
  Effect.gen(function* () {
    if (options.timed !== false) {
      const delay = wc.getDelay(numBytes)
      if (delay > 0) {
        if (options.noSlowdown) return yield* new WriteStall({ reason: "Write stall" })
        wt.beginWriteStall()
        // YIELD: the leader sleeps with the barrier up; nobody can join meanwhile.
        yield* Effect.raceFirst(Effect.sleep(Duration.micros(BigInt(delay))), untilNoDelay(wc)).pipe(
          Effect.ensuring(Effect.sync(() => wt.endWriteStall())),
        )
      }
    }
    while (wc.isStopped()) {
      if (options.noSlowdown) return yield* new WriteStall({ reason: "Write stall" })
      wt.beginWriteStall()
      // YIELD: until a stop token is released (then re-check: another may still be held).
      yield* Effect.promise(() => wc.waitForChange()).pipe(Effect.ensuring(Effect.sync(() => wt.endWriteStall())))
    }
  })
