/**
 * DbImpl: the engine under both faces (Effect `Db` and the Promise `Database`).
 *
 * Owns: the LOCK, the WAL set, the memtable list, the sequencer, the write controller,
 * the background error, snapshots, live transactions, and the write strategy (built
 * from its Effect layer in the engine's scope). Implements the strategies'
 * WritePathEnv: `preprocessWrite` (background error, memtable switch, stalls) and the
 * WAL append/sync and memtable insert they call.
 *
 * Invariants:
 *  1. Readers see exactly the writes with sequence <= lastPublished (`versions`).
 *  2. Once `bgError` is set it never clears until reopen: every later write fails with
 *     ReadOnlyError carrying it; reads keep working. A failed fsync is never retried.
 *  3. The memtable list changes only in `switchMemtable`, run by the main-queue leader
 *     (which owns the queue; pipelined drains its memtable stage first), so no group is
 *     inserting while it changes.
 *  4. Immutable memtables and their WALs stay live until flush exists (a later issue);
 *     at `maxWriteBufferNumber` immutables the controller stops writes (WRITE-PATH.md 5.4).
 * Yields: see each method; the write path's yield points are the strategy's.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import type { WriteBatch } from "@writepath/batch"
import {
  SequencerImpl,
  WriteControllerImpl,
  type WriteControllerToken,
  type Writer,
  WriteStall,
  type WriteStatus,
} from "@writepath/core-queue"
import { ArenaFull, EntryTooLarge, type GetResult, MemTable, MemTableList } from "@writepath/memtable"
import {
  type EngineOptions,
  makeWritePathStats,
  Strategy,
  type StrategyLayer,
  type WriteOptions,
  WritePathEnv,
  type WritePathEnvService,
  type WritePathStats,
  WriteStrategy,
  type WriteStrategyService,
} from "@writepath/strategies"
import { type LogFileService, logFileName, makeNode, recoverLogs, WalRecoveryMode } from "@writepath/wal"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { DatabaseExists, DatabaseNotFound, DbClosed, InvalidArgument, NotSupported, ReadOnlyError } from "../DbError.ts"
import { createFolders, fsCall, missingFolders } from "./DbFolder.ts"
import { LatencyWindow } from "./LatencyWindow.ts"
import { acquireLock, type HeldLock } from "./LockFile.ts"
import { type RecoveredTransaction, RecoveryInserter } from "./RecoveryInserter.ts"
import { fsyncDir, listLogNumbers, type SyncDir, WalSet } from "./WalSet.ts"

const IDENTITY = "IDENTITY"

const modeOf = (m: EngineOptions["walRecoveryMode"]): WalRecoveryMode =>
  m === "tolerate-corrupted-tail-records"
    ? WalRecoveryMode.kTolerateCorruptedTailRecords
    : m === "absolute-consistency"
      ? WalRecoveryMode.kAbsoluteConsistency
      : m === "skip-any-corrupted-records"
        ? WalRecoveryMode.kSkipAnyCorruptedRecords
        : WalRecoveryMode.kPointInTimeRecovery

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)))

export interface RecoveryReport {
  readonly logs: ReadonlyArray<number>
  readonly records: number
  readonly lastSequence: number
  readonly dropped: ReadonlyArray<{ readonly logNumber?: number; readonly offset: number; readonly bytes: number; readonly reason: string }>
}

export class DbImpl implements WritePathEnvService {
  readonly options: EngineOptions
  readonly versions: SequencerImpl
  readonly stats: WritePathStats = makeWritePathStats()
  readonly memtables: MemTableList
  readonly controller: WriteControllerImpl
  readonly latencies = new LatencyWindow()
  readonly recovery: RecoveryReport
  /** Prepared transactions found in the WAL at open, not yet handed out. */
  readonly recoveredTransactions: ReadonlyArray<RecoveredTransaction>
  private readonly lock: HeldLock
  private readonly wals: WalSet
  private strategy_: WriteStrategyService | undefined
  private readonly scope: Scope.CloseableScope
  private nextFileNumber: number
  private bgError: Error | undefined
  private stopToken: WriteControllerToken | undefined
  private closing = false
  private closed = false
  private wakeClosing: (() => void) | undefined
  private readonly closingSignal: Promise<void>
  stalls = 0
  stallMicros = 0
  memtableSwitches = 0

  private constructor(init: {
    options: EngineOptions
    lock: HeldLock
    wals: WalSet
    memtables: MemTableList
    versions: SequencerImpl
    nextFileNumber: number
    recovery: RecoveryReport
    recovered: ReadonlyArray<RecoveredTransaction>
    scope: Scope.CloseableScope
  }) {
    this.options = init.options
    this.lock = init.lock
    this.wals = init.wals
    this.memtables = init.memtables
    this.versions = init.versions
    this.nextFileNumber = init.nextFileNumber
    this.recovery = init.recovery
    this.recoveredTransactions = init.recovered
    this.scope = init.scope
    this.controller = new WriteControllerImpl(init.options.delayedWriteRate)
    this.closingSignal = new Promise((resolve) => {
      this.wakeClosing = resolve
    })
    this.recalculateWriteStallConditions()
  }

  /**
   * Opens (creating if allowed), locks, recovers every live WAL in order under the
   * recovery mode, starts a new WAL and builds the strategy from `strategyLayer`.
   * Throws the typed open errors (DatabaseLocked, DatabaseNotFound, DatabaseExists,
   * WalCorruption, IOError, InvalidOptions).
   */
  static async open(
    options: EngineOptions,
    strategyLayer: StrategyLayer = Strategy.layerFor(options.strategy),
    files: LogFileService = makeNode({ syncOn: "threadpool" }),
    syncDir: SyncDir = fsyncDir,
  ): Promise<DbImpl> {
    const dir = path.resolve(options.path)
    const missing = missingFolders(dir) // IOError ENOTDIR when a file is in the way
    const exists = missing.length === 0 && fsCall("open database", dir, () => fs.existsSync(path.join(dir, IDENTITY)))
    if (exists && options.errorIfExists) throw new DatabaseExists({ path: dir })
    if (!exists && !options.createIfMissing) throw new DatabaseNotFound({ path: dir })
    createFolders(missing)
    const lock = acquireLock(dir)
    try {
      if (!exists) {
        fsCall("create IDENTITY in", dir, () => {
          fs.writeFileSync(path.join(dir, IDENTITY), `${crypto.randomUUID()}\n`)
          syncDir(dir)
        })
      }
      const logs = fsCall("list WAL files in", dir, () => listLogNumbers(dir))
      const memtables = new MemTableList(DbImpl.newMemTable(options, 0))
      const inserter = new RecoveryInserter(
        {
          put: (k, v, seq) => DbImpl.recoveryAdd(memtables, options, seq, 1, k, v),
          delete: (k, seq) => DbImpl.recoveryAdd(memtables, options, seq, 0, k, EMPTY),
          singleDelete: (k, seq) => DbImpl.recoveryAdd(memtables, options, seq, 7, k, EMPTY),
          deleteRange: (a, b, seq) => DbImpl.recoveryAdd(memtables, options, seq, 0x0f, a, b),
          merge: (k, v, seq) => DbImpl.recoveryAdd(memtables, options, seq, 2, k, v),
        },
        1,
      )
      const result = recoverLogs(
        files,
        logs.map((n) => ({ logNumber: n, path: logFileName(dir, n) })),
        { recoveryMode: modeOf(options.walRecoveryMode) },
      )
      for (const r of result.records) inserter.replay(r.batch, r.logNumber)
      const lastSequence = Math.max(inserter.lastSequence, result.lastSequence)
      const versions = new SequencerImpl(lastSequence)
      const newLog = (logs.at(-1) ?? 0) + 1
      const wals = WalSet.create(
        dir,
        files,
        {
          manualWalFlush: options.manualWalFlush,
          walBytesPerSync: options.walBytesPerSync,
          useFsync: options.useFsync,
          recycleLogFileNum: options.recycleLogFileNum,
        },
        newLog,
        logs,
        syncDir,
      )
      const scope = Effect.runSync(Scope.make())
      const db = new DbImpl({
        options,
        lock,
        wals,
        memtables,
        versions,
        nextFileNumber: newLog + 1,
        recovery: {
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
        recovered: [...inserter.prepared.values()],
        scope,
      })
      try {
        db.strategy_ = await Effect.runPromise(
          Effect.provideService(Layer.buildWithScope(strategyLayer, scope), WritePathEnv, db).pipe(
            Effect.map((ctx) => Context.get(ctx, WriteStrategy)),
          ),
        )
      } catch (e) {
        await Effect.runPromise(Scope.close(scope, Exit.void))
        await wals.close(false)
        throw e
      }
      return db
    } catch (e) {
      lock.release()
      throw e
    }
  }

  private static newMemTable(options: EngineOptions, earliestSequence: number): MemTable {
    // The arena is viewed as an Int32Array/BigInt64Array, so its size must be a multiple of 8;
    // the options accept any integer (RocksDB's write_buffer_size has no alignment rule).
    return MemTable.make({ writeBufferSize: roundUp(options.writeBufferSize, 8), earliestSequence })
  }

  /**
   * Recovery's insert: switches to a new memtable when the current one is full (its WAL
   * stays live), and also when this entry does not fit the room left: `shouldFlushNow`
   * leaves room for small entries only, and a large acknowledged value must never make
   * the database unopenable. An entry larger than a whole memtable of this open's
   * writeBufferSize (written under a larger one) gets a memtable sized for it.
   */
  private static recoveryAdd(list: MemTableList, options: EngineOptions, seq: number, type: number, k: Uint8Array, v: Uint8Array): void {
    if (list.mutable.shouldFlushNow()) list.switchMemTable(DbImpl.newMemTable(options, seq - 1))
    try {
      list.mutable.add(seq, type, k, v) // on ArenaFull / EntryTooLarge nothing was inserted
    } catch (e) {
      if (!(e instanceof ArenaFull || e instanceof EntryTooLarge)) throw e
      const need = k.length + v.length + RECOVERY_ENTRY_SLACK
      const sized = need > options.writeBufferSize / 2 ? { ...options, writeBufferSize: roundUp(2 * need, 64 * 1024) } : options
      list.switchMemTable(DbImpl.newMemTable(sized, seq - 1))
      list.mutable.add(seq, type, k, v)
    }
  }

  get strategy(): WriteStrategyService {
    return this.strategy_!
  }

  get isClosed(): boolean {
    return this.closing
  }

  get backgroundError(): Error | undefined {
    return this.bgError
  }

  get liveLogNumbers(): ReadonlyArray<number> {
    return this.wals.liveLogNumbers
  }

  // ---- writes ------------------------------------------------------------------------------

  /** One write through the strategy. Rejects with the write's typed error. */
  write(batch: WriteBatch, wo: WriteOptions, disableMemtable = false): Promise<void> {
    if (this.closing) return Promise.reject(new DbClosed({ operation: "write" }))
    if (this.bgError !== undefined) return Promise.reject(new ReadOnlyError({ cause: this.bgError }))
    if (batch.hasMerge) {
      return Promise.reject(new NotSupported({ reason: "Merge needs a merge operator, which writepath does not have" }))
    }
    // A batch whose records alone (its bytes less the 12-byte header: a lower bound of its
    // arena need) exceed a memtable can never be inserted. Refused here, before it joins a
    // group, so the writers it would be grouped with do not fail with it.
    if (!disableMemtable && batch.byteSize - 12 > this.memtables.mutable.arenaCapacity) {
      return Promise.reject(
        new InvalidArgument({
          reason: `write: a batch of ${batch.byteSize} bytes does not fit a memtable (writeBufferSize ${this.options.writeBufferSize})`,
        }),
      )
    }
    return this.strategy.write(batch, wo, disableMemtable)
  }

  // ---- WritePathEnv --------------------------------------------------------------------------

  preprocessWrite(leader: Writer, drain?: () => Promise<void> | undefined): WriteStatus | Promise<WriteStatus> {
    if (this.bgError !== undefined) return new ReadOnlyError({ cause: this.bgError })
    if (this.closing) return new DbClosed({ operation: "write" })
    const mem = this.memtables.mutable
    const needSwitch = !mem.isEmpty() && mem.shouldFlushNow()
    if (!needSwitch && !this.controller.isStopped() && !this.controller.needsDelay()) return undefined
    return this.preprocessSlow(leader, needSwitch, drain)
  }

  private async preprocessSlow(leader: Writer, needSwitch: boolean, drain?: () => Promise<void> | undefined): Promise<WriteStatus> {
    if (needSwitch) {
      const d = drain?.()
      if (d !== undefined) await d // YIELD: the memtable stage finishes its groups
      const failed = await this.switchMemtable() // YIELD: old WAL sync
      if (failed !== undefined) return failed
    }
    return this.delayWrite(leader)
  }

  /** `DelayWrite`: stop (wait for a change) or timed delay; noSlowdown writers fail fast. */
  private async delayWrite(leader: Writer): Promise<WriteStatus> {
    const delayMicros = this.controller.getDelay(Math.max(1, leader.batch?.byteSize ?? 0))
    if (delayMicros > 0) {
      if (leader.noSlowdown) return new WriteStall({ reason: "Write stall" })
      this.stalls++
      const t0 = performance.now()
      await Promise.race([new Promise((r) => setTimeout(r, delayMicros / 1000)), this.closingSignal]) // YIELD
      this.stallMicros += (performance.now() - t0) * 1000
    }
    while (this.controller.isStopped() && !this.closing && this.bgError === undefined) {
      if (leader.noSlowdown) {
        this.stalls++
        return new WriteStall({ reason: "Write stall" })
      }
      this.stalls++
      const t0 = performance.now()
      this.strategy.writeThread.beginWriteStall()
      try {
        await Promise.race([this.controller.waitForChange(), this.closingSignal]) // YIELD: until a flush or close
      } finally {
        this.strategy.writeThread.endWriteStall()
        this.stallMicros += (performance.now() - t0) * 1000
      }
    }
    if (this.bgError !== undefined) return new ReadOnlyError({ cause: this.bgError })
    if (this.closing) return new DbClosed({ operation: "write" })
    return undefined
  }

  /** Arena bytes reserved by groups that have not finished inserting (see reserveRoom). */
  private reservedRoom = 0

  reserveRoom(bytes: number, drain?: () => Promise<void> | undefined): WriteStatus | Promise<WriteStatus> {
    const mem = this.memtables.mutable
    if (mem.arenaCapacity - mem.arenaUsedBytes - this.reservedRoom >= bytes) {
      this.reservedRoom += bytes
      return undefined
    }
    return this.reserveRoomSlow(bytes, drain)
  }

  private async reserveRoomSlow(bytes: number, drain?: () => Promise<void> | undefined): Promise<WriteStatus> {
    const d = drain?.()
    if (d !== undefined) await d // YIELD: earlier groups finish inserting and give their room back
    let mem = this.memtables.mutable
    if (mem.arenaCapacity - mem.arenaUsedBytes - this.reservedRoom < bytes && !mem.isEmpty()) {
      const failed = await this.switchMemtable() // YIELD: old WAL sync
      if (failed !== undefined) return failed
      mem = this.memtables.mutable
    }
    if (mem.arenaCapacity - mem.arenaUsedBytes - this.reservedRoom < bytes) {
      return new InvalidArgument({
        reason: `a write group needing ${bytes} bytes of memtable does not fit a memtable of writeBufferSize ${this.options.writeBufferSize}`,
      })
    }
    this.reservedRoom += bytes
    return undefined
  }

  releaseRoom(bytes: number): void {
    this.reservedRoom -= bytes
  }

  preprocessWalOnlyWrite(leader: Writer): WriteStatus | Promise<WriteStatus> {
    if (this.bgError !== undefined) return new ReadOnlyError({ cause: this.bgError })
    if (this.closing) return new DbClosed({ operation: "write" })
    if (!this.controller.isStopped()) return undefined
    return this.delayWrite(leader)
  }

  writeToWAL(merged: WriteBatch, sync: boolean): WriteStatus | Promise<WriteStatus> {
    const size = merged.byteSize
    try {
      this.wals.current.addRecord(merged.data)
    } catch (e) {
      return this.setBackgroundError(asError(e))
    }
    this.stats.walRecords++
    this.stats.walBytes += size
    if (!sync) return undefined
    const t0 = performance.now()
    return this.wals.sync().then(
      () => {
        this.stats.walSyncs++
        this.stats.walSyncMicros += (performance.now() - t0) * 1000
        return undefined
      },
      (e: unknown) => this.setBackgroundError(asError(e)),
    )
  }

  insertInto(batch: WriteBatch, sequence: number): WriteStatus {
    try {
      this.memtables.mutable.insertBatch(batch, sequence)
      return undefined
    } catch (e) {
      return asError(e)
    }
  }

  mutableMemTable(): MemTable {
    return this.memtables.mutable
  }

  handleMemTableInsertFailure(error: Error): void {
    this.setBackgroundError(error)
  }

  private setBackgroundError(e: Error): Error {
    this.bgError ??= e
    return e
  }

  /**
   * `SwitchMemtable`: a new WAL (only if the current one has records), a new mutable
   * memtable, the old one immutable and still readable; then the stall conditions.
   * REQUIRES: the caller owns the main queue and no group is inserting. YIELDS on the
   * old WAL's sync; appends meanwhile go to the new WAL.
   */
  private async switchMemtable(): Promise<WriteStatus> {
    this.memtableSwitches++
    this.memtables.switchMemTable(DbImpl.newMemTable(this.options, this.versions.lastPublished))
    this.recalculateWriteStallConditions()
    if (this.wals.current.size === 0) return undefined
    try {
      await this.wals.switchTo(this.nextFileNumber++)
    } catch (e) {
      return this.setBackgroundError(asError(e))
    }
    return undefined
  }

  /** `RecalculateWriteStallConditions` for memtables (WRITE-PATH.md 5.4; no L0 or compaction debt yet). */
  private recalculateWriteStallConditions(): void {
    const imm = this.memtables.numImmutable
    const max = this.options.maxWriteBufferNumber
    if (imm >= max) {
      this.stopToken ??= this.controller.getStopToken()
    } else if (this.stopToken !== undefined) {
      this.stopToken.release()
      this.stopToken = undefined
    }
  }

  // ---- reads -----------------------------------------------------------------------------------

  getAt(key: Uint8Array, snapshot: number): GetResult {
    return this.memtables.get(key, snapshot)
  }

  /** The memtables a reader pins: mutable first, then immutables newest first. */
  memtablesForRead(): ReadonlyArray<MemTable> {
    return [this.memtables.mutable, ...this.memtables.immutables]
  }

  // ---- WAL control -------------------------------------------------------------------------

  /** `FlushWAL(sync)`: hands buffered records to the OS (manualWalFlush) and optionally syncs. */
  async flushWal(sync: boolean): Promise<void> {
    if (this.bgError !== undefined) throw new ReadOnlyError({ cause: this.bgError })
    try {
      this.wals.current.flush()
      if (sync) {
        await this.wals.sync()
        this.stats.walSyncs++
      }
    } catch (e) {
      throw new ReadOnlyError({ cause: this.setBackgroundError(asError(e)) })
    }
  }

  // ---- close -------------------------------------------------------------------------------------

  /** Waits for in-flight writes, syncs and closes the WAL, stops the strategy, releases the LOCK. Idempotent. */
  async close(): Promise<void> {
    if (this.closing) {
      while (!this.closed) await new Promise((r) => setImmediate(r))
      return
    }
    this.closing = true
    this.wakeClosing?.()
    try {
      await this.strategy.exclusive(async () => {
        await this.wals.close(this.bgError === undefined).catch(() => undefined)
      })
      await Effect.runPromise(Scope.close(this.scope, Exit.void))
    } finally {
      this.lock.release()
      this.closed = true
    }
  }
}

const EMPTY = new Uint8Array(0)

/** Bytes beyond key and value a memtable node can take (tallest node, header, alignment; memtable `nodeBytes`). */
const RECOVERY_ENTRY_SLACK = 12 * 4 + 16 + 3 + 64

const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to
