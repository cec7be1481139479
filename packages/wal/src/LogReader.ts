/**
 * LogReader: reads logical records back from a WAL (`log::Reader`, `db/log_reader.cc`).
 *
 * Owns: one 32 KiB block buffer (`block[bufStart..bufEnd)` is RocksDB's `buffer_`), the
 * scratch buffer that joins fragments, the file offset after the buffer
 * (`endOfBufferOffset`), EOF/read-error flags, and what it learned from metadata records
 * (timestamp sizes, predecessor WAL info, recycled).
 *
 * Invariants:
 *  1. The buffer only ever holds bytes of one block: the reader reads whole blocks
 *     (the last may be partial) and a block trailer shorter than a header is skipped.
 *  2. A record is returned only if every fragment's CRC matched (when `checksum`) and its
 *     fragments came in FULL or FIRST MIDDLE* LAST order: a FIRST of one record is never
 *     joined with a LAST of another, whatever lies between them.
 *  3. Every byte given up on is reported through the reporter with RocksDB's reason, or,
 *     where RocksDB drops it silently (torn tails in tolerant modes, stale recycled data),
 *     listed with `reported: false`.
 *
 * Synchronous: reads through `LogSource.read`; nothing here yields.
 */
import { extend as crcExtend, unmask } from "./Crc32c.ts"
import type { ReadableLogFile } from "./LogFile.ts"
import { isRecyclableType, kBlockSize, kHeaderSize, kRecordTypeSafeIgnoreMask, kRecyclableHeaderSize, RecordType } from "./LogFormat.ts"
import { reportsTornTail, WalRecoveryMode } from "./RecoveryMode.ts"
import { type DroppedRegion, IOError, WalNotSupported } from "./WalError.ts"

/** Where the reader gets bytes: a ReadableLogFile, or `bytesSource(bytes)`. */
export type LogSource = Pick<ReadableLogFile, "read">

/** A LogSource over bytes in memory. */
export const bytesSource = (bytes: Uint8Array): LogSource => ({
  read: (position, into, offset, length) => {
    if (position >= bytes.length) return 0
    const n = Math.min(length, bytes.length - position)
    into.set(bytes.subarray(position, position + n), offset)
    return n
  },
})

/** A dropped region as the reporter sees it; `reported: false` marks drops RocksDB makes silently. */
export interface ReaderDrop extends DroppedRegion {
  readonly reported: boolean
}

export interface LogReaderOptions {
  /** The WAL's log number: recyclable records carrying another number are stale. Default 0. */
  readonly logNumber?: number
  /** Decides which tail conditions are reported (WRITE-PATH.md 4.3). Default point-in-time. */
  readonly recoveryMode?: WalRecoveryMode
  /** Verify CRCs (RocksDB's `checksum`). Default true. */
  readonly checksum?: boolean
  /** Called for each drop, in order. */
  readonly reporter?: (drop: ReaderDrop) => void
}

export interface LogRecord {
  /** The logical record's bytes (a copy: safe to keep). */
  readonly data: Uint8Array
  /** File offset of its first fragment's header (`LastRecordOffset`). */
  readonly offset: number
  /** Physical types of its fragments, e.g. [FIRST, MIDDLE, LAST]. */
  readonly fragments: ReadonlyArray<number>
}

export interface PredecessorWalInfo {
  readonly logNumber: bigint
  readonly sizeBytes: bigint
  readonly lastSequence: bigint
}

// Internal results of readPhysicalRecord beyond the record types (log_reader.h).
const kEof = 256
const kBadRecord = 257
const kBadHeader = 258
const kOldRecord = 259
const kBadRecordLen = 260
const kBadRecordChecksum = 261
const kBadRecyclableInLegacy = 262

const u32 = (b: Uint8Array, i: number): number => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0

const u64 = (b: Uint8Array, i: number): bigint => BigInt(u32(b, i)) | (BigInt(u32(b, i + 4)) << 32n)

export class LogReader {
  // Constant after construction.
  private readonly source: LogSource
  private readonly logNumber: number
  private readonly mode: WalRecoveryMode
  private readonly checksum: boolean
  private readonly reporter: ((drop: ReaderDrop) => void) | undefined

  // The block buffer: buffer_ = block[bufStart..bufEnd).
  private readonly block = new Uint8Array(kBlockSize)
  private bufStart = 0
  private bufEnd = 0
  private eof = false
  private readError = false
  /** Bytes of the partial last block read when EOF was hit (0 = EOF on a block boundary). */
  private eofOffset = 0
  private endOfBufferOffset: number
  private lastRecordOffset_ = 0
  private firstRecordRead = false
  private recycled_ = false

  // Out-parameters of readPhysicalRecord.
  private fragStart = 0
  private fragEnd = 0
  private dropSize = 0
  private dropOffset = 0

  private lastReadError: unknown

  private scratch = new Uint8Array(256)
  private scratchLen = 0

  /** Every drop so far, reported or silent, in order. */
  readonly drops: ReaderDrop[] = []
  /** Set in point-in-time mode when a stale record of a recycled file ended the log (`ReportOldLogRecord`). */
  oldLogRecord = false
  /** Column family id -> user-defined timestamp size, from kUserDefinedTimestampSizeType records. */
  readonly timestampSizes = new Map<number, number>()
  /** From a kPredecessorWALInfoType record, if the log has one. */
  predecessorWalInfo: PredecessorWalInfo | undefined

  constructor(source: LogSource, options: LogReaderOptions = {}, initialOffset = 0) {
    this.source = source
    this.logNumber = options.logNumber ?? 0
    this.mode = options.recoveryMode ?? WalRecoveryMode.kPointInTimeRecovery
    this.checksum = options.checksum ?? true
    this.reporter = options.reporter
    // REQUIRES: initialOffset is a block boundary (the reader parses whole blocks).
    if (initialOffset % kBlockSize !== 0) throw new RangeError(`initialOffset ${initialOffset} is not a multiple of ${kBlockSize}`)
    this.endOfBufferOffset = initialOffset
  }

  /** Offset of the last record returned (`LastRecordOffset`). */
  get lastRecordOffset(): number {
    return this.lastRecordOffset_
  }

  /** Offset just past the last physical record consumed (`LastRecordEnd`). */
  get lastRecordEnd(): number {
    return this.endOfBufferOffset - (this.bufEnd - this.bufStart)
  }

  /** True once a recyclable header was seen at the start of the log. */
  get recycled(): boolean {
    return this.recycled_
  }

  /** True while the reader has seen the end of the file (`IsEOF`). */
  get isEof(): boolean {
    return this.eof
  }

  /** True after a read failed; the reader then only returns EOF. */
  get hadReadError(): boolean {
    return this.readError
  }

  /**
   * The next logical record, or undefined at the end of the log (`ReadRecord`).
   * Throws `WalNotSupported` for a compressed WAL.
   */
  readRecord(): LogRecord | undefined {
    this.scratchLen = 0
    let inFragmentedRecord = false
    let prospectiveRecordOffset = 0
    let fragments: number[] = []
    for (;;) {
      const physicalRecordOffset = this.lastRecordEnd
      this.dropSize = 0
      const type = this.readPhysicalRecord()
      const fragLen = this.fragEnd - this.fragStart
      switch (type) {
        case RecordType.kFullType:
        case RecordType.kRecyclableFullType:
          if (inFragmentedRecord && this.scratchLen > 0) {
            // An old writer could leave an empty FIRST at a block tail followed by a FULL.
            this.report(this.scratchLen, "partial record without end(1)", prospectiveRecordOffset)
          }
          this.scratchLen = 0
          this.lastRecordOffset_ = physicalRecordOffset
          this.firstRecordRead = true
          return { data: this.block.slice(this.fragStart, this.fragEnd), offset: physicalRecordOffset, fragments: [type] }

        case RecordType.kFirstType:
        case RecordType.kRecyclableFirstType:
          if (inFragmentedRecord && this.scratchLen > 0) {
            this.report(this.scratchLen, "partial record without end(2)", prospectiveRecordOffset)
          }
          prospectiveRecordOffset = physicalRecordOffset
          this.scratchLen = 0
          this.appendScratch()
          fragments = [type]
          inFragmentedRecord = true
          break

        case RecordType.kMiddleType:
        case RecordType.kRecyclableMiddleType:
          if (!inFragmentedRecord) {
            this.report(fragLen, "missing start of fragmented record(1)", physicalRecordOffset)
          } else {
            this.appendScratch()
            fragments.push(type)
          }
          break

        case RecordType.kLastType:
        case RecordType.kRecyclableLastType:
          if (!inFragmentedRecord) {
            this.report(fragLen, "missing start of fragmented record(2)", physicalRecordOffset)
          } else {
            this.appendScratch()
            fragments.push(type)
            this.lastRecordOffset_ = prospectiveRecordOffset
            this.firstRecordRead = true
            const data = this.scratch.slice(0, this.scratchLen)
            this.scratchLen = 0
            return { data, offset: prospectiveRecordOffset, fragments }
          }
          break

        case RecordType.kSetCompressionType: {
          const compression = fragLen >= 1 ? this.block[this.fragStart]! : -1
          if (compression !== 0) {
            // RocksDB streams ZSTD-compressed fragments after this record; we cannot decode them,
            // and returning the compressed bytes as records would return data never written.
            throw new WalNotSupported({ reason: `WAL compression type ${compression} is not supported`, logNumber: this.logNumber })
          }
          if (this.firstRecordRead) this.report(fragLen, "SetCompressionType not the first record", physicalRecordOffset)
          this.scratchLen = 0
          this.lastRecordOffset_ = physicalRecordOffset
          break
        }

        case RecordType.kPredecessorWALInfoType:
        case RecordType.kRecyclePredecessorWALInfoType:
          this.scratchLen = 0
          this.lastRecordOffset_ = physicalRecordOffset
          if (fragLen !== 24) {
            this.report(fragLen, "could not decode PredecessorWALInfoType record", physicalRecordOffset)
          } else {
            const s = this.fragStart
            this.predecessorWalInfo = {
              logNumber: u64(this.block, s),
              sizeBytes: u64(this.block, s + 8),
              lastSequence: u64(this.block, s + 16),
            }
          }
          break

        case RecordType.kUserDefinedTimestampSizeType:
        case RecordType.kRecyclableUserDefinedTimestampSizeType:
          if (inFragmentedRecord && this.scratchLen > 0) {
            this.report(this.scratchLen, "user-defined timestamp size record interspersed partial record", prospectiveRecordOffset)
          }
          this.scratchLen = 0
          this.lastRecordOffset_ = physicalRecordOffset
          this.decodeTimestampSizes(fragLen, physicalRecordOffset)
          break

        case kBadHeader:
          if (reportsTornTail(this.mode)) this.report(this.dropSize, "truncated header", this.dropOffset)
          else this.note(this.dropSize, "truncated header", this.dropOffset)
          return this.endOfLog(inFragmentedRecord, prospectiveRecordOffset, "error reading trailing data due to encountering EOF")

        case kEof:
          return this.endOfLog(inFragmentedRecord, prospectiveRecordOffset, "error reading trailing data due to encountering EOF")

        case kOldRecord:
          if (this.mode !== WalRecoveryMode.kSkipAnyCorruptedRecords) {
            // A record from the file's previous life: the new data ends here.
            if (!inFragmentedRecord && this.mode === WalRecoveryMode.kPointInTimeRecovery) this.oldLogRecord = true
            this.note(this.dropSize, "old record from a recycled log", physicalRecordOffset)
            return this.endOfLog(inFragmentedRecord, prospectiveRecordOffset, "error reading trailing data due to encountering old record")
          }
          this.note(this.dropSize, "old record from a recycled log", physicalRecordOffset)
          if (inFragmentedRecord) {
            this.report(this.scratchLen, "error in middle of record", prospectiveRecordOffset)
            inFragmentedRecord = false
            this.scratchLen = 0
          }
          break

        case kBadRecord:
          if (inFragmentedRecord) {
            this.report(this.scratchLen, "error in middle of record", prospectiveRecordOffset)
            inFragmentedRecord = false
            this.scratchLen = 0
          }
          break

        case kBadRecyclableInLegacy:
          // RocksDB returns kBadRecord here without consuming the header; we drop the rest of the
          // block (as for a checksum error) and report it, so nothing is lost silently.
          this.report(this.dropSize, "recyclable record in a log that did not start with one", this.dropOffset)
          if (inFragmentedRecord) {
            this.report(this.scratchLen, "error in middle of record", prospectiveRecordOffset)
            inFragmentedRecord = false
            this.scratchLen = 0
          }
          break

        case kBadRecordLen:
        case kBadRecordChecksum:
          if (type === kBadRecordLen && this.eof) {
            if (reportsTornTail(this.mode)) this.report(this.dropSize, "truncated record body", this.dropOffset)
            else this.note(this.dropSize, "truncated record body", this.dropOffset)
            this.scratchLen = 0
            return undefined
          }
          if (this.recycled_ && this.mode === WalRecoveryMode.kTolerateCorruptedTailRecords) {
            // In a recycled file, garbage after the new data is expected: treat it as the end.
            this.note(this.dropSize, type === kBadRecordLen ? "bad record length" : "checksum mismatch", this.dropOffset)
            this.scratchLen = 0
            return undefined
          }
          this.report(this.dropSize, type === kBadRecordLen ? "bad record length" : "checksum mismatch", this.dropOffset)
          if (inFragmentedRecord) {
            this.report(this.scratchLen, "error in middle of record", prospectiveRecordOffset)
            inFragmentedRecord = false
            this.scratchLen = 0
          }
          break

        default:
          if ((type & kRecordTypeSafeIgnoreMask) === 0) {
            this.report(fragLen + (inFragmentedRecord ? this.scratchLen : 0), `unknown record type ${type}`, physicalRecordOffset)
          }
          inFragmentedRecord = false
          this.scratchLen = 0
          break
      }
    }
  }

  /**
   * After EOF the reader can continue if the file grew (tailing, `UnmarkEOF`). Reads the rest
   * of the partial block so that parsing stays block-aligned. No effect after a read error.
   */
  unmarkEof(): void {
    if (this.readError) return
    this.eof = false
    if (this.eofOffset === 0) return
    // consumed + buffered + remaining == kBlockSize: move what is buffered back to its place
    // in the block, then read the rest of the block behind it.
    const buffered = this.bufEnd - this.bufStart
    const consumed = this.eofOffset - buffered
    if (this.bufStart !== consumed) this.block.copyWithin(consumed, this.bufStart, this.bufEnd)
    const remaining = kBlockSize - this.eofOffset
    const added = this.readFully(this.endOfBufferOffset, this.eofOffset, remaining)
    if (this.lastReadError !== undefined) {
      // Bytes that arrived before the error are dropped, and the reader stops at what it has
      // buffered: the records already in the buffer are still returned.
      this.readError = true
      this.endOfBufferOffset += added
      if (added > 0) this.reportReadError(added, this.endOfBufferOffset - added)
      return
    }
    this.endOfBufferOffset += added
    this.bufStart = consumed
    this.bufEnd = this.eofOffset + added
    if (added < remaining) {
      this.eof = true
      this.eofOffset += added
    } else {
      this.eofOffset = 0
    }
  }

  private endOfLog(inFragmentedRecord: boolean, prospectiveRecordOffset: number, reason: string): undefined {
    if (inFragmentedRecord) {
      // The writer may have died between two fragments: drop the partial record; report it
      // only in the modes that report torn tails.
      if (reportsTornTail(this.mode)) this.report(this.scratchLen, reason, prospectiveRecordOffset)
      else this.note(this.scratchLen, reason, prospectiveRecordOffset)
      this.scratchLen = 0
    }
    return undefined
  }

  private decodeTimestampSizes(fragLen: number, offset: number): void {
    if (fragLen % 6 !== 0) {
      this.report(fragLen, "could not decode user-defined timestamp size record", offset)
      return
    }
    for (let i = this.fragStart; i < this.fragEnd; i += 6) {
      const cf = u32(this.block, i)
      const size = this.block[i + 4]! | (this.block[i + 5]! << 8)
      const known = this.timestampSizes.get(cf)
      if (known !== undefined && known !== size) {
        this.report(fragLen, `timestamp size of column family ${cf} changed from ${known} to ${size}`, offset)
        return
      }
      if (size !== 0) this.timestampSizes.set(cf, size)
    }
  }

  private appendScratch(): void {
    const n = this.fragEnd - this.fragStart
    if (this.scratchLen + n > this.scratch.length) {
      const grown = new Uint8Array(Math.max(this.scratch.length * 2, this.scratchLen + n))
      grown.set(this.scratch.subarray(0, this.scratchLen))
      this.scratch = grown
    }
    this.scratch.set(this.block.subarray(this.fragStart, this.fragEnd), this.scratchLen)
    this.scratchLen += n
  }

  private region(bytes: number, reason: string, offset: number, kind: "Corruption" | "IOError"): DroppedRegion {
    return { logNumber: this.logNumber, offset, bytes, reason, kind }
  }

  /** `ReportCorruption`: a drop the DB-level recovery sees. */
  private report(bytes: number, reason: string, offset: number): void {
    const drop: ReaderDrop = { ...this.region(bytes, reason, offset, "Corruption"), reported: true }
    this.drops.push(drop)
    this.reporter?.(drop)
  }

  /** A drop RocksDB makes without reporting it. */
  private note(bytes: number, reason: string, offset: number): void {
    const drop: ReaderDrop = { ...this.region(bytes, reason, offset, "Corruption"), reported: false }
    this.drops.push(drop)
    this.reporter?.(drop)
  }

  /** Reads until `length` bytes or EOF; on a failure returns what arrived and sets `lastReadError`. */
  private readFully(position: number, offset: number, length: number): number {
    this.lastReadError = undefined
    let total = 0
    while (total < length) {
      let n: number
      try {
        n = this.source.read(position + total, this.block, offset + total, length - total)
      } catch (e) {
        this.lastReadError = e
        break
      }
      if (n <= 0) break
      total += n
    }
    return total
  }

  private reportReadError(bytes: number, offset: number): void {
    const drop: ReaderDrop = { ...this.region(bytes, readErrorReason(this.lastReadError), offset, "IOError"), reported: true }
    this.drops.push(drop)
    this.reporter?.(drop)
  }

  private clearBuffer(): void {
    this.bufStart = 0
    this.bufEnd = 0
  }

  /** `ReadMore`: 0 when a block was read; otherwise kEof or kBadHeader. */
  private readMore(): number {
    if (!this.eof && !this.readError) {
      // The last read was a full block, so what is left is a trailer to skip.
      this.clearBuffer()
      const n = this.readFully(this.endOfBufferOffset, 0, kBlockSize)
      if (this.lastReadError !== undefined) {
        // RocksDB drops the whole block it tried to read and stops.
        this.readError = true
        this.reportReadError(kBlockSize, this.endOfBufferOffset)
        this.endOfBufferOffset += n
        return kEof
      }
      this.bufEnd = n
      this.endOfBufferOffset += n
      if (n < kBlockSize) {
        this.eof = true
        this.eofOffset = n
      }
      return 0
    }
    // A non-empty buffer here is a header torn by a crash mid-write.
    const left = this.bufEnd - this.bufStart
    if (left > 0) {
      this.dropSize = left
      this.dropOffset = this.lastRecordEnd
      this.clearBuffer()
      return kBadHeader
    }
    this.clearBuffer()
    return kEof
  }

  /** `ReadPhysicalRecord`: one fragment in `block[fragStart..fragEnd)` and its type, or an internal code. */
  private readPhysicalRecord(): number {
    const b = this.block
    for (;;) {
      if (this.bufEnd - this.bufStart < kHeaderSize) {
        const r = this.readMore()
        if (r !== 0) return r
        continue
      }
      const h = this.bufStart
      const length = b[h + 4]! | (b[h + 5]! << 8)
      const type = b[h + 6]!
      let headerSize = kHeaderSize
      const recyclable = isRecyclableType(type)
      if (recyclable) {
        headerSize = kRecyclableHeaderSize
        if (this.firstRecordRead && !this.recycled_) return this.dropRest(kBadRecyclableInLegacy)
        this.recycled_ = true
        if (this.bufEnd - this.bufStart < kRecyclableHeaderSize) {
          const r = this.readMore()
          if (r !== 0) return r
          continue
        }
      }
      if (headerSize + length > this.bufEnd - this.bufStart) {
        // Either torn at EOF, or the length field is corrupt; the caller decides by `eof`.
        return this.dropRest(kBadRecordLen)
      }
      if (recyclable && u32(b, h + 7) !== this.logNumber >>> 0) {
        this.dropSize = headerSize + length
        this.bufStart += headerSize + length
        return kOldRecord
      }
      if (type === RecordType.kZeroType && length === 0) {
        // Preallocated (zeroed) file space written by mmap writers: skipped without a report.
        this.clearBuffer()
        return kBadRecord
      }
      if (this.checksum) {
        const expected = unmask(u32(b, h))
        // The type byte, the log number (recyclable) and the payload; not the length.
        const actual = crcExtend(0, b, h + 6, h + headerSize + length)
        if (actual !== expected) {
          // Drop the rest of the block: the length itself may be corrupt, and trusting it could
          // land on bytes that happen to look like a valid record.
          return this.dropRest(kBadRecordChecksum)
        }
      }
      this.bufStart += headerSize + length
      this.fragStart = h + headerSize
      this.fragEnd = this.fragStart + length
      return type
    }
  }

  private dropRest(code: number): number {
    this.dropSize = this.bufEnd - this.bufStart
    this.dropOffset = this.lastRecordEnd
    this.clearBuffer()
    return code
  }
}

const readErrorReason = (e: unknown): string =>
  `read error: ${e instanceof IOError ? e.message : e instanceof Error ? e.message : String(e)}`
