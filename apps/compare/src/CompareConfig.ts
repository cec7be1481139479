/** What one invocation compares, after flags and defaults are merged. */
import { type EngineName, engineNames } from "./engines/allEngines.ts"
import { type Strategy, strategies } from "./engines/writepath.ts"
import { type Workload, workloads } from "./Workload.ts"

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
  readonly json: string
  readonly html: string
  /** Folder to run in (a temporary folder is made inside it); null: the OS temp folder. */
  readonly dir: string | null
}

/**
 * The default matrix: every engine, workload and mode at 1, 8 and 64 writers, in about
 * two minutes on 2 cores (110 s of runs plus opens, preloads and the report).
 */
export const defaultConfig: CompareConfig = {
  engines: engineNames,
  strategies,
  workloads,
  writers: [1, 8, 64],
  sync: "both",
  keySize: 16,
  valueSize: 100,
  ops: null,
  budgetSeconds: 110,
  quick: false,
  json: "compare-report/report.json",
  html: "compare-report/report.html",
  dir: null,
}

/** `--quick`: a smoke run under 20 s, every engine on two workloads. */
export const quickConfig: CompareConfig = {
  ...defaultConfig,
  workloads: ["fillrandom", "readwhilewriting", "txn"],
  writers: [1, 16],
  budgetSeconds: 10,
  quick: true,
}

/** Durability modes a config runs, sync first. */
export const syncModes = (mode: SyncMode): readonly boolean[] => (mode === "both" ? [true, false] : [mode === "on"])
