/**
 * WriteThreadStats: what the queue counts (RocksDB: WRITE_DONE_BY_SELF / WRITE_DONE_BY_OTHER
 * tickers, the write-group size, STALL_MICROS and the WRITE_STALL histogram).
 *
 * Plain counters bumped inside the queue's critical sections; reading them is a snapshot.
 */

/** A power-of-two histogram: bucket i counts values v with 2^(i-1) < v <= 2^i (bucket 0: v <= 1). */
export class Histogram {
  count = 0
  sum = 0
  min = Number.POSITIVE_INFINITY
  max = 0
  readonly buckets: number[] = []

  record(v: number): void {
    this.count++
    this.sum += v
    if (v < this.min) this.min = v
    if (v > this.max) this.max = v
    const i = v <= 1 ? 0 : Math.ceil(Math.log2(v))
    while (this.buckets.length <= i) this.buckets.push(0)
    this.buckets[i]!++
  }

  get average(): number {
    return this.count === 0 ? 0 : this.sum / this.count
  }

  toJSON(): HistogramSnapshot {
    return {
      count: this.count,
      average: this.average,
      min: this.count === 0 ? 0 : this.min,
      max: this.max,
      buckets: Object.fromEntries(this.buckets.flatMap((n, i) => (n === 0 ? [] : [[`<=${2 ** i}`, n]]))),
    }
  }
}

export interface HistogramSnapshot {
  readonly count: number
  readonly average: number
  readonly min: number
  readonly max: number
  readonly buckets: Readonly<Record<string, number>>
}

export class WriteThreadStats {
  /** Groups formed by `enterAsBatchGroupLeader`. */
  groupsFormed = 0
  /** Members per group (leader included). */
  readonly groupSize = new Histogram()
  /** Writers that led at once in `joinBatchGroup` (found the queue idle). */
  leadersWithoutWait = 0
  /** Writers that had to wait in `joinBatchGroup` (WRITE_DONE_BY_OTHER-ish: someone else acted first). */
  writersWaited = 0
  /** Writers completed with WriteStall by the stall barrier (at join or swept by BeginWriteStall). */
  writersStalledOut = 0
  /** BeginWriteStall calls. */
  stalls = 0
  /** Total microseconds between BeginWriteStall and EndWriteStall (STALL_MICROS). */
  stallMicros = 0
  /** Duration of each stall in microseconds (WRITE_STALL histogram). */
  readonly stallDuration = new Histogram()
  /** Memtable-writer groups formed by `enterAsMemTableWriter` (pipelined). */
  memtableGroupsFormed = 0
  /** Groups launched as parallel memtable writers. */
  parallelGroupsLaunched = 0

  snapshot(): WriteThreadStatsSnapshot {
    return {
      groupsFormed: this.groupsFormed,
      groupSize: this.groupSize.toJSON(),
      leadersWithoutWait: this.leadersWithoutWait,
      writersWaited: this.writersWaited,
      writersStalledOut: this.writersStalledOut,
      stalls: this.stalls,
      stallMicros: this.stallMicros,
      stallDuration: this.stallDuration.toJSON(),
      memtableGroupsFormed: this.memtableGroupsFormed,
      parallelGroupsLaunched: this.parallelGroupsLaunched,
    }
  }
}

export interface WriteThreadStatsSnapshot {
  readonly groupsFormed: number
  readonly groupSize: HistogramSnapshot
  readonly leadersWithoutWait: number
  readonly writersWaited: number
  readonly writersStalledOut: number
  readonly stalls: number
  readonly stallMicros: number
  readonly stallDuration: HistogramSnapshot
  readonly memtableGroupsFormed: number
  readonly parallelGroupsLaunched: number
}
