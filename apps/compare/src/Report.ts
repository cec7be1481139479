/**
 * The JSON contract of `compare-report/report.json` (issue 7), as a zod schema: the app
 * validates its own output with it before writing, and later tools can parse with it.
 * Fields beyond the (`readsPerSec`, `uvThreadpoolSize`, `settings`...) are
 * additions; none of the fields is renamed or reshaped.
 */
import { z } from "zod"
import { workloads } from "./Workload.ts"

const count = z.number().int().nonnegative()
const measure = z.number().nonnegative()

export const LatencySchema = z.object({
  p50: measure,
  p99: measure,
  max: measure,
  /** [percentile, µs] pairs over all rounds merged, for the CDF chart. */
  cdf: z.array(z.tuple([z.number().min(0).max(100), measure])),
})

/** The machine's 1-minute load average when a round started and ended; `overloaded` when either exceeded the core count. */
export const RoundLoadSchema = z.object({ start: measure, end: measure, overloaded: z.boolean() })

export const ResultSchema = z.object({
  engine: z.string().min(1),
  /** The writepath strategy; null for peers and limits. */
  strategy: z.string().nullable(),
  /** A peer's mode (rocksdb-cpp: classic, concurrent-memtable, pipelined, unordered); null otherwise. */
  variant: z.string().nullable(),
  workload: z.enum(workloads),
  sync: z.boolean(),
  writers: z.number().int().positive(),
  keySize: z.number().int().positive(),
  valueSize: z.number().int().nonnegative(),
  /** Writes (txn: transactions) completed in the timed part. */
  ops: count,
  /** Timed seconds over all rounds. */
  seconds: measure,
  /** The median of `rounds`. */
  opsPerSec: measure,
  opsPerSecMin: measure,
  opsPerSecMax: measure,
  /** ops/s of every round, in the order they ran. */
  rounds: z.array(measure),
  roundLoads: z.array(RoundLoadSchema),
  /** A headline cell (longer rounds; its bar chart leads the report). */
  headline: z.boolean(),
  /** Percentiles over every operation of every round. */
  latencyUs: LatencySchema,
  groups: z.object({ count, meanSize: measure }).nullable(),
  walSyncs: count.nullable(),
  /** null when the run ran; otherwise why it did not (or "failed: ..." when it broke). */
  skipped: z.string().nullable(),
  /** readwhilewriting only: the reader's gets and scans per second. */
  readsPerSec: measure.nullable(),
})
export type Result = z.infer<typeof ResultSchema>

export const SettingsSchema = z.object({
  engines: z.array(z.string()),
  strategies: z.array(z.string()),
  workloads: z.array(z.enum(workloads)),
  writers: z.array(z.number().int().positive()),
  sync: z.enum(["on", "off", "both"]),
  keySize: z.number().int().positive(),
  valueSize: z.number().int().nonnegative(),
  /** Cap on writes per run (null: none). */
  maxOps: count.nullable(),
  /** Total time budget split over the runs, seconds (null: runs are capped by ops only). */
  budgetSeconds: measure.nullable(),
  quick: z.boolean(),
  full: z.boolean(),
  warmUp: z.boolean(),
  /** Rounds per cell, interleaved: round r of every engine of a cell before round r + 1. */
  rounds: z.number().int().positive(),
  /** Least timed seconds of one round of a headline cell. */
  headlineSeconds: measure,
  /** The folder the runs wrote in (a temporary folder inside it, removed afterwards). */
  dir: z.string(),
})
export type Settings = z.infer<typeof SettingsSchema>

export const ReportSchema = z.object({
  /** "node 20.19.0", "bun 1.4.5", "deno 2.9.6": the runtime that produced the report. */
  runtime: z.string().min(1),
  machine: z.object({ cpus: z.number().int().positive(), memGiB: measure, platform: z.string(), cpuModel: z.string() }),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  /** libuv's thread pool size on Node: UV_THREADPOOL_SIZE, or libuv's default 4; null on Bun and Deno (no libuv pool). */
  uvThreadpoolSize: z.number().int().positive().nullable(),
  settings: SettingsSchema,
  results: z.array(ResultSchema),
})
export type Report = z.infer<typeof ReportSchema>
