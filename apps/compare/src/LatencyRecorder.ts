/**
 * Per-operation latencies in microseconds, kept in an HdrHistogram (3 significant
 * digits, 1 µs to 1 h) so a run of millions of operations costs constant memory and
 * percentiles are exact to 0.1 %.
 */
import * as hdr from "hdr-histogram-js"

export interface LatencySummary {
  readonly p50: number
  readonly p99: number
  readonly max: number
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

  get count(): number {
    return this.histogram.totalCount
  }

  /** Value at a percentile in [0, 100], as HdrHistogram reports it (the bucket's highest equivalent value). */
  percentile(p: number): number {
    return this.histogram.getValueAtPercentile(p)
  }

  summary(): LatencySummary {
    if (this.count === 0) return { p50: 0, p99: 0, max: 0 }
    return { p50: this.percentile(50), p99: this.percentile(99), max: this.histogram.maxValue }
  }
}
