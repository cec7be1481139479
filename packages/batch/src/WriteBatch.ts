/**
 * WriteBatch: RocksDB's batch representation, byte for byte (`db/write_batch.cc`).
 *
 *   rep    := sequence: fixed64 | count: fixed32 | record*
 *   record := tag [varint32 cf] payload          (cf only in the ColumnFamily* tags)
 *
 * Owns: a growable byte buffer (`rep`), the live length, the savepoint stack,
 * the WAL termination point and the content flags.
 *
 * Invariants:
 *  1. `rep[0..len)` is always a well-formed batch: every public method either
 *     appends a whole record and bumps the count, or leaves the batch unchanged
 *     and throws (maxBytes and size checks run before the count is touched).
 *  2. `count` equals the number of counted records (those that consume a sequence
 *     number); LogData, prepare/commit/rollback markers and Noop are not counted.
 *  3. Content flags are a superset of what the records contain, or DEFERRED
 *     (batches built from raw bytes), in which case they are computed on demand.
 *
 * Not thread-safe, and never shared: a batch is owned by one writer until the
 * group leader reads it. Nothing here yields.
 */
import { InvalidArgument, MemoryLimit, SavePointNotFound, WriteBatchCorruption } from "./BatchError.ts"
import {
  getFixed32,
  getFixed64,
  MAX_SAFE_SEQUENCE,
  putFixed32At,
  putFixed64At,
  putUtf8At,
  putVarint32At,
  utf8Length,
  varint32Length,
} from "./internal/coding.ts"
import { computeContentFlags, iterateBatch, recordsOf } from "./internal/iterate.ts"
import { allocSmall } from "./internal/slab.ts"
import { ContentFlags, ValueType } from "./ValueType.ts"
import type { WriteBatchHandler, WriteBatchRecord } from "./WriteBatchHandler.ts"

/** Size of the header: fixed64 sequence + fixed32 count (`WriteBatchInternal::kHeader`). */
export const HEADER_SIZE = 12
/** RocksDB leaves room for the 8-byte internal-key trailer: keys are at most 2^32 - 1 - 8 bytes. */
export const MAX_KEY_SIZE = 0xffffffff - 8
export const MAX_VALUE_SIZE = 0xffffffff

export type Bytes = Uint8Array | string

export interface WriteBatchOptions {
  /** Initial capacity in bytes (RocksDB's `reserved_bytes`). */
  readonly reservedBytes?: number
  /** Upper bound on `byteSize`; an append past it throws MemoryLimit and is rolled back. 0 = none. */
  readonly maxBytes?: number
}

interface SavePoint {
  readonly size: number
  readonly count: number
  readonly flags: number
}

export interface MarkEndPrepareOptions {
  /** WriteCommitted transactions (the default) write kTypeBeginPrepareXID. */
  readonly writeAfterCommit?: boolean
  /** With writeAfterCommit false: kTypeBeginUnprepareXID instead of kTypeBeginPersistedPrepareXID. */
  readonly unpreparedBatch?: boolean
}

const { kTypeNoop } = ValueType

export class WriteBatch {
  private rep: Uint8Array
  private len: number
  private flags: number
  private readonly maxBytes: number
  private savePoints: SavePoint[] | undefined
  private walTermination: SavePoint | undefined

  constructor(options: WriteBatchOptions = {}) {
    const reserved = Math.max(HEADER_SIZE, options.reservedBytes ?? 64)
    this.rep = allocSmall(reserved)
    this.len = HEADER_SIZE
    this.flags = 0
    this.maxBytes = options.maxBytes ?? 0
    this.savePoints = undefined
    this.walTermination = undefined
  }

  /**
   * A batch over existing bytes (a WAL record payload, say). The bytes are copied.
   * Only the header is checked here; records are validated when iterated.
   */
  static fromBytes(bytes: Uint8Array): WriteBatch {
    if (bytes.length < HEADER_SIZE) {
      throw new WriteBatchCorruption({ reason: "malformed WriteBatch (too small)", offset: 0 })
    }
    const b = new WriteBatch({ reservedBytes: bytes.length })
    b.rep.set(bytes)
    b.len = bytes.length
    b.flags = ContentFlags.DEFERRED
    return b
  }

  // ---- header -------------------------------------------------------------

  get count(): number {
    return getFixed32(this.rep, 8)
  }

  get sequence(): number {
    const s = getFixed64(this.rep, 0)
    if (s < 0) throw new WriteBatchCorruption({ reason: "sequence number exceeds 2^53 - 1", offset: 0 })
    return s
  }

  set sequence(seq: number) {
    if (!Number.isSafeInteger(seq) || seq < 0 || seq > MAX_SAFE_SEQUENCE) {
      throw new InvalidArgument({ reason: `sequence must be an integer in [0, 2^53 - 1], got ${seq}` })
    }
    putFixed64At(this.rep, 0, seq)
  }

  /** Size of the representation in bytes, header included (`GetDataSize`). */
  get byteSize(): number {
    return this.len
  }

  /** A view of the representation. It aliases the batch: copy it before mutating the batch. */
  get data(): Uint8Array {
    return this.rep.subarray(0, this.len)
  }

  // ---- records ------------------------------------------------------------

  put(key: Bytes, value: Bytes, cf = 0): this {
    return this.kv(cf === 0 ? ValueType.kTypeValue : ValueType.kTypeColumnFamilyValue, cf, key, value, ContentFlags.HAS_PUT, true)
  }

  delete(key: Bytes, cf = 0): this {
    return this.k(cf === 0 ? ValueType.kTypeDeletion : ValueType.kTypeColumnFamilyDeletion, cf, key, ContentFlags.HAS_DELETE)
  }

  singleDelete(key: Bytes, cf = 0): this {
    return this.k(
      cf === 0 ? ValueType.kTypeSingleDeletion : ValueType.kTypeColumnFamilySingleDeletion,
      cf,
      key,
      ContentFlags.HAS_SINGLE_DELETE,
    )
  }

  /** Deletes every key in [begin, end). */
  deleteRange(begin: Bytes, end: Bytes, cf = 0): this {
    return this.kv(
      cf === 0 ? ValueType.kTypeRangeDeletion : ValueType.kTypeColumnFamilyRangeDeletion,
      cf,
      begin,
      end,
      ContentFlags.HAS_DELETE_RANGE,
      false,
    )
  }

  merge(key: Bytes, value: Bytes, cf = 0): this {
    return this.kv(cf === 0 ? ValueType.kTypeMerge : ValueType.kTypeColumnFamilyMerge, cf, key, value, ContentFlags.HAS_MERGE, true)
  }

  /** A blob that goes to the WAL only: not counted, no sequence, never in the memtable. */
  putLogData(blob: Bytes): this {
    const start = this.begin()
    const n = byteLen(blob, MAX_VALUE_SIZE, "value is too large")
    let o = this.reserve(1 + varint32Length(n) + n)
    this.rep[o++] = ValueType.kTypeLogData
    o = putVarint32At(this.rep, o, n)
    writeBytes(this.rep, o, blob, n)
    this.len = o + n
    return this.commit(start, 0, 0)
  }

  // ---- 2PC markers (`WriteBatchInternal::Mark*`) ---------------------------

  /**
   * Placeholder for the begin-prepare marker: a Noop at offset 12 that
   * `markEndPrepare` rewrites (`WriteBatchInternal::InsertNoop`). Must be the first record.
   */
  markBeginPrepare(): this {
    if (this.len !== HEADER_SIZE) {
      throw new InvalidArgument({ reason: "markBeginPrepare must be the first record of a batch" })
    }
    return this.insertNoop()
  }

  /** A sub-batch separator (`kTypeNoop`), not counted. */
  insertNoop(): this {
    const start = this.begin()
    const o = this.reserve(1)
    this.rep[o] = kTypeNoop
    this.len = o + 1
    return this.commit(start, 0, 0)
  }

  /** Ends the prepare section: rewrites the Noop at offset 12 as the begin marker and appends EndPrepare(xid). Clears savepoints. */
  markEndPrepare(xid: Bytes, options: MarkEndPrepareOptions = {}): this {
    if (this.len <= HEADER_SIZE || this.rep[HEADER_SIZE] !== kTypeNoop) {
      throw new InvalidArgument({ reason: "markEndPrepare needs markBeginPrepare first (a Noop at offset 12)" })
    }
    const writeAfterCommit = options.writeAfterCommit ?? true
    const beginTag = writeAfterCommit
      ? ValueType.kTypeBeginPrepareXID
      : options.unpreparedBatch
        ? ValueType.kTypeBeginUnprepareXID
        : ValueType.kTypeBeginPersistedPrepareXID
    this.appendXidRecord(ValueType.kTypeEndPrepareXID, xid, 0)
    this.rep[HEADER_SIZE] = beginTag
    this.savePoints = undefined
    this.flags |=
      ContentFlags.HAS_END_PREPARE |
      (beginTag === ValueType.kTypeBeginUnprepareXID ? ContentFlags.HAS_BEGIN_UNPREPARE : ContentFlags.HAS_BEGIN_PREPARE)
    return this
  }

  markCommit(xid: Bytes): this {
    return this.appendXidRecord(ValueType.kTypeCommitXID, xid, ContentFlags.HAS_COMMIT)
  }

  markRollback(xid: Bytes): this {
    return this.appendXidRecord(ValueType.kTypeRollbackXID, xid, ContentFlags.HAS_ROLLBACK)
  }

  // ---- savepoints and limits ------------------------------------------------

  setSavePoint(): void {
    ;(this.savePoints ??= []).push({ size: this.len, count: this.count, flags: this.flags })
  }

  /** Undoes everything since the last `setSavePoint` and drops that savepoint. */
  rollbackToSavePoint(): void {
    const sp = this.savePoints?.pop()
    if (sp === undefined) throw new SavePointNotFound({ operation: "rollbackToSavePoint" })
    if (sp.size === HEADER_SIZE) {
      // RocksDB: rolling back to the empty batch is Clear(), which also forgets the WAL termination point.
      const saved = this.savePoints
      this.clear()
      this.savePoints = saved
      return
    }
    this.len = sp.size
    putFixed32At(this.rep, 8, sp.count)
    this.flags = sp.flags
  }

  popSavePoint(): void {
    if (this.savePoints?.pop() === undefined) throw new SavePointNotFound({ operation: "popSavePoint" })
  }

  /** Only the prefix up to here goes to the WAL when this batch is merged into a group; the memtable gets all of it. */
  markWalTerminationPoint(): void {
    this.walTermination = { size: this.len, count: this.count, flags: this.flags }
  }

  get walTerminationPoint(): { readonly size: number; readonly count: number } | undefined {
    return this.walTermination
  }

  /** Empties the batch (sequence 0, count 0) and forgets savepoints and the termination point. */
  clear(): void {
    this.rep.fill(0, 0, HEADER_SIZE)
    this.len = HEADER_SIZE
    this.flags = 0
    this.savePoints = undefined
    this.walTermination = undefined
  }

  // ---- content flags ----------------------------------------------------------

  private get contentFlags(): number {
    if (this.flags & ContentFlags.DEFERRED) this.flags = computeContentFlags(this.data)
    return this.flags
  }

  get hasPut(): boolean {
    return (this.contentFlags & ContentFlags.HAS_PUT) !== 0
  }
  get hasDelete(): boolean {
    return (this.contentFlags & ContentFlags.HAS_DELETE) !== 0
  }
  get hasSingleDelete(): boolean {
    return (this.contentFlags & ContentFlags.HAS_SINGLE_DELETE) !== 0
  }
  get hasDeleteRange(): boolean {
    return (this.contentFlags & ContentFlags.HAS_DELETE_RANGE) !== 0
  }
  get hasMerge(): boolean {
    return (this.contentFlags & ContentFlags.HAS_MERGE) !== 0
  }
  get hasBeginPrepare(): boolean {
    return (this.contentFlags & (ContentFlags.HAS_BEGIN_PREPARE | ContentFlags.HAS_BEGIN_UNPREPARE)) !== 0
  }
  get hasEndPrepare(): boolean {
    return (this.contentFlags & ContentFlags.HAS_END_PREPARE) !== 0
  }
  get hasCommit(): boolean {
    return (this.contentFlags & ContentFlags.HAS_COMMIT) !== 0
  }
  get hasRollback(): boolean {
    return (this.contentFlags & ContentFlags.HAS_ROLLBACK) !== 0
  }
  get hasTimedPut(): boolean {
    return (this.contentFlags & ContentFlags.HAS_TIMED_PUT) !== 0
  }
  get hasPutEntity(): boolean {
    return (this.contentFlags & ContentFlags.HAS_PUT_ENTITY) !== 0
  }
  get hasBlobIndex(): boolean {
    return (this.contentFlags & ContentFlags.HAS_BLOB_INDEX) !== 0
  }

  // ---- reading ----------------------------------------------------------------

  /**
   * Calls `handler` for each record in order (`WriteBatch::Iterate`). Slices passed
   * to the handler alias this batch. Throws WriteBatchCorruption on malformed
   * records (records before it were already delivered) and on a count mismatch.
   */
  iterate(handler: WriteBatchHandler): void {
    iterateBatch(this.data, handler)
  }

  /** The records as objects, in order; slices alias this batch. Same errors as `iterate`. */
  records(): Generator<WriteBatchRecord> {
    return recordsOf(this.data)
  }

  // ---- group merge --------------------------------------------------------------

  /**
   * Appends `src`'s records to `dst` and adds the counts (`WriteBatchInternal::Append`).
   * With `walOnly`, only `src`'s prefix up to its WAL termination point is copied.
   */
  static append(dst: WriteBatch, src: WriteBatch, walOnly = false): void {
    const end = walOnly ? src.walTermination : undefined
    const srcLen = (end?.size ?? src.len) - HEADER_SIZE
    const srcCount = end?.count ?? src.count
    const srcFlags = end?.flags ?? src.flags
    const o = dst.reserve(srcLen)
    dst.rep.set(src.rep.subarray(HEADER_SIZE, HEADER_SIZE + srcLen), o)
    dst.len = o + srcLen
    putFixed32At(dst.rep, 8, dst.count + srcCount)
    dst.flags |= srcFlags
  }

  /** Size of `append`ing batches of sizes a and b (`WriteBatchInternal::AppendedByteSize`). */
  static appendedByteSize(a: number, b: number): number {
    return a === 0 || b === 0 ? a + b : a + b - HEADER_SIZE
  }

  // ---- internals --------------------------------------------------------------

  private begin(): number {
    return this.len
  }

  /** Finishes an append: enforces maxBytes (rolling the record back), bumps count and flags. */
  private commit(start: number, counted: 0 | 1, flag: number): this {
    if (this.maxBytes > 0 && this.len > this.maxBytes) {
      const wouldBe = this.len
      this.len = start
      throw new MemoryLimit({ maxBytes: this.maxBytes, wouldBe })
    }
    if (counted) putFixed32At(this.rep, 8, this.count + 1)
    this.flags |= flag
    return this
  }

  /** Ensures room for `n` more bytes; returns the offset to write at. Does not change `len`. */
  private reserve(n: number): number {
    const need = this.len + n
    if (need > this.rep.length) {
      const grown = new Uint8Array(Math.max(need, this.rep.length * 2))
      grown.set(this.rep.subarray(0, this.len))
      this.rep = grown
    }
    return this.len
  }

  private k(tag: number, cf: number, key: Bytes, flag: number): this {
    checkCf(cf)
    const start = this.begin()
    const kn = byteLen(key, MAX_KEY_SIZE, "key is too large")
    let o = this.reserve(1 + (cf === 0 ? 0 : varint32Length(cf)) + varint32Length(kn) + kn)
    this.rep[o++] = tag
    if (cf !== 0) o = putVarint32At(this.rep, o, cf)
    o = putVarint32At(this.rep, o, kn)
    writeBytes(this.rep, o, key, kn)
    this.len = o + kn
    return this.commit(start, 1, flag)
  }

  private kv(tag: number, cf: number, key: Bytes, value: Bytes, flag: number, valueIsValue: boolean): this {
    checkCf(cf)
    const start = this.begin()
    const kn = byteLen(key, MAX_KEY_SIZE, "key is too large")
    const vn = valueIsValue ? byteLen(value, MAX_VALUE_SIZE, "value is too large") : byteLen(value, MAX_KEY_SIZE, "key is too large")
    let o = this.reserve(1 + (cf === 0 ? 0 : varint32Length(cf)) + varint32Length(kn) + kn + varint32Length(vn) + vn)
    const rep = this.rep
    rep[o++] = tag
    if (cf !== 0) o = putVarint32At(rep, o, cf)
    o = putVarint32At(rep, o, kn)
    writeBytes(rep, o, key, kn)
    o = putVarint32At(rep, o + kn, vn)
    writeBytes(rep, o, value, vn)
    this.len = o + vn
    return this.commit(start, 1, flag)
  }

  private appendXidRecord(tag: number, xid: Bytes, flag: number): this {
    const start = this.begin()
    const n = byteLen(xid, MAX_KEY_SIZE, "xid is too large")
    let o = this.reserve(1 + varint32Length(n) + n)
    this.rep[o++] = tag
    o = putVarint32At(this.rep, o, n)
    writeBytes(this.rep, o, xid, n)
    this.len = o + n
    return this.commit(start, 0, flag)
  }
}

const checkCf = (cf: number): void => {
  if (!Number.isInteger(cf) || cf < 0 || cf > 0xffffffff) {
    throw new InvalidArgument({ reason: `column family id must be an integer in [0, 2^32 - 1], got ${cf}` })
  }
}

const byteLen = (v: Bytes, max: number, tooLarge: string): number => {
  let n: number
  if (typeof v === "string") n = utf8Length(v)
  else if (v instanceof Uint8Array) n = v.length
  else throw new InvalidArgument({ reason: `expected a Uint8Array or string, got ${describe(v)}` })
  if (n > max) throw new InvalidArgument({ reason: tooLarge })
  return n
}

const writeBytes = (dst: Uint8Array, o: number, v: Bytes, n: number): void => {
  if (typeof v === "string") putUtf8At(dst, o, v, n)
  else if (n <= 16) for (let i = 0; i < n; i++) dst[o + i] = v[i]!
  else dst.set(v, o)
}

const describe = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v)
