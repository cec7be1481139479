/**
 * The physical layer of the log reader (`log::Reader::ReadMore` / `ReadPhysicalRecord`):
 * reads whole 32 KiB blocks and cuts them into fragments, classifying what it finds.
 *
 * Owns: the block buffer (`block[bufStart..bufEnd)` is RocksDB's `buffer_`), the file offset
 * after it, the EOF and read-error flags, and whether the log is recycled.
 *
 * Invariants:
 *  1. The buffer only holds bytes of one block; a block trailer shorter than a header is
 *     skipped, never parsed.
 *  2. A fragment is returned only if its CRC matched (when `checksum`); on a mismatch the rest
 *     of the block is dropped, since the length field itself may be the corrupt one.
 *  3. Positions only move forward: every byte is either returned in a fragment or counted in
 *     `dropSize` (or silently skipped as a trailer or zero-length preallocation record).
 *
 * Synchronous: reads through `LogSource.read`; nothing here yields.
 */
import { extend as crcExtend, unmask } from "../Crc32c.ts"
import type { ReadableLogFile } from "../LogFile.ts"
import { isRecyclableType, kBlockSize, kHeaderSize, kRecyclableHeaderSize, RecordType } from "../LogFormat.ts"

/** Where the reader gets bytes: a ReadableLogFile, or `bytesSource(bytes)`. */
export type LogSource = Pick<ReadableLogFile, "read">

// Results of readPhysicalRecord beyond the record types (log_reader.h).
export const kEof = 256
export const kBadRecord = 257
export const kBadHeader = 258
export const kOldRecord = 259
export const kBadRecordLen = 260
export const kBadRecordChecksum = 261
export const kBadRecyclableInLegacy = 262

export const u32 = (b: Uint8Array, i: number): number => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0

export class BlockReader {
  // Constant after construction.
  private readonly source: LogSource
  private readonly logNumber: number
  private readonly checksum: boolean
  /** Told about bytes lost to a read error: (bytes, offset, error). */
  private readonly onReadError: (bytes: number, offset: number, error: unknown) => void

  readonly block = new Uint8Array(kBlockSize)
  bufStart = 0
  bufEnd = 0
  eof = false
  readError = false
  /** Bytes of the partial last block read when EOF was hit (0 = EOF on a block boundary). */
  private eofOffset = 0
  private endOfBufferOffset: number
  /** Set by the record layer once it returned a record (`first_record_read_`). */
  firstRecordRead = false
  recycled = false

  // Out-parameters of readPhysicalRecord.
  fragStart = 0
  fragEnd = 0
  dropSize = 0
  dropOffset = 0

  private lastReadError: unknown

  constructor(
    source: LogSource,
    logNumber: number,
    checksum: boolean,
    initialOffset: number,
    onReadError: (bytes: number, offset: number, error: unknown) => void,
  ) {
    this.source = source
    this.logNumber = logNumber
    this.checksum = checksum
    this.endOfBufferOffset = initialOffset
    this.onReadError = onReadError
  }

  /** Offset just past the last physical record consumed (`LastRecordEnd`). */
  get lastRecordEnd(): number {
    return this.endOfBufferOffset - (this.bufEnd - this.bufStart)
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
    this.onReadError(bytes, offset, this.lastReadError)
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
  readPhysicalRecord(): number {
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
        if (this.firstRecordRead && !this.recycled) return this.dropRest(kBadRecyclableInLegacy)
        this.recycled = true
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
