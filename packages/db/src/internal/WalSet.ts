/**
 * The database's WAL files: `NNNNNN.log` in the database folder, RocksDB's numbering.
 * Owns the current LogWriter (the one every append goes to) and the list of live WALs
 * (the current one and every older one the engine has not yet declared obsolete).
 *
 * Invariants: 1. every WAL but the current one is fully synced and closed (a switch
 * syncs the old one before closing it), and while that closing sync runs, a sync of the
 * current WAL starts only after it, as RocksDB syncs its live WALs in order: so a
 * completed `sync` makes every record appended before it durable, in every WAL, and a
 * newer WAL is never durable ahead of an older one's tail. (Without the wait, a two-queue
 * prepare synced into the new WAL was acknowledged while the old WAL's tail was still only
 * in the page cache; with the syncs merely overlapping, a power loss could keep the new
 * WAL's records and not the old tail: a hole that recovery cannot see. Both pinned by
 * test/switchDurability.test.ts.) 2. file numbers only grow; 3. a new WAL's folder entry is made durable (folder
 * fsync) before any record in it is acknowledged.
 * Yields: `switchTo` awaits the old WAL's sync; `sync` awaits the OS.
 */
import * as fs from "node:fs"
import { type LogFileService, LogWriter, logFileName, parseLogFileName } from "@writepath/wal"
import { toIOError } from "./DbFolder.ts"

export interface WalSetOptions {
  readonly manualWalFlush: boolean
  readonly walBytesPerSync: number
  readonly useFsync: boolean
  readonly recycleLogFileNum: number
}

/** WAL numbers present in `dir`, ascending. */
export const listLogNumbers = (dir: string): number[] =>
  fs
    .readdirSync(dir)
    .flatMap((f) => {
      const n = parseLogFileName(f)
      return n === undefined ? [] : [n]
    })
    .sort((a, b) => a - b)

/** fsync of a folder, so a file created in it survives a crash (RocksDB `FsyncWithDirOptions`). Throws IOError. */
export const fsyncDir = (dir: string): void => {
  try {
    const fd = fs.openSync(dir, "r")
    try {
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  } catch (e) {
    throw toIOError("fsync folder", dir, e)
  }
}

/** The folder sync the WAL set uses: node:fs's by default, a fault-injecting one in tests. */
export type SyncDir = (dir: string) => void

export class WalSet {
  readonly dir: string
  private readonly files: LogFileService
  private readonly syncDir: SyncDir
  private readonly options: WalSetOptions
  private current_: LogWriter
  private readonly live: number[]
  /** Syncs in flight on the current writer: a switch waits for them before closing it. */
  private pendingSyncs = new Set<Promise<void>>()
  /** The previous WAL's closing sync while a switch runs (invariant 1); undefined otherwise. */
  private switching: Promise<void> | undefined

  private constructor(dir: string, files: LogFileService, syncDir: SyncDir, options: WalSetOptions, current: LogWriter, live: number[]) {
    this.dir = dir
    this.files = files
    this.syncDir = syncDir
    this.options = options
    this.current_ = current
    this.live = live
  }

  /** Opens a new WAL numbered `number` after the recovered ones in `live`. */
  static create(
    dir: string,
    files: LogFileService,
    options: WalSetOptions,
    number: number,
    live: ReadonlyArray<number>,
    syncDir: SyncDir = fsyncDir,
  ): WalSet {
    const w = WalSet.newWriter(dir, files, syncDir, options, number)
    return new WalSet(dir, files, syncDir, options, w, [...live, number])
  }

  private static newWriter(dir: string, files: LogFileService, syncDir: SyncDir, options: WalSetOptions, number: number): LogWriter {
    const file = files.openWritable(logFileName(dir, number))
    try {
      syncDir(dir)
      return new LogWriter(file, {
        logNumber: number,
        recycleLogFiles: options.recycleLogFileNum > 0,
        manualWalFlush: options.manualWalFlush,
        walBytesPerSync: options.walBytesPerSync,
        useFsync: options.useFsync,
      })
    } catch (e) {
      file.close()
      throw e
    }
  }

  get current(): LogWriter {
    return this.current_
  }

  get liveLogNumbers(): ReadonlyArray<number> {
    return this.live
  }

  get currentNumber(): number {
    return this.current_.logNumber
  }

  /**
   * Makes `number` the current WAL, then syncs and closes the previous one. The new WAL
   * is current before the first await, so appends that run meanwhile go to it. Throws
   * the old WAL's sync error (the caller turns it into the background error).
   */
  async switchTo(number: number): Promise<void> {
    const old = this.current_
    const oldSyncs = this.pendingSyncs
    this.current_ = WalSet.newWriter(this.dir, this.files, this.syncDir, this.options, number)
    this.pendingSyncs = new Set()
    this.live.push(number)
    const closing = (async () => {
      // Another queue's leader may be syncing the old WAL: never close a file under its sync.
      await Promise.allSettled(oldSyncs) // YIELD
      if (this.options.manualWalFlush) old.flush()
      if (old.durableSize < old.size) await old.sync() // YIELD
    })()
    this.switching = closing
    try {
      await closing
    } finally {
      if (this.switching === closing) this.switching = undefined
      await old.close()
    }
  }

  /**
   * Makes everything appended so far durable: the current WAL, after the previous one if
   * a switch is still syncing it (invariant 1); older ones already are. Rejects with the
   * old WAL's sync error (then the current one is not synced) or the current one's.
   */
  sync(): Promise<void> {
    const w = this.current_
    const switching = this.switching
    const p = switching === undefined ? w.sync() : switching.then(() => w.sync()) // YIELD: old WAL first
    const pending = this.pendingSyncs
    pending.add(p)
    const done = (): void => {
      pending.delete(p)
    }
    p.then(done, done)
    return p
  }

  /**
   * Deletes the WAL files numbered below `keepFrom` (never the current one), after a switch in
   * progress has finished syncing and closing the WAL it left (invariant 1: a closing WAL is
   * never deleted under its own sync). YIELDS on that switch.
   */
  async deleteBelow(keepFrom: number): Promise<void> {
    while (this.switching !== undefined) await this.switching.catch(() => undefined) // YIELD
    for (const n of [...this.live]) {
      if (n >= keepFrom || n === this.current_.logNumber) continue
      try {
        await fs.promises.rm(logFileName(this.dir, n), { force: true }) // YIELD: a WAL can be tens of MiB to unlink
      } catch (e) {
        throw toIOError("delete obsolete WAL", logFileName(this.dir, n), e)
      }
      // Two deletions may overlap (flush and compaction both finish version changes).
      const at = this.live.indexOf(n)
      if (at >= 0) this.live.splice(at, 1)
    }
  }

  async close(sync: boolean): Promise<void> {
    const w = this.current_
    try {
      if (this.options.manualWalFlush) w.flush()
      if (sync && w.durableSize < w.size) await w.sync()
    } finally {
      await w.close()
    }
  }
}
