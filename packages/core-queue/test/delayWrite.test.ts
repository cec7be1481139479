/** delayWrite: WriteController verdicts through the stall barrier, on the TestClock. */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, TestClock } from "effect"
import { delayWrite, STATE_COMPLETED, WriteController, Writer, WriteStall, WriteThread } from "../src/index.ts"
import { smallBatch } from "./support/batches.ts"

const MB = 1_000_000

const setup = Effect.gen(function* () {
  const wt = yield* WriteThread.make()
  const wc = yield* WriteController.make(10 * MB)
  const leader = new Writer(smallBatch())
  yield* WriteThread.await(wt.joinBatchGroup(leader))
  return { wt, wc, leader }
})

describe("delayWrite", () => {
  it.effect("no token: returns at once", () =>
    Effect.gen(function* () {
      const { wt, wc } = yield* setup
      yield* delayWrite(wt, wc, 10 * MB, { noSlowdown: false })
      expect(wt.stats.stalls).toBe(0)
    }),
  )

  it.effect("a timed delay raises the barrier for exactly the delay, sweeping queued noSlowdown writers", () =>
    Effect.gen(function* () {
      const { wt, wc } = yield* setup
      wc.getDelayToken(1 * MB)
      const fast = new Writer(smallBatch(), { noSlowdown: true })
      void wt.joinBatchGroup(fast)
      const fiber = yield* Effect.fork(delayWrite(wt, wc, 10 * MB, { noSlowdown: false }))
      yield* Effect.yieldNow()
      expect(wt.isStalled).toBe(true)
      expect(fast.state).toBe(STATE_COMPLETED)
      expect(fast.status).toBeInstanceOf(WriteStall)
      yield* TestClock.adjust(Duration.seconds(9.9))
      expect(wt.isStalled).toBe(true)
      yield* TestClock.adjust(Duration.seconds(0.1))
      yield* Fiber.join(fiber)
      expect(wt.isStalled).toBe(false)
      expect(wt.stats.stallMicros).toBe(10_000_000)
    }),
  )

  it.effect("a delay ends early when the last delay token is released", () =>
    Effect.gen(function* () {
      const { wt, wc } = yield* setup
      const token = wc.getDelayToken(1 * MB)
      const fiber = yield* Effect.fork(delayWrite(wt, wc, 10 * MB, { noSlowdown: false }))
      yield* TestClock.adjust(Duration.seconds(2))
      token.release()
      yield* Fiber.join(fiber)
      expect(wt.isStalled).toBe(false)
      expect(wt.stats.stallMicros).toBe(2_000_000)
    }),
  )

  it.effect("a stop waits until every stop token is released", () =>
    Effect.gen(function* () {
      const { wt, wc } = yield* setup
      const s1 = wc.getStopToken()
      const s2 = wc.getStopToken()
      const fiber = yield* Effect.fork(delayWrite(wt, wc, 100, { noSlowdown: false }))
      yield* Effect.yieldNow()
      expect(wt.isStalled).toBe(true)
      s1.release()
      yield* Effect.yieldNow()
      yield* Effect.yieldNow()
      expect(fiber.unsafePoll()).toBeNull()
      s2.release()
      yield* Fiber.join(fiber)
      expect(wt.isStalled).toBe(false)
      expect(wt.stats.stalls).toBe(2)
    }),
  )

  it.effect("a noSlowdown leader fails with WriteStall on a delay or a stop, and the barrier never goes up", () =>
    Effect.gen(function* () {
      const { wt, wc } = yield* setup
      const d = wc.getDelayToken(1 * MB)
      const delayed = yield* Effect.exit(delayWrite(wt, wc, 10 * MB, { noSlowdown: true }))
      expect(Exit.isFailure(delayed)).toBe(true)
      d.release()
      const s = wc.getStopToken()
      const stopped = yield* Effect.exit(delayWrite(wt, wc, 10, { noSlowdown: true }))
      expect(stopped).toEqual(Exit.fail(new WriteStall({ reason: "Write stall" })))
      s.release()
      expect(wt.stats.stalls).toBe(0)
    }),
  )
})
