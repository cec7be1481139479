/**
 * A cell's rounds of one engine, summarized into the report's row: the median round as
 * `opsPerSec` with the min and max beside it (the range the verdicts compare), every round
 * kept, latency percentiles over every operation of every round merged, and each round's
 * load average flagged when it exceeded the core count.
 */
import * as os from "node:os"
import type { Engine } from "./Engine.ts"
import { LatencyRecorder } from "./LatencyRecorder.ts"
import type { Result } from "./Report.ts"
import type { Round } from "./Round.ts"
import type { Workload } from "./Workload.ts"

/** The cell a row belongs to, and its sizes. */
export interface CellSpec {
  readonly workload: Workload
  readonly sync: boolean
  readonly writers: number
  readonly keySize: number
  readonly valueSize: number
}

/** The median of a non-empty list (the mean of the middle two for an even length). */
export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) throw new Error("median of nothing")
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/** A result row that did not run. */
export const skippedResult = (engine: Engine, spec: CellSpec, reason: string, headline = false): Result => ({
  engine: engine.name,
  strategy: engine.strategy,
  variant: engine.variant ?? null,
  workload: spec.workload,
  sync: spec.sync,
  writers: spec.writers,
  keySize: spec.keySize,
  valueSize: spec.valueSize,
  ops: 0,
  seconds: 0,
  opsPerSec: 0,
  opsPerSecMin: 0,
  opsPerSecMax: 0,
  rounds: [],
  roundLoads: [],
  headline,
  latencyUs: { p50: 0, p99: 0, max: 0, cdf: [] },
  groups: null,
  walSyncs: null,
  skipped: reason,
  readsPerSec: null,
})

/** REQUIRES: at least one round. */
export const summarizeRounds = (
  engine: Engine,
  spec: CellSpec,
  rounds: readonly Round[],
  options: { readonly headline?: boolean; readonly cores?: number } = {},
): Result => {
  if (rounds.length === 0) throw new Error("summarizeRounds: no rounds")
  const cores = options.cores ?? Math.max(1, os.cpus().length)
  const latency = new LatencyRecorder()
  for (const r of rounds) latency.addAll(r.latency)
  const rates = rounds.map((r) => r.opsPerSec)
  const seconds = rounds.reduce((a, r) => a + r.seconds, 0)
  const withStats = rounds.flatMap((r) => (r.stats === null ? [] : [r.stats]))
  const groupCount = withStats.reduce((a, s) => a + s.groups, 0)
  const grouped = withStats.reduce((a, s) => a + s.groups * s.meanGroupSize, 0)
  const reads = rounds.every((r) => r.reads !== null) ? rounds.reduce((a, r) => a + (r.reads ?? 0), 0) : null
  return {
    ...skippedResult(engine, spec, "", options.headline ?? false),
    skipped: null,
    ops: rounds.reduce((a, r) => a + r.ops, 0),
    seconds,
    opsPerSec: median(rates),
    opsPerSecMin: Math.min(...rates),
    opsPerSecMax: Math.max(...rates),
    rounds: rates,
    roundLoads: rounds.map((r) => ({ start: r.load.start, end: r.load.end, overloaded: Math.max(r.load.start, r.load.end) > cores })),
    latencyUs: latency.summary(),
    groups: withStats.length === rounds.length ? { count: groupCount, meanSize: groupCount === 0 ? 0 : grouped / groupCount } : null,
    walSyncs: withStats.length === rounds.length ? withStats.reduce((a, s) => a + s.walSyncs, 0) : null,
    readsPerSec: reads !== null && seconds > 0 ? reads / seconds : null,
  }
}
