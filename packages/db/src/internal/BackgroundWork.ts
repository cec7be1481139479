/**
 * BackgroundWork: the database's background jobs, as two loops on the event loop (RocksDB's
 * flush pool and compaction pool, one job each): the flush loop writes immutable memtables
 * to level-0 tables; the compaction loop runs size-triggered and manual compactions. Each
 * step is recorded in the MANIFEST before the engine's view changes.
 *
 * Owns: the two running loops, the flush waiters, the manual job queue, the pending-output
 * floors of running jobs.
 * Invariants:
 *  1. At most one flush and one compaction run at a time. Their MANIFEST records are
 *     serialized by the VersionSet, and each installs the VersionSet's *current* state (which
 *     holds every applied edit), never a state it computed earlier, so neither undoes the
 *     other. A flush's output goes to level 0, which is always searched before the levels a
 *     concurrent compaction writes, so running both at once is safe (as in RocksDB).
 *  2. Immutable memtables are flushed oldest first, one table each; a memtable leaves the
 *     read path in the same synchronous step in which its table enters it (after the
 *     MANIFEST record was fsynced), so a reader always finds every acknowledged write.
 *  3. A file numbered at or above the floor of a running job (`minPendingOutput`) may be that
 *     job's unfinished output: obsolete-file deletion keeps it (RocksDB's pending_outputs_).
 *  4. A failed job never retries by itself: its error becomes the background error
 *     (read-only database, as RocksDB treats flush and compaction IO errors), both loops
 *     stop, and every waiter is rejected with it. The engine's `resume()` clears a
 *     retryable one and schedules again; the failed memtable is still immutable, so its
 *     flush simply runs again.
 *  5. Once shutting down, no new job starts (except the shutdown flush close asks for);
 *     `idle()` resolves when the running ones ended.
 * Yields: inside jobs (table building and merging yield every few ms; fsyncs of tables,
 * folder and MANIFEST); every yield lets writes, reads, switches and the other loop run,
 * which is why a job reads only the memtables it was given and the tables it pinned.
 */
import type { MemTable } from "@writepath/memtable"
import type { TableBuilderOptions } from "@writepath/table"
import { flushToLevel0, type VersionSet } from "@writepath/version"
import { asError } from "./asError.ts"
import { JobLoop } from "./JobLoop.ts"
import type { TableSet } from "./TableSet.ts"

/** What the engine lends the background work. */
export interface BackgroundHost {
  readonly versions: VersionSet
  readonly tables: TableSet
  /** Options of flushed tables (the engine's `compression`). */
  readonly tableOptions: TableBuilderOptions
  /** Immutable memtables, oldest first (`PickMemtablesToFlush`). */
  pickMemtablesToFlush(): ReadonlyArray<MemTable>
  /** False for a memtable that may hold entries of a failed write group: it must never reach a table. */
  mayFlush(m: MemTable): boolean
  /** The WAL that was current right after `m` stopped taking writes: every WAL below it is in `m` or older. */
  logNumberAfter(m: MemTable): number
  /** User keys in [begin, end) held by memtables older than `m` or by tables (for LevelDB-visible range deletes). */
  keysOlderThan(m: MemTable, begin: Uint8Array, end: Uint8Array): Iterable<Uint8Array>
  /** Live snapshot sequences. */
  liveSnapshots(): ReadonlyArray<number>
  lastSequence(): number
  /** `m` is in a table and the version installed: drop it from the read path (same synchronous step). */
  memtableFlushed(m: MemTable): void
  /** After any version change: delete obsolete WALs and tables, recompute write stalls. */
  afterVersionChange(): Promise<void>
  /** One size-triggered compaction if one is due (false when none was), recorded and installed. */
  compactOnce(): Promise<boolean>
  setBackgroundError(e: Error): void
  readonly backgroundError: Error | undefined
  readonly shuttingDown: boolean
}

export interface BackgroundStats {
  flushes: number
  flushBytes: number
  flushMicros: number
  /** Longest synchronous stretch of any flush (ms): the event-loop pause a flush can cause. */
  flushLongestStretchMs: number
}

type Job = { run: () => Promise<void>; resolve: () => void; reject: (e: Error) => void }

export class BackgroundWork {
  readonly stats: BackgroundStats = { flushes: 0, flushBytes: 0, flushMicros: 0, flushLongestStretchMs: 0 }
  /** Automatic compactions may run (false with `disableAutoCompactions`; manual ones still do). */
  compactionsEnabled = true
  /** Set by close when memtables hold writes no WAL has (disableWAL): they are flushed before shutdown. */
  flushForShutdown = false
  private readonly host: BackgroundHost
  private readonly flushLoop: JobLoop
  private readonly compactionLoop: JobLoop
  private readonly flushWaiters: Array<{ mem: MemTable; resolve: () => void; reject: (e: Error) => void }> = []
  private readonly manual: Job[] = []
  private readonly pendingFloors = new Set<{ floor: number }>()

  constructor(host: BackgroundHost) {
    this.host = host
    const fail = (e: unknown): void => this.fail(e)
    this.flushLoop = new JobLoop(() => this.flushStep(), fail)
    this.compactionLoop = new JobLoop(() => this.compactionStep(), fail)
  }

  /** `MaybeScheduleFlushOrCompaction`: wakes both loops (a running loop looks again before it ends). */
  schedule(): void {
    if (!this.mayRun(true)) return
    this.flushLoop.wake()
    this.compactionLoop.wake()
  }

  /** Resolves once `mems` are all flushed (rejects with the background error if one stops it). */
  waitForFlush(mems: ReadonlyArray<MemTable>): Promise<void> {
    const err = this.host.backgroundError
    const pending = new Set(this.host.pickMemtablesToFlush())
    const mine = mems.filter((m) => pending.has(m))
    if (mine.length === 0) return Promise.resolve()
    if (err !== undefined) return Promise.reject(err)
    const waits = mine.map((mem) => new Promise<void>((resolve, reject) => this.flushWaiters.push({ mem, resolve, reject })))
    this.schedule()
    return Promise.all(waits).then(() => undefined)
  }

  /**
   * Runs `job` on the compaction loop (before automatic compactions), so it never overlaps
   * another compaction: manual compaction.
   */
  runManual(job: () => Promise<void>): Promise<void> {
    const err = this.host.backgroundError
    if (err !== undefined) return Promise.reject(err)
    const done = new Promise<void>((resolve, reject) => this.manual.push({ run: job, resolve, reject }))
    this.schedule()
    return done
  }

  /** Invariant 3: files numbered at or above this may be a running job's output. */
  get minPendingOutput(): number {
    let min = Number.POSITIVE_INFINITY
    for (const p of this.pendingFloors) min = Math.min(min, p.floor)
    return min
  }

  /** Resolves when no job is running (shutdown waits here; a job in flight finishes its step). */
  async idle(): Promise<void> {
    // Until both are idle at once: a flush step may wake the compaction loop after it went idle.
    while (this.flushLoop.busy || this.compactionLoop.busy) await Promise.all([this.flushLoop.idle(), this.compactionLoop.idle()])
  }

  private mayRun(flush: boolean): boolean {
    if (this.host.backgroundError !== undefined) return false
    return !this.host.shuttingDown || (flush && this.flushForShutdown)
  }

  private fail(e: unknown): void {
    const err = asError(e)
    this.host.setBackgroundError(err)
    for (const w of this.flushWaiters.splice(0)) w.reject(err)
    for (const j of this.manual.splice(0)) j.reject(err)
  }

  /** Runs `f` with the next file number as a pending-output floor (invariant 3). */
  private async withPendingOutputs<A>(f: () => Promise<A>): Promise<A> {
    const p = { floor: this.host.versions.state.nextFileNumber }
    this.pendingFloors.add(p)
    try {
      return await f()
    } finally {
      this.pendingFloors.delete(p)
    }
  }

  private async flushStep(): Promise<boolean> {
    if (!this.mayRun(true)) return false
    const mem = this.host.pickMemtablesToFlush()[0]
    if (mem === undefined) return false
    // The engine stops the background on a write-path failure; this holds whatever happens next.
    if (!this.host.mayFlush(mem)) throw new Error("a memtable holding entries of a failed write group is never flushed")
    await this.withPendingOutputs(() => this.flush(mem))
    // A new level-0 file may make a compaction due.
    if (this.mayRun(false)) this.compactionLoop.wake()
    return true
  }

  private async compactionStep(): Promise<boolean> {
    if (!this.mayRun(false)) return false
    const job = this.manual.shift()
    if (job !== undefined) {
      try {
        await this.withPendingOutputs(job.run)
      } catch (e) {
        job.reject(asError(e))
        throw e
      }
      job.resolve()
      return true
    }
    if (!this.compactionsEnabled) return false
    if (!(await this.withPendingOutputs(() => this.host.compactOnce()))) return false
    await this.host.afterVersionChange()
    return true
  }

  /** `FlushJob::Run` for one memtable: table, MANIFEST record, then the read path and WAL cleanup. */
  private async flush(mem: MemTable): Promise<void> {
    const t0 = performance.now()
    const host = this.host
    const tombstones = mem.numRangeDeletes > 0 ? mem.newRangeTombstoneIterator() : undefined
    const result = await flushToLevel0(host.versions, mem.newIterator(), {
      logNumber: host.logNumberAfter(mem),
      ...(tombstones === undefined ? {} : { rangeTombstones: tombstones }),
      snapshots: host.liveSnapshots(),
      coveredKeys: (b, e) => host.keysOlderThan(mem, b, e),
      lastSequence: host.lastSequence(),
      table: host.tableOptions,
    })
    // Invariants 1 and 2: the current state (it may hold a concurrent compaction's edit too),
    // and the memtable dropped in the same synchronous step.
    host.tables.install(host.versions.state)
    host.memtableFlushed(mem)
    this.stats.flushes++
    this.stats.flushBytes += result.file?.fileSize ?? 0
    this.stats.flushMicros += (performance.now() - t0) * 1000
    this.stats.flushLongestStretchMs = Math.max(this.stats.flushLongestStretchMs, result.longestStretchMs)
    // Waiters (db.flush()) resume once the WALs the flush made obsolete are gone too.
    await host.afterVersionChange()
    for (let i = this.flushWaiters.length - 1; i >= 0; i--) {
      const w = this.flushWaiters[i]!
      if (w.mem === mem) {
        this.flushWaiters.splice(i, 1)
        w.resolve()
      }
    }
  }
}
