/**
 * Reads what `db_bench` prints for one benchmark (RocksDB 7.8's format):
 *
 *   fillrandom   :    7441.112 micros/op 6762 ops/sec 9.455 seconds 63936 operations;    0.7 MB/s
 *   Microseconds per write:
 *   Count: 63936 Average: 8526.0506  StdDev: 50380.62
 *   Percentiles: P50: 2712.22 P75: 5470.22 P99: 73184.73 P99.9: 383040.00 P99.99: 2124992.00
 *   (     380,     580 ]      124   0.194%   0.194%
 *   rocksdb.write.self COUNT : 2512
 *
 * The summary line comes from `--benchmarks`, the histogram from `--histogram=1`, the
 * counters from `--statistics=1`. Anything missing is a DbBenchOutputError naming it, so a
 * db_bench whose output changed fails loudly instead of reporting zeros.
 */

export class DbBenchOutputError extends Error {
  readonly _tag = "DbBenchOutputError"
  readonly missing: string
  constructor(missing: string) {
    super(`db_bench output has no ${missing}`)
    this.missing = missing
  }
}

export interface DbBenchRun {
  readonly benchmark: string
  readonly opsPerSec: number
  readonly seconds: number
  readonly operations: number
  /** "P50", "P75", "P99", "P99.9", "P99.99" -> µs. */
  readonly percentiles: ReadonlyMap<string, number>
  /** Histogram buckets as (upper bound µs, count). */
  readonly buckets: readonly (readonly [number, number])[]
  /** Every `name COUNT : n` ticker of `--statistics=1`. */
  readonly tickers: ReadonlyMap<string, number>
}

const num = (s: string): number => Number(s.replace(/,/g, ""))

/** Parses the output of a db_bench run of `benchmark`. */
export const parseDbBench = (output: string, benchmark: string): DbBenchRun => {
  const lines = output.split("\n")
  const summary = new RegExp(`^${benchmark}\\s*:\\s*([\\d.]+) micros/op (\\d+) ops/sec(?: ([\\d.]+) seconds (\\d+) operations)?`)
  const at = lines.findIndex((l) => summary.test(l))
  if (at < 0) throw new DbBenchOutputError(`"${benchmark} : ... ops/sec" line`)
  const m = summary.exec(lines[at] as string) as RegExpExecArray
  if (m[3] === undefined || m[4] === undefined) throw new DbBenchOutputError(`seconds and operations on the ${benchmark} line`)
  const percentiles = new Map<string, number>()
  const buckets: [number, number][] = []
  const tickers = new Map<string, number>()
  for (const line of lines.slice(at + 1)) {
    if (line.startsWith("Percentiles:"))
      for (const p of line.matchAll(/(P[\d.]+): ([\d.]+)/g)) percentiles.set(p[1] as string, num(p[2] as string))
    const bucket = /^\(\s*([\d.]+),\s*([\d.]+)\s*\]\s+(\d+)\s/.exec(line)
    if (bucket !== null) buckets.push([num(bucket[2] as string), num(bucket[3] as string)])
    const ticker = /^(rocksdb\.[\w.]+) COUNT : (\d+)$/.exec(line.trim())
    if (ticker !== null) tickers.set(ticker[1] as string, num(ticker[2] as string))
  }
  return {
    benchmark,
    opsPerSec: num(m[2] as string),
    seconds: num(m[3]),
    operations: num(m[4]),
    percentiles,
    buckets,
    tickers,
  }
}

/** RocksDB's write-group counters: each leader counts one `write.self`, each follower it wrote for one `write.other`. */
export const groupStats = (run: DbBenchRun): { groups: number; meanGroupSize: number; walSyncs: number } => {
  const self = run.tickers.get("rocksdb.write.self")
  const other = run.tickers.get("rocksdb.write.other")
  const synced = run.tickers.get("rocksdb.wal.synced")
  if (self === undefined || other === undefined) throw new DbBenchOutputError("rocksdb.write.self / rocksdb.write.other (--statistics=1)")
  if (synced === undefined) throw new DbBenchOutputError("rocksdb.wal.synced (--statistics=1)")
  return { groups: self, meanGroupSize: self === 0 ? 0 : (self + other) / self, walSyncs: synced }
}
