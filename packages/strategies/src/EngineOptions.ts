/**
 * The engine's options: one zod schema, RocksDB's names (camelCased) and defaults,
 * and the option-combination rules of WRITE-PATH.md 2.8 that apply to us.
 *
 * The write strategy is chosen by `strategy` or, the RocksDB way, by the mode
 * flags (`enablePipelinedWrite`, `twoWriteQueues`, `allowConcurrentMemtableWrite`);
 * when both are given they must agree. `WRITEPATH_STRATEGY` in the environment
 * supplies the strategy when the configuration names none.
 */
import { availableParallelism } from "node:os"
import { Data } from "effect"
import { z } from "zod"

export const STRATEGIES = ["classic", "pipelined", "two-queue", "concurrent-memtable"] as const
export type StrategyName = (typeof STRATEGIES)[number]

export const WAL_RECOVERY_MODES = [
  "tolerate-corrupted-tail-records",
  "absolute-consistency",
  "point-in-time",
  "skip-any-corrupted-records",
] as const
export type WalRecoveryMode = (typeof WAL_RECOVERY_MODES)[number]

/** RocksDB's default delayed_write_rate when none is set: 16 MiB/s. */
export const DEFAULT_DELAYED_WRITE_RATE = 16 * 1024 * 1024

/** Options rejected or inconsistent, named by field (`Status::InvalidArgument` / `NotSupported`). */
export class InvalidOptions extends Data.TaggedError("InvalidOptions")<{
  readonly field: string
  readonly reason: string
}> {
  override get message(): string {
    return `Invalid argument: option \`${this.field}\`: ${this.reason}`
  }
}

const positiveInt = z.number().int().positive()
const nonNegativeInt = z.number().int().nonnegative()

export const EngineOptionsSchema = z.strictObject({
  path: z.string().min(1, "must be a non-empty folder path"),
  strategy: z.enum(STRATEGIES).optional(),
  createIfMissing: z.boolean().default(true),
  errorIfExists: z.boolean().default(false),
  /** Bytes of one memtable arena (RocksDB write_buffer_size, 64 MiB). */
  writeBufferSize: positiveInt
    .min(64 * 1024, "must be at least 64 KiB")
    .max(2 ** 31 - 1, "must be below 2 GiB")
    .default(64 * 1024 * 1024),
  /** Memtables (mutable + immutable) before writes stop (max_write_buffer_number, 2). */
  maxWriteBufferNumber: positiveInt.min(2, "must be at least 2, as RocksDB sanitizes it").default(2),
  maxWriteBatchGroupSizeBytes: positiveInt.default(1 << 20),
  walRecoveryMode: z.enum(WAL_RECOVERY_MODES).default("point-in-time"),
  manualWalFlush: z.boolean().default(false),
  walBytesPerSync: nonNegativeInt.default(0),
  useFsync: z.boolean().default(false),
  recycleLogFileNum: nonNegativeInt.default(0),
  /** Worker threads inserting into the shared-memory memtable (concurrent-memtable only). */
  concurrentMemtableWorkers: positiveInt.max(64).optional(),
  /** Bytes/s once writes are delayed; 0 means RocksDB's default of 16 MiB/s. */
  delayedWriteRate: nonNegativeInt.default(0),
  /** Level-0 files that start a compaction into level 1 (level0_file_num_compaction_trigger, 4). */
  level0FileNumCompactionTrigger: positiveInt.default(4),
  /** Level-0 files at which writes are delayed (level0_slowdown_writes_trigger, 20). */
  level0SlowdownWritesTrigger: positiveInt.default(20),
  /** Level-0 files at which writes stop until compaction catches up (level0_stop_writes_trigger, 36). */
  level0StopWritesTrigger: positiveInt.default(36),
  /** Size a compaction output table is cut at (target_file_size_base, 64 MiB). */
  targetFileSizeBase: positiveInt.min(64 * 1024, "must be at least 64 KiB").default(64 * 1024 * 1024),
  /** Bytes level 1 may hold before it is compacted down (max_bytes_for_level_base, 256 MiB). */
  maxBytesForLevelBase: positiveInt.min(64 * 1024, "must be at least 64 KiB").default(256 * 1024 * 1024),
  /** Each deeper level may hold this many times more (max_bytes_for_level_multiplier, 10). */
  maxBytesForLevelMultiplier: z.number().min(2, "must be at least 2").default(10),
  /** No automatic compactions (disable_auto_compactions); level-0 stalls still apply. */
  disableAutoCompactions: z.boolean().default(false),
  /** Block compression of flushed and compacted tables (compression; Snappy as LevelDB's default). */
  compression: z.enum(["snappy", "none"]).default("snappy"),
  // RocksDB's mode flags, an alternative way to name the strategy.
  enablePipelinedWrite: z.boolean().optional(),
  twoWriteQueues: z.boolean().optional(),
  allowConcurrentMemtableWrite: z.boolean().optional(),
  unorderedWrite: z.boolean().optional(),
})

export type EngineOptionsInput = z.input<typeof EngineOptionsSchema>

/** Options after validation, defaults and sanitization. */
export interface EngineOptions {
  readonly path: string
  readonly strategy: StrategyName
  readonly createIfMissing: boolean
  readonly errorIfExists: boolean
  readonly writeBufferSize: number
  readonly maxWriteBufferNumber: number
  readonly maxWriteBatchGroupSizeBytes: number
  readonly walRecoveryMode: WalRecoveryMode
  readonly manualWalFlush: boolean
  readonly walBytesPerSync: number
  readonly useFsync: boolean
  readonly recycleLogFileNum: number
  readonly concurrentMemtableWorkers: number
  readonly delayedWriteRate: number
  readonly level0FileNumCompactionTrigger: number
  readonly level0SlowdownWritesTrigger: number
  readonly level0StopWritesTrigger: number
  readonly targetFileSizeBase: number
  readonly maxBytesForLevelBase: number
  readonly maxBytesForLevelMultiplier: number
  readonly disableAutoCompactions: boolean
  readonly compression: "snappy" | "none"
}

const fieldOf = (issue: z.core.$ZodIssue): string => {
  if (issue.code === "unrecognized_keys") return issue.keys.join(", ")
  return issue.path.length > 0 ? issue.path.join(".") : "(options)"
}

const reasonOf = (issue: z.core.$ZodIssue): string =>
  issue.code === "unrecognized_keys" ? `unknown option (known: ${Object.keys(EngineOptionsSchema.shape).join(", ")})` : issue.message

/** The strategy the mode flags name, or undefined when they name none; throws when they contradict each other. */
const strategyFromFlags = (o: z.output<typeof EngineOptionsSchema>): StrategyName | undefined => {
  if (o.unorderedWrite) {
    throw new InvalidOptions({
      field: "unorderedWrite",
      reason: "not supported: it gives up atomic batch visibility and snapshot immutability (WRITE-PATH.md 2.5)",
    })
  }
  if (o.twoWriteQueues && o.enablePipelinedWrite) {
    throw new InvalidOptions({
      field: "twoWriteQueues, enablePipelinedWrite",
      reason: "two_write_queues is not supported with enable_pipelined_write",
    })
  }
  if (o.enablePipelinedWrite && o.allowConcurrentMemtableWrite) {
    // The pipelined strategy inserts each memtable group serially; accepting the pair would
    // silently give a serial memtable stage where RocksDB runs it in parallel.
    throw new InvalidOptions({
      field: "enablePipelinedWrite, allowConcurrentMemtableWrite",
      reason: "the pipelined strategy has no parallel memtable stage; choose one of the two",
    })
  }
  if (o.enablePipelinedWrite) return "pipelined"
  if (o.twoWriteQueues) return "two-queue"
  if (o.allowConcurrentMemtableWrite) return "concurrent-memtable"
  return undefined
}

/**
 * Validates and completes engine options. `env` is the process environment (only
 * `WRITEPATH_STRATEGY` is read). Throws InvalidOptions naming the field.
 */
export const parseEngineOptions = (input: unknown, env: Record<string, string | undefined> = processEnv()): EngineOptions => {
  const parsed = EngineOptionsSchema.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new InvalidOptions({ field: fieldOf(issue), reason: reasonOf(issue) })
  }
  const o = parsed.data
  const fromFlags = strategyFromFlags(o)
  if (o.strategy !== undefined && fromFlags !== undefined && o.strategy !== fromFlags) {
    throw new InvalidOptions({ field: "strategy", reason: `"${o.strategy}" contradicts the mode flags, which select "${fromFlags}"` })
  }
  let strategy = o.strategy ?? fromFlags
  if (strategy === undefined) {
    const fromEnv = env.WRITEPATH_STRATEGY
    if (fromEnv !== undefined && fromEnv !== "") {
      if (!(STRATEGIES as ReadonlyArray<string>).includes(fromEnv)) {
        throw new InvalidOptions({ field: "WRITEPATH_STRATEGY", reason: `"${fromEnv}" is not one of ${STRATEGIES.join(", ")}` })
      }
      strategy = fromEnv as StrategyName
    }
  }
  strategy ??= "classic"
  if (o.concurrentMemtableWorkers !== undefined && strategy !== "concurrent-memtable") {
    throw new InvalidOptions({
      field: "concurrentMemtableWorkers",
      reason: `only applies to the concurrent-memtable strategy, not "${strategy}"`,
    })
  }
  if (o.allowConcurrentMemtableWrite === false && strategy === "concurrent-memtable") {
    throw new InvalidOptions({ field: "allowConcurrentMemtableWrite", reason: "must not be false with the concurrent-memtable strategy" })
  }
  // SanitizeOptions: recycling is silently turned off with recovery modes that cannot tell old records from new.
  const recycleLogFileNum =
    o.walRecoveryMode === "tolerate-corrupted-tail-records" || o.walRecoveryMode === "absolute-consistency" ? 0 : o.recycleLogFileNum
  return {
    path: o.path,
    strategy,
    createIfMissing: o.createIfMissing,
    errorIfExists: o.errorIfExists,
    writeBufferSize: o.writeBufferSize,
    maxWriteBufferNumber: o.maxWriteBufferNumber,
    maxWriteBatchGroupSizeBytes: o.maxWriteBatchGroupSizeBytes,
    walRecoveryMode: o.walRecoveryMode,
    manualWalFlush: o.manualWalFlush,
    walBytesPerSync: o.walBytesPerSync,
    useFsync: o.useFsync,
    recycleLogFileNum,
    concurrentMemtableWorkers: o.concurrentMemtableWorkers ?? Math.max(1, availableParallelism() - 1),
    delayedWriteRate: o.delayedWriteRate === 0 ? DEFAULT_DELAYED_WRITE_RATE : o.delayedWriteRate,
    // SanitizeOptions: the triggers must not decrease (slowdown >= compaction trigger, stop >= slowdown).
    level0FileNumCompactionTrigger: o.level0FileNumCompactionTrigger,
    level0SlowdownWritesTrigger: Math.max(o.level0SlowdownWritesTrigger, o.level0FileNumCompactionTrigger),
    level0StopWritesTrigger: Math.max(o.level0StopWritesTrigger, o.level0SlowdownWritesTrigger, o.level0FileNumCompactionTrigger),
    targetFileSizeBase: o.targetFileSizeBase,
    maxBytesForLevelBase: o.maxBytesForLevelBase,
    maxBytesForLevelMultiplier: o.maxBytesForLevelMultiplier,
    disableAutoCompactions: o.disableAutoCompactions,
    compression: o.compression,
  }
}

type DenoPermissions = { permissions: { querySync(d: { name: "env"; variable: string }): { state: string } } }

/**
 * `WRITEPATH_STRATEGY` from the environment. Under Deno without `--allow-env` reading it would
 * throw (or prompt on a terminal), so the permission is queried first: Deno runs with
 * `--allow-read --allow-write` only, and the variable then counts as unset.
 */
const readStrategyEnv = (): string | undefined => {
  const deno = (globalThis as { Deno?: DenoPermissions }).Deno
  if (deno !== undefined && deno.permissions.querySync({ name: "env", variable: "WRITEPATH_STRATEGY" }).state !== "granted")
    return undefined
  return typeof process !== "undefined" ? process.env.WRITEPATH_STRATEGY : undefined
}

const processEnv = (): Record<string, string | undefined> => ({ WRITEPATH_STRATEGY: readStrategyEnv() })

/** Per-write options (`WriteOptions`). */
export const WriteOptionsSchema = z.strictObject({
  sync: z.boolean().default(false),
  disableWAL: z.boolean().default(false),
  noSlowdown: z.boolean().default(false),
  lowPri: z.boolean().default(false),
})

export interface WriteOptions {
  readonly sync: boolean
  readonly disableWAL: boolean
  readonly noSlowdown: boolean
  readonly lowPri: boolean
}

export const DEFAULT_WRITE_OPTIONS: WriteOptions = Object.freeze({ sync: false, disableWAL: false, noSlowdown: false, lowPri: false })

/**
 * Validates per-write options. Hot path: the common shapes (undefined, or an object
 * of booleans) skip zod; anything else goes through the schema for a precise message.
 */
export const parseWriteOptions = (input: unknown, recycleLogFileNum = 0): WriteOptions => {
  if (input === undefined) return DEFAULT_WRITE_OPTIONS
  let wo: WriteOptions
  if (isPlainBooleanOptions(input)) {
    wo =
      WRITE_OPTIONS_BY_BITS[
        (input.sync === true ? 1 : 0) |
          (input.disableWAL === true ? 2 : 0) |
          (input.noSlowdown === true ? 4 : 0) |
          (input.lowPri === true ? 8 : 0)
      ]!
  } else {
    const parsed = WriteOptionsSchema.safeParse(input)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      throw new InvalidOptions({
        field: fieldOf(issue),
        reason: issue.code === "unrecognized_keys" ? "unknown write option" : issue.message,
      })
    }
    wo = parsed.data
  }
  if (wo.sync && wo.disableWAL) throw new InvalidOptions({ field: "sync, disableWAL", reason: "Sync writes has to enable WAL." })
  if (wo.disableWAL && recycleLogFileNum > 0) {
    throw new InvalidOptions({
      field: "disableWAL",
      reason: "WriteOptions::disableWAL option is not supported if DBOptions::recycle_log_file_num > 0",
    })
  }
  return wo
}

/** The 16 possible WriteOptions, shared and frozen: the per-write path allocates none. */
const WRITE_OPTIONS_BY_BITS: ReadonlyArray<WriteOptions> = Array.from({ length: 16 }, (_, b) =>
  Object.freeze({ sync: (b & 1) !== 0, disableWAL: (b & 2) !== 0, noSlowdown: (b & 4) !== 0, lowPri: (b & 8) !== 0 }),
)

const WRITE_OPTION_KEYS = new Set(["sync", "disableWAL", "noSlowdown", "lowPri"])

const isPlainBooleanOptions = (v: unknown): v is Partial<Record<"sync" | "disableWAL" | "noSlowdown" | "lowPri", boolean>> => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false
  for (const k in v) {
    if (!WRITE_OPTION_KEYS.has(k)) return false
    const x = (v as Record<string, unknown>)[k]
    if (x !== undefined && typeof x !== "boolean") return false
  }
  return true
}
