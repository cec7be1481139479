/**
 * The adapter every engine, peer and limit plugs in through. The runner only ever talks
 * to this interface, so an engine joins the comparison with one file in `engines/`.
 *
 * Durability is the adapter's business: a `put` with `sync: true` resolves only once the
 * engine says the write is durable under its own durable-write setting (fdatasync of the
 * WAL, LMDB's flushed promise, SQLite's synchronous=FULL...). Engines whose durability is
 * chosen when opening get the run's mode in `OpenOptions.sync`.
 */

import type { LatencyRecorder } from "./LatencyRecorder.ts"

/** Per-write options, passed on every call. */
export interface WriteOptions {
  readonly sync: boolean
}

/** Options of one run's open: the run's durability mode and its writer count. */
export interface OpenOptions {
  readonly sync: boolean
  readonly writers: number
}

/**
 * Cumulative counters since open. The runner takes them before and after the timed
 * part and reports the difference, so an engine never has to reset them.
 */
export interface EngineStats {
  /** Write groups committed (one leader each). */
  readonly groups: number
  /** Writers per group, averaged over `groups`. */
  readonly meanGroupSize: number
  /** fsync/fdatasync calls on the WAL. */
  readonly walSyncs: number
}

/** A two-phase-commit transaction: the txn workload does put, prepare, commit. */
export interface EngineTxn {
  put(key: Uint8Array, value: Uint8Array): void
  prepare(): Promise<void>
  commit(): Promise<void>
}

/** An open engine, for one run. */
export interface EngineHandle {
  put(key: Uint8Array, value: Uint8Array, options: WriteOptions): Promise<void>
  /** Required unless the engine says `supportsReads: false`. */
  get?(key: Uint8Array): Promise<Uint8Array | undefined>
  /** Iterates keys in [gte, lt), at most `limit` of them; resolves to how many it saw. */
  scan?(gte: Uint8Array, lt: Uint8Array, limit: number): Promise<number>
  /** Required when the engine says `supportsTxn: true`. */
  beginTransaction?(name: string, options: WriteOptions): EngineTxn
  stats?(): EngineStats
  close(): Promise<void>
}

export type EngineKind = "writepath" | "peer" | "limit"

/** What an engine that measures itself is asked to run (see `Engine.measure`). */
export interface MeasureSpec {
  readonly workload: string
  readonly sync: boolean
  readonly writers: number
  readonly keySize: number
  readonly valueSize: number
  /** Timed seconds of the round (null: `maxOps` decides). */
  readonly seconds: number | null
  readonly maxOps: number | null
  /** Rounds already run in this folder for this cell (0: a fresh folder). */
  readonly round?: number
}

/** One round of an engine that measures itself: its own timed window, latencies and counters. */
export interface Measurement {
  readonly ops: number
  readonly seconds: number
  /** Every operation's latency (or its histogram bucket's, for db_bench). */
  readonly latency: LatencyRecorder
  readonly stats: EngineStats | null
}

/** One engine of the comparison; `open` is called once per run, on a fresh folder. */
export interface Engine {
  /** "writepath", "classic-level", "limit-sync"... (the JSON's `engine`). */
  readonly name: string
  /** The writepath strategy, null for peers and limits (the JSON's `strategy`). */
  readonly strategy: string | null
  readonly kind: EngineKind
  /** Runs the txn workload (prepare + commit pairs). Default false. */
  readonly supportsTxn?: boolean
  /** Has get and scan, so runs readwhilewriting. Default true. */
  readonly supportsReads?: boolean
  /** Has a durable mode, so runs sync workloads. Default true. */
  readonly supportsSync?: boolean
  /** An extra row that runs only in headline cells (and in every cell under --full): rocksdb-cpp/unordered. */
  readonly headlineOnly?: boolean
  /** Has only a durable mode (limit-device), so skips no-sync workloads. Default false. */
  readonly syncOnly?: boolean
  /** A mode of a peer that runs in several (rocksdb-cpp's "classic", "pipelined"...); the JSON's `variant`. */
  readonly variant?: string
  /** Why this engine does not run a workload it is asked for (null: it does); checked before the run. */
  readonly skipWorkload?: (workload: string) => string | null
  /**
   * Engines that are not driven by the app's closed-loop writers (a separate process such
   * as db_bench, a device loop) measure a round themselves: open, preload and start-up stay
   * outside the window they report. `open` is then never called.
   */
  readonly measure?: (dir: string, spec: MeasureSpec) => Promise<Measurement>
  /** Resolves to null when the engine can run here, or to why not (reported as skipped). */
  probe(): Promise<string | null>
  open(dir: string, options: OpenOptions): Promise<EngineHandle>
}

/** The label of an engine in tables and charts: "writepath/classic", "lmdb". */
export const engineLabel = (engine: string, strategy: string | null, variant: string | null = null): string => {
  const mode = strategy ?? variant
  return mode === null ? engine : `${engine}/${mode}`
}
