/**
 * LogWriter: appends logical records to a WAL in RocksDB's format (`log::Writer`,
 * `db/log_writer.cc`), with the buffering of RocksDB's `WritableFileWriter` folded in.
 *
 * Owns: the WritableLogFile, an append buffer (`buf[0..len)`: bytes not yet handed to the
 * OS), the offset inside the current 32 KiB block, the precomputed header CRCs, and the
 * writer's failure state.
 *
 * Invariants:
 *  1. `blockOffset` = (bytes of the log written or buffered) mod kBlockSize; a block never
 *     ends with fewer than one header of free space unless that space is zero padding.
 *  2. One `file.append` per `flush`: without `manualWalFlush`, every logical record reaches
 *     the OS in one write (buffer permitting), so a crash tears at most the last record.
 *  3. `syncedSize <= flushedSize <= size`; `syncedSize` only grows after the OS confirmed a sync.
 *  4. Once an append or a sync failed (`failure` set) every later call fails: the file's tail
 *     or its page-cache state is unknown, and a later fdatasync that "succeeds" would not prove
 *     the earlier data durable (Linux drops dirty pages after a writeback error). Reopen and
 *     recover instead.
 *
 * Yields: only in `sync()` / `close()` (awaiting the OS); `addRecord` and `flush` are
 * synchronous, so a record is never interleaved with another caller's record.
 */
import { Effect, type Scope } from "effect"
import { extend as crcExtend, value as crcValue, mask } from "./Crc32c.ts"
import { tryAsync, trySync } from "./internal/tryTyped.ts"
import { LogFile, type WritableLogFile } from "./LogFile.ts"
import { kBlockSize, kHeaderSize, kRecyclableHeaderSize, RecordType } from "./LogFormat.ts"
import { type IOError, ioErrorFrom, WalClosed, WalInvalidArgument } from "./WalError.ts"

export interface LogWriterOptions {
  /** This WAL's number (the `NNNNNN` of its file name); stored in recyclable headers. */
  readonly logNumber: number
  /** Write 11-byte recyclable headers (RocksDB: `recycle_log_file_num > 0`). */
  readonly recycleLogFiles?: boolean
  /** Keep records in memory until `flush()` (`manual_wal_flush`). */
  readonly manualWalFlush?: boolean
  /** Start a background sync every this many bytes handed to the OS (`wal_bytes_per_sync`); 0 = off. */
  readonly walBytesPerSync?: number
  /** `sync()` uses fsync instead of fdatasync (`use_fsync`). */
  readonly useFsync?: boolean
}

const ZEROS = new Uint8Array(kRecyclableHeaderSize)
const INITIAL_BUFFER = 64 * 1024
/** Like WritableFileWriter's max buffer: above this, buffered bytes are written out first. */
const MAX_BUFFER = 1024 * 1024

export class LogWriter {
  // Constant after construction.
  readonly file: WritableLogFile
  readonly logNumber: number
  private readonly recycle: boolean
  private readonly headerSize: number
  private readonly manualFlush: boolean
  private readonly bytesPerSync: number
  private readonly useFsync: boolean
  /** headerCrc[t]: CRC32C of the type byte t (and, recyclable, the log number): RocksDB's `type_crc_`. */
  private readonly headerCrc: Int32Array

  private buf = new Uint8Array(INITIAL_BUFFER)
  private len = 0
  private blockOffset = 0
  private flushedSize: number
  private syncedSize: number
  private lastRangeSyncAt: number
  private rangeSyncInFlight: Promise<void> | undefined
  private failure: IOError | undefined
  private closed = false

  constructor(file: WritableLogFile, options: LogWriterOptions) {
    if (!Number.isSafeInteger(options.logNumber) || options.logNumber < 0) {
      throw new WalInvalidArgument({ reason: `logNumber must be a non-negative integer, got ${options.logNumber}` })
    }
    this.file = file
    this.logNumber = options.logNumber
    this.recycle = options.recycleLogFiles ?? false
    this.headerSize = this.recycle ? kRecyclableHeaderSize : kHeaderSize
    this.manualFlush = options.manualWalFlush ?? false
    this.bytesPerSync = options.walBytesPerSync ?? 0
    this.useFsync = options.useFsync ?? false
    this.flushedSize = file.size()
    this.syncedSize = this.flushedSize
    this.lastRangeSyncAt = this.flushedSize
    this.blockOffset = this.flushedSize % kBlockSize
    const crcs = new Int32Array(256)
    const ln = new Uint8Array(4)
    new DataView(ln.buffer).setUint32(0, this.logNumber % 2 ** 32, true)
    for (let t = 0; t < 256; t++) {
      const c = crcValue(Uint8Array.of(t))
      crcs[t] = this.recycle ? crcExtend(c, ln) : c
    }
    this.headerCrc = crcs
  }

  /** Bytes of the log so far, buffered ones included (RocksDB's `file()->GetFileSize()`). */
  get size(): number {
    return this.flushedSize + this.len
  }

  /** Bytes known durable: covered by a sync that the OS confirmed. */
  get durableSize(): number {
    return this.syncedSize
  }

  /** The error that broke this writer, if any. */
  get error(): IOError | undefined {
    return this.failure
  }

  /**
   * `AddRecord`: encodes `payload[start..end)` as one logical record (FULL, or FIRST MIDDLE*
   * LAST across blocks) and, unless `manualWalFlush`, hands it to the OS in one write.
   * Throws `IOError` (the write failed: the writer is now broken) or `WalClosed`.
   */
  addRecord(payload: Uint8Array, start = 0, end: number = payload.length): void {
    this.checkWritable()
    const hs = this.headerSize
    let left = end - start
    let p = start
    let begin = true
    do {
      const leftover = kBlockSize - this.blockOffset
      if (leftover < hs) {
        // Too little room for a header: zero-fill the block's tail and start the next block.
        if (leftover > 0) this.put(ZEROS, 0, leftover)
        this.blockOffset = 0
      }
      // Here kBlockSize - blockOffset >= hs, so avail may be 0: an empty FIRST fragment.
      const avail = kBlockSize - this.blockOffset - hs
      const n = Math.min(left, avail)
      const last = left === n
      const type =
        begin && last ? RecordType.kFullType : begin ? RecordType.kFirstType : last ? RecordType.kLastType : RecordType.kMiddleType
      // kRecyclableFullType..kRecyclableLastType are kFullType..kLastType + 4.
      this.emitPhysicalRecord(this.recycle ? type + 4 : type, payload, p, n)
      p += n
      left -= n
      begin = false
    } while (left > 0)
    if (!this.manualFlush) this.flush()
  }

  /**
   * Writes a kUserDefinedTimestampSizeType record: (column family id, timestamp size) pairs
   * that apply to every later record. Never split across blocks. Pairs with size 0 are
   * skipped, as in RocksDB.
   */
  addUserDefinedTimestampSizeRecord(sizes: ReadonlyArray<readonly [cf: number, timestampSize: number]>): void {
    this.checkWritable()
    const entries = sizes.filter(([, s]) => s !== 0)
    if (entries.length === 0) return
    const payload = new Uint8Array(entries.length * 6)
    const dv = new DataView(payload.buffer)
    entries.forEach(([cf, size], i) => {
      dv.setUint32(i * 6, cf, true)
      dv.setUint16(i * 6 + 4, size, true)
    })
    const hs = this.headerSize
    if (hs + payload.length > kBlockSize - hs) {
      throw new WalInvalidArgument({ reason: "timestamp size record does not fit in one block" })
    }
    if (kBlockSize - this.blockOffset < hs + payload.length) {
      this.put(new Uint8Array(kBlockSize - this.blockOffset), 0, kBlockSize - this.blockOffset)
      this.blockOffset = 0
    }
    const type = this.recycle ? RecordType.kRecyclableUserDefinedTimestampSizeType : RecordType.kUserDefinedTimestampSizeType
    this.emitPhysicalRecord(type, payload, 0, payload.length)
    if (!this.manualFlush) this.flush()
  }

  /**
   * Hands buffered bytes to the OS (`WritableFileWriter::Flush`); with `walBytesPerSync`,
   * starts a background sync every that many bytes. Throws `IOError` / `WalClosed`.
   */
  flush(): void {
    this.checkWritable()
    this.writeBuffered()
    if (this.bytesPerSync > 0 && this.flushedSize - this.lastRangeSyncAt >= this.bytesPerSync && !this.rangeSyncInFlight) {
      this.lastRangeSyncAt = this.flushedSize
      const upTo = this.flushedSize
      // RocksDB's RangeSync only starts writeback (sync_file_range); node:fs has no such call,
      // so this is a full fdatasync that nobody waits for. Its failure breaks the writer.
      this.rangeSyncInFlight = this.file.datasync().then(
        () => {
          if (upTo > this.syncedSize) this.syncedSize = upTo
          this.rangeSyncInFlight = undefined
        },
        (e: unknown) => {
          this.fail(ioErrorFrom("range sync", this.file.path, e))
          this.rangeSyncInFlight = undefined
        },
      )
    }
  }

  /**
   * Flushes, then fdatasync (fsync with `useFsync`). Resolves only after the OS confirmed;
   * rejects with `IOError` and leaves the writer broken: a failed sync is never retried.
   */
  async sync(): Promise<void> {
    this.flush()
    const upTo = this.flushedSize
    try {
      await (this.useFsync ? this.file.fsync() : this.file.datasync())
    } catch (e) {
      const err = ioErrorFrom(this.useFsync ? "fsync" : "fdatasync", this.file.path, e)
      this.fail(err)
      throw err
    }
    // A background sync may have failed while we waited: its data is not proven durable.
    if (this.failure) throw this.failure
    if (upTo > this.syncedSize) this.syncedSize = upTo
  }

  /** Flushes buffered records (not a sync) and closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    try {
      if (!this.failure) this.writeBuffered()
      if (this.rangeSyncInFlight) await this.rangeSyncInFlight
    } finally {
      this.closed = true
      this.file.close()
    }
    if (this.failure) throw this.failure
  }

  // --- Effect faces -------------------------------------------------------------------

  /** `addRecord` as an Effect. */
  addRecordEffect(payload: Uint8Array): Effect.Effect<void, IOError | WalClosed> {
    return trySync(() => this.addRecord(payload))
  }

  /** `sync` as an Effect. */
  get syncEffect(): Effect.Effect<void, IOError | WalClosed> {
    return tryAsync(() => this.sync())
  }

  /** `flush` as an Effect. */
  get flushEffect(): Effect.Effect<void, IOError | WalClosed> {
    return trySync(() => this.flush())
  }

  /**
   * Creates (or, with `reuse`, recycles) the file at `path` through the LogFile service and
   * returns a writer closed when the scope closes.
   */
  static open(
    path: string,
    options: LogWriterOptions & { readonly reuse?: boolean },
  ): Effect.Effect<LogWriter, IOError | WalInvalidArgument, LogFile | Scope.Scope> {
    return Effect.flatMap(LogFile, (lf) =>
      Effect.acquireRelease(
        trySync<LogWriter, IOError | WalInvalidArgument>(() => {
          const file = lf.openWritable(path, { reuse: options.reuse ?? false })
          try {
            return new LogWriter(file, options)
          } catch (e) {
            file.close()
            throw e
          }
        }),
        (w) => Effect.promise(() => w.close().catch(() => undefined)),
      ),
    )
  }

  // --- internals ------------------------------------------------------------------------

  private checkWritable(): void {
    if (this.closed) throw new WalClosed({ path: this.file.path, reason: "the log writer is closed" })
    if (this.failure) {
      throw new WalClosed({ path: this.file.path, reason: `an earlier write or sync failed (${this.failure.message}); reopen to recover` })
    }
  }

  private fail(err: IOError): void {
    if (!this.failure) this.failure = err
  }

  /** `EmitPhysicalRecord`: header + payload[p..p+n) into the buffer. */
  private emitPhysicalRecord(type: number, payload: Uint8Array, p: number, n: number): void {
    const hs = this.headerSize
    this.reserve(hs + n)
    const b = this.buf
    const h = this.len
    const crc = mask(crcExtend(this.headerCrc[type]! >>> 0, payload, p, p + n))
    b[h] = crc
    b[h + 1] = crc >>> 8
    b[h + 2] = crc >>> 16
    b[h + 3] = crc >>> 24
    b[h + 4] = n
    b[h + 5] = n >>> 8
    b[h + 6] = type
    if (hs === kRecyclableHeaderSize) {
      const ln = this.logNumber % 2 ** 32
      b[h + 7] = ln
      b[h + 8] = ln >>> 8
      b[h + 9] = ln >>> 16
      b[h + 10] = ln >>> 24
    }
    const d = h + hs
    // Measured on Node, Bun and Deno for 128-byte records: set(whole array) < set(subarray) <
    // a copy loop; the view allocation is only paid for fragments of a larger payload.
    if (p === 0 && n === payload.length) b.set(payload, d)
    else if (n <= 16) for (let i = 0; i < n; i++) b[d + i] = payload[p + i]!
    else b.set(payload.subarray(p, p + n), d)
    this.len = d + n
    this.blockOffset += hs + n
  }

  private put(src: Uint8Array, start: number, n: number): void {
    this.reserve(n)
    this.buf.set(src.subarray(start, start + n), this.len)
    this.len += n
  }

  /** Room for n more bytes: grow up to MAX_BUFFER, beyond that write out what is buffered first. */
  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return
    if (this.len + n > MAX_BUFFER && this.len > 0) this.writeBuffered()
    if (this.len + n > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, this.len + n))
      grown.set(this.buf.subarray(0, this.len))
      this.buf = grown
    }
  }

  private writeBuffered(): void {
    if (this.len === 0) return
    try {
      this.file.append(this.buf, 0, this.len)
    } catch (e) {
      const err = ioErrorFrom("append", this.file.path, e)
      this.fail(err)
      throw err
    }
    this.flushedSize += this.len
    this.len = 0
    if (this.buf.length > MAX_BUFFER) this.buf = new Uint8Array(INITIAL_BUFFER)
  }
}
