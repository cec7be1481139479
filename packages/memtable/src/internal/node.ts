/**
 * Writing a skiplist node into the arena (layout in inlineSkipList.ts). Separate from
 * the list so the memtable and the tests build nodes the same way.
 */
import { trailerHi, trailerLo } from "../InternalKey.ts"
import { type Arena, type ArenaShard, NODE_HEADER_BYTES } from "./arena.ts"

/** Arena bytes a node of this height, key and value takes (4-byte aligned). */
export const nodeBytes = (height: number, keyLength: number, valueLength: number): number =>
  (height * 4 + NODE_HEADER_BYTES + keyLength + valueLength + 3) & ~3

/**
 * Upper bound of the arena bytes the counted records of a WriteBatch of `batchBytes` bytes
 * take as nodes of at most `maxHeight` levels: each node adds at most its links, header and
 * alignment to the key and value bytes the batch record already holds.
 */
export const maxArenaBytesForBatch = (batchBytes: number, count: number, maxHeight: number): number =>
  batchBytes + count * (maxHeight * 4 + NODE_HEADER_BYTES + 3)

/**
 * Allocates (from `from`: the arena itself or this thread's shard of it) and fills a
 * node; returns its pointer, or -1 when the arena is full. The
 * node is unreachable until a skiplist links it (invariant 2: contents first).
 */
export const allocateNode = (
  arena: Arena,
  from: Arena | ArenaShard,
  height: number,
  seq: number,
  type: number,
  key: Uint8Array,
  value: Uint8Array,
): number => {
  const kl = key.length
  const vl = value.length
  const start = from.allocate(nodeBytes(height, kl, vl))
  if (start < 0) return -1
  const x = start + height * 4
  const i32 = arena.i32
  const w = x >> 2
  i32[w] = kl
  i32[w + 1] = vl
  i32[w + 2] = trailerLo(seq, type) | 0
  i32[w + 3] = trailerHi(seq) | 0
  const u8 = arena.u8
  let p = x + NODE_HEADER_BYTES
  // Short copies by hand: TypedArray.prototype.set costs more than a few byte stores.
  if (kl <= 32) for (let i = 0; i < kl; i++) u8[p + i] = key[i]!
  else u8.set(key, p)
  p += kl
  if (vl <= 32) for (let i = 0; i < vl; i++) u8[p + i] = value[i]!
  else u8.set(value, p)
  return x
}
