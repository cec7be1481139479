/**
 * TableBuilder: writes one LevelDB table file (`table/table_builder.cc`); layout in
 * TableFormat.ts. Entries are internal keys (user key | fixed64 LE (seq << 8 | type)) added
 * in internal-key order; LevelDB tables hold only kTypeDeletion (0) and kTypeValue (1).
 * Range tombstones go to a separate "rocksdb.range_del" meta block that LevelDB ignores
 * (see README, "Range tombstones").
 *
 * Owns: the file descriptor (opened at `create`, closed by `finish`/`abandon`), an output
 * buffer, the data/index block builders, the filter builder, the range tombstones.
 * Invariants:
 *  1. `offset` = bytes of the file handed to the OS + bytes in `out[0..outLen)`; every block
 *     is written as stored | type | masked CRC32C(stored ++ type), where stored is the
 *     Snappy form (type 1) if compression is on and it saves >= 1/8, else the raw contents
 *     (type 0), LevelDB's `WriteBlock` rule.
 *  2. Added keys strictly ascend in internal-key order (checked; a violation is TableInvalidArgument
 *     and leaves the builder usable with the earlier entries).
 *  3. An index entry for a data block is emitted only when the next key (or finish) is known,
 *     with a separator k: last(block) <= k < first(next block).
 *  4. `finish()` resolves only after fsync of the file returned; after `finish` or `abandon`
 *     the builder is closed. A failed write or sync closes it too (the file is then garbage).
 * Yields: only inside `finish()` (awaiting fsync); `add*` are synchronous.
 */
import * as fs from "node:fs"
import { Crc32c, ioErrorFrom } from "@writepath/wal"
import { BlockBuilder } from "./BlockBuilder.ts"
import { FilterBlockBuilder } from "./FilterBlock.ts"
import { compareBytes, compareInternal, putTrailerAt, trailerSequenceAt } from "./internal/coding.ts"
import { shortestSeparator, shortSuccessor } from "./internal/separator.ts"
import { snappyCompress } from "./internal/snappyCompress.ts"
import { TableInvalidArgument } from "./TableError.ts"
import {
  type BlockHandle,
  type Compression,
  encodeBlockHandle,
  encodeFooter,
  kBlockTrailerSize,
  kDefaultBlockSize,
  kDefaultCompression,
  kDefaultRestartInterval,
  kFilterMetaKey,
  kNoCompression,
  kRangeDelMetaKey,
  kSnappyCompression,
} from "./TableFormat.ts"

export interface TableBuilderOptions {
  /** Target uncompressed data block size (`block_size`). Default 4096. */
  readonly blockSize?: number
  /** Keys between restart points in data blocks. Default 16. */
  readonly restartInterval?: number
  /** Bloom filter bits per key; 0 writes no filter block. Default 10. */
  readonly bitsPerKey?: number
  /** Block compression (`Options::compression`). Default "snappy", as LevelDB. */
  readonly compression?: Compression
  /** fsync the file in `finish()`. Default true (turn off only in benchmarks of the CPU part). */
  readonly sync?: boolean
}

/** What `finish()` reports: everything a MANIFEST `NewFile` entry needs, and more. */
export interface TableProperties {
  readonly path: string
  readonly fileSize: number
  readonly numEntries: number
  readonly numRangeTombstones: number
  readonly numDataBlocks: number
  /** Smallest internal key (point entries and range tombstone starts); empty for an empty table. */
  readonly smallest: Uint8Array
  /** Largest internal key (point entries; a range tombstone contributes end@kMaxSequenceNumber). */
  readonly largest: Uint8Array
  readonly smallestSequence: number
  readonly largestSequence: number
}

const OUT_CHUNK = 256 * 1024
const EMPTY = new Uint8Array(0)
const TYPE_DELETION = 0
const TYPE_VALUE = 1
const TYPE_RANGE_DELETION = 0x0f
const textEncoder = new TextEncoder()

/** `end | fixed64((kMaxSequenceNumber << 8) | kTypeRangeDeletion)`: RocksDB's exclusive range-tombstone bound. */
const rangeEndSentinel = (end: Uint8Array): Uint8Array => {
  const out = new Uint8Array(end.length + 8)
  out.set(end)
  out.set([TYPE_RANGE_DELETION, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], end.length)
  return out
}

const encodeKey = (userKey: Uint8Array, sequence: number, type: number): Uint8Array => {
  const out = new Uint8Array(userKey.length + 8)
  out.set(userKey)
  putTrailerAt(out, userKey.length, sequence, type)
  return out
}

export class TableBuilder {
  readonly path: string
  private readonly blockSize: number
  private readonly sync: boolean
  private readonly snappy: boolean
  private fd: number
  private closed = false

  private out = new Uint8Array(OUT_CHUNK)
  private outLen = 0
  private offset = 0

  private readonly dataBlock: BlockBuilder
  private readonly indexBlock = new BlockBuilder(1)
  private readonly filter: FilterBlockBuilder | undefined
  private readonly trailer = new Uint8Array(kBlockTrailerSize)
  private scratch = new Uint8Array(256)
  private pendingHandle: BlockHandle | undefined
  private lastKey: Uint8Array = EMPTY
  private firstKey: Uint8Array = EMPTY
  private numEntries = 0
  private numDataBlocks = 0
  private minSeq = Number.MAX_SAFE_INTEGER
  private maxSeq = 0
  private readonly tombstones: Array<{ readonly key: Uint8Array; readonly end: Uint8Array }> = []

  /** Creates (truncating) the file at `path`. Throws wal's `IOError`. */
  static create(path: string, options: TableBuilderOptions = {}): TableBuilder {
    let fd: number
    try {
      fd = fs.openSync(path, "w", 0o644)
    } catch (e) {
      throw ioErrorFrom("create table", path, e)
    }
    return new TableBuilder(path, fd, options)
  }

  private constructor(path: string, fd: number, options: TableBuilderOptions) {
    this.path = path
    this.fd = fd
    this.blockSize = options.blockSize ?? kDefaultBlockSize
    this.sync = options.sync ?? true
    const compression = options.compression ?? kDefaultCompression
    if (compression !== "snappy" && compression !== "none") {
      throw new TableInvalidArgument({ reason: `compression must be "snappy" or "none", got ${String(compression)}` })
    }
    this.snappy = compression === "snappy"
    this.dataBlock = new BlockBuilder(options.restartInterval ?? kDefaultRestartInterval)
    const bits = options.bitsPerKey ?? 10
    if (bits > 0) {
      this.filter = new FilterBlockBuilder(bits)
      this.filter.startBlock(0)
    } else this.filter = undefined
  }

  /** Point entries added so far. */
  get entries(): number {
    return this.numEntries
  }

  /** Bytes of the file so far (`FileSize`). */
  get fileSize(): number {
    return this.offset
  }

  /**
   * `Add(key, value)`: `internalKey` = user key | fixed64 LE (seq << 8 | type), type 0 or 1.
   * REQUIRES: greater than every key added before. Throws TableInvalidArgument, or IOError
   * (the builder is then closed).
   */
  add(internalKey: Uint8Array, value: Uint8Array): void {
    this.checkOpen()
    const n = internalKey.length
    if (n < 8) throw new TableInvalidArgument({ reason: "internal key shorter than its 8-byte trailer" })
    const type = internalKey[n - 8]!
    if (type !== TYPE_VALUE && type !== TYPE_DELETION) {
      throw new TableInvalidArgument({ reason: `a LevelDB table holds only Put (1) and Delete (0) entries, got type ${type}` })
    }
    if (this.numEntries > 0 && compareInternal(internalKey, 0, n, this.lastKey, 0, this.lastKey.length) <= 0) {
      throw new TableInvalidArgument({ reason: "keys must be added in strictly increasing internal-key order" })
    }
    if (this.pendingHandle) {
      this.emitIndexEntry(shortestSeparator(this.lastKey, internalKey), this.pendingHandle)
      this.pendingHandle = undefined
    }
    this.filter?.addKey(internalKey, 0, n - 8)
    this.lastKey = internalKey.slice()
    if (this.numEntries === 0) this.firstKey = this.lastKey
    this.numEntries++
    const seq = trailerSequenceAt(internalKey, n - 8)
    if (seq < this.minSeq) this.minSeq = seq
    if (seq > this.maxSeq) this.maxSeq = seq
    this.dataBlock.add(internalKey, value)
    if (this.dataBlock.currentSizeEstimate() >= this.blockSize) this.flushDataBlock()
  }

  /** `add` with the internal key built from its parts. */
  addEntry(userKey: Uint8Array, sequence: number, type: number, value: Uint8Array): void {
    const n = userKey.length + 8
    if (this.scratch.length < n) this.scratch = new Uint8Array(Math.max(n, this.scratch.length * 2))
    const key = this.scratch.subarray(0, n)
    key.set(userKey)
    putTrailerAt(key, userKey.length, sequence, type)
    this.add(key, value)
  }

  /**
   * Records the range tombstone [begin, end) at `sequence` in the "rocksdb.range_del" meta
   * block. LevelDB does not see it: whoever flushes must also write point deletions for the
   * covered keys LevelDB should see deleted (see `@writepath/version`'s flush).
   */
  addRangeTombstone(begin: Uint8Array, end: Uint8Array, sequence: number): void {
    this.checkOpen()
    if (compareBytes(begin, 0, begin.length, end, 0, end.length) >= 0) return // empty range: nothing deleted
    this.tombstones.push({ key: encodeKey(begin, sequence, TYPE_RANGE_DELETION), end: end.slice() })
    if (sequence < this.minSeq) this.minSeq = sequence
    if (sequence > this.maxSeq) this.maxSeq = sequence
  }

  /**
   * Writes the last data block, the filter, range-del, metaindex and index blocks and the
   * footer, fsyncs (unless `sync: false`) and closes the file. Throws/rejects with IOError.
   */
  async finish(): Promise<TableProperties> {
    this.checkOpen()
    try {
      this.flushDataBlock()
      const metaIndex = new BlockBuilder(kDefaultRestartInterval, 256)
      if (this.filter) {
        const h = this.writeRawBlock(this.filter.finish())
        metaIndex.add(textEncoder.encode(kFilterMetaKey), encodeBlockHandle(h))
      }
      const sortedTombstones = this.tombstones.sort((a, b) => compareInternal(a.key, 0, a.key.length, b.key, 0, b.key.length))
      if (sortedTombstones.length > 0) {
        const rd = new BlockBuilder(1, 1024)
        for (const t of sortedTombstones) rd.add(t.key, t.end)
        const h = this.writeBlock(rd.finish())
        metaIndex.add(textEncoder.encode(kRangeDelMetaKey), encodeBlockHandle(h))
      }
      const metaHandle = this.writeBlock(metaIndex.finish())
      if (this.pendingHandle) {
        this.emitIndexEntry(shortSuccessor(this.lastKey), this.pendingHandle)
        this.pendingHandle = undefined
      }
      const indexHandle = this.writeBlock(this.indexBlock.finish())
      this.put(encodeFooter({ metaindex: metaHandle, index: indexHandle }))
      this.writeOut()
      if (this.sync) await this.fsync()
    } finally {
      this.closeFd()
    }
    return this.properties(sortedBounds(this.firstKey, this.lastKey, this.tombstones))
  }

  /** Closes and deletes the file (a failed or abandoned build). Idempotent. */
  abandon(): void {
    const wasOpen = !this.closed
    this.closeFd()
    if (wasOpen) {
      try {
        fs.unlinkSync(this.path)
      } catch {
        // already gone
      }
    }
  }

  private properties(bounds: { smallest: Uint8Array; largest: Uint8Array }): TableProperties {
    const any = this.numEntries + this.tombstones.length > 0
    return {
      path: this.path,
      fileSize: this.offset,
      numEntries: this.numEntries,
      numRangeTombstones: this.tombstones.length,
      numDataBlocks: this.numDataBlocks,
      smallest: bounds.smallest,
      largest: bounds.largest,
      smallestSequence: any ? this.minSeq : 0,
      largestSequence: any ? this.maxSeq : 0,
    }
  }

  private emitIndexEntry(key: Uint8Array, h: BlockHandle): void {
    this.indexBlock.add(key, encodeBlockHandle(h))
  }

  private flushDataBlock(): void {
    if (this.dataBlock.empty()) return
    this.pendingHandle = this.writeBlock(this.dataBlock.finish())
    this.dataBlock.reset()
    this.numDataBlocks++
    this.filter?.startBlock(this.offset)
    if (this.outLen >= OUT_CHUNK / 2) this.writeOut()
  }

  /** `WriteBlock`: Snappy if on and it saves at least 1/8 of the block, else raw. */
  private writeBlock(contents: Uint8Array): BlockHandle {
    if (this.snappy) {
      const compressed = snappyCompress(contents)
      if (compressed.length < contents.length - (contents.length >>> 3)) return this.writeRawBlock(compressed, kSnappyCompression)
    }
    return this.writeRawBlock(contents, kNoCompression)
  }

  /** `WriteRawBlock`: stored bytes, then the type and the masked CRC of stored ++ type. */
  private writeRawBlock(contents: Uint8Array, type: number = kNoCompression): BlockHandle {
    const handle = { offset: this.offset, size: contents.length }
    this.put(contents)
    const t = this.trailer
    t[0] = type
    const crc = Crc32c.mask(Crc32c.extend(Crc32c.value(contents), t, 0, 1))
    t[1] = crc
    t[2] = crc >>> 8
    t[3] = crc >>> 16
    t[4] = crc >>> 24
    this.put(t)
    return handle
  }

  private put(b: Uint8Array): void {
    if (this.outLen + b.length > this.out.length) {
      this.writeOut()
      if (b.length > this.out.length) this.out = new Uint8Array(b.length)
    }
    this.out.set(b, this.outLen)
    this.outLen += b.length
    this.offset += b.length
  }

  private writeOut(): void {
    let start = 0
    const end = this.outLen
    const filePos = this.offset - this.outLen
    try {
      while (start < end) start += fs.writeSync(this.fd, this.out, start, end - start, filePos + start)
    } catch (e) {
      this.closeFd()
      throw ioErrorFrom("write table", this.path, e)
    }
    this.outLen = 0
  }

  private fsync(): Promise<void> {
    return new Promise((resolve, reject) =>
      fs.fsync(this.fd, (err) => (err ? reject(ioErrorFrom("fsync table", this.path, err)) : resolve())),
    )
  }

  private closeFd(): void {
    if (this.closed) return
    this.closed = true
    try {
      fs.closeSync(this.fd)
    } catch {
      // nothing to report: durability was decided by fsync
    }
    this.fd = -1
  }

  private checkOpen(): void {
    if (this.closed) throw new TableInvalidArgument({ reason: `table builder for ${this.path} is already finished or abandoned` })
  }
}

/** File bounds: point keys, widened by range tombstones as RocksDB does. */
const sortedBounds = (
  first: Uint8Array,
  last: Uint8Array,
  tombstones: ReadonlyArray<{ readonly key: Uint8Array; readonly end: Uint8Array }>,
): { smallest: Uint8Array; largest: Uint8Array } => {
  let smallest = first
  let largest = last
  for (const t of tombstones) {
    if (smallest.length === 0 || compareInternal(t.key, 0, t.key.length, smallest, 0, smallest.length) < 0) smallest = t.key
    const e = rangeEndSentinel(t.end)
    if (largest.length === 0 || compareInternal(e, 0, e.length, largest, 0, largest.length) > 0) largest = e
  }
  return { smallest, largest }
}
