/**
 * The WAL's physical format (`db/log_format.h`), shared by LogWriter and LogReader.
 *
 *   file   := block* (the last block may be partial)
 *   block  := physical record* trailer?        (32768 bytes)
 *   legacy header (7 B):      masked crc32c u32le | length u16le | type u8
 *   recyclable header (11 B): masked crc32c u32le | length u16le | type u8 | log number u32le
 *   trailer: < one header of zero bytes, written when the block cannot hold another header
 *
 * The CRC covers the type byte, then (recyclable only) the four log-number bytes, then the
 * payload; never the length. A logical record is one FULL fragment, or FIRST MIDDLE* LAST.
 */

/** `kBlockSize`: the reader reads, and the writer pads, in units of this size. */
export const kBlockSize = 32768
/** `kHeaderSize`: checksum (4) + length (2) + type (1). */
export const kHeaderSize = 7
/** `kRecyclableHeaderSize`: the legacy header + the low 32 bits of the log number. */
export const kRecyclableHeaderSize = 11

/** Physical record types, with RocksDB's names and values (`log::RecordType`). */
export const RecordType = {
  /** Preallocation filler; a zero-length type-0 record is skipped. */
  kZeroType: 0,
  kFullType: 1,
  kFirstType: 2,
  kMiddleType: 3,
  kLastType: 4,
  kRecyclableFullType: 5,
  kRecyclableFirstType: 6,
  kRecyclableMiddleType: 7,
  kRecyclableLastType: 8,
  /** Must be the first record; 4-byte payload naming the stream compression. */
  kSetCompressionType: 9,
  /** Repeated (fixed32 cf id, fixed16 timestamp size); applies to later records. */
  kUserDefinedTimestampSizeType: 10,
  kRecyclableUserDefinedTimestampSizeType: 11,
  /** fixed64 predecessor log number, fixed64 its size, fixed64 its last sequence. */
  kPredecessorWALInfoType: 130,
  kRecyclePredecessorWALInfoType: 131,
} as const

export type RecordType = (typeof RecordType)[keyof typeof RecordType]

/** Unknown types with this bit set are skipped silently (`kRecordTypeSafeIgnoreMask`). */
export const kRecordTypeSafeIgnoreMask = 0x80

/** RocksDB's short names, used by wal dump. */
export const recordTypeName = (type: number): string => {
  switch (type) {
    case 0:
      return "ZERO"
    case 1:
      return "FULL"
    case 2:
      return "FIRST"
    case 3:
      return "MIDDLE"
    case 4:
      return "LAST"
    case 5:
      return "RECYCLABLE_FULL"
    case 6:
      return "RECYCLABLE_FIRST"
    case 7:
      return "RECYCLABLE_MIDDLE"
    case 8:
      return "RECYCLABLE_LAST"
    case 9:
      return "SET_COMPRESSION"
    case 10:
      return "TIMESTAMP_SIZE"
    case 11:
      return "RECYCLABLE_TIMESTAMP_SIZE"
    case 130:
      return "PREDECESSOR_WAL_INFO"
    case 131:
      return "RECYCLABLE_PREDECESSOR_WAL_INFO"
    default:
      return `UNKNOWN(${type})`
  }
}

/** True for types whose header carries the log number (5..8, and odd types above 9). */
export const isRecyclableType = (type: number): boolean =>
  (type >= RecordType.kRecyclableFullType && type <= RecordType.kRecyclableLastType) ||
  type === RecordType.kRecyclableUserDefinedTimestampSizeType ||
  type === RecordType.kRecyclePredecessorWALInfoType
