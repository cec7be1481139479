/**
 * WAL replay at open (`DBImpl::RecoverLogFiles`): every WAL file present is read in number
 * order under the recovery mode; records of WALs at or above the MANIFEST's log number go
 * into fresh memtables, records of older WALs only rebuild 2PC state (their data is in
 * tables already; such a WAL is still on disk only because a prepared transaction kept it).
 *
 * Owns nothing past the call: it returns the memtables, which WAL each recovered immutable
 * memtable's successor started in (the log number its flush records), the prepared
 * transactions and the replay report. Synchronous; nothing yields.
 */
import { ArenaFull, EntryTooLarge, MemTable, MemTableList } from "@writepath/memtable"
import type { EngineOptions } from "@writepath/strategies"
import { type LogFileService, logFileName, recoverLogs, WalRecoveryMode } from "@writepath/wal"
import { type RecoveredTransaction, RecoveryInserter } from "./RecoveryInserter.ts"

export interface RecoveryReport {
  readonly logs: ReadonlyArray<number>
  readonly records: number
  readonly lastSequence: number
  readonly dropped: ReadonlyArray<{ readonly logNumber?: number; readonly offset: number; readonly bytes: number; readonly reason: string }>
}

export interface RecoveredWals {
  readonly memtables: MemTableList
  /** For each recovered immutable memtable: the WAL its successor's first entry came from. */
  readonly logNumberAfter: Map<MemTable, number>
  /** Per memtable holding replayed commits: the oldest WAL holding their prepare sections (kept until it is flushed). */
  readonly prepLogsByMemtable: Map<MemTable, number>
  readonly prepared: ReadonlyArray<RecoveredTransaction>
  readonly lastSequence: number
  readonly report: RecoveryReport
}

const modeOf = (m: EngineOptions["walRecoveryMode"]): WalRecoveryMode =>
  m === "tolerate-corrupted-tail-records"
    ? WalRecoveryMode.kTolerateCorruptedTailRecords
    : m === "absolute-consistency"
      ? WalRecoveryMode.kAbsoluteConsistency
      : m === "skip-any-corrupted-records"
        ? WalRecoveryMode.kSkipAnyCorruptedRecords
        : WalRecoveryMode.kPointInTimeRecovery

const EMPTY = new Uint8Array(0)

/** Bytes beyond key and value a memtable node can take (tallest node, header, alignment; memtable `nodeBytes`). */
const RECOVERY_ENTRY_SLACK = 12 * 4 + 16 + 3 + 64

export const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to

export const newMemTable = (options: EngineOptions, earliestSequence: number): MemTable =>
  // The arena is viewed as an Int32Array/BigInt64Array, so its size must be a multiple of 8;
  // the options accept any integer (RocksDB's write_buffer_size has no alignment rule).
  MemTable.make({ writeBufferSize: roundUp(options.writeBufferSize, 8), earliestSequence })

/**
 * Replays `logs` (ascending) from `dir`. `flushedBelow` is the MANIFEST's log number;
 * `startSequence` its last sequence + 1. Throws the WAL's typed corruption errors.
 */
export const recoverWals = (
  options: EngineOptions,
  dir: string,
  files: LogFileService,
  logs: ReadonlyArray<number>,
  flushedBelow: number,
  startSequence: number,
): RecoveredWals => {
  const memtables = new MemTableList(newMemTable(options, 0))
  const logNumberAfter = new Map<MemTable, number>()
  const prepLogsByMemtable = new Map<MemTable, number>()
  let currentLog = 0
  let insert = true
  /**
   * Switches to a new memtable when the current one is full, and also when this entry does
   * not fit the room left: `shouldFlushNow` leaves room for small entries only, and a large
   * acknowledged value must never make the database unopenable. An entry larger than a
   * whole memtable of this open's writeBufferSize (written under a larger one) gets a
   * memtable sized for it.
   */
  const add = (seq: number, type: number, k: Uint8Array, v: Uint8Array): void => {
    if (!insert) return
    const switchTo = (next: MemTable): void => {
      logNumberAfter.set(memtables.mutable, currentLog)
      memtables.switchMemTable(next)
    }
    if (memtables.mutable.shouldFlushNow()) switchTo(newMemTable(options, seq - 1))
    try {
      memtables.mutable.add(seq, type, k, v) // on ArenaFull / EntryTooLarge nothing was inserted
    } catch (e) {
      if (!(e instanceof ArenaFull || e instanceof EntryTooLarge)) throw e
      const need = k.length + v.length + RECOVERY_ENTRY_SLACK
      const sized = need > options.writeBufferSize / 2 ? { ...options, writeBufferSize: roundUp(2 * need, 64 * 1024) } : options
      switchTo(newMemTable(sized, seq - 1))
      memtables.mutable.add(seq, type, k, v)
    }
  }
  const inserter = new RecoveryInserter(
    {
      put: (k, v, seq) => add(seq, 1, k, v),
      delete: (k, seq) => add(seq, 0, k, EMPTY),
      singleDelete: (k, seq) => add(seq, 7, k, EMPTY),
      deleteRange: (a, b, seq) => add(seq, 0x0f, a, b),
      merge: (k, v, seq) => add(seq, 2, k, v),
      committed: (prepareWal) => {
        // Only commits that went into a memtable need their prepare kept (an older WAL's
        // commit is in a table). The data may straddle a switch: the newest memtable, which
        // flushes last, carries the reference.
        if (!insert) return
        const m = memtables.mutable
        prepLogsByMemtable.set(m, Math.min(prepLogsByMemtable.get(m) ?? prepareWal, prepareWal))
      },
    },
    startSequence,
  )
  const result = recoverLogs(
    files,
    logs.map((n) => ({ logNumber: n, path: logFileName(dir, n) })),
    { recoveryMode: modeOf(options.walRecoveryMode) },
  )
  for (const r of result.records) {
    currentLog = r.logNumber
    // A WAL below the MANIFEST's log number is in tables: replay it for its 2PC markers only.
    insert = r.logNumber >= flushedBelow
    inserter.replay(r.batch, r.logNumber)
  }
  const lastSequence = Math.max(inserter.lastSequence, result.lastSequence, startSequence - 1)
  return {
    memtables,
    logNumberAfter,
    prepLogsByMemtable,
    prepared: [...inserter.prepared.values()],
    lastSequence,
    report: {
      logs,
      records: result.records.length,
      lastSequence,
      dropped: result.dropped.map((d) => ({
        offset: d.offset,
        bytes: d.bytes,
        reason: d.reason,
        ...("logNumber" in d ? { logNumber: (d as { logNumber: number }).logNumber } : {}),
      })),
    },
  }
}
