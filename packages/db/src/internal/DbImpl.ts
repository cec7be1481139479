/**
 * DbImpl: the engine under both faces (Effect `Db` and the Promise `Database`).
 *
 * Owns: the LOCK, the VersionSet (MANIFEST), the live tables, the WAL set, the memtable
 * list, the sequencer, the write controller, the background error and work (flush and
 * compaction), the WALs 2PC keeps alive, and the write strategy (built from its Effect
 * layer in the engine's scope). Implements the strategies' WritePathEnv:
 * `preprocessWrite` (background error, memtable switch, stalls) and the WAL append/sync
 * and memtable insert they call.
 *
 * Invariants:
 *  1. Readers see exactly the writes with sequence <= lastPublished (`versions`).
 *  2. While `bgError` is set every write fails with ReadOnlyError carrying it; reads keep
 *     working. A failed fsync is never retried. It clears only through `resume()`, and only
 *     when it is retryable: a background flush or compaction failure that left the MANIFEST
 *     intact (ENOSPC or EIO writing a table). A write-path error (WAL append or sync,
 *     memtable insert, a group that failed after its sequences were allocated) or a MANIFEST
 *     failure is fatal until reopen, as in RocksDB.
 *  6. The failed-group invariant: entries of a group that failed are never visible and never
 *     flushed. Its sequences are never published; after a write-path failure no insert is
 *     accepted (`insertInto` refuses), no memtable is flushed (the background stops and
 *     `resume` refuses), and the memtable that may hold such entries is marked and refused
 *     by the flush job whatever happens next (`failedGroupMemtables`).
 *  7. A stalled leader raises the barrier of the queue it leads (`delayWrite` on its own
 *     WriteThread), never another queue's; it charges the previous group's bytes.
 *  3. The memtable list changes only in `switchMemtable`, run by the main-queue leader
 *     (which owns the queue; pipelined drains its memtable stage first), so no group is
 *     inserting while it changes.
 *  4. A WAL is deleted only when every record in it is in a table recorded in the MANIFEST
 *     (its number is below the MANIFEST's log number) and no 2PC transaction needs it: not
 *     a prepared one (its prepare section is in that WAL) and not a finished one whose
 *     commit or rollback sits in a memtable not yet flushed (RocksDB's min-prep-log).
 *  5. Write stalls follow WRITE-PATH.md 5.4: stop at `maxWriteBufferNumber` immutables or
 *     `level0StopWritesTrigger` level-0 files, delay at `level0SlowdownWritesTrigger` (or one
 *     immutable short of the max when that is above 3); recomputed after every switch and
 *     every version change, so a flush or compaction releases them.
 * Yields: see each method; the write path's yield points are the strategy's.
 */
import type { WriteBatch } from "@writepath/batch"
import {
  delayWrite,
  type SequencerImpl,
  WriteControllerImpl,
  type WriteControllerToken,
  type Writer,
  WriteStall,
  type WriteStatus,
  type WriteThreadImpl,
} from "@writepath/core-queue"
import { compareUserKeys, type GetResult, type MemTable, type MemTableList } from "@writepath/memtable"
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
import type { VersionSet } from "@writepath/version"
import { type LogFileService, makeNode } from "@writepath/wal"
import { Cause, Context, Effect, Exit, Layer, Scope } from "effect"
import { DbClosed, InvalidArgument, NotSupported, ReadOnlyError } from "../DbError.ts"
import { asError } from "./asError.ts"
import { BackgroundWork } from "./BackgroundWork.ts"
import { Compactions } from "./Compactions.ts"
import { deleteObsoleteTables } from "./deleteObsoleteTables.ts"
import { LatencyWindow } from "./LatencyWindow.ts"
import type { HeldLock } from "./LockFile.ts"
import { LogsWithPrepTracker } from "./LogsWithPrepTracker.ts"
import type { RecoveredTransaction } from "./RecoveryInserter.ts"
import { recoverFolder } from "./recoverFolder.ts"
import { newMemTable, type RecoveryReport } from "./recoverWals.ts"
import type { TableSet } from "./TableSet.ts"
import { fsyncDir, type SyncDir, type WalSet } from "./WalSet.ts"

export type { RecoveryReport }

/** A one-shot wake-up (Promise.withResolvers is not in Node 20). */
const signal = (): { readonly promise: Promise<void>; readonly resolve: () => void } => {
  let resolve!: () => void
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
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
  /** The MANIFEST. */
  readonly versionSet: VersionSet
  /** Live tables and reads through them. */
  readonly tables: TableSet
  readonly background: BackgroundWork
  readonly compactions: Compactions
  /** Live snapshot sequences (the Promise face registers its snapshots here). */
  snapshotList: () => ReadonlyArray<number> = () => []
  private readonly lock: HeldLock
  private readonly wals: WalSet
  private strategy_: WriteStrategyService | undefined
  private readonly scope: Scope.CloseableScope
  private bgError: Error | undefined
  /** `bgError` may be cleared by `resume()` (invariant 2). */
  private bgErrorRetryable = false
  /** Memtables that may hold entries of a failed group: never flushed (invariant 6). */
  private readonly failedGroupMemtables = new WeakSet<MemTable>()
  /** Wakes stalled leaders and low-priority sleepers on close or a background error; re-armed after each use. */
  private stallWake = signal()
  private stopToken: WriteControllerToken | undefined
  private delayToken: WriteControllerToken | undefined
  private pressureToken: WriteControllerToken | undefined
  /** Per memtable no longer mutable: the WAL that was current right after it (its flush's log number). */
  private readonly logNumberAfter: Map<MemTable, number>
  /** The WALs 2PC keeps alive (invariant 4). */
  private readonly prepLogs = new LogsWithPrepTracker()
  /** Writes with disableWAL since open: close flushes the memtables so they are not lost. */
  private unloggedWrites = false
  private closing = false
  private closed = false
  stalls = 0
  stallMicros = 0
  memtableSwitches = 0

  private constructor(init: {
    options: EngineOptions
    lock: HeldLock
    versionSet: VersionSet
    tables: TableSet
    wals: WalSet
    memtables: MemTableList
    logNumberAfter: Map<MemTable, number>
    prepLogsByMemtable: ReadonlyMap<MemTable, number>
    versions: SequencerImpl
    recovery: RecoveryReport
    recovered: ReadonlyArray<RecoveredTransaction>
    scope: Scope.CloseableScope
  }) {
    this.options = init.options
    this.lock = init.lock
    this.versionSet = init.versionSet
    this.tables = init.tables
    this.wals = init.wals
    this.memtables = init.memtables
    this.logNumberAfter = init.logNumberAfter
    this.versions = init.versions
    this.recovery = init.recovery
    this.recoveredTransactions = init.recovered
    for (const t of init.recovered) this.prepLogs.markPrepared(t.name, t.walNumber)
    for (const [m, log] of init.prepLogsByMemtable) this.prepLogs.markMemtableReference(m, log)
    this.scope = init.scope
    this.controller = new WriteControllerImpl(init.options.delayedWriteRate)
    this.background = new BackgroundWork(this.backgroundHost())
    this.compactions = new Compactions(
      {
        versions: init.versionSet,
        tables: init.tables,
        liveSnapshots: () => this.snapshotList(),
        afterVersionChange: () => this.afterVersionChange(),
      },
      init.options,
    )
    this.background.compactionsEnabled = !init.options.disableAutoCompactions
    this.recalculateWriteStallConditions()
  }

  /**
   * Opens (creating if allowed), locks, recovers the MANIFEST (creating one for a folder
   * that has none: new, or written before flush existed), replays the WALs it does not cover
   * under the recovery mode, deletes obsolete files, starts a new WAL, builds the strategy
   * from `strategyLayer` and schedules the flush of recovered full memtables.
   * Throws the typed open errors (DatabaseLocked, DatabaseNotFound, DatabaseExists,
   * WalCorruption, VersionCorruption, TableCorruption, IOError, InvalidOptions).
   */
  static async open(
    options: EngineOptions,
    strategyLayer: StrategyLayer = Strategy.layerFor(options.strategy),
    files: LogFileService = makeNode({ syncOn: "threadpool" }),
    syncDir: SyncDir = fsyncDir,
  ): Promise<DbImpl> {
    const f = await recoverFolder(options, files, syncDir) // YIELD
    const scope = Effect.runSync(Scope.make())
    const db = new DbImpl({
      options,
      lock: f.lock,
      versionSet: f.versionSet,
      tables: f.tables,
      wals: f.wals,
      memtables: f.wal.memtables,
      logNumberAfter: f.wal.logNumberAfter,
      prepLogsByMemtable: f.wal.prepLogsByMemtable,
      versions: f.versions,
      recovery: f.wal.report,
      recovered: f.wal.prepared,
      scope,
    })
    try {
      db.strategy_ = await Effect.runPromise(
        Effect.provideService(Layer.buildWithScope(strategyLayer, scope), WritePathEnv, db).pipe(
          Effect.map((ctx) => Context.get(ctx, WriteStrategy)),
        ),
      )
      await db.deleteObsoleteFiles(true)
    } catch (e) {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      await f.wals.close(false)
      f.tables.closeAll()
      await f.versionSet.close()
      f.lock.release()
      throw e
    }
    db.background.schedule()
    return db
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
    if (wo.disableWAL && !disableMemtable) this.unloggedWrites = true
    if (wo.lowPri && this.controller.needSpeedupCompaction() && !batch.hasCommit && !batch.hasRollback) {
      return this.throttleLowPri(batch, wo).then(() => this.strategy.write(batch, wo, disableMemtable))
    }
    return this.strategy.write(batch, wo, disableMemtable)
  }

  /**
   * `ThrottleLowPriWritesIfNeeded` (WRITE-PATH.md 5.7): while compaction is behind (a stop,
   * a delay or compaction pressure), a `lowPri` write is charged to the controller's
   * low-priority limiter (1 MiB/s) before it enqueues, so background writers yield to
   * foreground ones before the global slowdown applies; with `noSlowdown` it fails at once
   * with "Low priority write stall". 2PC commit and rollback batches are exempt (they
   * finish work already admitted). YIELDS while it sleeps (it owns no queue).
   */
  private async throttleLowPri(batch: WriteBatch, wo: WriteOptions): Promise<void> {
    if (wo.noSlowdown) throw new WriteStall({ reason: "Low priority write stall" })
    this.lowPriThrottled++
    const micros = this.controller.lowPriDelay(batch.byteSize - 12)
    if (micros <= 0) return
    const wake = this.stallWake.promise
    await Promise.race([new Promise((r) => setTimeout(r, Math.ceil(micros / 1000))), wake]) // YIELD
    if (this.closing) throw new DbClosed({ operation: "write" })
    if (this.bgError !== undefined) throw new ReadOnlyError({ cause: this.bgError })
  }

  /** Low-priority writes charged to the low-priority limiter since open. */
  lowPriThrottled = 0

  // ---- WritePathEnv --------------------------------------------------------------------------

  preprocessWrite(leader: Writer, queue: WriteThreadImpl, drain?: () => Promise<void> | undefined): WriteStatus | Promise<WriteStatus> {
    if (this.bgError !== undefined) return new ReadOnlyError({ cause: this.bgError })
    if (this.closing) return new DbClosed({ operation: "write" })
    const mem = this.memtables.mutable
    const needSwitch = !mem.isEmpty() && mem.shouldFlushNow()
    if (!needSwitch && !this.controller.isStopped() && !this.controller.needsDelay()) return undefined
    return this.preprocessSlow(leader, queue, needSwitch, drain)
  }

  private async preprocessSlow(
    leader: Writer,
    queue: WriteThreadImpl,
    needSwitch: boolean,
    drain?: () => Promise<void> | undefined,
  ): Promise<WriteStatus> {
    if (needSwitch) {
      const d = drain?.()
      if (d !== undefined) await d // YIELD: the memtable stage finishes its groups
      const failed = await this.switchMemtable() // YIELD: old WAL sync
      if (failed !== undefined) return failed
    }
    return this.delayWrite(leader, queue, true)
  }

  /**
   * `DelayWrite` through core-queue's `delayWrite` on the caller's own queue (invariant 7):
   * a timed delay charged with the queue's previous group's bytes and re-checked every
   * millisecond, or a stop until a flush, a compaction, close or a background error. Either way
   * the queue's barrier is up, so queued and arriving noSlowdown writers fail at once with
   * WriteStall. YIELDS while delayed or stopped (the caller keeps its queue).
   */
  private async delayWrite(leader: Writer, queue: WriteThreadImpl, timed: boolean): Promise<WriteStatus> {
    const t0 = performance.now()
    let stalled = false
    const exit = await Effect.runPromiseExit(
      delayWrite(queue, this.controller, queue.lastBatchGroupSize, {
        noSlowdown: leader.noSlowdown,
        timed,
        cancelled: () => this.closing || this.bgError !== undefined,
        wake: () => this.stallWake.promise,
        onStall: () => {
          stalled = true
          this.stalls++
        },
      }),
    ) // YIELD
    if (stalled) this.stallMicros += (performance.now() - t0) * 1000
    if (Exit.isFailure(exit)) {
      this.stalls++
      return Cause.squash(exit.cause) as Error
    }
    if (this.bgError !== undefined) return new ReadOnlyError({ cause: this.bgError })
    if (this.closing) return new DbClosed({ operation: "write" })
    return undefined
  }

  /** Wakes every stalled leader and low-priority sleeper (they re-check close and the background error). */
  private wakeStalled(): void {
    const w = this.stallWake
    this.stallWake = signal()
    w.resolve()
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

  preprocessWalOnlyWrite(leader: Writer, queue: WriteThreadImpl): WriteStatus | Promise<WriteStatus> {
    if (this.bgError !== undefined) return new ReadOnlyError({ cause: this.bgError })
    if (this.closing) return new DbClosed({ operation: "write" })
    if (!this.controller.isStopped()) return undefined
    // `DelayWrite(0)` on the WAL-only queue: only stops apply, with this queue's barrier up.
    return this.delayWrite(leader, queue, false)
  }

  writeToWAL(merged: WriteBatch, sync: boolean): WriteStatus | Promise<WriteStatus> {
    const size = merged.byteSize
    try {
      this.wals.current.addRecord(merged.data)
    } catch (e) {
      return this.failWritePath(asError(e))
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
      // The group's entries may already be in the mutable memtable (classic inserts while
      // the sync is in flight): invariant 6.
      (e: unknown) => this.failWritePath(asError(e)),
    )
  }

  insertInto(batch: WriteBatch, sequence: number): WriteStatus {
    // Invariant 6: after a write-path failure nothing more is inserted (a later group's
    // publication would expose the failed group's entries below it).
    if (this.bgError !== undefined && !this.bgErrorRetryable) return new ReadOnlyError({ cause: this.bgError })
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
    this.failWritePath(error)
  }

  /**
   * A write-path failure (WAL append or sync, memtable insert, a group failed after its
   * sequences were allocated): fatal until reopen, and the mutable memtable, which may hold
   * the failed group's entries, is never flushed (invariant 6).
   */
  private failWritePath(e: Error): Error {
    this.failedGroupMemtables.add(this.memtables.mutable)
    return this.setBackgroundError(e, false)
  }

  private setBackgroundError(e: Error, retryable: boolean): Error {
    if (this.bgError === undefined) {
      this.bgError = e
      this.bgErrorRetryable = retryable
    } else if (!retryable) {
      // A fatal error after a retryable one: resume must refuse.
      this.bgErrorRetryable = false
    }
    this.wakeStalled()
    return e
  }

  /**
   * Whether a background (flush or compaction) failure may be resumed: an IO error writing a
   * table (ENOSPC, EIO) leaves the MANIFEST and the memtables intact, so the job can run
   * again. A MANIFEST failure leaves the VersionSet closed (it cannot tell whether the record
   * landed): fatal until reopen, as is anything else (corruption, a bug).
   */
  private static isRetryableBackgroundError(e: Error): boolean {
    const tagged = e as { _tag?: string; path?: unknown }
    if (tagged._tag === "VersionSetClosed") return false
    if (tagged._tag === "IOError") return !/MANIFEST-\d+$/.test(String(tagged.path))
    const code = (e as NodeJS.ErrnoException).code
    if (code === "ENOSPC" || code === "EIO") {
      return !/MANIFEST-\d+/.test(String((e as NodeJS.ErrnoException).path ?? e.message))
    }
    return false
  }

  /**
   * `DB::Resume()`: after a retryable background error (invariant 2), once its cause is
   * gone: clears the error, runs the flushes that failed (the immutable memtables are still
   * there; tables the failed job left half written are deleted as obsolete) and accepts
   * writes again. Rejects with ReadOnlyError carrying the error when it is fatal (a WAL or
   * memtable failure, a MANIFEST failure) or when the flush fails again (the database stays
   * read-only and resume may be tried again). Resolves at once when there is no error.
   * YIELDS while the flushes run.
   */
  async resume(): Promise<void> {
    if (this.closing) throw new DbClosed({ operation: "resume" })
    const err = this.bgError
    if (err === undefined) return
    if (!this.bgErrorRetryable) throw new ReadOnlyError({ cause: err })
    this.bgError = undefined
    this.bgErrorRetryable = false
    try {
      await this.deleteObsoleteFiles() // YIELD: what the failed job left behind
      await this.background.waitForFlush(this.memtables.immutables) // YIELD: the failed flushes run again
    } catch (e) {
      if (this.bgError === undefined) this.setBackgroundError(asError(e), DbImpl.isRetryableBackgroundError(asError(e)))
      throw new ReadOnlyError({ cause: this.bgError ?? e })
    }
    if (this.bgError !== undefined) throw new ReadOnlyError({ cause: this.bgError })
    this.recalculateWriteStallConditions()
    this.background.schedule()
  }

  /**
   * `SwitchMemtable`: a new WAL (only if the current one has records), a new mutable
   * memtable, the old one immutable and still readable until its flush; then the stall
   * conditions and the flush is scheduled.
   * REQUIRES: the caller owns the main queue and no group is inserting. YIELDS on the
   * old WAL's sync; appends meanwhile go to the new WAL.
   */
  private async switchMemtable(): Promise<WriteStatus> {
    if (this.failedGroupMemtables.has(this.memtables.mutable)) return new ReadOnlyError({ cause: this.bgError })
    this.memtableSwitches++
    const old = this.memtables.switchMemTable(newMemTable(this.options, this.versions.lastPublished))
    const newWal = this.wals.current.size === 0 ? undefined : this.versionSet.newFileNumber()
    // Everything `old` holds is in WALs below the one current from now on.
    this.logNumberAfter.set(old, newWal ?? this.wals.currentNumber)
    this.recalculateWriteStallConditions()
    const switching = newWal === undefined ? undefined : this.wals.switchTo(newWal) // the new WAL is current before this yields
    this.background.schedule()
    if (switching === undefined) return undefined
    try {
      await switching
    } catch (e) {
      return this.setBackgroundError(asError(e), false)
    }
    return undefined
  }

  /**
   * `RecalculateWriteStallConditions` (WRITE-PATH.md 5.4) from immutables and level-0 files,
   * plus compaction pressure (level 0 at min(2·trigger, trigger + (slowdown − trigger)/4)
   * files), which throttles only lowPri writes.
   */
  private recalculateWriteStallConditions(): void {
    const imm = this.memtables.numImmutable
    const max = this.options.maxWriteBufferNumber
    const l0 = this.tables.numLevel0Files
    const o = this.options
    const stop = imm >= max || l0 >= o.level0StopWritesTrigger
    const delay = !stop && ((max > 3 && imm >= max - 1) || l0 >= o.level0SlowdownWritesTrigger)
    if (stop) this.stopToken ??= this.controller.getStopToken()
    else if (this.stopToken !== undefined) {
      this.stopToken.release()
      this.stopToken = undefined
    }
    if (delay) this.delayToken ??= this.controller.getDelayToken(o.delayedWriteRate)
    else if (this.delayToken !== undefined) {
      this.delayToken.release()
      this.delayToken = undefined
    }
    const trigger = o.level0FileNumCompactionTrigger
    const pressure =
      !stop &&
      !delay &&
      !o.disableAutoCompactions &&
      l0 >= Math.min(2 * trigger, trigger + Math.floor((o.level0SlowdownWritesTrigger - trigger) / 4))
    if (pressure) this.pressureToken ??= this.controller.getCompactionPressureToken()
    else if (this.pressureToken !== undefined) {
      this.pressureToken.release()
      this.pressureToken = undefined
    }
  }

  // ---- 2PC WAL retention ---------------------------------------------------------------------

  /** A prepare is about to be written: its section lands in the current WAL or a later one. */
  notePrepare(name: string): void {
    this.prepLogs.markPrepared(name, this.wals.currentNumber)
  }

  /** The transaction finished (commit or rollback acknowledged, or it was never prepared). */
  noteTransactionDone(name: string): void {
    this.prepLogs.markFinished(name, this.memtables.mutable)
  }

  /** `MinLogNumberToKeep`: WALs below it hold nothing recovery needs. */
  minLogNumberToKeep(): number {
    return Math.min(this.versionSet.state.logNumber, this.prepLogs.minLogContainingPrepSection())
  }

  /**
   * `DeleteObsoleteFiles`: WALs below `minLogNumberToKeep`, then tables the MANIFEST does not
   * list (keeping a running job's pending outputs). YIELDS while a WAL switch finishes
   * syncing the WAL it closes.
   */
  private async deleteObsoleteFiles(atOpen = false): Promise<void> {
    await this.wals.deleteBelow(this.minLogNumberToKeep()) // YIELD
    const state = this.versionSet.state
    await deleteObsoleteTables(this.wals.dir, state, Math.min(state.nextFileNumber, this.background.minPendingOutput), atOpen)
  }

  // ---- reads -----------------------------------------------------------------------------------

  /** The newest entry at `snapshot`: memtables newest first, then the tables. */
  getAt(key: Uint8Array, snapshot: number): GetResult {
    const r = this.memtables.get(key, snapshot)
    if (r._tag !== "NotFound") return r
    return this.tables.get(key, snapshot)
  }

  /** The memtables a reader pins: mutable first, then immutables newest first. */
  memtablesForRead(): ReadonlyArray<MemTable> {
    return [this.memtables.mutable, ...this.memtables.immutables]
  }

  // ---- flush -------------------------------------------------------------------------------------

  /**
   * `FlushMemTable(wait)`: switches the mutable memtable (if it holds anything) while owning
   * every queue, then waits until it and every older immutable are in tables recorded in the
   * MANIFEST. Rejects with ReadOnlyError when a flush failed.
   */
  async flush(): Promise<void> {
    if (this.bgError !== undefined) throw new ReadOnlyError({ cause: this.bgError })
    // Only enter the queues when there is something to switch: a writer stalled on level-0
    // files holds the main queue until a compaction (which needs no queue) releases it.
    const failed = this.memtables.mutable.isEmpty()
      ? undefined
      : await this.strategy.exclusive(async () => {
          if (this.memtables.mutable.isEmpty()) return undefined
          return this.switchMemtable() // YIELD
        })
    if (failed !== undefined) throw failed instanceof ReadOnlyError ? failed : new ReadOnlyError({ cause: failed })
    try {
      await this.background.waitForFlush(this.memtables.immutables) // YIELD: until flushed
    } catch (e) {
      throw new ReadOnlyError({ cause: e })
    }
  }

  private backgroundHost() {
    const db = this
    return {
      versions: db.versionSet,
      tables: db.tables,
      tableOptions: { compression: db.options.compression },
      pickMemtablesToFlush: () => db.memtables.pickMemtablesToFlush(),
      mayFlush: (m: MemTable) => !db.failedGroupMemtables.has(m),
      logNumberAfter: (m: MemTable) => db.logNumberAfter.get(m)!,
      keysOlderThan: (m: MemTable, begin: Uint8Array, end: Uint8Array) => db.keysOlderThan(m, begin, end),
      liveSnapshots: () => db.snapshotList(),
      lastSequence: () => db.versions.lastPublished,
      memtableFlushed: (m: MemTable) => {
        db.memtables.removeFlushed([m])
        db.logNumberAfter.delete(m)
        db.prepLogs.memtableFlushed(m)
      },
      afterVersionChange: () => db.afterVersionChange(),
      compactOnce: () => db.compactions.compactOnce(),
      // Stalled writers wake and fail with the background error.
      setBackgroundError: (e: Error) => db.setBackgroundError(e, DbImpl.isRetryableBackgroundError(e)),
      get backgroundError() {
        return db.bgError
      },
      get shuttingDown() {
        return db.closing
      },
    }
  }

  /**
   * `CompactRange`: flushes, then compacts [begin, end] (undefined = open) down the levels as
   * a background job (Compactions.compactRange). Rejects with ReadOnlyError when a flush or
   * compaction failed.
   */
  async compactRange(begin: Uint8Array | undefined, end: Uint8Array | undefined): Promise<void> {
    await this.flush() // YIELD
    try {
      await this.background.runManual(() => this.compactions.compactRange(begin, end)) // YIELD
    } catch (e) {
      throw new ReadOnlyError({ cause: e })
    }
  }

  private async afterVersionChange(): Promise<void> {
    this.recalculateWriteStallConditions()
    await this.deleteObsoleteFiles()
  }

  /** User keys in [begin, end) in memtables older than `m` and in tables (for a flush's range deletes). */
  private *keysOlderThan(m: MemTable, begin: Uint8Array, end: Uint8Array): Generator<Uint8Array> {
    const imm = this.memtables.immutables // newest first
    const sources = [
      ...imm.slice(imm.indexOf(m) + 1).map((x) => x.newIterator()),
      ...this.tables.levels.flat().map((f) => f.table.newIterator()),
    ]
    for (const it of sources) {
      for (it.seek(begin, Number.MAX_SAFE_INTEGER); it.valid() && compareUserKeys(it.key(), end) < 0; it.next()) yield it.key()
    }
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
      throw new ReadOnlyError({ cause: this.failWritePath(asError(e)) })
    }
  }

  // ---- close -------------------------------------------------------------------------------------

  /**
   * Waits for in-flight writes and the running background job, flushes the memtables when
   * writes with disableWAL would otherwise be lost (RocksDB's flush at shutdown), syncs and
   * closes the WAL and the MANIFEST, stops the strategy, releases the LOCK. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closing) {
      while (!this.closed) await new Promise((r) => setImmediate(r))
      return
    }
    this.closing = true
    this.wakeStalled()
    try {
      await this.strategy.exclusive(async () => {
        await this.background.idle() // YIELD: the running job finishes its step
        if (this.unloggedWrites && this.bgError === undefined) await this.flushAtShutdown()
        await this.wals.close(this.bgError === undefined).catch(() => undefined)
      })
      await Effect.runPromise(Scope.close(this.scope, Exit.void))
    } finally {
      this.tables.closeAll()
      await this.versionSet.close()
      this.lock.release()
      this.closed = true
    }
  }

  private async flushAtShutdown(): Promise<void> {
    if (!this.memtables.mutable.isEmpty()) await this.switchMemtable()
    this.background.flushForShutdown = true
    await this.background.waitForFlush(this.memtables.immutables).catch(() => undefined)
    await this.background.idle()
  }
}
