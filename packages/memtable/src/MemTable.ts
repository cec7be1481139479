/**
 * MemTable: RocksDB's `db/memtable.{h,cc}` over an arena skiplist on a
 * SharedArrayBuffer. Point entries and range tombstones live in two skiplists that
 * share one arena (RocksDB's `table_` and `range_del_table_` share `arena_`).
 *
 * Threads: one `MemTable` object per thread. The creating thread passes `handle` to
 * a worker, which calls `MemTable.attach(handle)` to get its own object over the same
 * memory. Then:
 *  - `add` / `insertBatch`: one writer at a time, with no concurrent-mode writer active
 *    (RocksDB's serialized write path);
 *  - `addConcurrently` / `insertBatchConcurrently`: any number of threads at once
 *    (`allow_concurrent_memtable_write`);
 *  - reads (`get`, iterators, counters, `shouldFlushNow`): any thread, any time, never
 *    blocking. See internal/inlineSkipList.ts for the invariants that make this safe.
 *
 * Visibility is by sequence number: a reader passes the snapshot (the published last
 * sequence) and never sees entries above it, so a batch being inserted is invisible
 * until its sequences are published, even though its entries are already linked.
 */
import { iterateBatchBytes, ValueType, type WriteBatch } from "@writepath/batch"
import type { Deleted, Found, GetResult } from "./GetResult.ts"
import { notFound } from "./GetResult.ts"
import { isMemTableValueType, kTypeForSeek, MAX_SAFE_SEQUENCE, trailerHi, trailerLo, trailerSequence } from "./InternalKey.ts"
import {
  Arena,
  ArenaShard,
  B_EARLIEST_SEQ,
  B_FIRST_SEQ,
  DATA_START,
  H_ARENA_BLOCK_SIZE,
  H_ATTACH_COUNT,
  H_BRANCHING,
  H_BUMP,
  H_CAPACITY,
  H_CAS_RETRIES,
  H_DATA_SIZE,
  H_FLUSH_STATE,
  H_MAGIC,
  H_MARKED_FOR_FLUSH,
  H_MAX_HEIGHT,
  H_MAX_RANGE_DELETIONS,
  H_NUM_DELETES,
  H_NUM_ENTRIES,
  H_NUM_RANGE_DELETES,
  H_RANGE_DEL_HEIGHT,
  H_SEED,
  H_TABLE_HEIGHT,
  H_VERSION,
  H_WRITE_BUFFER_SIZE,
  MAGIC,
  MAX_CAPACITY,
  MAX_POSSIBLE_HEIGHT,
  NODE_HEADER_BYTES,
  RANGE_DEL_HEAD,
  shardBytesFor,
  TABLE_HEAD,
  VERSION,
} from "./internal/arena.ts"
import { InlineSkipList } from "./internal/inlineSkipList.ts"
import { MemTableInserter, validationHandler } from "./internal/memTableInserter.ts"
import { allocateNode, maxArenaBytesForBatch, nodeBytes } from "./internal/node.ts"
import { type RandomSource, xorshift32 } from "./internal/random.ts"
import { ArenaFull, DuplicateEntry, EntryTooLarge, InvalidEntry, MalformedBatch } from "./MemTableError.ts"
import { MemTableIterator } from "./MemTableIterator.ts"

export interface MemTableOptions {
  /** RocksDB `write_buffer_size`: the flush threshold. Default 64 MiB, clipped to [64 KiB, ~2 GiB) as RocksDB clips. */
  readonly writeBufferSize?: number
  /** RocksDB `arena_block_size`; default min(1 MiB, writeBufferSize / 8) rounded up to 4 KiB. */
  readonly arenaBlockSize?: number
  /** Skiplist max height, default 12 (RocksDB), at most 32. */
  readonly maxHeight?: number
  /** Skiplist branching factor, default 4 (RocksDB). */
  readonly branchingFactor?: number
  /** RocksDB `memtable_max_range_deletions`: flush once this many range tombstones are in. 0 = off. */
  readonly memtableMaxRangeDeletions?: number
  /** RocksDB `earliest_seqno_`: the last sequence when the memtable was created. */
  readonly earliestSequence?: number
  /** Column family whose records `insertBatch` takes; others are skipped but consume a sequence. Default 0. */
  readonly columnFamily?: number
  /** Seed for node heights (deterministic by default). */
  readonly seed?: number
  /** Injectable height source, returning uint32s; overrides `seed`. */
  readonly random?: RandomSource
}

export interface AttachOptions {
  readonly columnFamily?: number
  readonly seed?: number
  readonly random?: RandomSource
}

/** Everything another thread needs to open the same memtable; structured-cloneable. */
export interface MemTableHandle {
  readonly buffer: SharedArrayBuffer
}

/** RocksDB's `FlushStateEnum`. */
export const FlushState = { FLUSH_NOT_REQUESTED: 0, FLUSH_REQUESTED: 1, FLUSH_SCHEDULED: 2 } as const
export type FlushState = (typeof FlushState)[keyof typeof FlushState]

const KiB = 1024
const MiB = 1024 * KiB
const DEFAULT_SEED = 0x2545f491
/** RocksDB's kAllowOverAllocationRatio in ShouldFlushNow. */
const kAllowOverAllocationRatio = 0.6
const kMaxSequenceBig = 2n ** 56n - 1n
const { kTypeValue, kTypeDeletion, kTypeSingleDeletion, kTypeMerge, kTypeRangeDeletion } = ValueType

const varintLength = (v: number): number => (v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5)

const checkInt = (name: string, v: number, min: number, max: number): number => {
  if (!Number.isSafeInteger(v) || v < min || v > max)
    throw new InvalidEntry({ reason: `${name} must be an integer in [${min}, ${max}], got ${v}` })
  return v
}

export class MemTable {
  // ---- constant after construction (per thread object) --------------------
  readonly handle: MemTableHandle
  private readonly arena: Arena
  /** This thread's allocation shard (RocksDB ConcurrentArena). */
  private readonly shard: ArenaShard
  private readonly u8: Uint8Array
  private readonly i32: Int32Array
  private readonly table: InlineSkipList
  private readonly rangeDelTable: InlineSkipList
  private readonly inserter: MemTableInserter
  readonly writeBufferSize: number
  readonly arenaBlockSize: number
  /** Bytes an entry can never exceed: the arena minus its header and the smallest node overhead. */
  private readonly maxEntryBytes: number
  // ---- this thread's cache: first_seqno_ only decreases, so a value seen once bounds it
  private firstSeqSeen = 0

  private constructor(buffer: SharedArrayBuffer, random: RandomSource, columnFamily: number) {
    const arena = new Arena(buffer)
    this.handle = { buffer }
    this.arena = arena
    this.shard = new ArenaShard(arena, shardBytesFor(arena.i32[H_ARENA_BLOCK_SIZE]!))
    this.u8 = arena.u8
    this.i32 = arena.i32
    this.table = new InlineSkipList(arena, TABLE_HEAD, H_TABLE_HEIGHT, random)
    this.rangeDelTable = new InlineSkipList(arena, RANGE_DEL_HEAD, H_RANGE_DEL_HEIGHT, random)
    this.inserter = new MemTableInserter(this, columnFamily)
    this.writeBufferSize = arena.i32[H_WRITE_BUFFER_SIZE]!
    this.arenaBlockSize = arena.i32[H_ARENA_BLOCK_SIZE]!
    this.maxEntryBytes = arena.capacity - DATA_START - 4 - NODE_HEADER_BYTES
  }

  /** A new, empty memtable with its own arena. Throws InvalidEntry for a bad option. */
  static make(options: MemTableOptions = {}): MemTable {
    const w = Math.min(
      Math.max(checkInt("writeBufferSize", options.writeBufferSize ?? 64 * MiB, 0, MAX_CAPACITY), 64 * KiB),
      MAX_CAPACITY / 2,
    )
    const b = options.arenaBlockSize ?? Math.ceil(Math.min(MiB, w / 8) / (4 * KiB)) * 4 * KiB
    checkInt("arenaBlockSize", b, 4 * KiB, w)
    const maxHeight = checkInt("maxHeight", options.maxHeight ?? 12, 1, MAX_POSSIBLE_HEIGHT)
    const branching = checkInt("branchingFactor", options.branchingFactor ?? 4, 2, 1 << 16)
    const maxRangeDeletions = checkInt("memtableMaxRangeDeletions", options.memtableMaxRangeDeletions ?? 0, 0, 0x7fffffff)
    const earliest = checkInt("earliestSequence", options.earliestSequence ?? 0, 0, MAX_SAFE_SEQUENCE)
    const seed = checkInt("seed", options.seed ?? DEFAULT_SEED, 0, 0xffffffff)
    const columnFamily = checkInt("columnFamily", options.columnFamily ?? 0, 0, 0xffffffff)
    // One block of headroom past write_buffer_size: RocksDB's arena grows past it by
    // the group in flight when ShouldFlushNow turns true; ours is fixed, so that
    // overshoot must fit up front (README "Sizing").
    const capacity = DATA_START + w + b
    const buffer = new SharedArrayBuffer(capacity)
    // Written before the buffer is shared with any thread; constant afterwards.
    const h = new Int32Array(buffer, 0, DATA_START / 4)
    h[H_MAGIC] = MAGIC
    h[H_VERSION] = VERSION
    h[H_CAPACITY] = capacity
    h[H_WRITE_BUFFER_SIZE] = w
    h[H_ARENA_BLOCK_SIZE] = b
    h[H_MAX_HEIGHT] = maxHeight
    h[H_BRANCHING] = branching
    h[H_MAX_RANGE_DELETIONS] = maxRangeDeletions
    h[H_SEED] = seed
    h[H_BUMP] = DATA_START
    h[H_TABLE_HEIGHT] = 1
    h[H_RANGE_DEL_HEIGHT] = 1
    new BigInt64Array(buffer, 0, 16)[B_EARLIEST_SEQ] = options.earliestSequence === undefined ? kMaxSequenceBig : BigInt(earliest)
    return new MemTable(buffer, options.random ?? xorshift32(seed), columnFamily)
  }

  /**
   * The same memtable, opened on this thread from another thread's `handle`: the
   * worker-side entry point of concurrent memtable writes. Each attached object gets
   * its own height source, seeded from the creator's seed and an attach counter
   * unless given.
   */
  static attach(handle: MemTableHandle, options: AttachOptions = {}): MemTable {
    const buffer = handle.buffer
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < DATA_START) {
      throw new InvalidEntry({ reason: "attach needs the handle of a MemTable (a SharedArrayBuffer)" })
    }
    const h = new Int32Array(buffer, 0, DATA_START / 4)
    if (h[H_MAGIC] !== MAGIC || h[H_VERSION] !== VERSION || h[H_CAPACITY] !== buffer.byteLength) {
      throw new InvalidEntry({ reason: "attach: the buffer does not hold a MemTable of this version" })
    }
    const n = Atomics.add(h, H_ATTACH_COUNT, 1) + 1
    const seed = options.seed ?? (h[H_SEED]! ^ Math.imul(n, 0x9e3779b9)) >>> 0
    const columnFamily = checkInt("columnFamily", options.columnFamily ?? 0, 0, 0xffffffff)
    return new MemTable(buffer, options.random ?? xorshift32(seed), columnFamily)
  }

  // ---- writes ---------------------------------------------------------------

  /**
   * Adds one entry (RocksDB `MemTable::Add`). Single writer. `value` is the end key
   * for kTypeRangeDeletion and ignored (pass an empty array) for deletions.
   * Throws DuplicateEntry, ArenaFull, EntryTooLarge or InvalidEntry; on any of them
   * nothing was inserted.
   */
  add(sequence: number, type: number, key: Uint8Array, value: Uint8Array): void {
    const size = this.insertEntry(sequence, type, key, value, false, 0)
    this.postProcess(1, type === kTypeDeletion || type === kTypeSingleDeletion ? 1 : 0, type === kTypeRangeDeletion ? 1 : 0, size, sequence)
  }

  /** `add` for concurrent writers (RocksDB `Add(..., allow_concurrent=true)`). */
  addConcurrently(sequence: number, type: number, key: Uint8Array, value: Uint8Array): void {
    const size = this.insertEntry(sequence, type, key, value, true, 0)
    this.postProcess(1, type === kTypeDeletion || type === kTypeSingleDeletion ? 1 : 0, type === kTypeRangeDeletion ? 1 : 0, size, sequence)
  }

  /**
   * Inserts every counted record of a batch at consecutive sequences from `firstSeq`
   * (default: the batch header's sequence), the memtable side of
   * `WriteBatchInternal::InsertInto`. Returns the sequence after the batch's last.
   * Single writer.
   *
   * The batch is parsed once before anything is inserted, so a MalformedBatch leaves
   * the memtable untouched. ArenaFull and DuplicateEntry can stop a batch midway, as
   * in RocksDB: the records before it stay inserted and counted (`recordsApplied`),
   * the memtable stays consistent, and since the batch's sequences are not published
   * the DB treats it as a fatal memtable error.
   */
  insertBatch(batch: WriteBatch | Uint8Array, firstSeq?: number): number {
    return this.insertBatchImpl(batch, firstSeq, false)
  }

  /** `insertBatch` for concurrent writers, from any thread that attached the memtable. */
  insertBatchConcurrently(batch: WriteBatch | Uint8Array, firstSeq?: number): number {
    return this.insertBatchImpl(batch, firstSeq, true)
  }

  private insertBatchImpl(batch: WriteBatch | Uint8Array, firstSeq: number | undefined, concurrent: boolean): number {
    const bytes = batch instanceof Uint8Array ? batch : batch.data
    let count: number
    let seq: number
    try {
      iterateBatchBytes(bytes, validationHandler)
      count = (bytes[8]! | (bytes[9]! << 8) | (bytes[10]! << 16) | (bytes[11]! << 24)) >>> 0
      if (firstSeq === undefined) {
        const lo = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0
        const hi = (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24)) >>> 0
        seq = hi * 0x100000000 + lo
      } else {
        seq = firstSeq
      }
    } catch (e) {
      if (e instanceof InvalidEntry) throw e
      throw new MalformedBatch({ cause: e })
    }
    // Written as a subtraction: seq + count would round above 2^53.
    if (!Number.isSafeInteger(seq) || seq < 0 || (count > 0 && seq > MAX_SAFE_SEQUENCE - (count - 1))) {
      throw new InvalidEntry({ reason: `batch sequences [${seq}, ${seq} + ${count}) must lie in [0, 2^53 - 1]` })
    }
    const ins = this.inserter
    ins.reset(seq, concurrent)
    try {
      iterateBatchBytes(bytes, ins)
    } finally {
      // BatchPostProcess: counters once per batch, for exactly the records linked.
      if (ins.applied > 0) this.postProcess(ins.entries, ins.deletes, ins.rangeDeletes, ins.dataSize, seq)
    }
    return seq + count
  }

  /**
   * Allocates, fills and links one entry; returns its RocksDB-encoded size. Counters
   * are the caller's (postProcess). Used by the batch inserter too.
   * @internal
   */
  insertEntry(seq: number, type: number, key: Uint8Array, value: Uint8Array, concurrent: boolean, recordsApplied: number): number {
    if (!Number.isSafeInteger(seq) || seq < 0)
      throw new InvalidEntry({ reason: `sequence must be an integer in [0, 2^53 - 1], got ${seq}` })
    if (!isMemTableValueType(type)) throw new InvalidEntry({ reason: `value type ${type} cannot be stored in a memtable` })
    const kl = key.length
    const vl = value.length
    if (kl + vl > this.maxEntryBytes) throw new EntryTooLarge({ keySize: kl, valueSize: vl, capacity: this.arena.capacity })
    const isRangeDel = type === kTypeRangeDeletion
    const list = isRangeDel ? this.rangeDelTable : this.table
    const height = list.randomHeight()
    const x = allocateNode(this.arena, this.shard, height, seq, type, key, value)
    if (x < 0) {
      const available = this.arena.capacity - this.arena.allocatedBytes
      throw new ArenaFull({ needed: nodeBytes(height, kl, vl), available, recordsApplied })
    }
    // Range tombstones always take the concurrent path, as in RocksDB: they are rare
    // and a read path may add them too (AddLogicallyRedundantRangeTombstone).
    const linked = concurrent || isRangeDel ? list.insertConcurrently(x, height) : list.insert(x, height)
    if (!linked) throw new DuplicateEntry({ key: key.slice(), sequence: seq, recordsApplied })
    return varintLength(kl + 8) + kl + 8 + varintLength(vl) + vl
  }

  /** RocksDB BatchPostProcess + the first/earliest seqno CAS loops + UpdateFlushState. */
  private postProcess(entries: number, deletes: number, rangeDeletes: number, dataSize: number, seq: number): void {
    const i32 = this.i32
    Atomics.add(i32, H_NUM_ENTRIES, entries)
    Atomics.add(i32, H_DATA_SIZE, dataSize)
    if (deletes !== 0) Atomics.add(i32, H_NUM_DELETES, deletes)
    if (rangeDeletes !== 0) Atomics.add(i32, H_NUM_RANGE_DELETES, rangeDeletes)
    if (this.firstSeqSeen === 0 || seq < this.firstSeqSeen) this.lowerSequences(seq)
    this.updateFlushState()
  }

  private lowerSequences(seq: number): void {
    const b64 = this.arena.i64
    const s = BigInt(seq)
    let cur = Atomics.load(b64, B_FIRST_SEQ)
    while ((cur === 0n || s < cur) && Atomics.compareExchange(b64, B_FIRST_SEQ, cur, s) !== cur) cur = Atomics.load(b64, B_FIRST_SEQ)
    let e = Atomics.load(b64, B_EARLIEST_SEQ)
    while ((e === kMaxSequenceBig || s < e) && Atomics.compareExchange(b64, B_EARLIEST_SEQ, e, s) !== e)
      e = Atomics.load(b64, B_EARLIEST_SEQ)
    this.firstSeqSeen = Number(Atomics.load(b64, B_FIRST_SEQ))
  }

  // ---- reads ----------------------------------------------------------------

  /**
   * The newest entry for `key` with sequence <= snapshot, honouring Delete,
   * SingleDelete and range tombstones (RocksDB `MemTable::Get`). Any thread.
   */
  get(key: Uint8Array, snapshot: number = MAX_SAFE_SEQUENCE): GetResult {
    const t = this.table
    let x = t.findGreaterOrEqual(key, 0, key.length, trailerHi(snapshot), trailerLo(snapshot, kTypeForSeek))
    const tombstone = Atomics.load(this.i32, H_NUM_RANGE_DELETES) === 0 ? -1 : this.maxCoveringTombstoneSeqnum(key, snapshot)
    let operands: Uint8Array[] | undefined
    let base: Found | Deleted | undefined
    for (; x !== 0 && this.userKeyIs(x, key); x = t.nextOf(x, 0)) {
      const lo = t.trailerLo(x)
      const seq = trailerSequence(t.trailerHi(x), lo)
      if (seq < tombstone) break
      const type = lo & 0xff
      if (type === kTypeValue) {
        base = { _tag: "Found", value: this.valueOf(x), sequence: seq }
        break
      }
      if (type === kTypeDeletion || type === kTypeSingleDeletion) {
        base = { _tag: "Deleted", sequence: seq, byRangeTombstone: false }
        break
      }
      if (type === kTypeMerge) (operands ??= []).push(this.valueOf(x))
    }
    if (base === undefined && tombstone >= 0) base = { _tag: "Deleted", sequence: tombstone, byRangeTombstone: true }
    if (operands !== undefined) return { _tag: "MergeOperands", operands, base: base ?? notFound }
    return base ?? notFound
  }

  /**
   * The largest sequence <= snapshot of a range tombstone covering `key`
   * ([begin, end) contains it), or -1 (RocksDB `MaxCoveringTombstoneSeqnum`).
   * Scans the tombstones whose begin <= key; RocksDB caches a fragmented list instead.
   */
  maxCoveringTombstoneSeqnum(key: Uint8Array, snapshot: number = MAX_SAFE_SEQUENCE): number {
    const t = this.rangeDelTable
    let best = -1
    for (let x = t.nextOf(t.head, 0); x !== 0; x = t.nextOf(x, 0)) {
      const ko = t.keyOffset(x)
      const kl = t.keyLength(x)
      if (compareBytes(this.u8, ko, kl, key, 0, key.length) > 0) break
      const seq = trailerSequence(t.trailerHi(x), t.trailerLo(x))
      if (seq > snapshot || seq <= best) continue
      if (compareBytes(key, 0, key.length, this.u8, ko + kl, t.valueLength(x)) < 0) best = seq
    }
    return best
  }

  /** Internal-key iterator over point entries visible at `snapshot` (RocksDB `NewIterator`). */
  newIterator(options: { readonly snapshot?: number } = {}): MemTableIterator {
    return new MemTableIterator(this.table, this.u8, options.snapshot ?? MAX_SAFE_SEQUENCE)
  }

  /** Iterator over range tombstones visible at `snapshot`: key() = begin, value() = end (exclusive). */
  newRangeTombstoneIterator(options: { readonly snapshot?: number } = {}): MemTableIterator {
    return new MemTableIterator(this.rangeDelTable, this.u8, options.snapshot ?? MAX_SAFE_SEQUENCE)
  }

  private userKeyIs(x: number, key: Uint8Array): boolean {
    const kl = key.length
    if (this.table.keyLength(x) !== kl) return false
    const u8 = this.u8
    const p = x + NODE_HEADER_BYTES
    for (let i = 0; i < kl; i++) if (u8[p + i] !== key[i]) return false
    return true
  }

  private valueOf(x: number): Uint8Array {
    const o = x + NODE_HEADER_BYTES + this.table.keyLength(x)
    return this.u8.subarray(o, o + this.table.valueLength(x))
  }

  // ---- counters and flush state --------------------------------------------

  /** Entries inserted, range tombstones included (`num_entries_`). */
  get numEntries(): number {
    return Atomics.load(this.i32, H_NUM_ENTRIES)
  }
  /** Delete and SingleDelete entries (`num_deletes_`). */
  get numDeletes(): number {
    return Atomics.load(this.i32, H_NUM_DELETES)
  }
  get numRangeDeletes(): number {
    return Atomics.load(this.i32, H_NUM_RANGE_DELETES)
  }
  /** Sum of RocksDB-encoded entry sizes (`data_size_`). */
  get dataSize(): number {
    return Atomics.load(this.i32, H_DATA_SIZE)
  }
  /** Lost link races of insertConcurrently so far (statistics). */
  get casRetries(): number {
    return Atomics.load(this.i32, H_CAS_RETRIES)
  }
  isEmpty(): boolean {
    return this.numEntries === 0
  }
  /** Sequence of the first (smallest) entry, 0 when empty (`GetFirstSequenceNumber`). */
  get firstSequence(): number {
    return Number(Atomics.load(this.arena.i64, B_FIRST_SEQ))
  }
  /** `GetEarliestSequenceNumber`: earliestSequence option lowered by inserts; MAX_SAFE_SEQUENCE when unknown. */
  get earliestSequence(): number {
    const e = Atomics.load(this.arena.i64, B_EARLIEST_SEQ)
    return e === kMaxSequenceBig ? MAX_SAFE_SEQUENCE : Number(e)
  }
  /** Bytes used in the arena (header, nodes, keys, values). */
  get arenaUsedBytes(): number {
    return this.arena.allocatedBytes
  }
  /** The arena's fixed size: writeBufferSize + one arena block of headroom + header. */
  get arenaCapacity(): number {
    return this.arena.capacity
  }
  /**
   * Upper bound of the arena bytes inserting `batch` can take here: the arena is fixed in
   * size, so a writer reserves this much before it commits to a WAL record.
   */
  maxArenaBytesFor(batch: { readonly byteSize: number; readonly count: number }): number {
    return maxArenaBytesForBatch(batch.byteSize, batch.count, this.i32[H_MAX_HEIGHT]!)
  }

  /**
   * RocksDB `ApproximateMemoryUsage`: arena memory in whole arena blocks, as RocksDB's
   * block allocator would have it (our arena is one buffer; blocks are accounting).
   */
  approximateMemoryUsage(): number {
    const b = this.arenaBlockSize
    return Math.ceil(this.arena.allocatedBytes / b) * b
  }

  /** RocksDB `ShouldFlushNow` (WRITE-PATH.md 5.2). Any thread. */
  shouldFlushNow(): boolean {
    if (Atomics.load(this.i32, H_MARKED_FOR_FLUSH) !== 0) return true
    const maxRangeDeletions = this.i32[H_MAX_RANGE_DELETIONS]!
    if (maxRangeDeletions > 0 && this.numRangeDeletes >= maxRangeDeletions) return true
    const w = this.writeBufferSize
    const b = this.arenaBlockSize
    const allocated = this.approximateMemoryUsage()
    if (allocated + b < w + b * kAllowOverAllocationRatio) return false
    if (allocated > w + b * kAllowOverAllocationRatio) return true
    // The last block is being filled: full once less than a quarter of it is unused.
    return allocated - this.arena.allocatedBytes < b / 4
  }

  /** RocksDB `UpdateFlushState`: FLUSH_NOT_REQUESTED -> FLUSH_REQUESTED once full. */
  updateFlushState(): void {
    if (Atomics.load(this.i32, H_FLUSH_STATE) === FlushState.FLUSH_NOT_REQUESTED && this.shouldFlushNow()) {
      Atomics.compareExchange(this.i32, H_FLUSH_STATE, FlushState.FLUSH_NOT_REQUESTED, FlushState.FLUSH_REQUESTED)
    }
  }

  get flushState(): FlushState {
    return Atomics.load(this.i32, H_FLUSH_STATE) as FlushState
  }

  /** RocksDB `MarkFlushScheduled`: REQUESTED -> SCHEDULED; true for the one caller that wins. */
  markFlushScheduled(): boolean {
    return (
      Atomics.compareExchange(this.i32, H_FLUSH_STATE, FlushState.FLUSH_REQUESTED, FlushState.FLUSH_SCHEDULED) ===
      FlushState.FLUSH_REQUESTED
    )
  }

  /** RocksDB `MarkForFlush`: `shouldFlushNow` is true from now on. */
  markForFlush(): void {
    Atomics.store(this.i32, H_MARKED_FOR_FLUSH, 1)
    this.updateFlushState()
  }

  /** Checks both skiplists' invariants (sorted at every level, levels nested); returns node counts per level. For tests. */
  checkInvariants(): { readonly table: number[]; readonly rangeDel: number[] } {
    return { table: this.table.checkInvariants(), rangeDel: this.rangeDelTable.checkInvariants() }
  }
}

/** Bytewise order of a[ao, ao+al) and b[bo, bo+bl). */
const compareBytes = (a: Uint8Array, ao: number, al: number, b: Uint8Array, bo: number, bl: number): number => {
  const n = Math.min(al, bl)
  for (let i = 0; i < n; i++) {
    const d = a[ao + i]! - b[bo + i]!
    if (d !== 0) return d
  }
  return al - bl
}
