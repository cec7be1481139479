/**
 * Write latencies for `db.stats()`: the most recent samples in a ring, percentiles
 * computed on demand. Exact over the window; cheap to record (one store).
 */
export class LatencyWindow {
  private readonly ring: Float64Array
  private n = 0

  constructor(size = 1 << 14) {
    this.ring = new Float64Array(size)
  }

  record(micros: number): void {
    this.ring[this.n++ % this.ring.length] = micros
  }

  get count(): number {
    return this.n
  }

  /** p in [0, 100]; 0 when nothing was recorded. Nearest-rank over the window. */
  percentiles(ps: ReadonlyArray<number>): number[] {
    const len = Math.min(this.n, this.ring.length)
    if (len === 0) return ps.map(() => 0)
    const sorted = this.ring.slice(0, len).sort()
    return ps.map((p) => sorted[Math.min(len - 1, Math.max(0, Math.ceil((p / 100) * len) - 1))]!)
  }
}
