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
      // 20 kB at 1 MB/s: 20 ms.
      const fiber = yield* Effect.fork(delayWrite(wt, wc, 20_000, { noSlowdown: false }))
      yield* Effect.yieldNow()
      expect(wt.isStalled).toBe(true)
      expect(fast.state).toBe(STATE_COMPLETED)
      expect(fast.status).toBeInstanceOf(WriteStall)
      // A noSlowdown writer arriving during the delay fails at once (BeginWriteStall's barrier).
      const late = new Writer(smallBatch(), { noSlowdown: true })
      expect(wt.joinBatchGroup(late)).toBeUndefined()
      expect(late.status).toBeInstanceOf(WriteStall)
      yield* TestClock.adjust(Duration.millis(19))
      expect(wt.isStalled).toBe(true)
      yield* TestClock.adjust(Duration.millis(1))
      yield* Fiber.join(fiber)
      expect(wt.isStalled).toBe(false)
      expect(wt.stats.stallMicros).toBe(20_000)
    }),
  )

  it.effect("a delay ends within one re-check interval (1 ms) of the last delay token's release", () =>
    Effect.gen(function* () {
      const { wt, wc } = yield* setup
      const token = wc.getDelayToken(1 * MB)
      const fiber = yield* Effect.fork(delayWrite(wt, wc, 100_000, { noSlowdown: false }))
      yield* TestClock.adjust(Duration.millis(5))
      token.release()
      yield* Effect.yieldNow()
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust(Duration.millis(1))
      yield* Fiber.join(fiber)
      expect(wt.isStalled).toBe(false)
      expect(wt.stats.stallMicros).toBe(6_000)
    }),
  )

  it.effect("the rate holds for groups: leaders charging their previous group's bytes admit at most rate·t + one group", () =>
    Effect.gen(function* () {
      // 64 writers per group of 100 B each at 1 MB/s: charging the leader's own batch
      // would admit 64x the rate (the x64); charging the group holds it.
      const rate = 1_000_000
      const wt = yield* WriteThread.make()
      const wc = yield* WriteController.make(rate)
      wc.getDelayToken(rate)
      const groupBytes = 64 * 100
      let admitted = 0
      const run = Effect.gen(function* () {
        for (let g = 0; g < 10; g++) {
          const leader = new Writer(smallBatch())
          yield* WriteThread.await(wt.joinBatchGroup(leader))
          yield* delayWrite(wt, wc, wt.lastBatchGroupSize, { noSlowdown: false })
          wt.lastBatchGroupSize = groupBytes // what enterAsBatchGroupLeader records for a 64-writer group
          admitted += groupBytes
          wt.exitUnbatched(leader)
        }
      })
      const fiber = yield* Effect.fork(run)
      let elapsedMs = 0
      while (fiber.unsafePoll() === null) {
        yield* TestClock.adjust(Duration.millis(2))
        elapsedMs += 2
        // Every group but the first was charged: admitted ≤ rate·t + one group (+ one 1 ms refill).
        expect(admitted).toBeLessThanOrEqual((rate * elapsedMs) / 1000 + groupBytes + rate / 1000)
      }
      yield* Fiber.join(fiber)
      expect(admitted).toBe(10 * groupBytes)
      // 9 charged groups of 6.4 kB at 1 MB/s: at least 57.6 ms.
      expect(elapsedMs).toBeGreaterThanOrEqual((9 * groupBytes * 1000) / rate - 2)
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
      // Every pending continuation runs (a macrotask turn), so the leader has re-checked.
      yield* Effect.promise(() => new Promise<void>((r) => setImmediate(r)))
      expect(fiber.unsafePoll()).toBeNull()
      expect(wt.isStalled).toBe(true)
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
