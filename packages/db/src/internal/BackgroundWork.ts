/**
 * BackgroundWork: the database's background job runner (LevelDB's one background thread;
 * RocksDB's flush and compaction pools folded into one loop on the event loop). It flushes
 * immutable memtables to level-0 tables and runs compactions, each step recorded in the
 * MANIFEST before the engine's view changes.
 *
 * Owns: the running loop (one promise at a time), the flush waiters.
 * Invariants:
 *  1. At most one job (flush or compaction) runs at a time, so the version changes in
 *     MANIFEST order and a flush's `coveredKeys` view of older sources cannot move under it.
 *     Flushes go first: they are what releases a write stop.
 *  2. Immutable memtables are flushed oldest first, one table each; a memtable leaves the
 *     read path only in the same synchronous step in which its table enters it (after the
 *     MANIFEST record was fsynced), so a reader always finds every acknowledged write.
 *  3. A failed job never retries: its error becomes the background error (read-only
 *     database, as RocksDB treats flush and compaction IO errors), the loop stops, and
 *     every flush waiter is rejected with it.
 *  4. Once shutting down, no new job starts; `idle()` resolves when the running one ended.
 * Yields: inside jobs (table building yields every few ms; fsyncs of tables, folder and
 * MANIFEST); every yield is a point where writes, reads and switches run, which is why a
 * job reads only the memtables it was given and the tables installed before it started.
 */
import type { MemTable } from "@writepath/memtable"
import { flushToLevel0, type VersionSet } from "@writepath/version"
import type { TableSet } from "./TableSet.ts"

/** What the engine lends the background work. */
export interface BackgroundHost {
  readonly versions: VersionSet
  readonly tables: TableSet
  /** Immutable memtables, oldest first (`PickMemtablesToFlush`). */
  pickMemtablesToFlush(): ReadonlyArray<MemTable>
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
  /** One compaction if one is due (returns false when none was), recorded and installed. */
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
  compactions: number
}

export class BackgroundWork {
  readonly stats: BackgroundStats = { flushes: 0, flushBytes: 0, flushMicros: 0, flushLongestStretchMs: 0, compactions: 0 }
  private readonly host: BackgroundHost
  private running: Promise<void> | undefined
  private again = false
  private readonly flushWaiters: Array<{ mem: MemTable; resolve: () => void; reject: (e: Error) => void }> = []
  /** Compactions may run (false while a test or `disableAutoCompactions` holds them). */
  compactionsEnabled = true

  constructor(host: BackgroundHost) {
    this.host = host
  }

  /** `MaybeScheduleFlushOrCompaction`: starts the loop unless it runs (then it looks again before ending). */
  schedule(): void {
    if ((this.host.shuttingDown && !this.flushForShutdown) || this.host.backgroundError !== undefined) return
    if (this.running !== undefined) {
      this.again = true
      return
    }
    this.running = this.loop().finally(() => {
      this.running = undefined
    })
  }

  /** Resolves once `mems` are all flushed (rejects with the background error if one stops it). */
  waitForFlush(mems: ReadonlyArray<MemTable>): Promise<void> {
    const pending = new Set(this.host.pickMemtablesToFlush())
    const waits = mems
      .filter((m) => pending.has(m))
      .map(
        (mem) =>
          new Promise<void>((resolve, reject) => {
            this.flushWaiters.push({ mem, resolve, reject })
          }),
      )
    const err = this.host.backgroundError
    if (err !== undefined && waits.length > 0) return Promise.reject(err)
    this.schedule()
    return Promise.all(waits).then(() => undefined)
  }

  /** Resolves when no job is running (shutdown waits here; a job in flight finishes its step). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false
        for (;;) {
          if (this.host.shuttingDown && !this.flushForShutdown) break
          const mem = this.host.pickMemtablesToFlush()[0]
          if (mem !== undefined) {
            await this.flush(mem)
            continue
          }
          if (this.host.shuttingDown || !this.compactionsEnabled) break
          if (!(await this.host.compactOnce())) break
          this.stats.compactions++
          await this.host.afterVersionChange()
        }
      } while (this.again && !this.host.shuttingDown)
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e))
      this.host.setBackgroundError(err)
      for (const w of this.flushWaiters.splice(0)) w.reject(err)
    }
  }

  /** Set by close when memtables hold writes no WAL has (disableWAL): they are flushed before shutdown. */
  flushForShutdown = false

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
    })
    // Invariant 2: install the table and drop the memtable with no await in between.
    host.tables.install(result.state)
    host.memtableFlushed(mem)
    this.stats.flushes++
    this.stats.flushBytes += result.file?.fileSize ?? 0
    this.stats.flushMicros += (performance.now() - t0) * 1000
    this.stats.flushLongestStretchMs = Math.max(this.stats.flushLongestStretchMs, result.longestStretchMs)
    for (let i = this.flushWaiters.length - 1; i >= 0; i--) {
      const w = this.flushWaiters[i]!
      if (w.mem === mem) {
        this.flushWaiters.splice(i, 1)
        w.resolve()
      }
    }
    await host.afterVersionChange()
  }
}
