/**
 * WalManager: the WAL files of one database folder (`DBImpl`'s `logs_`, `alive_log_files_`,
 * `log_recycle_files_`).
 *
 * Owns: the current LogWriter, the list of obsolete logs kept for recycling, and the folder
 * operations on `NNNNNN.log` files (six-digit minimum, RocksDB's `LogFileName`).
 *
 * Invariants:
 *  1. At most one current writer; log numbers only grow (`newLog` refuses a number <= the current).
 *  2. A new log's directory entry is durable before the writer is handed out: the folder is
 *     fsynced after every create or rename.
 *  3. The previous log is flushed and synced before it is closed on rotation, so a closed WAL
 *     never holds data that was not made durable.
 *  4. Recycled files are renamed, never truncated; their writers use recyclable headers so a
 *     reader stops at the previous life's records.
 *
 * Yields (lock drops): every Effect step that touches the folder or syncs. REQUIRES: one
 * caller at a time (the write-group leader), as RocksDB holds the DB mutex here.
 */
// The FileSystem module, not the @effect/platform barrel: the barrel loads every platform module
// (msgpackr among them), ~1 s of import time and an env read Deno refuses without --allow-env.

import type { PlatformError } from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import { Context, Effect, Layer, type Scope } from "effect"
import { tryAsync, trySync } from "./internal/tryTyped.ts"
import { LogFile } from "./LogFile.ts"
import { logFileName, parseLogFileName } from "./LogFileName.ts"
import { LogWriter } from "./LogWriter.ts"
import { WalRecoveryMode } from "./RecoveryMode.ts"
import { IOError, type WalClosed, type WalCorruption, WalInvalidArgument, type WalNotSupported } from "./WalError.ts"
import { type RecoverOptions, type RecoveryResult, recoverLogs, type WalFileRef } from "./WalRecovery.ts"

export interface WalManagerOptions {
  /** The database folder. Created if missing. */
  readonly dir: string
  /** Keep up to this many obsolete logs for reuse (`recycle_log_file_num`). Forced to 0 in the
   *  tolerate-corrupted-tail-records and absolute-consistency modes, as RocksDB does. */
  readonly recycleLogFileNum?: number
  /** The mode `recover` uses by default. Default point-in-time. */
  readonly recoveryMode?: WalRecoveryMode
  readonly manualWalFlush?: boolean
  readonly walBytesPerSync?: number
  readonly useFsync?: boolean
}

export interface WalManagerService {
  readonly dir: string
  /** Whether new logs use recyclable headers (recycling is on). */
  readonly recycling: boolean
  /** Every `NNNNNN.log` in the folder, by log number. */
  readonly listLogs: Effect.Effect<ReadonlyArray<WalFileRef>, IOError>
  /** Replays the logs numbered >= `minLogNumber` (default all) under the configured mode. */
  readonly recover: (
    options?: RecoverOptions & { readonly minLogNumber?: number },
  ) => Effect.Effect<RecoveryResult, WalCorruption | IOError | WalNotSupported>
  /**
   * Creates the next log (`logNumber`, default: one past the highest seen) or recycles an
   * obsolete one, fsyncs the folder, syncs and closes the previous log. Returns the new writer.
   */
  readonly newLog: (logNumber?: number) => Effect.Effect<LogWriter, IOError | WalClosed | WalInvalidArgument>
  /** The current writer, for the hot path's plain calls. */
  readonly current: () => LogWriter | undefined
  /** `current().addRecord` as an Effect; creates the first log if there is none. */
  readonly addRecord: (record: Uint8Array) => Effect.Effect<void, IOError | WalClosed | WalInvalidArgument>
  /** Syncs the current log; resolves only after the OS confirmed. */
  readonly sync: Effect.Effect<void, IOError | WalClosed>
  /**
   * Removes (or, with recycling, sets aside for reuse) every log numbered below
   * `minLogNumberToKeep` except the current one. Returns the numbers deleted or set aside.
   */
  readonly deleteObsoleteLogs: (minLogNumberToKeep: number) => Effect.Effect<ReadonlyArray<number>, IOError>
  /** Logs waiting to be recycled (`log_recycle_files_`). */
  readonly recycleList: () => ReadonlyArray<number>
  /** Flushes, syncs and closes the current log. */
  readonly close: Effect.Effect<void, IOError | WalClosed>
}

const fromPlatform =
  (operation: string, path: string) =>
  (e: PlatformError): IOError =>
    new IOError({
      operation,
      path,
      code: e._tag === "SystemError" ? e.reason : "BadArgument",
      detail: e.message,
      cause: e,
    })

export const make = (options: WalManagerOptions): Effect.Effect<WalManagerService, IOError, FileSystem.FileSystem | LogFile> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const logFile = yield* LogFile
    const dir = options.dir
    const mode = options.recoveryMode ?? WalRecoveryMode.kPointInTimeRecovery
    const recycleNum =
      mode === WalRecoveryMode.kTolerateCorruptedTailRecords || mode === WalRecoveryMode.kAbsoluteConsistency
        ? 0
        : (options.recycleLogFileNum ?? 0)
    const recycling = recycleNum > 0

    yield* fs.makeDirectory(dir, { recursive: true }).pipe(Effect.mapError(fromPlatform("mkdir", dir)))

    let current: LogWriter | undefined
    let highest = 0
    const recycleFiles: number[] = []

    const listLogs = fs.readDirectory(dir).pipe(
      Effect.mapError(fromPlatform("list", dir)),
      Effect.map((names) =>
        names
          .map((n) => ({ n, logNumber: parseLogFileName(n) }))
          .filter((x): x is { n: string; logNumber: number } => x.logNumber !== undefined)
          .sort((a, b) => a.logNumber - b.logNumber)
          .map(({ logNumber }) => ({ logNumber, path: logFileName(dir, logNumber) })),
      ),
    )

    // fsync of the folder: makes a create/rename/remove durable (RocksDB's FSDirectory::FsyncWithDirOptions).
    const syncDir = Effect.scoped(
      Effect.gen(function* () {
        const d = yield* fs.open(dir, { flag: "r" })
        yield* d.sync
      }),
    ).pipe(Effect.mapError(fromPlatform("fsync", dir)))

    const existing = yield* listLogs
    for (const l of existing) highest = Math.max(highest, l.logNumber)

    const closeCurrent = Effect.gen(function* () {
      const w = current
      if (!w) return
      current = undefined
      yield* tryAsync<void, IOError | WalClosed>(async () => {
        try {
          await w.sync()
        } finally {
          await w.close().catch(() => undefined)
        }
      })
    })

    const newLog = (logNumber?: number) =>
      Effect.gen(function* () {
        const number = logNumber ?? highest + 1
        if (!Number.isSafeInteger(number) || number <= highest) {
          return yield* Effect.fail(new WalInvalidArgument({ reason: `log number ${number} is not above the highest (${highest})` }))
        }
        const path = logFileName(dir, number)
        const reuseFrom = recycling ? recycleFiles.shift() : undefined
        if (reuseFrom !== undefined) {
          yield* fs.rename(logFileName(dir, reuseFrom), path).pipe(Effect.mapError(fromPlatform("rename", path)))
        }
        const writer = yield* trySync<LogWriter, IOError | WalInvalidArgument>(() => {
          const file = logFile.openWritable(path, { reuse: reuseFrom !== undefined })
          return new LogWriter(file, {
            logNumber: number,
            recycleLogFiles: recycling,
            manualWalFlush: options.manualWalFlush ?? false,
            walBytesPerSync: options.walBytesPerSync ?? 0,
            useFsync: options.useFsync ?? false,
          })
        })
        highest = number
        yield* syncDir.pipe(Effect.tapError(() => Effect.promise(() => writer.close().catch(() => undefined))))
        yield* closeCurrent
        current = writer
        return writer
      })

    const service: WalManagerService = {
      dir,
      recycling,
      listLogs,
      recover: (opts = {}) =>
        Effect.flatMap(listLogs, (logs) =>
          trySync<RecoveryResult, WalCorruption | IOError | WalNotSupported>(() =>
            recoverLogs(
              logFile,
              logs.filter((l) => l.logNumber >= (opts.minLogNumber ?? 0)),
              { recoveryMode: mode, ...opts },
            ),
          ),
        ),
      newLog,
      current: () => current,
      addRecord: (record) =>
        Effect.flatMap(current ? Effect.succeed(current) : newLog(), (w) => trySync<void, IOError | WalClosed>(() => w.addRecord(record))),
      sync: Effect.suspend(() => (current ? current.syncEffect : Effect.void)),
      deleteObsoleteLogs: (minLogNumberToKeep) =>
        Effect.gen(function* () {
          const done: number[] = []
          for (const l of yield* listLogs) {
            if (l.logNumber >= minLogNumberToKeep || l.logNumber === current?.logNumber || recycleFiles.includes(l.logNumber)) continue
            if (recycling && recycleFiles.length < recycleNum) {
              recycleFiles.push(l.logNumber)
            } else {
              yield* fs.remove(l.path).pipe(Effect.mapError(fromPlatform("remove", l.path)))
            }
            done.push(l.logNumber)
          }
          if (done.length > 0) yield* syncDir
          return done
        }),
      recycleList: () => [...recycleFiles],
      close: closeCurrent,
    }
    return service
  })

export class WalManager extends Context.Tag("@writepath/wal/WalManager")<WalManager, WalManagerService>() {}

/** A WalManager whose current log is synced and closed when the layer is released. */
export const layer = (options: WalManagerOptions): Layer.Layer<WalManager, IOError, FileSystem.FileSystem | LogFile> =>
  Layer.scoped(
    WalManager,
    Effect.acquireRelease(make(options), (m) => m.close.pipe(Effect.ignore)),
  )

/** `make` with the writer closed at the end of `scope`. */
export const makeScoped = (
  options: WalManagerOptions,
): Effect.Effect<WalManagerService, IOError, FileSystem.FileSystem | LogFile | Scope.Scope> =>
  Effect.acquireRelease(make(options), (m) => m.close.pipe(Effect.ignore))
