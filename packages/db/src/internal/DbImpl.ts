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
 *  2. Once `bgError` is set it never clears until reopen: every later write fails with
 *     ReadOnlyError carrying it; reads keep working. A failed fsync is never retried.
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
  type SequencerImpl,
  WriteControllerImpl,
  type WriteControllerToken,
  type Writer,
  WriteStall,
  type WriteStatus,
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
import { Context, Effect, Exit, Layer, Scope } from "effect"
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
  private stopToken: WriteControllerToken | undefined
  private delayToken: WriteControllerToken | undefined
  /** Per memtable no longer mutable: the WAL that was current right after it (its flush's log number). */
  private readonly logNumberAfter: Map<MemTable, number>
  /** The WALs 2PC keeps alive (invariant 4). */
  private readonly prepLogs = new LogsWithPrepTracker()
  /** Writes with disableWAL since open: close flushes the memtables so they are not lost. */
  private unloggedWrites = false
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
    this.closingSignal = new Promise((resolve) => {
      this.wakeClosing = resolve
    })
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
   * memtable, the old one immutable and still readable until its flush; then the stall
   * conditions and the flush is scheduled.
   * REQUIRES: the caller owns the main queue and no group is inserting. YIELDS on the
   * old WAL's sync; appends meanwhile go to the new WAL.
   */
  private async switchMemtable(): Promise<WriteStatus> {
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
      return this.setBackgroundError(asError(e))
    }
    return undefined
  }

  /** `RecalculateWriteStallConditions` (WRITE-PATH.md 5.4) from immutables and level-0 files. */
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
      setBackgroundError: (e: Error) => {
        db.setBackgroundError(e)
        db.wakeClosing?.() // stalled writers wake and fail with the background error
      },
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
      throw new ReadOnlyError({ cause: this.setBackgroundError(asError(e)) })
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
    this.wakeClosing?.()
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
