/**
 * LevelDB's table format constants, block handles and the footer (`table/format.h`,
 * `table/format.cc`, `doc/table_format.md`).
 *
 *   <beginning_of_file>
 *   [data block 1] ... [data block N]      each block: contents | type (1 byte) | masked CRC32C (4 bytes)
 *   [filter block]                         "filter.leveldb.BuiltinBloomFilter2" in the metaindex
 *   [range-del block]                      writepath only: "rocksdb.range_del" (LevelDB ignores it)
 *   [metaindex block]                      meta block name -> BlockHandle
 *   [index block]                          separator key >= last key of block i, < first of i+1 -> BlockHandle
 *   [footer]                               48 bytes: metaindex handle, index handle, zero padding to 40, magic
 *   <end_of_file>
 *
 * BlockHandle := varint64 offset | varint64 size (the size excludes the 5-byte trailer).
 * The CRC covers the stored (possibly compressed) contents and the type byte. Types 0 (none)
 * and 1 (Snappy) are read and written; type 2 (zstd, LevelDB 1.23) is TableNotSupported.
 */
import { getFixed32, getVarint64, putFixed32At, putVarintAt, varintLength } from "./internal/coding.ts"

/** `kTableMagicNumber`, stored as fixed64 LE at the end of the footer. */
export const kTableMagicNumber = 0xdb4775248b80fb57n
export const kTableMagicLo = 0x8b80fb57
export const kTableMagicHi = 0xdb477524

/** 1-byte block type + 32-bit masked CRC. */
export const kBlockTrailerSize = 5
/** Two handles of at most 10 + 10 bytes, padded, then the 8-byte magic. */
export const kMaxEncodedHandleLength = 20
export const kFooterSize = 2 * kMaxEncodedHandleLength + 8

export const kNoCompression = 0
export const kSnappyCompression = 1
export const kZstdCompression = 2

/**
 * Block compression of a new table (`Options::compression`). "snappy" is LevelDB's default;
 * a block is stored compressed only if that saves at least 1/8 of it, as LevelDB does.
 */
export type Compression = "snappy" | "none"
export const kDefaultCompression: Compression = "snappy"

/** Data blocks are cut once their estimated size reaches this (`Options::block_size`). */
export const kDefaultBlockSize = 4096
/** Keys between restart points (`Options::block_restart_interval`); the index block uses 1. */
export const kDefaultRestartInterval = 16

/** Metaindex key of the bloom filter block LevelDB's `NewBloomFilterPolicy` reads. */
export const kFilterMetaKey = "filter.leveldb.BuiltinBloomFilter2"
/** Metaindex key of the range tombstone block (RocksDB's name); LevelDB never looks it up. */
export const kRangeDelMetaKey = "rocksdb.range_del"

export interface BlockHandle {
  readonly offset: number
  readonly size: number
}

export const encodedHandleLength = (h: BlockHandle): number => varintLength(h.offset) + varintLength(h.size)

/** Writes `h` at `o`; returns the offset after it. */
export const putBlockHandleAt = (b: Uint8Array, o: number, h: BlockHandle): number => putVarintAt(b, putVarintAt(b, o, h.offset), h.size)

export const encodeBlockHandle = (h: BlockHandle): Uint8Array => {
  const out = new Uint8Array(encodedHandleLength(h))
  putBlockHandleAt(out, 0, h)
  return out
}

/** Decodes a handle at `b[o..limit)`, or undefined if malformed. */
export const decodeBlockHandle = (b: Uint8Array, o = 0, limit: number = b.length): BlockHandle | undefined => {
  const c = { pos: 0 }
  const offset = getVarint64(b, o, limit, c)
  if (offset < 0) return undefined
  const size = getVarint64(b, c.pos, limit, c)
  if (size < 0) return undefined
  return { offset, size }
}

export interface Footer {
  readonly metaindex: BlockHandle
  readonly index: BlockHandle
}

/** The 48 footer bytes. */
export const encodeFooter = (f: Footer): Uint8Array => {
  const out = new Uint8Array(kFooterSize)
  putBlockHandleAt(out, putBlockHandleAt(out, 0, f.metaindex), f.index)
  putFixed32At(out, kFooterSize - 8, kTableMagicLo)
  putFixed32At(out, kFooterSize - 4, kTableMagicHi)
  return out
}

/** Decodes 48 footer bytes: "bad magic" / "bad block handle" as a reason string on failure. */
export const decodeFooter = (b: Uint8Array): Footer | string => {
  if (b.length !== kFooterSize) return "footer is not 48 bytes"
  if (getFixed32(b, kFooterSize - 8) !== kTableMagicLo || getFixed32(b, kFooterSize - 4) !== kTableMagicHi) {
    return "not an sstable (bad magic number)"
  }
  const c = { pos: 0 }
  const mOffset = getVarint64(b, 0, 40, c)
  const mSize = mOffset < 0 ? -1 : getVarint64(b, c.pos, 40, c)
  const iOffset = mSize < 0 ? -1 : getVarint64(b, c.pos, 40, c)
  const iSize = iOffset < 0 ? -1 : getVarint64(b, c.pos, 40, c)
  if (iSize < 0) return "bad block handle"
  return { metaindex: { offset: mOffset, size: mSize }, index: { offset: iOffset, size: iSize } }
}
