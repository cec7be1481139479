/**
 * The memtable arena: one SharedArrayBuffer holding a control header, the heads of
 * the two skiplists (point entries and range tombstones, as RocksDB's `table_` and
 * `range_del_table_` share one `arena_`) and every node, key and value.
 *
 * Layout (byte offsets; all words are 4-byte aligned Int32):
 *
 *   [0, 128)          control words, see the `H_*` indices below
 *   [128, 272)        head of the point-entry skiplist (32 next words + 4 header words)
 *   [272, 416)        head of the range-tombstone skiplist
 *   [416, capacity)   nodes, bump-allocated upwards by `allocate`, never freed
 *
 * Offset 0 is the header, so 0 doubles as the null node pointer.
 *
 * Everything a worker needs to `attach` lives in the buffer itself: options are
 * written once into the header before the buffer is shared and never change.
 */

export const MAGIC = 0x544d454d // "MEMT" little-endian
export const VERSION = 1

// ---- control words (Int32 indices) -------------------------------------
// Constant after construction:
export const H_MAGIC = 0
export const H_VERSION = 1
export const H_CAPACITY = 2
export const H_WRITE_BUFFER_SIZE = 3
export const H_ARENA_BLOCK_SIZE = 4
export const H_MAX_HEIGHT = 5 // kMaxHeight (12 by default)
export const H_BRANCHING = 6 // kBranching (4 by default)
export const H_MAX_RANGE_DELETIONS = 7 // memtable_max_range_deletions, 0 = off
export const H_SEED = 8
// Shared and mutable, only ever accessed with Atomics:
export const H_BUMP = 9 // next free byte; only grows (CAS in `allocate`)
export const H_TABLE_HEIGHT = 10 // current max height of the point list; only grows
export const H_RANGE_DEL_HEIGHT = 11 // same for the range-tombstone list
export const H_NUM_ENTRIES = 12
export const H_NUM_DELETES = 13
export const H_NUM_RANGE_DELETES = 14
export const H_DATA_SIZE = 15
export const H_FLUSH_STATE = 16 // FLUSH_NOT_REQUESTED / REQUESTED / SCHEDULED
export const H_MARKED_FOR_FLUSH = 17
export const H_CAS_RETRIES = 18 // statistics: lost link races in insertConcurrently
export const H_ATTACH_COUNT = 19 // number of attached handles, used to derive per-thread seeds
// BigInt64 slots (Int32 words 24..27), Atomics on a BigInt64Array view:
export const B_FIRST_SEQ = 12 // first sequence inserted (RocksDB first_seqno_), 0 = none yet
export const B_EARLIEST_SEQ = 13 // earliest sequence this memtable may hold (earliest_seqno_)

export const HEADER_BYTES = 128
/** Hard cap on skiplist height (RocksDB's kMaxPossibleHeight is 32). */
export const MAX_POSSIBLE_HEIGHT = 32
/** A node's fixed header: keyLen, valueLen, trailerLo, trailerHi. */
export const NODE_HEADER_BYTES = 16
const HEAD_BYTES = MAX_POSSIBLE_HEIGHT * 4 + NODE_HEADER_BYTES
/** Node pointer of the point-entry list's head (its next words sit below it). */
export const TABLE_HEAD = HEADER_BYTES + MAX_POSSIBLE_HEIGHT * 4
/** Node pointer of the range-tombstone list's head. */
export const RANGE_DEL_HEAD = HEADER_BYTES + HEAD_BYTES + MAX_POSSIBLE_HEIGHT * 4
/** First allocatable byte. */
export const DATA_START = HEADER_BYTES + 2 * HEAD_BYTES
/** Int32 offsets address the arena, so it must stay below 2 GiB. */
export const MAX_CAPACITY = 0x7fff0000

export class Arena {
  readonly buffer: SharedArrayBuffer
  readonly u8: Uint8Array
  readonly i32: Int32Array
  readonly i64: BigInt64Array
  readonly capacity: number

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer
    this.u8 = new Uint8Array(buffer)
    this.i32 = new Int32Array(buffer)
    this.i64 = new BigInt64Array(buffer, 0, HEADER_BYTES / 8)
    this.capacity = buffer.byteLength
  }

  /**
   * Reserves `bytes` (a multiple of 4) and returns their offset, or -1 when they do
   * not fit. A CAS loop rather than `Atomics.add`: a failed allocation must leave
   * the bump pointer where it was, so that a smaller entry may still fit and
   * `allocatedBytes` never reports more than the capacity.
   */
  allocate(bytes: number): number {
    const i32 = this.i32
    let cur = Atomics.load(i32, H_BUMP)
    for (;;) {
      const next = cur + bytes
      if (next > this.capacity) return -1
      const seen = Atomics.compareExchange(i32, H_BUMP, cur, next)
      if (seen === cur) return cur
      cur = seen
    }
  }

  /** Bytes handed out so far, header and heads included. */
  get allocatedBytes(): number {
    return Atomics.load(this.i32, H_BUMP)
  }
}

/**
 * One thread's slice of the arena, RocksDB's `ConcurrentArena` per-core shard: small
 * allocations are bump-allocated from a private shard with no atomics, and only a
 * new shard takes the shared CAS. Without it, two inserting threads CAS the same
 * bump word for every node and interleave their nodes in the same cache lines.
 * The unused tail of a shard counts as allocated, as in RocksDB.
 */
export class ArenaShard {
  readonly arena: Arena
  private readonly shardBytes: number
  private pos = 0
  private end = 0

  constructor(arena: Arena, shardBytes: number) {
    this.arena = arena
    this.shardBytes = shardBytes
  }

  /** Like `Arena.allocate`: offset of `bytes` (a multiple of 4), or -1 when they do not fit. */
  allocate(bytes: number): number {
    const p = this.pos
    if (bytes <= this.end - p) {
      this.pos = p + bytes
      return p
    }
    // Large entries come straight from the arena and keep the current shard.
    if (bytes > this.shardBytes >> 2) return this.arena.allocate(bytes)
    const start = this.arena.allocate(this.shardBytes)
    // Arena nearly full: no whole shard left, but the entry itself may still fit.
    if (start < 0) return this.arena.allocate(bytes)
    this.pos = start + bytes
    this.end = start + this.shardBytes
    return start
  }
}

/** RocksDB's shard block size: min(128 KiB, arena block / 8). */
export const shardBytesFor = (arenaBlockSize: number): number => Math.min(128 * 1024, arenaBlockSize >> 3)
