/**
 * Running Debian's `db_bench` (package rocksdb-tools, RocksDB 7.8.3): where it is, the
 * flags of one round, and the process itself. Only this file knows db_bench's flags.
 */
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"

export const installHint = "apt-get install rocksdb-tools"

/** The db_bench on PATH, or null. */
export const findDbBench = (env: NodeJS.ProcessEnv = process.env): string | null => {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") continue
    const file = path.join(dir, "db_bench")
    try {
      fs.accessSync(file, fs.constants.X_OK)
      return file
    } catch {}
  }
  return null
}

/** RocksDB's own write-path modes, as DBOptions flags (db_bench 7.8 defaults to pipelined, so every mode sets it). */
export const dbBenchModes = {
  classic: ["--allow_concurrent_memtable_write=false", "--enable_pipelined_write=false"],
  "concurrent-memtable": ["--allow_concurrent_memtable_write=true", "--enable_pipelined_write=false"],
  pipelined: ["--allow_concurrent_memtable_write=true", "--enable_pipelined_write=true"],
  // unordered_write needs the concurrent memtable and rules out pipelining.
  unordered: ["--allow_concurrent_memtable_write=true", "--enable_pipelined_write=false", "--unordered_write=true"],
} as const
export type DbBenchMode = keyof typeof dbBenchModes

export interface DbBenchRound {
  readonly benchmark: "fillrandom" | "overwrite" | "fillseq"
  readonly mode: DbBenchMode
  readonly db: string
  readonly sync: boolean
  readonly threads: number
  readonly keySize: number
  readonly valueSize: number
  /** Key range: random keys are drawn from [0, num). */
  readonly num: number
  /** Whole seconds (db_bench's --duration is an int32); null: `writesPerThread` decides. */
  readonly seconds: number | null
  readonly writesPerThread: number | null
  readonly useExistingDb: boolean
  /** Key stream seed: each round of a cell its own keys. */
  readonly seed: number
}

/** The flags of one timed db_bench round. */
export const dbBenchArgs = (r: DbBenchRound): string[] => [
  `--benchmarks=${r.benchmark}`,
  `--db=${r.db}`,
  `--use_existing_db=${r.useExistingDb}`,
  `--key_size=${r.keySize}`,
  `--value_size=${r.valueSize}`,
  "--compression_type=none",
  `--sync=${r.sync}`,
  `--threads=${r.threads}`,
  `--num=${r.num}`,
  ...(r.seconds !== null ? [`--duration=${r.seconds}`, "--ops_between_duration_checks=1"] : []),
  ...(r.writesPerThread !== null ? [`--writes=${r.writesPerThread}`] : []),
  ...dbBenchModes[r.mode],
  "--histogram=1",
  "--statistics=1",
  `--seed=${r.seed}`,
]

/** The untimed preload of overwrite: `keys` keys in order, without sync. */
export const dbBenchPreloadArgs = (db: string, keys: number, keySize: number, valueSize: number): string[] => [
  "--benchmarks=fillseq",
  `--db=${db}`,
  `--num=${keys}`,
  `--key_size=${keySize}`,
  `--value_size=${valueSize}`,
  "--compression_type=none",
  "--sync=false",
]

/** Runs db_bench and resolves to its stdout; its per-op progress chatter on stderr is kept only for the error. */
export const runDbBench = (file: string, args: readonly string[]): Promise<string> =>
  new Promise((resolve, reject) =>
    execFile(file, [...args], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err === null) return resolve(stdout)
      const tail = `${stderr}`
        .split(/[\n\r]/)
        .filter((l) => l.trim() !== "" && !l.includes("... finished"))
        .slice(-3)
        .join(" | ")
      reject(new Error(`db_bench ${args[0] ?? ""} failed (${err.message.split("\n")[0]})${tail === "" ? "" : `: ${tail}`}`))
    }),
  )
