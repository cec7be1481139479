import { describe, expect, it } from "vitest"
import { cdfPercentiles, LatencyRecorder } from "../src/LatencyRecorder.ts"
import { xorshift } from "../src/Workload.ts"

/** Nearest-rank percentile of a sorted sample: the smallest value with at least p% of the sample at or below it. */
const nearestRank = (sorted: readonly number[], p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!

describe("LatencyRecorder", () => {
  it("is all zeros when empty", () => {
    expect(new LatencyRecorder().summary()).toEqual({ p50: 0, p99: 0, max: 0, cdf: [] })
  })

  it("gives exact percentiles for small integer latencies", () => {
    const r = new LatencyRecorder()
    for (let us = 1; us <= 1000; us++) r.record(us)
    expect(r.count).toBe(1000)
    const { cdf, ...rest } = r.summary()
    expect(rest).toEqual({ p50: 500, p99: 990, max: 1000 })
    expect(cdf.map(([p]) => p)).toEqual([...cdfPercentiles])
    expect(cdf.find(([p]) => p === 90)).toEqual([90, 900])
    expect(cdf.at(-1)).toEqual([100, 1000])
  })

  it("merges recorders and takes bucket counts (rounds merged, db_bench's histogram)", () => {
    const a = new LatencyRecorder()
    const b = new LatencyRecorder()
    for (let us = 1; us <= 500; us++) a.record(us)
    b.recordCount(1000, 500)
    b.recordCount(7, 0)
    a.addAll(b)
    expect([a.count, a.percentile(50), a.percentile(51), a.summary().max]).toEqual([1000, 500, 1000, 1000])
  })

  it("matches nearest-rank percentiles of a skewed sample to 0.1 %", () => {
    const random = xorshift(42)
    // Log-normal-ish: most writes fast, a long tail of slow fsyncs.
    const sample = Array.from({ length: 50_000 }, () => Math.round(Math.exp(random() * random() * 14)) + 1)
    const r = new LatencyRecorder()
    for (const v of sample) r.record(v)
    const sorted = [...sample].sort((a, b) => a - b)
    for (const p of [50, 90, 99, 99.9]) {
      const exact = nearestRank(sorted, p)
      expect(Math.abs(r.percentile(p) - exact)).toBeLessThanOrEqual(Math.max(1, exact * 0.001))
    }
    expect(Math.abs(r.summary().max - sorted.at(-1)!)).toBeLessThanOrEqual(sorted.at(-1)! * 0.001)
  })

  it("counts sub-microsecond operations as 1 µs and rounds the rest", () => {
    const r = new LatencyRecorder()
    r.record(0.2)
    r.record(2.6)
    expect([r.percentile(50), r.summary().max]).toEqual([1, 3])
  })
})
