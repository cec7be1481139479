/**
 * LogReader: reads logical records back from a WAL (`log::Reader::ReadRecord`,
 * `db/log_reader.cc`). The block/fragment layer is `internal/blockReader.ts`.
 *
 * Owns: the BlockReader, the scratch buffer that joins fragments, the drop list, and what it
 * learned from metadata records (timestamp sizes, predecessor WAL info).
 *
 * Invariants:
 *  1. `scratch[0..scratchLen)` holds only the fragments of the record in progress (a FIRST
 *     and its MIDDLEs); it is emptied whenever a record is returned or given up on.
 *  2. A record is returned only if every fragment's CRC matched (when `checksum`) and its
 *     fragments came in FULL or FIRST MIDDLE* LAST order: a FIRST of one record is never
 *     joined with a LAST of another, whatever lies between them.
 *  3. Every byte given up on is reported through the reporter with RocksDB's reason, or,
 *     where RocksDB drops it silently (torn tails in tolerant modes, stale recycled data),
 *     listed with `reported: false`.
 *
 * Synchronous: reads through `LogSource.read`; nothing here yields.
 */
import {
  BlockReader,
  kBadHeader,
  kBadRecord,
  kBadRecordChecksum,
  kBadRecordLen,
  kBadRecyclableInLegacy,
  kEof,
  kOldRecord,
  type LogSource,
  u32,
} from "./internal/blockReader.ts"
import { kBlockSize, kRecordTypeSafeIgnoreMask, RecordType } from "./LogFormat.ts"
import { reportsTornTail, WalRecoveryMode } from "./RecoveryMode.ts"
import { type DroppedRegion, IOError, WalNotSupported } from "./WalError.ts"

export type { LogSource }

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

const u64 = (b: Uint8Array, i: number): bigint => BigInt(u32(b, i)) | (BigInt(u32(b, i + 4)) << 32n)

export class LogReader {
  // Constant after construction.
  private readonly logNumber: number
  private readonly mode: WalRecoveryMode
  private readonly checksum: boolean
  private readonly reporter: ((drop: ReaderDrop) => void) | undefined

  /** The physical layer: blocks and fragments. */
  private readonly br: BlockReader
  private lastRecordOffset_ = 0

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
    this.logNumber = options.logNumber ?? 0
    this.mode = options.recoveryMode ?? WalRecoveryMode.kPointInTimeRecovery
    this.checksum = options.checksum ?? true
    this.reporter = options.reporter
    // REQUIRES: initialOffset is a block boundary (the reader parses whole blocks).
    if (initialOffset % kBlockSize !== 0) throw new RangeError(`initialOffset ${initialOffset} is not a multiple of ${kBlockSize}`)
    this.br = new BlockReader(source, this.logNumber, options.checksum ?? true, initialOffset, (bytes, offset, error) => {
      const drop: ReaderDrop = { ...this.region(bytes, readErrorReason(error), offset, "IOError"), reported: true }
      this.drops.push(drop)
      this.reporter?.(drop)
    })
  }

  /** Offset of the last record returned (`LastRecordOffset`). */
  get lastRecordOffset(): number {
    return this.lastRecordOffset_
  }

  /** Offset just past the last physical record consumed (`LastRecordEnd`). */
  get lastRecordEnd(): number {
    return this.br.lastRecordEnd
  }

  /** True once a recyclable header was seen at the start of the log. */
  get recycled(): boolean {
    return this.br.recycled
  }

  /** True while the reader has seen the end of the file (`IsEOF`). */
  get isEof(): boolean {
    return this.br.eof
  }

  /** True after a read failed; the reader then only returns EOF. */
  get hadReadError(): boolean {
    return this.br.readError
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
      this.br.dropSize = 0
      const type = this.br.readPhysicalRecord()
      const fragLen = this.br.fragEnd - this.br.fragStart
      switch (type) {
        case RecordType.kFullType:
        case RecordType.kRecyclableFullType:
          if (inFragmentedRecord && this.scratchLen > 0) {
            // An old writer could leave an empty FIRST at a block tail followed by a FULL.
            this.report(this.scratchLen, "partial record without end(1)", prospectiveRecordOffset)
          }
          this.scratchLen = 0
          this.lastRecordOffset_ = physicalRecordOffset
          this.br.firstRecordRead = true
          return { data: this.br.block.slice(this.br.fragStart, this.br.fragEnd), offset: physicalRecordOffset, fragments: [type] }

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
            this.br.firstRecordRead = true
            const data = this.scratch.slice(0, this.scratchLen)
            this.scratchLen = 0
            return { data, offset: prospectiveRecordOffset, fragments }
          }
          break

        case RecordType.kSetCompressionType: {
          const compression = fragLen >= 1 ? this.br.block[this.br.fragStart]! : -1
          if (compression !== 0) {
            // RocksDB streams ZSTD-compressed fragments after this record; we cannot decode them,
            // and returning the compressed bytes as records would return data never written.
            throw new WalNotSupported({ reason: `WAL compression type ${compression} is not supported`, logNumber: this.logNumber })
          }
          if (this.br.firstRecordRead) this.report(fragLen, "SetCompressionType not the first record", physicalRecordOffset)
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
            const s = this.br.fragStart
            this.predecessorWalInfo = {
              logNumber: u64(this.br.block, s),
              sizeBytes: u64(this.br.block, s + 8),
              lastSequence: u64(this.br.block, s + 16),
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
          if (reportsTornTail(this.mode)) this.report(this.br.dropSize, "truncated header", this.br.dropOffset)
          else this.note(this.br.dropSize, "truncated header", this.br.dropOffset)
          return this.endOfLog(inFragmentedRecord, prospectiveRecordOffset, "error reading trailing data due to encountering EOF")

        case kEof:
          return this.endOfLog(inFragmentedRecord, prospectiveRecordOffset, "error reading trailing data due to encountering EOF")

        case kOldRecord:
          if (this.mode !== WalRecoveryMode.kSkipAnyCorruptedRecords) {
            // A record from the file's previous life: the new data ends here.
            if (!inFragmentedRecord && this.mode === WalRecoveryMode.kPointInTimeRecovery) this.oldLogRecord = true
            this.note(this.br.dropSize, "old record from a recycled log", physicalRecordOffset)
            return this.endOfLog(inFragmentedRecord, prospectiveRecordOffset, "error reading trailing data due to encountering old record")
          }
          this.note(this.br.dropSize, "old record from a recycled log", physicalRecordOffset)
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
          this.report(this.br.dropSize, "recyclable record in a log that did not start with one", this.br.dropOffset)
          if (inFragmentedRecord) {
            this.report(this.scratchLen, "error in middle of record", prospectiveRecordOffset)
            inFragmentedRecord = false
            this.scratchLen = 0
          }
          break

        case kBadRecordLen:
        case kBadRecordChecksum:
          if (type === kBadRecordLen && this.br.eof) {
            if (reportsTornTail(this.mode)) this.report(this.br.dropSize, "truncated record body", this.br.dropOffset)
            else this.note(this.br.dropSize, "truncated record body", this.br.dropOffset)
            this.scratchLen = 0
            return undefined
          }
          if (this.br.recycled && this.mode === WalRecoveryMode.kTolerateCorruptedTailRecords) {
            // In a recycled file, garbage after the new data is expected: treat it as the end.
            this.note(this.br.dropSize, type === kBadRecordLen ? "bad record length" : "checksum mismatch", this.br.dropOffset)
            this.scratchLen = 0
            return undefined
          }
          this.report(this.br.dropSize, type === kBadRecordLen ? "bad record length" : "checksum mismatch", this.br.dropOffset)
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
    this.br.unmarkEof()
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
    for (let i = this.br.fragStart; i < this.br.fragEnd; i += 6) {
      const cf = u32(this.br.block, i)
      const size = this.br.block[i + 4]! | (this.br.block[i + 5]! << 8)
      const known = this.timestampSizes.get(cf)
      if (known !== undefined && known !== size) {
        this.report(fragLen, `timestamp size of column family ${cf} changed from ${known} to ${size}`, offset)
        return
      }
      if (size !== 0) this.timestampSizes.set(cf, size)
    }
  }

  private appendScratch(): void {
    const n = this.br.fragEnd - this.br.fragStart
    if (this.scratchLen + n > this.scratch.length) {
      const grown = new Uint8Array(Math.max(this.scratch.length * 2, this.scratchLen + n))
      grown.set(this.scratch.subarray(0, this.scratchLen))
      this.scratch = grown
    }
    this.scratch.set(this.br.block.subarray(this.br.fragStart, this.br.fragEnd), this.scratchLen)
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
}

const readErrorReason = (e: unknown): string =>
  `read error: ${e instanceof IOError ? e.message : e instanceof Error ? e.message : String(e)}`
