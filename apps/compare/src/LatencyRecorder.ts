/**
 * Per-operation latencies in microseconds, kept in an HdrHistogram (3 significant
 * digits, 1 µs to 1 h) so a run of millions of operations costs constant memory and
 * percentiles are exact to 0.1 %.
 */
import * as hdr from "hdr-histogram-js"

/** Where the report samples the distribution for its CDF chart: dense in the tail, where engines differ. */
export const cdfPercentiles = [1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 97, 99, 99.5, 99.9, 99.99, 100] as const

export interface LatencySummary {
  readonly p50: number
  readonly p99: number
  readonly max: number
  /** [percentile, µs] at `cdfPercentiles`; empty when nothing was recorded. */
  readonly cdf: [number, number][]
}

export class LatencyRecorder {
  private readonly histogram = hdr.build({
    bitBucketSize: 64,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  })

  /** Records one operation; sub-microsecond operations count as 1 µs. */
  record(micros: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(micros)))
  }

  /** Records `count` operations of `micros` each (a bucket of another histogram, db_bench's). */
  recordCount(micros: number, count: number): void {
    if (count > 0) this.histogram.recordValueWithCount(Math.max(1, Math.round(micros)), count)
  }

  /** Adds every operation another recorder holds (rounds merged into one distribution). */
  addAll(other: LatencyRecorder): void {
    this.histogram.add(other.histogram)
  }

  get count(): number {
    return this.histogram.totalCount
  }

  /** Value at a percentile in [0, 100], as HdrHistogram reports it (the bucket's highest equivalent value). */
  percentile(p: number): number {
    return this.histogram.getValueAtPercentile(p)
  }

  summary(): LatencySummary {
    if (this.count === 0) return { p50: 0, p99: 0, max: 0, cdf: [] }
    return {
      p50: this.percentile(50),
      p99: this.percentile(99),
      max: this.histogram.maxValue,
      cdf: cdfPercentiles.map((p): [number, number] => [p, this.percentile(p)]),
    }
  }
}
