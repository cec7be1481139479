/**
 * RocksDB's db/write_controller_test.cc, ported with its numbers. RocksDB's TimeSetClock
 * starts at 6666 µs; here the TestClock is set to the same instant and advanced by hand.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, TestClock } from "effect"
import { WriteController, type WriteControllerImpl, type WriteControllerToken } from "../src/index.ts"

const MB = 1_000_000 // RocksDB's test: `#define MB MILLION`
const MBPS = MB
const SECS = 1_000_000 // in microseconds

const start = TestClock.setTime(6.666) // 6666 µs, in milliseconds
const advance = (micros: number) => TestClock.adjust(Duration.millis(micros / 1000))
const make = (rate: number) => Effect.zipRight(start, WriteController.make(rate))

/** `tokens[i] = controller.GetDelayToken(r)`: the new token is acquired before the old is released. */
const replace = (tokens: Array<WriteControllerToken | undefined>, i: number, token: WriteControllerToken): void => {
  const old = tokens[i]
  tokens[i] = token
  old?.release()
}

describe("WriteController (write_controller_test.cc)", () => {
  it.effect("BasicAPI", () =>
    Effect.gen(function* () {
      const c: WriteControllerImpl = yield* make(40 * MBPS) // also sets the max delayed rate
      expect(c.delayedWriteRate).toBe(40 * MBPS)
      expect(c.isStopped()).toBe(false)
      expect(c.needsDelay()).toBe(false)
      expect(c.getDelay(100 * MB)).toBe(0)

      c.setDelayedWriteRate(20 * MBPS)
      expect(c.delayedWriteRate).toBe(20 * MBPS)
      expect(c.isStopped()).toBe(false)
      expect(c.needsDelay()).toBe(false)
      expect(c.getDelay(100 * MB)).toBe(0)

      const t0 = c.getDelayToken(10 * MBPS)
      expect(c.delayedWriteRate).toBe(10 * MBPS)
      expect(c.isStopped()).toBe(false)
      expect(c.needsDelay()).toBe(true)
      expect(c.getDelay(20 * MB)).toBe(2 * SECS)
      yield* advance(2 * SECS) // pay the "debt"

      const t1 = c.getDelayToken(2 * MBPS)
      expect(c.getDelay(20 * MB)).toBe(10 * SECS)
      yield* advance(10 * SECS)

      const t2 = c.getDelayToken(1 * MBPS)
      expect(c.getDelay(20 * MB)).toBe(20 * SECS)
      yield* advance(20 * SECS)

      const t3 = c.getDelayToken(20 * MBPS)
      expect(c.getDelay(20 * MB)).toBe(1 * SECS)
      yield* advance(1 * SECS)

      // 60 MB/s is more than the max rate of 40: the max is used.
      expect(c.delayedWriteRate).toBe(20 * MBPS)
      const t4 = c.getDelayToken(c.delayedWriteRate * 3)
      expect(c.delayedWriteRate).toBe(40 * MBPS)
      expect(c.getDelay(20 * MB)).toBe(0.5 * SECS)
      expect(c.isStopped()).toBe(false)
      expect(c.needsDelay()).toBe(true)

      // Stop tokens nest; GetDelay is 0 while stopped.
      const s1 = c.getStopToken()
      expect(c.isStopped()).toBe(true)
      expect(c.getDelay(100 * MB)).toBe(0)
      const s2 = c.getStopToken()
      expect(c.isStopped()).toBe(true)
      expect(c.getDelay(100 * MB)).toBe(0)
      s2.release()
      expect(c.isStopped()).toBe(true)
      expect(c.getDelay(100 * MB)).toBe(0)
      s1.release()
      expect(c.isStopped()).toBe(false)
      expect(c.needsDelay()).toBe(true)
      expect(c.delayedWriteRate).toBe(40 * MBPS)
      yield* advance(0.5 * SECS) // pay the previous "debt"
      expect(c.getDelay(40 * MB)).toBe(1 * SECS)

      for (const t of [t0, t1, t2, t3, t4]) t.release()
      expect(c.needsDelay()).toBe(false)
      expect(c.needSpeedupCompaction()).toBe(false)
    }),
  )

  it.effect("StartFilled", () =>
    Effect.gen(function* () {
      const c = yield* make(10 * MBPS)
      c.getDelayToken(c.delayedWriteRate)
      // Two writes that together fit in one refill interval are not delayed.
      expect(c.getDelay(2000)).toBe(0)
      expect(c.getDelay(2000)).toBe(0)
      yield* advance(1000) // kMicrosPerRefill
      expect(c.getDelay(2000)).toBe(0)
      expect(c.getDelay(2000)).toBe(0)
      // Control: something bigger that exceeds the rate within the interval.
      const delay = c.getDelay(10 * MB)
      expect(delay).toBeGreaterThan(0.999 * SECS)
      expect(delay).toBeLessThan(1.001 * SECS)
    }),
  )

  it.effect("DebtAccumulation", () =>
    Effect.gen(function* () {
      const c = yield* make(10 * MBPS)
      const tokens: Array<WriteControllerToken | undefined> = new Array(10).fill(undefined)

      // Debt accumulates in time with no passage of time (many column families delaying at once).
      let debt = 0
      for (let i = 0; i < tokens.length; i++) {
        replace(tokens, i, c.getDelayToken((i + 1) * MBPS))
        const delay = c.getDelay(63 * MB)
        expect(delay).toBeGreaterThan(debt)
        const incremental = delay - debt
        expect(incremental).toBe(Math.floor((63 * SECS) / (i + 1)))
        debt += incremental
      }
      yield* advance(debt) // pay down the debt
      debt = 0

      // Now with some passage of time: a new rate does not apply to delays already requested.
      for (let i = 0; i < tokens.length; i++) {
        replace(tokens, i, c.getDelayToken((i + 1) * MBPS))
        const delay = c.getDelay(63 * MB)
        expect(delay).toBeGreaterThan(debt)
        const incremental = delay - debt
        expect(incremental).toBe(Math.floor((63 * SECS) / (i + 1)))
        debt += incremental
        const credit = Math.floor(debt / 2)
        yield* advance(credit)
        debt -= credit
      }
      yield* advance(debt)
      expect(c.getDelay(100)).toBe(0) // paid down

      // Another debt, without accounting, releasing the tokens one by one.
      for (let i = 0; i < tokens.length; i++) {
        expect(c.getDelay(63 * MB)).toBeGreaterThan(0)
        expect(c.getDelay(100)).toBeGreaterThan(0)
        tokens[i]!.release()
        tokens[i] = undefined
      }
      // Releasing every token pays the debt, even with no time passing.
      tokens[0] = c.getDelayToken(1 * MBPS)
      expect(c.getDelay(100)).toBe(0)
    }),
  )

  it.effect("CreditAccumulation", () =>
    Effect.gen(function* () {
      const c = yield* make(10 * MBPS)
      const tokens: Array<WriteControllerToken | undefined> = new Array(10).fill(undefined)

      tokens[0] = c.getDelayToken(1 * MBPS)
      expect(c.getDelay(10 * MB)).toBe(10 * SECS)
      yield* advance(10 * SECS)

      // Accumulate a credit: idle time becomes bytes at the next operation (1000 s at 1 MB/s).
      let credit = 1000 * SECS
      yield* advance(credit)
      for (let i = 0; i < tokens.length; i++) {
        replace(tokens, i, c.getDelayToken((i + 1) * MBPS))
        expect(c.getDelay(63 * MB)).toBe(0)
        credit -= 63 * MB
      }
      // Spend the remaining credit.
      replace(tokens, 0, c.getDelayToken(1 * MBPS))
      expect(c.getDelay(credit)).toBe(0)
      expect(c.getDelay(10 * MB)).toBe(10 * SECS)
      yield* advance(10 * SECS)

      // Accumulate a credit, no accounting; spend a little while releasing the tokens.
      yield* advance(1000 * SECS)
      for (let i = 0; i < tokens.length; i++) {
        expect(c.getDelay(3 * MB)).toBe(0)
        tokens[i]!.release()
        tokens[i] = undefined
      }
      // All tokens released: the credit is wiped away by the next delay.
      tokens[0] = c.getDelayToken(1 * MBPS)
      expect(c.getDelay(10 * MB)).toBe(10 * SECS)
    }),
  )

  it.effect("tokens: compaction pressure, idempotent release, scoped tokens, and the change signal", () =>
    Effect.gen(function* () {
      const c = yield* make(10 * MBPS)
      const p = c.getCompactionPressureToken()
      expect(c.needSpeedupCompaction()).toBe(true)
      p.release()
      p.release()
      expect(c.needSpeedupCompaction()).toBe(false)

      const stop = c.getStopToken()
      let signalled = false
      const waiting = c.waitForChange().then(() => {
        signalled = true
      })
      stop.release()
      stop.release() // a second release is a no-op, not a negative count
      yield* Effect.promise(() => waiting)
      expect(signalled).toBe(true)
      expect(c.isStopped()).toBe(false)

      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* WriteController.scopedToken((wc) => wc.getStopToken())
          expect(c.isStopped()).toBe(true)
        }),
      ).pipe(Effect.provideService(WriteController, c))
      expect(c.isStopped()).toBe(false)
      // Rate 0 is clamped to 1 byte/s (never a division by zero).
      c.setDelayedWriteRate(0)
      expect(c.delayedWriteRate).toBe(1)
    }),
  )
})
