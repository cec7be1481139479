/**
 * `rocksdb-cpp`: RocksDB's own C++ write path (DBImpl::WriteImpl, WriteThread) on real OS
 * threads, through Debian's `db_bench`, one process per round, one row per RocksDB mode:
 * classic (`allow_concurrent_memtable_write=false`), concurrent-memtable, pipelined
 * (`enable_pipelined_write`) and unordered (`unordered_write`). Same workload, key and value
 * sizes as every other engine, compression off, `--sync` for durable rounds, `--threads` =
 * writers. db_bench times its own window (after open and thread start); latencies come from
 * `--histogram=1`, group sizes and WAL syncs from `--statistics=1`.
 *
 * Workloads: fillrandom and overwrite (over 10,000 keys loaded by an untimed fillseq run).
 * db_bench's readwhilewriting is N readers and one writer, not N writers and one reader, it
 * has no prepare/commit pair, and its fillseq ignores --duration: those rows are skipped.
 */
import type { Engine, Measurement, MeasureSpec } from "../Engine.ts"
import { LatencyRecorder } from "../LatencyRecorder.ts"
import { preloadKeys } from "../Workload.ts"
import { type DbBenchMode, dbBenchArgs, dbBenchPreloadArgs, findDbBench, installHint, runDbBench } from "./dbBench.ts"
import { groupStats, parseDbBench } from "./parseDbBench.ts"

// fillrandom's key range: as wide as the app's own fillrandom (mostly new keys).
const fillrandomRange = 1_000_000_000

const unsupported: Readonly<Record<string, string>> = {
  readwhilewriting: "db_bench's readwhilewriting runs N readers and one writer, not N writers and one reader",
  txn: "db_bench has no two-phase commit (prepare + commit) benchmark",
  fillseq: "db_bench's fillseq ignores --duration",
}

// db_bench's --duration is whole seconds. A shorter round is sized in writes per thread from
// the rate this mode last reached in the same cell (keyed below); a cell's first round, with
// nothing to go on, runs for one second.
const lastRate = new Map<string, number>()
const minWritesPerThread = 20

/** db_bench's stopping rule for a round: whole seconds, or writes per thread. */
export const dbBenchStop = (
  spec: MeasureSpec,
  knownRate: number | undefined,
): { readonly seconds: number | null; readonly writesPerThread: number | null } => {
  if (spec.seconds === null)
    return { seconds: null, writesPerThread: Math.max(1, Math.ceil((spec.maxOps ?? minWritesPerThread) / spec.writers)) }
  if (spec.seconds >= 1 || knownRate === undefined) return { seconds: Math.max(1, Math.round(spec.seconds)), writesPerThread: null }
  return { seconds: null, writesPerThread: Math.max(minWritesPerThread, Math.ceil((knownRate * spec.seconds) / spec.writers)) }
}

const rocksdbCppEngine = (mode: DbBenchMode): Engine => ({
  name: "rocksdb-cpp",
  strategy: null,
  variant: mode,
  kind: "peer",
  // unordered_write is the extra row: beside the three modes where it matters most.
  headlineOnly: mode === "unordered",
  supportsReads: false,
  skipWorkload: (workload) =>
    workload in unsupported ? (unsupported[workload] ?? null) : workload.startsWith("ycsb-") ? "db_bench 7.8 has no YCSB workloads" : null,
  probe: async () => (findDbBench() === null ? `db_bench is not on PATH (RocksDB's own benchmark; install it with: ${installHint})` : null),
  async open() {
    throw new Error("rocksdb-cpp runs through db_bench: measure(), not open()")
  },
  async measure(dir: string, spec: MeasureSpec): Promise<Measurement> {
    const file = findDbBench()
    if (file === null) throw new Error(`db_bench is not on PATH (${installHint})`)
    const overwrite = spec.workload === "overwrite"
    // overwrite's later rounds reuse the database its first round preloaded; fillrandom
    // "wants a fresh database" (db_bench asserts on --use_existing_db), so each of its rounds
    // starts from an empty one, made outside db_bench's timed window.
    const fresh = (spec.round ?? 0) === 0
    if (overwrite && fresh) await runDbBench(file, dbBenchPreloadArgs(dir, preloadKeys, spec.keySize, spec.valueSize))
    const benchmark = overwrite ? "overwrite" : "fillrandom"
    const cell = `${mode}|${spec.workload}|${spec.sync}|${spec.writers}|${spec.valueSize}`
    const stop = dbBenchStop(spec, lastRate.get(cell))
    const out = await runDbBench(
      file,
      dbBenchArgs({
        benchmark,
        mode,
        db: dir,
        sync: spec.sync,
        threads: spec.writers,
        keySize: spec.keySize,
        valueSize: spec.valueSize,
        num: overwrite ? preloadKeys : fillrandomRange,
        ...stop,
        useExistingDb: overwrite,
        seed: 301 + (spec.round ?? 0),
      }),
    )
    const run = parseDbBench(out, benchmark)
    // db_bench keeps buckets (about 1.5x wide); each operation counts at its bucket's upper bound.
    const latency = new LatencyRecorder()
    for (const [upper, n] of run.buckets) latency.recordCount(upper, n)
    if (run.seconds > 0) lastRate.set(cell, run.operations / run.seconds)
    return { ops: run.operations, seconds: run.seconds, latency, stats: groupStats(run) }
  },
})

export const rocksdbCppModes: readonly DbBenchMode[] = ["classic", "concurrent-memtable", "pipelined", "unordered"]
export const rocksdbCppEngines: readonly Engine[] = rocksdbCppModes.map(rocksdbCppEngine)
