/**
 * The Promise face of the engine, for users who do not use Effect. A thin wrapper over
 * DbImpl, the same engine the Effect `Db` service wraps. Keys and values are Uint8Array or
 * string (UTF-8). Every method validates its input and rejects with a typed error naming
 * the problem (one of `DbError`).
 *
 * Owns: the live snapshots and transactions of one open database. Invariants: 1. after
 * `close()` every method and every open iterator fails with DbClosed; 2. an iterator reads
 * one sequence (its creation's or its snapshot's) from its first entry to its last. Yields
 * at every write and at each iterator step (await points; no engine lock is held across them).
 *
 * @example
 * ```ts
 * import { open } from "@writepath/db"
 *
 * const db = await open({ path: "./data", strategy: "pipelined" })
 * await db.put("key", "value", { sync: true })
 * const v = await db.get("key") // Uint8Array | undefined
 * for await (const [k, v] of db.iterator({ gte: "a", lt: "b", limit: 10 })) console.log(k, v)
 * await db.close()
 * ```
 */
import { type Bytes, WriteBatch } from "@writepath/batch"
import { DEFAULT_WRITE_OPTIONS, parseEngineOptions, parseWriteOptions, type StrategyLayer, type WriteOptions } from "@writepath/strategies"
import type { LogFileService } from "@writepath/wal"
import { Batch } from "./Batch.ts"
import { DbClosed, InvalidArgument, NotSupported } from "./DbError.ts"
import { DbImpl } from "./internal/DbImpl.ts"
import { DbIterator } from "./internal/DbIterator.ts"
import {
  CLEAR_OPTION_KEYS,
  COMPACT_RANGE_OPTION_KEYS,
  checkBoolean,
  checkBytes,
  checkCount,
  checkOptionsObject,
  checkRangeOrder,
  FLUSH_WAL_OPTION_KEYS,
  ITERATOR_OPTION_KEYS,
  READ_OPTION_KEYS,
  TRANSACTION_OPTION_KEYS,
} from "./internal/PublicArgs.ts"
import type {
  ClearOptions,
  CompactRangeOptions,
  FlushWalOptions,
  IteratorOptions,
  OpenOptions,
  ReadOptions,
  TransactionOptions,
  WriteOptionsInput,
} from "./Options.ts"
import { Snapshot } from "./Snapshot.ts"
import { Transaction, type TransactionWriter } from "./Transaction.ts"

/** Counters and gauges of an open database (`db.stats()`, `Db.stats`). */
export interface DbStats {
  /** The write strategy in use. */
  readonly strategy: string
  /** LastSequence: the newest write readers can see. */
  readonly lastSequence: number
  /** Sequences handed out so far (WAL-only writes such as prepares consume them without publishing). */
  readonly lastAllocatedSequence: number
  /** Main-queue groups committed and their mean size. */
  readonly groups: number
  /** Writers per main-queue group, on average. */
  readonly meanGroupSize: number
  /** WAL records written (one per group). */
  readonly walRecords: number
  /** WAL bytes written. */
  readonly walBytes: number
  /** WAL syncs (fdatasync or fsync). */
  readonly walSyncs: number
  /** Mean wall time of a WAL sync, microseconds. */
  readonly walSyncMeanMicros: number
  /** Writes that were delayed or stopped, and the time they waited (microseconds). */
  readonly stalls: number
  readonly stallMicros: number
  /** Memtables made immutable so far, and those not yet flushed. */
  readonly memtableSwitches: number
  readonly immutableMemtables: number
  /** Numbers of the WAL files recovery would read. */
  readonly liveWals: ReadonlyArray<number>
  /** Live table files per level (level 0 first) and their bytes. */
  readonly levelFiles: ReadonlyArray<number>
  readonly levelBytes: ReadonlyArray<number>
  /** Flushes and compactions completed. */
  readonly flushes: number
  readonly compactions: number
  /** Longest synchronous stretch of a flush (ms): the longest event-loop pause a flush caused. */
  readonly flushLongestStretchMs: number
  /** Longest synchronous stretch of a compaction (ms). */
  readonly compactionLongestStretchMs: number
  /** Bytes compactions read and wrote (write amplification = (flushed + written) / user bytes). */
  readonly compactionBytesRead: number
  readonly compactionBytesWritten: number
  /** Groups whose memtable inserts ran in parallel (concurrent-memtable). */
  readonly parallelGroups: number
  /** Write latency over the most recent writes, microseconds. */
  readonly latencyMicros: { readonly count: number; readonly p50: number; readonly p99: number; readonly max: number }
}

/** Keys a `clear` deletes per batch: bounded batches, so a large clear never needs one huge memtable entry. */
const CLEAR_CHUNK = 1024

/** Bytes a key or value takes in a batch, at most (UTF-8 needs up to 3 bytes per UTF-16 unit). */
const sizeHint = (v: Bytes): number => (typeof v === "string" ? v.length * 3 : v instanceof Uint8Array ? v.length : 0)

/** Bytes a key or value takes in a batch, at least (a UTF-16 unit is at least one UTF-8 byte). */
const sizeFloor = (v: Bytes): number => (typeof v === "string" || v instanceof Uint8Array ? v.length : 0)

/**
 * Up-front batch room for a single-record write. Above this the batch grows to the exact
 * size instead: a reservation is an allocation, and an oversized (or fake-length) key
 * must reach the size checks before anything of its size is allocated.
 */
const MAX_RESERVATION = 16 * 1024 * 1024
const reservation = (bytes: number): number => (bytes <= MAX_RESERVATION ? 24 + bytes : 24)

const enc = new TextEncoder()
const toBytes = (v: unknown, what: string): Uint8Array => {
  if (v instanceof Uint8Array) return v
  if (typeof v === "string") return enc.encode(v)
  throw new InvalidArgument({ reason: `${what} must be a Uint8Array or a string, got ${v === null ? "null" : typeof v}` })
}

/**
 * An open database (from `open`). Close it with `close()`; with Effect, use the `Db`
 * service, whose layer closes it for you.
 */
export class Database {
  /** @internal */
  readonly impl: DbImpl
  private readonly snapshots = new Set<Snapshot>()
  private readonly transactions = new Map<string, Transaction>()
  private readonly txnWriter: TransactionWriter

  /** @internal Use `open`. */
  constructor(impl: DbImpl) {
    this.impl = impl
    this.txnWriter = {
      writeWalOnly: (b, wo, name) => {
        this.impl.notePrepare(name) // before the write: the WAL it lands in must outlive the transaction
        return this.impl.write(b, wo, true)
      },
      write: (b, wo) => this.impl.write(b, wo, false),
      release: (name) => {
        this.impl.noteTransactionDone(name)
        this.transactions.delete(name)
      },
    }
    impl.snapshotList = () => [...this.snapshots].map((x) => x.sequence)
    for (const t of impl.recoveredTransactions) {
      this.transactions.set(t.name, Transaction.recovered(t.name, t.batch, this.txnWriter, DEFAULT_WRITE_OPTIONS))
    }
  }

  /** The write strategy in use ("classic", "pipelined", "two-queue", "concurrent-memtable"). */
  get strategy(): string {
    return this.impl.strategy.name
  }

  /** The database folder. */
  get path(): string {
    return this.impl.options.path
  }

  // ---- writes ---------------------------------------------------------------------------------

  /** Sets `key` to `value`; resolves once the write is acknowledged (durable with `sync`). */
  put(key: Bytes, value: Bytes, options?: WriteOptionsInput): Promise<void> {
    try {
      checkBytes("put", "key", key)
      checkBytes("put", "value", value)
      this.checkFits("put", sizeFloor(key) + sizeFloor(value))
      return this.submit(new WriteBatch({ reservedBytes: reservation(sizeHint(key) + sizeHint(value)) }).put(key, value), options)
    } catch (e) {
      return Promise.reject(e)
    }
  }

  /** Deletes `key` (a no-op where it is absent). */
  delete(key: Bytes, options?: WriteOptionsInput): Promise<void> {
    try {
      checkBytes("delete", "key", key)
      this.checkFits("delete", sizeFloor(key))
      return this.submit(new WriteBatch({ reservedBytes: reservation(sizeHint(key)) }).delete(key), options)
    } catch (e) {
      return Promise.reject(e)
    }
  }

  /** Deletes every key in [start, end). InvalidArgument when `end` sorts before `start`. */
  deleteRange(start: Bytes, end: Bytes, options?: WriteOptionsInput): Promise<void> {
    try {
      checkRangeOrder("deleteRange", start, end)
      this.checkFits("deleteRange", sizeFloor(start) + sizeFloor(end))
      return this.submit(new WriteBatch({ reservedBytes: reservation(sizeHint(start) + sizeHint(end)) }).deleteRange(start, end), options)
    } catch (e) {
      return Promise.reject(e)
    }
  }

  /** A batch to fill and pass to `write`: applied all at once or not at all. */
  batch(): Batch {
    return new Batch()
  }

  /** Writes a batch from `db.batch()` atomically: every operation in it becomes visible at once. */
  write(batch: Batch, options?: WriteOptionsInput): Promise<void> {
    if (!(batch instanceof Batch)) return Promise.reject(new InvalidArgument({ reason: "write: expected a Batch (db.batch())" }))
    try {
      return this.submit(batch.rep, options)
    } catch (e) {
      return Promise.reject(e)
    }
  }

  /**
   * Rejects, before anything is allocated, a record whose key and value alone (`bytes`,
   * a lower bound) exceed a memtable: it could never be inserted. The engine checks the
   * exact batch again (DbImpl.write); this early check keeps a fake or huge length from
   * reaching an allocation.
   */
  private checkFits(op: string, bytes: number): void {
    if (this.impl.isClosed) throw new DbClosed({ operation: "write" })
    const capacity = this.impl.memtables.mutable.arenaCapacity
    if (bytes > capacity) {
      throw new InvalidArgument({
        reason: `${op}: key and value take at least ${bytes} bytes, more than a memtable holds (writeBufferSize ${this.impl.options.writeBufferSize})`,
      })
    }
  }

  /** Validates the options (throws synchronously), then writes and records the latency. */
  private submit(batch: WriteBatch, options: unknown): Promise<void> {
    if (this.impl.isClosed) throw new DbClosed({ operation: "write" })
    const wo = parseWriteOptions(options, this.impl.options.recycleLogFileNum)
    return this.timed(batch, wo)
  }

  private async timed(batch: WriteBatch, wo: WriteOptions): Promise<void> {
    const t0 = performance.now()
    await this.impl.write(batch, wo)
    this.impl.latencies.record((performance.now() - t0) * 1000)
  }

  // ---- reads ------------------------------------------------------------------------------------

  /** The value visible now (or at `snapshot`), or undefined. */
  async get(key: Bytes, options?: ReadOptions): Promise<Uint8Array | undefined> {
    const seq = this.readSequence("get", options)
    return this.getAt(toBytes(key, "key"), seq)
  }

  /** The values of `keys` (undefined where absent), all read at one sequence. */
  async getMany(keys: ReadonlyArray<Bytes>, options?: ReadOptions): Promise<Array<Uint8Array | undefined>> {
    if (!Array.isArray(keys)) throw new InvalidArgument({ reason: "getMany: keys must be an array" })
    const seq = this.readSequence("getMany", options)
    const ks = keys.map((k, i) => toBytes(k, `keys[${i}]`)) // every key checked before any is read
    return ks.map((k) => this.getAt(k, seq))
  }

  /** Whether `key` has a value now (or at `snapshot`). */
  async has(key: Bytes, options?: ReadOptions): Promise<boolean> {
    return (await this.get(key, options)) !== undefined
  }

  /** REQUIRES: the database is open. The sequence a point read reads at; throws on bad options. */
  private readSequence(op: string, options: ReadOptions | undefined): number {
    if (this.impl.isClosed) throw new DbClosed({ operation: op })
    const snapshot = options === undefined ? undefined : checkOptionsObject(op, options, READ_OPTION_KEYS).snapshot
    return snapshot === undefined ? this.impl.versions.lastPublished : this.snapshotSequence(op, snapshot)
  }

  private getAt(k: Uint8Array, seq: number): Uint8Array | undefined {
    const r = this.impl.getAt(k, seq)
    switch (r._tag) {
      case "Found":
        return r.value.slice()
      case "MergeOperands":
        throw new NotSupported({ reason: "reading a Merge needs a merge operator, which writepath does not have" })
      default:
        return undefined
    }
  }

  /**
   * [key, value] pairs in key order (or reverse), as of its creation (or `snapshot`), at most
   * `limit` of them. After `close()` its next step rejects with DbClosed. Leaving a
   * for-await loop early releases what it holds.
   */
  iterator(options: IteratorOptions = {}): AsyncIterable<[Uint8Array, Uint8Array]> {
    return this.walk("iterator", options, (e) => e)
  }

  /** The keys of `iterator(options)`. */
  keys(options: IteratorOptions = {}): AsyncIterable<Uint8Array> {
    return this.walk("keys", options, (e) => e[0])
  }

  /** The values of `iterator(options)`. */
  values(options: IteratorOptions = {}): AsyncIterable<Uint8Array> {
    return this.walk("values", options, (e) => e[1])
  }

  private walk<A>(op: string, options: IteratorOptions, project: (e: [Uint8Array, Uint8Array]) => A): AsyncIterable<A> {
    if (this.impl.isClosed) throw new DbClosed({ operation: op })
    checkOptionsObject(op, options, ITERATOR_OPTION_KEYS)
    const reverse = checkBoolean(op, "reverse", options.reverse)
    const limit = checkCount(op, "limit", options.limit) ?? Number.POSITIVE_INFINITY
    const seq = options.snapshot === undefined ? this.impl.versions.lastPublished : this.snapshotSequence(op, options.snapshot)
    const bound = (v: Bytes | undefined, name: string): Uint8Array | undefined => (v === undefined ? undefined : toBytes(v, name))
    const gt = bound(options.gt, "gt")
    const gte = bound(options.gte, "gte")
    const lt = bound(options.lt, "lt")
    const lte = bound(options.lte, "lte")
    const bounds = {
      ...(gt === undefined ? {} : { gt }),
      ...(gte === undefined ? {} : { gte }),
      ...(lt === undefined ? {} : { lt }),
      ...(lte === undefined ? {} : { lte }),
      reverse: reverse === true,
    }
    // Memtables and tables are taken in one synchronous step: a flush between them would
    // hide the flushed memtable's entries from this iterator.
    const it = new DbIterator(this.impl.memtablesForRead(), seq, bounds, this.impl.tables.pin())
    let yielded = 0
    const impl = this.impl
    return {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<A, undefined>> => {
          if (impl.isClosed) {
            it.release()
            throw new DbClosed({ operation: `${op}.next` })
          }
          const e = yielded < limit ? it.next() : undefined
          if (e === undefined) {
            it.release()
            return { done: true, value: undefined }
          }
          yielded++
          return { done: false, value: project(e) }
        },
        // A `break` out of for-await ends the walk: the tables it pinned are released.
        return: async () => {
          it.release()
          return { done: true, value: undefined }
        },
      }),
    }
  }

  /** The sequence of a live snapshot of this database; InvalidArgument for anything else. */
  private snapshotSequence(op: string, snapshot: unknown): number {
    if (!(snapshot instanceof Snapshot)) {
      throw new InvalidArgument({
        reason: `${op}: option \`snapshot\` must be a Snapshot from db.snapshot(), got ${snapshot === null ? "null" : typeof snapshot}`,
      })
    }
    const seq = snapshot.check(op) // InvalidArgument when released
    if (!this.snapshots.has(snapshot)) throw new InvalidArgument({ reason: `${op}: the snapshot belongs to another database` })
    return seq
  }

  /** A consistent read point at the newest write; release it when done. */
  snapshot(): Snapshot {
    if (this.impl.isClosed) throw new DbClosed({ operation: "snapshot" })
    const s = new Snapshot(this.impl.versions.lastPublished, (x) => this.snapshots.delete(x))
    this.snapshots.add(s)
    return s
  }

  // ---- transactions --------------------------------------------------------------------------------

  /**
   * Deletes the keys in a range (every key without options), in batches of 1024 deletes:
   * keys written meanwhile may survive, as with abstract-level's `clear`. For one atomic
   * [start, end) deletion use `deleteRange`.
   */
  async clear(options: ClearOptions = {}): Promise<void> {
    if (this.impl.isClosed) throw new DbClosed({ operation: "clear" })
    const o = checkOptionsObject("clear", options, CLEAR_OPTION_KEYS)
    const wo = o.writeOptions as WriteOptionsInput | undefined
    parseWriteOptions(wo, this.impl.options.recycleLogFileNum) // bad write options fail before anything is deleted
    const { writeOptions: _, ...range } = options
    let batch = new Batch()
    for await (const key of this.keys(range)) {
      batch.delete(key)
      if (batch.count === CLEAR_CHUNK) {
        await this.write(batch, wo)
        batch = new Batch()
      }
    }
    if (batch.count > 0) await this.write(batch, wo)
  }

  /** A WriteCommitted 2PC transaction named `name` (unique among live transactions). */
  beginTransaction(options: TransactionOptions): Transaction {
    if (this.impl.isClosed) throw new DbClosed({ operation: "beginTransaction" })
    const name = checkOptionsObject("beginTransaction", options, TRANSACTION_OPTION_KEYS).name
    if (typeof name !== "string" || name.length === 0)
      throw new InvalidArgument({ reason: "beginTransaction: name must be a non-empty string" })
    if (this.transactions.has(name)) throw new InvalidArgument({ reason: `beginTransaction: a transaction named ${name} is already live` })
    const t = Transaction.begin(name, this.txnWriter, parseWriteOptions(options.writeOptions, this.impl.options.recycleLogFileNum))
    this.transactions.set(name, t)
    return t
  }

  /** Transactions in the prepared state: after a reopen, those the WAL left prepared. */
  getPreparedTransactions(): ReadonlyArray<Transaction> {
    return [...this.transactions.values()].filter((t) => t.state === "prepared")
  }

  // ---- maintenance ------------------------------------------------------------------------------------

  /** Hands buffered WAL records to the OS (`manualWalFlush`), and with `sync` makes them durable. */
  flushWal(options?: FlushWalOptions): Promise<void> {
    if (this.impl.isClosed) return Promise.reject(new DbClosed({ operation: "flushWal" }))
    try {
      const sync = checkBoolean("flushWal", "sync", checkOptionsObject("flushWal", options, FLUSH_WAL_OPTION_KEYS).sync)
      return this.impl.flushWal(sync === true)
    } catch (e) {
      return Promise.reject(e)
    }
  }

  /**
   * Writes every memtable to a table recorded in the MANIFEST (RocksDB `Flush` with
   * wait): afterwards the WALs hold nothing the tables do not, and are deleted.
   */
  flush(): Promise<void> {
    if (this.impl.isClosed) return Promise.reject(new DbClosed({ operation: "flush" }))
    return this.impl.flush()
  }

  /**
   * Compacts the keys in [gte, lte] (default: everything) down the levels (RocksDB/LevelDB
   * `CompactRange`), after flushing the memtables; runs even with disableAutoCompactions.
   */
  compactRange(options?: CompactRangeOptions): Promise<void> {
    if (this.impl.isClosed) return Promise.reject(new DbClosed({ operation: "compactRange" }))
    try {
      const o = checkOptionsObject("compactRange", options, COMPACT_RANGE_OPTION_KEYS)
      const gte = o.gte === undefined ? undefined : toBytes(o.gte, "gte")
      const lte = o.lte === undefined ? undefined : toBytes(o.lte, "lte")
      return this.impl.compactRange(gte, lte)
    } catch (e) {
      return Promise.reject(e)
    }
  }

  /**
   * `DB::Resume()`: after a retryable background error (a flush or compaction that failed
   * with ENOSPC or EIO writing a table) the database is read-only; once the cause is gone,
   * `resume()` runs the failed flushes again and accepts writes. Rejects with ReadOnlyError
   * when the error is fatal until reopen (a failed WAL write or sync, a failed memtable
   * insert, a failed MANIFEST write) or when the flush fails again. Nothing acknowledged is
   * lost; nothing from a failed write group appears. Resolves at once when writes are open.
   */
  resume(): Promise<void> {
    if (this.impl.isClosed) return Promise.reject(new DbClosed({ operation: "resume" }))
    return this.impl.resume()
  }

  /** Counters and gauges: sequences, groups, WAL, stalls, memtables, levels, latency. */
  stats(): DbStats {
    const s = this.impl.stats
    const [p50, p99, max] = this.impl.latencies.percentiles([50, 99, 100])
    return {
      strategy: this.impl.strategy.name,
      lastSequence: this.impl.versions.lastPublished,
      lastAllocatedSequence: this.impl.versions.lastAllocated,
      groups: s.groups,
      meanGroupSize: s.groups === 0 ? 0 : s.groupMembers / s.groups,
      walRecords: s.walRecords,
      walBytes: s.walBytes,
      walSyncs: s.walSyncs,
      walSyncMeanMicros: s.walSyncs === 0 ? 0 : Math.round(s.walSyncMicros / s.walSyncs),
      stalls: this.impl.stalls,
      stallMicros: Math.round(this.impl.stallMicros),
      memtableSwitches: this.impl.memtableSwitches,
      immutableMemtables: this.impl.memtables.numImmutable,
      liveWals: this.impl.liveLogNumbers,
      levelFiles: this.impl.tables.levels.map((l) => l.length),
      levelBytes: this.impl.tables.levelBytes(),
      flushes: this.impl.background.stats.flushes,
      compactions: this.impl.compactions.stats.count,
      flushLongestStretchMs: this.impl.background.stats.flushLongestStretchMs,
      compactionLongestStretchMs: this.impl.compactions.stats.longestStretchMs,
      compactionBytesRead: this.impl.compactions.stats.bytesRead,
      compactionBytesWritten: this.impl.compactions.stats.bytesWritten,
      parallelGroups: s.parallelGroups,
      latencyMicros: { count: this.impl.latencies.count, p50: p50!, p99: p99!, max: max! },
    }
  }

  /** Waits for in-flight writes, then closes. Later calls reject with DbClosed. Idempotent. */
  async close(): Promise<void> {
    for (const s of [...this.snapshots]) s.release()
    await this.impl.close()
  }
}

/** What `open` can be given besides the options: another strategy layer, another LogFile service. */
export interface OpenWith {
  /** A WriteStrategy layer other than the one `options.strategy` names. */
  readonly strategy?: StrategyLayer
  /** The WAL's file service (default: node:fs with fdatasync on the thread pool); testkit's fault-injecting one in tests. */
  readonly logFile?: LogFileService
  /**
   * The folder fsync that makes a new WAL's (and IDENTITY's) folder entry durable (default:
   * node:fs, throwing IOError); testkit's `makeFaultyFsyncDir` in tests.
   */
  readonly fsyncDir?: (dir: string) => void
}

/**
 * Opens (creating by default) the database at `options.path` and recovers it. The
 * strategy is `options.strategy` (or RocksDB's mode flags, or `WRITEPATH_STRATEGY`).
 * Rejects with InvalidOptions naming a bad field, DatabaseLocked, DatabaseNotFound,
 * DatabaseExists, IOError or a corruption error.
 *
 * @example
 * ```ts
 * const db = await open({ path: "./data", strategy: "two-queue", writeBufferSize: 16 * 1024 * 1024 })
 * ```
 */
export const open = async (options: OpenOptions, using: OpenWith = {}): Promise<Database> => {
  const parsed = parseEngineOptions(options)
  return new Database(await DbImpl.open(parsed, using.strategy, using.logFile, using.fsyncDir))
}
