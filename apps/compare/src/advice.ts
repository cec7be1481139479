/**
 * The strategy advice, the question the app exists to answer: for each workload and
 * durability mode (at the largest writer count that ran), the fastest writepath strategy
 * by median ops/s, its margin over the next one, whether that margin is more than noise
 * (rangeVerdict over the rounds), and the exact configuration that selects it.
 */
import type { Result } from "./Report.ts"
import { rangeVerdict, type Verdict } from "./verdict.ts"
import type { Workload } from "./Workload.ts"

export interface Advice {
  readonly workload: Workload
  readonly sync: boolean
  readonly writers: number
  readonly strategy: string
  readonly opsPerSec: number
  /** The runner-up, null when only one strategy ran. */
  readonly next: { readonly strategy: string; readonly opsPerSec: number } | null
  /** Median over the runner-up's median. */
  readonly margin: number | null
  /** The winner against the runner-up, from their rounds. */
  readonly verdict: Verdict | null
  readonly config: { readonly open: string; readonly layer: string; readonly env: string }
}

/** How to select a strategy, in each of the three ways the engine takes it. */
export const strategyConfig = (strategy: string): Advice["config"] => ({
  open: `open({ path, strategy: "${strategy}" })`,
  layer: `Db.layer({ path, strategy: "${strategy}" })`,
  env: `WRITEPATH_STRATEGY=${strategy}`,
})

const ran = (r: Result): boolean => r.skipped === null && r.ops > 0

/** One advice per workload and mode that a writepath strategy ran, at that workload's largest writer count. */
export const advise = (results: readonly Result[]): Advice[] => {
  const strategies = results.filter((r) => r.engine === "writepath" && r.strategy !== null && ran(r))
  const workloads = [...new Set(strategies.map((r) => r.workload))]
  return workloads.flatMap((workload) =>
    [true, false].flatMap((sync) => {
      const mode = strategies.filter((r) => r.workload === workload && r.sync === sync)
      if (mode.length === 0) return []
      const writers = Math.max(...mode.map((r) => r.writers))
      const [best, next] = mode.filter((r) => r.writers === writers).sort((a, b) => b.opsPerSec - a.opsPerSec)
      if (best === undefined || best.strategy === null) return []
      return [
        {
          workload,
          sync,
          writers,
          strategy: best.strategy,
          opsPerSec: best.opsPerSec,
          next: next?.strategy == null ? null : { strategy: next.strategy, opsPerSec: next.opsPerSec },
          margin: next === undefined || next.opsPerSec === 0 ? null : best.opsPerSec / next.opsPerSec,
          verdict: next === undefined ? null : rangeVerdict(best, next),
          config: strategyConfig(best.strategy),
        },
      ]
    }),
  )
}

const int = (n: number): string => Math.round(n).toLocaleString("en-US")

/** One line of advice: "fillrandom, sync, 64 writers: two-queue (61,241 ops/s), 1.16x pipelined, ahead. open(...) | ...". */
export const adviceText = (a: Advice): string => {
  const head = `${a.workload}, ${a.sync ? "sync" : "no-sync"}, ${a.writers} writers: use ${a.strategy} (${int(a.opsPerSec)} ops/s median)`
  const margin =
    a.next === null || a.margin === null
      ? "the only strategy that ran"
      : a.verdict === "ahead"
        ? `${a.margin.toFixed(2)}x ${a.next.strategy}, ahead in every round`
        : a.verdict === "within noise"
          ? `within noise of ${a.next.strategy} (${a.margin.toFixed(2)}x by median; the rounds overlap)`
          : `${a.margin.toFixed(2)}x ${a.next.strategy} (one round: no verdict)`
  return `${head}; ${margin}. ${a.config.open} | ${a.config.layer} | ${a.config.env}`
}
