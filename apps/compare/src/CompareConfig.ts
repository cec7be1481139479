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
  /** An untimed warm-up run per engine before the matrix (JIT, page cache). */
  readonly warmUp: boolean
  readonly json: string
  readonly html: string
  /** Folder to run in (a temporary folder is made inside it); null: the OS temp folder. */
  readonly dir: string | null
}

/**
 * The default matrix: every engine and mode at 1, 8 and 64 writers on four workloads, in
 * about two minutes on 2 cores (95 s of runs, opens and preloads, plus warm-up, loading
 * and the report). fillseq is left to `--workloads`: writepath's memtable and WAL do the
 * same work for it as for fillrandom, and each cell dropped lengthens the others' runs.
 */
export const defaultConfig: CompareConfig = {
  engines: engineNames,
  strategies,
  workloads: ["fillrandom", "overwrite", "readwhilewriting", "txn"],
  writers: [1, 8, 64],
  sync: "both",
  keySize: 16,
  valueSize: 100,
  ops: null,
  budgetSeconds: 95,
  quick: false,
  warmUp: true,
  json: "compare-report/report.json",
  html: "compare-report/report.html",
  dir: null,
}

/**
 * `--quick`: a smoke run under 20 s, every engine and mode, fillrandom and txn at 1 and 16
 * writers, no warm-up. (concurrent-memtable's open and close alone take ~2 s per run.)
 */
export const quickConfig: CompareConfig = {
  ...defaultConfig,
  workloads: ["fillrandom", "txn"],
  writers: [1, 16],
  budgetSeconds: 6,
  quick: true,
  warmUp: false,
}

/** Durability modes a config runs, sync first. */
export const syncModes = (mode: SyncMode): readonly boolean[] => (mode === "both" ? [true, false] : [mode === "on"])
