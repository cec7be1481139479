/**
 * Replaying WALs under a recovery mode (`DBImpl::RecoverLogFiles`, WRITE-PATH.md 4.4).
 *
 * Reads each log in log-number order, hands back every WriteBatch record with its
 * sequence, and decides per recovery mode whether a reported corruption fails the
 * recovery (tolerate-corrupted-tail-records, absolute-consistency), stops replay
 * (point-in-time) or is skipped (skip-any-corrupted-records).
 *
 * Point-in-time: the first reported corruption (or the end of a recycled log's new data)
 * ends replay of that log; later logs are dropped unless a later log's first record has
 * exactly the expected next sequence (the DB was reopened and written after an earlier
 * corruption). Recovery then succeeds.
 *
 * Not modelled here: the column-family consistency check against SST files (there are no
 * SSTs yet) and `track_and_verify_wals`.
 *
 * Synchronous: no yields; the Effect face wraps one synchronous call.
 */
import { HEADER_SIZE } from "@writepath/batch"
import { Effect } from "effect"
import { trySync } from "./internal/tryTyped.ts"
import { LogFile, type LogFileService, type ReadableLogFile } from "./LogFile.ts"
import { LogReader, type ReaderDrop } from "./LogReader.ts"
import { WalRecoveryMode } from "./RecoveryMode.ts"
import { IOError, ioErrorFrom, WalCorruption, type WalNotSupported } from "./WalError.ts"

/** A WAL file to replay. */
export interface WalFileRef {
  readonly logNumber: number
  readonly path: string
}

export interface RecoverOptions {
  /** Default point-in-time. */
  readonly recoveryMode?: WalRecoveryMode
  /** With false, corruptions are logged (listed) but never fail or stop recovery (`paranoid_checks`). Default true. */
  readonly paranoidChecks?: boolean
  /** Verify record CRCs. Default true. */
  readonly checksum?: boolean
}

/** One replayed WriteBatch. */
export interface RecoveredRecord {
  readonly logNumber: number
  /** File offset of the record's first fragment. */
  readonly offset: number
  readonly sequence: number
  readonly count: number
  /** The WriteBatch bytes (sequence, count, records): feed to `WriteBatch.fromBytes`. */
  readonly batch: Uint8Array
}

export interface RecoveryResult {
  readonly records: ReadonlyArray<RecoveredRecord>
  /** Sequence of the last replayed operation (`next_sequence - 1`); 0 when nothing was replayed. */
  readonly lastSequence: number
  /** Every dropped region, in order; `reported: false` marks drops RocksDB makes silently. */
  readonly dropped: ReadonlyArray<ReaderDrop>
  /** Point-in-time only: where replay stopped, if it did. */
  readonly stoppedAt?: { readonly logNumber: number; readonly offset: number; readonly reason: string }
  /** Logs whose records were not replayed because replay had stopped before them. */
  readonly droppedLogs: ReadonlyArray<number>
}

const fixed64 = (b: Uint8Array): number => {
  const lo = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0
  const hi = (b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0
  return hi * 2 ** 32 + lo
}

const fixed32 = (b: Uint8Array, i: number): number => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0

/**
 * Replays `logs` (any order; sorted here by log number). Throws `WalCorruption` (the mode
 * does not tolerate what was found), `IOError` (a file could not be opened or read) or
 * `WalNotSupported` (a compressed WAL).
 */
export const recoverLogs = (service: LogFileService, logs: ReadonlyArray<WalFileRef>, options: RecoverOptions = {}): RecoveryResult => {
  const mode = options.recoveryMode ?? WalRecoveryMode.kPointInTimeRecovery
  const paranoid = options.paranoidChecks ?? true
  // RocksDB passes no status sink in skip mode or without paranoid checks: nothing reported stops replay.
  const statusSink = paranoid && mode !== WalRecoveryMode.kSkipAnyCorruptedRecords
  const sorted = [...logs].sort((a, b) => a.logNumber - b.logNumber)
  const records: RecoveredRecord[] = []
  const dropped: ReaderDrop[] = []
  const droppedLogs: number[] = []
  let nextSequence: number | undefined
  let stopReplay = false
  let stoppedAt: RecoveryResult["stoppedAt"]

  for (const log of sorted) {
    let status: ReaderDrop | undefined
    let file: ReadableLogFile
    try {
      file = service.openReadable(log.path)
    } catch (e) {
      throw ioErrorFrom("open for read", log.path, e)
    }
    try {
      const reader = new LogReader(file, {
        logNumber: log.logNumber,
        recoveryMode: mode,
        checksum: options.checksum ?? true,
        reporter: (d) => {
          dropped.push(d)
          if (d.reported && statusSink && status === undefined) status = d
        },
      })
      const reportBadRecord = (offset: number, bytes: number, reason: string) => {
        const d: ReaderDrop = {
          logNumber: log.logNumber,
          offset,
          bytes,
          reason,
          kind: "Corruption",
          reported: true,
        }
        dropped.push(d)
        if (statusSink && status === undefined) status = d
      }
      for (;;) {
        const rec = reader.readRecord()
        // RocksDB: `while (reader.ReadRecord(...) && status.ok())`: a record read after a
        // reported corruption is not replayed.
        if (rec === undefined || status !== undefined) break
        if (rec.data.length < HEADER_SIZE) {
          reportBadRecord(rec.offset, rec.data.length, "log record too small")
          continue
        }
        const sequence = fixed64(rec.data)
        if (!Number.isSafeInteger(sequence)) {
          // JS numbers hold sequences up to 2^53 - 1 (RocksDB allows 2^56 - 1); never round one.
          reportBadRecord(rec.offset, rec.data.length, "sequence number beyond 2^53 - 1")
          continue
        }
        const count = fixed32(rec.data, 8)
        if (mode === WalRecoveryMode.kPointInTimeRecovery && stopReplay) {
          if (sequence === nextSequence) {
            stopReplay = false
          } else {
            droppedLogs.push(log.logNumber)
            break
          }
        }
        if (nextSequence !== undefined && sequence < nextSequence) {
          const d: ReaderDrop = {
            logNumber: log.logNumber,
            offset: rec.offset,
            bytes: rec.data.length,
            reason: `sequence went backwards: ${sequence} < expected ${nextSequence}`,
            kind: "Corruption",
            reported: true,
          }
          dropped.push(d)
          if (mode === WalRecoveryMode.kSkipAnyCorruptedRecords) continue
          throw new WalCorruption({ reason: d.reason, logNumber: log.logNumber, offset: rec.offset, dropped })
        }
        records.push({ logNumber: log.logNumber, offset: rec.offset, sequence, count, batch: rec.data })
        nextSequence = sequence + count
      }
      if (status !== undefined || reader.oldLogRecord) {
        if (mode === WalRecoveryMode.kPointInTimeRecovery) {
          if (status?.kind === "IOError") throw new IOError({ operation: "read", path: log.path, detail: status.reason })
          if (!stopReplay) {
            stopReplay = true
            stoppedAt = status
              ? { logNumber: log.logNumber, offset: status.offset, reason: status.reason }
              : { logNumber: log.logNumber, offset: reader.lastRecordEnd, reason: "old record from a recycled log" }
          }
        } else if (status !== undefined) {
          if (status.kind === "IOError") throw new IOError({ operation: "read", path: log.path, detail: status.reason })
          throw new WalCorruption({ reason: status.reason, logNumber: log.logNumber, offset: status.offset, dropped })
        }
      }
    } finally {
      file.close()
    }
  }
  const result: RecoveryResult = {
    records,
    lastSequence: nextSequence === undefined ? 0 : nextSequence - 1,
    dropped,
    droppedLogs,
  }
  return stoppedAt ? { ...result, stoppedAt } : result
}

/** `recoverLogs` as an Effect over the LogFile service. */
export const recover = (
  logs: ReadonlyArray<WalFileRef>,
  options: RecoverOptions = {},
): Effect.Effect<RecoveryResult, WalCorruption | IOError | WalNotSupported, LogFile> =>
  Effect.flatMap(LogFile, (service) =>
    trySync<RecoveryResult, WalCorruption | IOError | WalNotSupported>(() => recoverLogs(service, logs, options)),
  )
