import type { Clock } from "effect"

/** Effect's Clock as a microsecond function, read synchronously inside critical sections. */
export const clockMicros =
  (clock: Clock.Clock): (() => number) =>
  () =>
    // Rounded, not truncated: TestClock keeps fractional milliseconds, whose nanosecond
    // conversion can land a hair below the intended microsecond.
    Math.round(Number(clock.unsafeCurrentTimeNanos()) / 1000)

/** The system clock in microseconds (used outside Effect). */
export const systemMicros = (): number => Math.round(performance.now() * 1000)
