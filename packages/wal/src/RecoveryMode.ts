/**
 * WAL recovery modes (`WALRecoveryMode`, `include/rocksdb/options.h`), with RocksDB's
 * semantics (WRITE-PATH.md 4.4):
 *
 * | mode | torn tail | corruption elsewhere |
 * |---|---|---|
 * | tolerate-corrupted-tail-records | ignored silently | reported: recovery fails |
 * | absolute-consistency | reported: recovery fails | recovery fails |
 * | point-in-time (default) | replay stops there; recovery succeeds | replay stops there; recovery succeeds |
 * | skip-any-corrupted-records | ignored | skipped; later valid records are replayed |
 */
export const WalRecoveryMode = {
  kTolerateCorruptedTailRecords: "tolerate-corrupted-tail-records",
  kAbsoluteConsistency: "absolute-consistency",
  kPointInTimeRecovery: "point-in-time",
  kSkipAnyCorruptedRecords: "skip-any-corrupted-records",
} as const

export type WalRecoveryMode = (typeof WalRecoveryMode)[keyof typeof WalRecoveryMode]

export const allRecoveryModes: ReadonlyArray<WalRecoveryMode> = [
  WalRecoveryMode.kTolerateCorruptedTailRecords,
  WalRecoveryMode.kAbsoluteConsistency,
  WalRecoveryMode.kPointInTimeRecovery,
  WalRecoveryMode.kSkipAnyCorruptedRecords,
]

/** RocksDB's numeric value of each mode (0..3), for logs and interop. */
export const recoveryModeValue = (mode: WalRecoveryMode): 0 | 1 | 2 | 3 =>
  mode === "tolerate-corrupted-tail-records" ? 0 : mode === "absolute-consistency" ? 1 : mode === "point-in-time" ? 2 : 3

/** Torn tails are reported (not silently ignored) only in these two modes. */
export const reportsTornTail = (mode: WalRecoveryMode): boolean => mode === "absolute-consistency" || mode === "point-in-time"
