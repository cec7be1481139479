/** What one invocation compares, after flags and defaults are merged. */
import { type EngineName, engineNames } from "./engines/allEngines.ts"
import { type Strategy, strategies } from "./engines/writepath.ts"
import type { Workload } from "./Workload.ts"

export type SyncMode = "on" | "off" | "both"

export interface CompareConfig {
  readonly engines: readonly EngineName[]
  readonly strategies: readonly Strategy[]
  readonly workloads: readonly Workload[]
  readonly writers: readonly number[]
  readonly sync: SyncMode
  readonly keySize: number
  readonly valueSize: number
  /** Cap on writes per run; null: capped by time only. */
  readonly ops: number | null
  /** Total seconds split evenly over the runs that remain; null: capped by `ops` only. */
  readonly budgetSeconds: number | null
  readonly quick: boolean
  /** Today's wide matrix (1, 8, 64 writers) with the old line charts in the report. */
  readonly full: boolean
  /** Print only the strategy advice. */
  readonly advise: boolean
  /** Rounds per cell, interleaved across the cell's engines. */
  readonly rounds: number
  /** Timed seconds of each round of a headline cell. */
  readonly headlineSeconds: number
  /** Headline cells: these workloads and modes at the largest writer count. */
  readonly headline: { readonly workloads: readonly Workload[]; readonly sync: readonly boolean[] }
  /** An untimed warm-up run per engine before the matrix (JIT, page cache). */
  readonly warmUp: boolean
  readonly json: string
  readonly html: string
  /** Folder to run in (a temporary folder is made inside it); null: the OS temp folder. */
  readonly dir: string | null
}

/**
 * The default run (`pnpm compare`): every engine, strategy and limit at 1 and 64 writers,
 * sync and no-sync, on fillrandom, overwrite, readwhilewriting and txn, 3 interleaved
 * rounds per cell, aiming at 4 minutes on 2 cores: the headline cell (fillrandom, sync, 64
 * writers: 14 engines x 3 rounds x 2 s = 84 s) gets 2-s rounds, the other 384 rounds share
 * the rest of the budget (at least 0.1 s each). `--rounds 5 --writers 64 --sync on` gives
 * every 64-writer sync cell its own longer look.
 */
export const defaultConfig: CompareConfig = {
  engines: engineNames,
  strategies,
  workloads: ["fillrandom", "overwrite", "readwhilewriting", "txn"],
  writers: [1, 64],
  sync: "both",
  keySize: 16,
  valueSize: 100,
  ops: null,
  budgetSeconds: 150,
  quick: false,
  full: false,
  advise: false,
  rounds: 3,
  headlineSeconds: 2,
  headline: { workloads: ["fillrandom"], sync: [true] },
  warmUp: true,
  json: "compare-report/report.json",
  html: "compare-report/report.html",
  dir: null,
}

/** `--full`: the wide matrix of 1, 8 and 64 writers, with the line charts over writers. */
export const fullConfig: CompareConfig = {
  ...defaultConfig,
  writers: [1, 8, 64],
  budgetSeconds: 420,
  full: true,
}

/** `--quick`: a smoke run, every engine and mode, fillrandom and txn at 16 writers, 2 rounds, no warm-up. */
export const quickConfig: CompareConfig = {
  ...defaultConfig,
  workloads: ["fillrandom", "txn"],
  writers: [16],
  budgetSeconds: 10,
  rounds: 2,
  headline: { workloads: [], sync: [] },
  quick: true,
  warmUp: false,
}

/** Durability modes a config runs, sync first. */
export const syncModes = (mode: SyncMode): readonly boolean[] => (mode === "both" ? [true, false] : [mode === "on"])

/** A headline cell: a headline workload and mode at the config's largest writer count. */
export const isHeadline = (
  config: Pick<CompareConfig, "headline" | "writers">,
  cell: { readonly workload: Workload; readonly sync: boolean; readonly writers: number },
): boolean =>
  cell.writers === Math.max(...config.writers) &&
  config.headline.workloads.includes(cell.workload) &&
  config.headline.sync.includes(cell.sync)
