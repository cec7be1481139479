/**
 * WriteController: stop and delay tokens and the delayed-write credit arithmetic
 * (db/write_controller.{h,cc}; WRITE-PATH.md 5.3).
 *
 * Column families hold tokens: a StopWriteToken while writes must stop, a DelayWriteToken
 * while they must be slowed to `delayedWriteRate` bytes/s, a CompactionPressureToken while
 * compaction should speed up. The leader asks `getDelay(bytes)` for how long (microseconds)
 * to sleep before writing its group.
 *
 * The arithmetic: credit is kept in bytes and debt in time. Every `kMicrosPerRefill` (1 ms)
 * the elapsed time since the scheduled refill, plus one interval, becomes credit at the
 * current rate; a request beyond the credit pushes `nextRefillTime` forward by the time the
 * shortfall takes at the current rate, and the caller sleeps until then (at least 1 ms).
 * Credit and debt reset when the first delay token arrives (0 -> 1).
 *
 * All methods are synchronous (RocksDB calls them under the DB mutex); time comes from an
 * injected microsecond clock, Effect's Clock in `make` (TestClock in tests).
 */
import { type Clock, Context, Effect, Layer, type Scope } from "effect"
import { invariant } from "./internal/assert.ts"
import { clockMicros, systemMicros } from "./internal/clock.ts"

const kMicrosPerSecond = 1_000_000
/** Refill every 1 ms. */
const kMicrosPerRefill = 1000

/** RocksDB's WriteController default `delayed_write_rate`: 32 MiB/s (DBOptions sanitises 0 to 16 MiB/s). */
export const DEFAULT_DELAYED_WRITE_RATE = 32 * 1024 * 1024

/** RocksDB's `low_pri_rate_limiter_` rate: 1 MiB/s (`WriteController(..., low_pri_rate_bytes_per_sec = 1 MiB)`). */
export const DEFAULT_LOW_PRI_WRITE_RATE = 1024 * 1024

/** A held stop, delay or compaction-pressure condition. `release` is idempotent (RAII destructor). */
export interface WriteControllerToken {
  readonly kind: "stop" | "delay" | "compactionPressure"
  readonly released: boolean
  release(): void
}

class Token implements WriteControllerToken {
  released = false
  readonly kind: "stop" | "delay" | "compactionPressure"
  private readonly onRelease: () => void
  constructor(kind: "stop" | "delay" | "compactionPressure", onRelease: () => void) {
    this.kind = kind
    this.onRelease = onRelease
  }
  release(): void {
    if (this.released) return
    this.released = true
    this.onRelease()
  }
}

export class WriteControllerImpl {
  private totalStopped = 0
  private totalDelayed = 0
  private totalCompactionPressure = 0
  private creditInBytes = 0
  private nextRefillTime = 0
  private maxRate = 1
  private rate = 1
  private lowPriRate = DEFAULT_LOW_PRI_WRITE_RATE
  private lowPriNextFree = 0
  private changed: { promise: Promise<void>; resolve: () => void } | undefined = undefined
  private readonly nowMicros: () => number

  /** `delayedWriteRate` is also the maximum rate a delay token may ask for. */
  constructor(delayedWriteRate: number = DEFAULT_DELAYED_WRITE_RATE, nowMicros: () => number = systemMicros) {
    this.nowMicros = nowMicros
    this.setMaxDelayedWriteRate(delayedWriteRate)
  }

  getStopToken(): WriteControllerToken {
    this.totalStopped++
    return new Token("stop", () => {
      invariant(this.totalStopped >= 1, "stop token released twice")
      this.totalStopped--
      this.signalChange()
    })
  }

  /** A delay token; the controller's rate becomes `writeRate`, clamped to [1, max]. */
  getDelayToken(writeRate: number): WriteControllerToken {
    if (this.totalDelayed++ === 0) {
      // Starting a delay: reset credit and debt.
      this.nextRefillTime = 0
      this.creditInBytes = 0
    }
    // Existing credit or debt keeps the old rate's value; the new rate applies from now on.
    this.setDelayedWriteRate(writeRate)
    return new Token("delay", () => {
      invariant(this.totalDelayed >= 1, "delay token released twice")
      this.totalDelayed--
      this.signalChange()
    })
  }

  getCompactionPressureToken(): WriteControllerToken {
    this.totalCompactionPressure++
    return new Token("compactionPressure", () => {
      this.totalCompactionPressure--
    })
  }

  isStopped(): boolean {
    return this.totalStopped > 0
  }

  needsDelay(): boolean {
    return this.totalDelayed > 0
  }

  needSpeedupCompaction(): boolean {
    return this.isStopped() || this.needsDelay() || this.totalCompactionPressure > 0
  }

  get delayedWriteRate(): number {
    return this.rate
  }

  get maxDelayedWriteRate(): number {
    return this.maxRate
  }

  /** `set_delayed_write_rate`: clamp to [1, max] (0 would divide by zero). */
  setDelayedWriteRate(writeRate: number): void {
    this.rate = writeRate === 0 ? 1 : Math.min(writeRate, this.maxRate)
  }

  /** `set_max_delayed_write_rate`: also becomes the current rate. */
  setMaxDelayedWriteRate(writeRate: number): void {
    const r = writeRate === 0 ? 1 : writeRate
    this.maxRate = r
    this.rate = r
  }

  /** `GetDelay(clock, num_bytes)`: microseconds to sleep before writing `numBytes`; 0 = go now. */
  getDelay(numBytes: number): number {
    if (this.totalStopped > 0) return 0
    if (this.totalDelayed === 0) return 0

    if (this.creditInBytes >= numBytes) {
      this.creditInBytes -= numBytes
      return 0
    }
    const now = this.nowMicros()
    if (this.nextRefillTime === 0) {
      // Start with one interval's allotment.
      this.nextRefillTime = now
    }
    if (this.nextRefillTime <= now) {
      // Refill for the interval plus any extra time that has passed.
      const elapsed = now - this.nextRefillTime + kMicrosPerRefill
      this.creditInBytes += Math.trunc(((1.0 * elapsed) / kMicrosPerSecond) * this.rate + 0.999999)
      this.nextRefillTime = now + kMicrosPerRefill
      if (this.creditInBytes >= numBytes) {
        // Avoid a delay where possible.
        this.creditInBytes -= numBytes
        return 0
      }
    }
    // Take the shortfall as time debt.
    const bytesOverBudget = numBytes - this.creditInBytes
    const neededDelay = Math.trunc(((1.0 * bytesOverBudget) / this.rate) * kMicrosPerSecond)
    this.creditInBytes = 0
    this.nextRefillTime += neededDelay
    // At least one refill interval, to keep leaders from spinning on the clock.
    return Math.max(this.nextRefillTime - now, kMicrosPerRefill)
  }

  /**
   * The low-priority limiter (`low_pri_rate_limiter()->Request(bytes)`, WRITE-PATH.md 5.7):
   * microseconds a `lowPri` write of `numBytes` waits before it may enqueue, charged only
   * while `needSpeedupCompaction()`. Each request takes the next `numBytes / rate` of the
   * limiter's time line, starting no earlier than now, and waits until its turn starts; so
   * the bytes admitted over any interval T are at most rate·T plus one request, whatever
   * the number of writers. 0 = go now.
   */
  lowPriDelay(numBytes: number): number {
    const now = this.nowMicros()
    const start = Math.max(now, this.lowPriNextFree)
    this.lowPriNextFree = start + (numBytes / this.lowPriRate) * kMicrosPerSecond
    return Math.ceil(start - now)
  }

  get lowPriWriteRate(): number {
    return this.lowPriRate
  }

  /** `low_pri_rate_limiter()->SetBytesPerSecond`. */
  setLowPriWriteRate(bytesPerSecond: number): void {
    invariant(bytesPerSecond > 0, `low-priority write rate must be positive, got ${bytesPerSecond}`)
    this.lowPriRate = bytesPerSecond
  }

  /**
   * Resolves at the next release of a stop or delay token (the `bg_cv_` signal a stalled
   * leader waits on). One Promise shared by all waiters, made on demand.
   */
  waitForChange(): Promise<void> {
    if (this.changed === undefined) {
      let resolve!: () => void
      const promise = new Promise<void>((r) => {
        resolve = r
      })
      this.changed = { promise, resolve }
    }
    return this.changed.promise
  }

  private signalChange(): void {
    const c = this.changed
    this.changed = undefined
    c?.resolve()
  }
}

/** The WriteController service: one per database (or shared by several, like RocksDB's). */
export class WriteController extends Context.Tag("@writepath/core-queue/WriteController")<WriteController, WriteControllerImpl>() {
  /** A controller on the context's Clock. */
  static readonly make = (delayedWriteRate: number = DEFAULT_DELAYED_WRITE_RATE): Effect.Effect<WriteControllerImpl> =>
    Effect.map(Effect.clock, (clock: Clock.Clock) => new WriteControllerImpl(delayedWriteRate, clockMicros(clock)))

  static readonly layer = (delayedWriteRate: number = DEFAULT_DELAYED_WRITE_RATE): Layer.Layer<WriteController> =>
    Layer.effect(WriteController, WriteController.make(delayedWriteRate))

  /** A token held for the life of the scope (RAII). */
  static readonly scopedToken = (
    acquire: (c: WriteControllerImpl) => WriteControllerToken,
  ): Effect.Effect<WriteControllerToken, never, WriteController | Scope.Scope> =>
    Effect.flatMap(WriteController, (c) =>
      Effect.acquireRelease(
        Effect.sync(() => acquire(c)),
        (t) => Effect.sync(() => t.release()),
      ),
    )
}
