/**
 * Keys as the report shows them: user keys as `{ utf8 }` when every byte is printable ASCII
 * (so a terminal or a JSON consumer sees exactly the bytes), else `{ hex }`; internal keys
 * split into user key, sequence and type.
 */
import type { InternalKey, PrintableKey } from "./InspectReport.ts"

const isPrintableAscii = (b: Uint8Array): boolean => {
  for (let i = 0; i < b.length; i++) if (b[i]! < 0x20 || b[i]! > 0x7e) return false
  return true
}

/** `{ utf8 }` for printable ASCII (the empty key included), else `{ hex }`. */
export const printableKey = (b: Uint8Array): PrintableKey =>
  isPrintableAscii(b)
    ? { utf8: Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1") }
    : { hex: Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex") }

const TYPE_NAMES: Readonly<Record<number, string>> = { 0: "Delete", 1: "Put", 2: "Merge", 7: "SingleDelete", 15: "DeleteRange" }

/** The name of an internal-key type byte (RocksDB's ValueType), or "type N". */
export const typeName = (type: number): string => TYPE_NAMES[type] ?? `type ${type}`

const u32 = (b: Uint8Array, i: number): number => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0

/**
 * Splits user key | fixed64 LE (sequence << 8 | type). The sequence is exact up to 2^53
 * (LevelDB's limit is 2^56 - 1, never reached by a real folder).
 */
export const internalKey = (b: Uint8Array): InternalKey => {
  if (b.length < 8) return { invalid: printableKey(b) }
  const lo = u32(b, b.length - 8)
  const hi = u32(b, b.length - 4)
  const type = lo & 0xff
  return { user: printableKey(b.subarray(0, b.length - 8)), sequence: hi * 2 ** 24 + (lo >>> 8), type, typeName: typeName(type) }
}
