/**
 * Internal keys, as RocksDB (`db/dbformat.h`):
 *
 *   internal_key := user_key | fixed64 LE trailer      trailer := (sequence << 8) | value_type
 *
 * ordered by user key ascending (bytewise), then trailer descending, so that for one
 * user key the newest entry comes first and a seek to (key, snapshot) lands on the
 * newest entry visible at that snapshot.
 *
 * The trailer is carried as two uint32 halves (`hi` = sequence >> 24, `lo` =
 * (sequence & 0xffffff) << 8 | type) because a JS number cannot hold 64 bits. The
 * stored form keeps all 56 sequence bits (RocksDB's 2^56 - 1), but the JS API takes
 * and returns sequences as numbers, so it is limited to 2^53 - 1
 * (`MAX_SAFE_SEQUENCE`), the same limit as @writepath/batch.
 */
import { ValueType } from "@writepath/batch"

/** RocksDB's `kMaxSequenceNumber` (2^56 - 1), for documentation and range checks on stored data. */
export const kMaxSequenceNumber = 2n ** 56n - 1n

/** Largest sequence the JS API accepts: 2^53 - 1. Also the default "latest" snapshot. */
export const MAX_SAFE_SEQUENCE = Number.MAX_SAFE_INTEGER

/** Size of the trailer appended to a user key. */
export const TRAILER_SIZE = 8

/**
 * A type byte larger than every stored type: seeking to (key, seq, kTypeForSeek) lands on
 * the first entry of `key` with sequence <= seq whatever its type (RocksDB's
 * `kValueTypeForSeek` plays the same role).
 */
export const kTypeForSeek = 0xff

/** Value types a memtable stores (the rest of `ValueType` are batch-only tags). */
export const isMemTableValueType = (type: number): boolean =>
  type === ValueType.kTypeValue ||
  type === ValueType.kTypeDeletion ||
  type === ValueType.kTypeSingleDeletion ||
  type === ValueType.kTypeMerge ||
  type === ValueType.kTypeRangeDeletion

/** High 32 bits of the trailer. */
export const trailerHi = (sequence: number): number => Math.floor(sequence / 0x1000000) >>> 0

/** Low 32 bits of the trailer (as an unsigned number). */
export const trailerLo = (sequence: number, type: number): number => ((sequence % 0x1000000) * 256 + type) >>> 0

/** Sequence number of a trailer given as halves. Exact up to 2^53 - 1. */
export const trailerSequence = (hi: number, lo: number): number => (hi >>> 0) * 0x1000000 + ((lo >>> 0) >>> 8)

/** Bytewise comparison of user keys (RocksDB's `BytewiseComparator`). */
export const compareUserKeys = (a: Uint8Array, b: Uint8Array): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!
    if (d !== 0) return d
  }
  return a.length - b.length
}

/** `user_key | fixed64(seq << 8 | type)`, the byte form flush and SST code use. */
export const encodeInternalKey = (userKey: Uint8Array, sequence: number, type: number): Uint8Array => {
  const out = new Uint8Array(userKey.length + TRAILER_SIZE)
  out.set(userKey)
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength)
  dv.setUint32(userKey.length, trailerLo(sequence, type), true)
  dv.setUint32(userKey.length + 4, trailerHi(sequence), true)
  return out
}

export interface ParsedInternalKey {
  readonly userKey: Uint8Array
  readonly sequence: number
  readonly type: number
}

/** Inverse of `encodeInternalKey`; `userKey` aliases the input. Returns undefined if too short or the sequence exceeds 2^53 - 1. */
export const parseInternalKey = (internalKey: Uint8Array): ParsedInternalKey | undefined => {
  const n = internalKey.length - TRAILER_SIZE
  if (n < 0) return undefined
  const dv = new DataView(internalKey.buffer, internalKey.byteOffset, internalKey.byteLength)
  const lo = dv.getUint32(n, true)
  const hi = dv.getUint32(n + 4, true)
  if (hi >= 0x20000000) return undefined
  return { userKey: internalKey.subarray(0, n), sequence: trailerSequence(hi, lo), type: lo & 0xff }
}

/** Internal-key order on encoded internal keys: user key ascending, then trailer descending (all 56 sequence bits). */
export const compareInternalKeys = (a: Uint8Array, b: Uint8Array): number => {
  const ta = a.length - TRAILER_SIZE
  const tb = b.length - TRAILER_SIZE
  if (ta < 0 || tb < 0) throw new RangeError("not an internal key: shorter than its 8-byte trailer")
  const c = compareUserKeys(a.subarray(0, ta), b.subarray(0, tb))
  if (c !== 0) return c
  for (let i = 7; i >= 0; i--) {
    const d = b[tb + i]! - a[ta + i]!
    if (d !== 0) return d
  }
  return 0
}
