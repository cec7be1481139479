/**
 * The single parser of WriteBatch records (`ReadRecordFromWriteBatch` +
 * `WriteBatchInternal::Iterate`), shared by `iterate`, `records` and the lazy
 * content-flag computation so the three can never disagree.
 */
import { InvalidArgument, WriteBatchCorruption } from "../BatchError.ts"
import { ContentFlags, ValueType as T } from "../ValueType.ts"
import type { WriteBatchHandler, WriteBatchRecord } from "../WriteBatchHandler.ts"
import { getFixed32, getVarint32 } from "./coding.ts"

const HEADER = 12

/** Mutable scratch record filled by `readRecord`; `a`/`b` are [start, end) offsets. */
interface Scratch {
  pos: number
  tag: number
  cf: number
  a0: number
  a1: number
  b0: number
  b1: number
}

const badMessage = (tag: number): string => {
  switch (tag) {
    case T.kTypeValue:
    case T.kTypeColumnFamilyValue:
      return "bad WriteBatch Put"
    case T.kTypeDeletion:
    case T.kTypeColumnFamilyDeletion:
      return "bad WriteBatch Delete"
    case T.kTypeSingleDeletion:
    case T.kTypeColumnFamilySingleDeletion:
      return "bad WriteBatch SingleDelete"
    case T.kTypeRangeDeletion:
    case T.kTypeColumnFamilyRangeDeletion:
      return "bad WriteBatch DeleteRange"
    case T.kTypeMerge:
    case T.kTypeColumnFamilyMerge:
      return "bad WriteBatch Merge"
    case T.kTypeBlobIndex:
    case T.kTypeColumnFamilyBlobIndex:
      return "bad WriteBatch BlobIndex"
    case T.kTypeWideColumnEntity:
    case T.kTypeColumnFamilyWideColumnEntity:
      return "bad WriteBatch PutEntity"
    case T.kTypeValuePreferredSeqno:
    case T.kTypeColumnFamilyValuePreferredSeqno:
      return "bad WriteBatch TimedPut"
    case T.kTypeLogData:
      return "bad WriteBatch Blob"
    case T.kTypeEndPrepareXID:
      return "bad EndPrepare XID"
    case T.kTypeCommitXID:
      return "bad Commit XID"
    case T.kTypeCommitXIDAndTimestamp:
      return "bad Commit XID with timestamp"
    case T.kTypeRollbackXID:
      return "bad Rollback XID"
    default:
      return "unknown WriteBatch tag"
  }
}

/** Reads a varint-prefixed slice at s.pos into [start,end); false if it does not fit. */
const slice = (d: Uint8Array, s: Scratch, which: "a" | "b"): boolean => {
  const n = getVarint32(d, s.pos, d.length, s)
  if (n < 0 || s.pos + n > d.length) return false
  if (which === "a") {
    s.a0 = s.pos
    s.a1 = s.pos + n
  } else {
    s.b0 = s.pos
    s.b1 = s.pos + n
  }
  s.pos += n
  return true
}

/** Parses the record at s.pos. Returns true if it is counted (consumes a sequence). Throws on corruption. */
const readRecord = (d: Uint8Array, s: Scratch): boolean => {
  const start = s.pos
  const tag = d[s.pos++]!
  s.tag = tag
  s.cf = 0
  let ok = true
  let counted = false
  switch (tag) {
    case T.kTypeColumnFamilyValue:
    case T.kTypeColumnFamilyMerge:
    case T.kTypeColumnFamilyRangeDeletion:
    case T.kTypeColumnFamilyBlobIndex:
    case T.kTypeColumnFamilyWideColumnEntity:
    case T.kTypeColumnFamilyValuePreferredSeqno:
    case T.kTypeColumnFamilyDeletion:
    case T.kTypeColumnFamilySingleDeletion: {
      const cf = getVarint32(d, s.pos, d.length, s)
      if (cf < 0) {
        ok = false
        break
      }
      s.cf = cf
      ok =
        tag === T.kTypeColumnFamilyDeletion || tag === T.kTypeColumnFamilySingleDeletion
          ? slice(d, s, "a")
          : slice(d, s, "a") && slice(d, s, "b")
      counted = true
      break
    }
    case T.kTypeValue:
    case T.kTypeMerge:
    case T.kTypeRangeDeletion:
    case T.kTypeBlobIndex:
    case T.kTypeWideColumnEntity:
    case T.kTypeValuePreferredSeqno:
      ok = slice(d, s, "a") && slice(d, s, "b")
      counted = true
      break
    case T.kTypeDeletion:
    case T.kTypeSingleDeletion:
      ok = slice(d, s, "a")
      counted = true
      break
    case T.kTypeLogData:
    case T.kTypeEndPrepareXID:
    case T.kTypeCommitXID:
    case T.kTypeRollbackXID:
      ok = slice(d, s, "a")
      break
    case T.kTypeCommitXIDAndTimestamp:
      // Payload is the timestamp, then the xid.
      ok = slice(d, s, "b") && slice(d, s, "a")
      break
    case T.kTypeBeginPrepareXID:
    case T.kTypeBeginPersistedPrepareXID:
    case T.kTypeBeginUnprepareXID:
    case T.kTypeNoop:
      break
    default:
      throw new WriteBatchCorruption({ reason: "unknown WriteBatch tag", offset: start })
  }
  if (ok && (tag === T.kTypeValuePreferredSeqno || tag === T.kTypeColumnFamilyValuePreferredSeqno)) {
    ok = s.b1 - s.b0 >= 8
  }
  if (!ok) throw new WriteBatchCorruption({ reason: badMessage(tag), offset: start })
  return counted
}

const newScratch = (): Scratch => ({ pos: HEADER, tag: 0, cf: 0, a0: 0, a1: 0, b0: 0, b1: 0 })

const checkHeader = (d: Uint8Array): void => {
  if (d.length < HEADER) throw new WriteBatchCorruption({ reason: "malformed WriteBatch (too small)", offset: 0 })
}

const wrongCount = (): WriteBatchCorruption => new WriteBatchCorruption({ reason: "WriteBatch has wrong count", offset: 8 })

const notImplemented = (what: string): InvalidArgument => new InvalidArgument({ reason: `${what} not implemented` })

const readTime = (d: Uint8Array, end: number): bigint => BigInt(getFixed32(d, end - 8)) | (BigInt(getFixed32(d, end - 4)) << 32n)

export const iterateBatch = (d: Uint8Array, h: WriteBatchHandler): void => {
  checkHeader(d)
  const s = newScratch()
  let found = 0
  while (s.pos < d.length) {
    if (h.continue !== undefined && !h.continue()) return
    if (readRecord(d, s)) found++
    const a = d.subarray(s.a0, s.a1)
    switch (s.tag) {
      case T.kTypeValue:
      case T.kTypeColumnFamilyValue:
        h.put?.(s.cf, a, d.subarray(s.b0, s.b1))
        break
      case T.kTypeDeletion:
      case T.kTypeColumnFamilyDeletion:
        h.delete?.(s.cf, a)
        break
      case T.kTypeSingleDeletion:
      case T.kTypeColumnFamilySingleDeletion:
        h.singleDelete?.(s.cf, a)
        break
      case T.kTypeRangeDeletion:
      case T.kTypeColumnFamilyRangeDeletion:
        h.deleteRange?.(s.cf, a, d.subarray(s.b0, s.b1))
        break
      case T.kTypeMerge:
      case T.kTypeColumnFamilyMerge:
        h.merge?.(s.cf, a, d.subarray(s.b0, s.b1))
        break
      case T.kTypeBlobIndex:
      case T.kTypeColumnFamilyBlobIndex:
        if (h.putBlobIndex === undefined) throw notImplemented("PutBlobIndex")
        h.putBlobIndex(s.cf, a, d.subarray(s.b0, s.b1))
        break
      case T.kTypeWideColumnEntity:
      case T.kTypeColumnFamilyWideColumnEntity:
        if (h.putEntity === undefined) throw notImplemented("PutEntity")
        h.putEntity(s.cf, a, d.subarray(s.b0, s.b1))
        break
      case T.kTypeValuePreferredSeqno:
      case T.kTypeColumnFamilyValuePreferredSeqno:
        if (h.timedPut === undefined) throw notImplemented("TimedPut")
        h.timedPut(s.cf, a, d.subarray(s.b0, s.b1 - 8), readTime(d, s.b1))
        break
      case T.kTypeLogData:
        h.logData?.(a)
        break
      case T.kTypeBeginPrepareXID:
      case T.kTypeBeginPersistedPrepareXID:
        h.markBeginPrepare?.(false)
        break
      case T.kTypeBeginUnprepareXID:
        h.markBeginPrepare?.(true)
        break
      case T.kTypeEndPrepareXID:
        h.markEndPrepare?.(a)
        break
      case T.kTypeCommitXID:
        h.markCommit?.(a)
        break
      case T.kTypeCommitXIDAndTimestamp:
        h.markCommitWithTimestamp?.(a, d.subarray(s.b0, s.b1))
        break
      case T.kTypeRollbackXID:
        h.markRollback?.(a)
        break
      case T.kTypeNoop:
        h.markNoop?.(found === 0)
        break
    }
  }
  if (found !== getFixed32(d, 8)) throw wrongCount()
}

/** Yields each record as an object (tools, tests). Validates the count at the end. */
export function* recordsOf(d: Uint8Array): Generator<WriteBatchRecord> {
  checkHeader(d)
  const s = newScratch()
  let found = 0
  while (s.pos < d.length) {
    if (readRecord(d, s)) found++
    const a = d.subarray(s.a0, s.a1)
    const b = d.subarray(s.b0, s.b1)
    const cf = s.cf
    switch (s.tag) {
      case T.kTypeValue:
      case T.kTypeColumnFamilyValue:
        yield { op: "Put", cf, key: a, value: b }
        break
      case T.kTypeMerge:
      case T.kTypeColumnFamilyMerge:
        yield { op: "Merge", cf, key: a, value: b }
        break
      case T.kTypeBlobIndex:
      case T.kTypeColumnFamilyBlobIndex:
        yield { op: "PutBlobIndex", cf, key: a, value: b }
        break
      case T.kTypeWideColumnEntity:
      case T.kTypeColumnFamilyWideColumnEntity:
        yield { op: "PutEntity", cf, key: a, value: b }
        break
      case T.kTypeValuePreferredSeqno:
      case T.kTypeColumnFamilyValuePreferredSeqno:
        yield { op: "TimedPut", cf, key: a, value: d.subarray(s.b0, s.b1 - 8), writeUnixTime: readTime(d, s.b1) }
        break
      case T.kTypeDeletion:
      case T.kTypeColumnFamilyDeletion:
        yield { op: "Delete", cf, key: a }
        break
      case T.kTypeSingleDeletion:
      case T.kTypeColumnFamilySingleDeletion:
        yield { op: "SingleDelete", cf, key: a }
        break
      case T.kTypeRangeDeletion:
      case T.kTypeColumnFamilyRangeDeletion:
        yield { op: "DeleteRange", cf, key: a, end: b }
        break
      case T.kTypeLogData:
        yield { op: "LogData", value: a }
        break
      case T.kTypeBeginPrepareXID:
      case T.kTypeBeginPersistedPrepareXID:
      case T.kTypeBeginUnprepareXID:
        yield { op: "BeginPrepare", unprepared: s.tag === T.kTypeBeginUnprepareXID }
        break
      case T.kTypeEndPrepareXID:
        yield { op: "EndPrepare", xid: a }
        break
      case T.kTypeCommitXID:
        yield { op: "Commit", xid: a }
        break
      case T.kTypeCommitXIDAndTimestamp:
        yield { op: "CommitWithTimestamp", xid: a, timestamp: b }
        break
      case T.kTypeRollbackXID:
        yield { op: "Rollback", xid: a }
        break
      case T.kTypeNoop:
        yield { op: "Noop" }
        break
    }
  }
  if (found !== getFixed32(d, 8)) throw wrongCount()
}

const FLAG_OF: Record<number, number> = {
  [T.kTypeValue]: ContentFlags.HAS_PUT,
  [T.kTypeColumnFamilyValue]: ContentFlags.HAS_PUT,
  [T.kTypeDeletion]: ContentFlags.HAS_DELETE,
  [T.kTypeColumnFamilyDeletion]: ContentFlags.HAS_DELETE,
  [T.kTypeSingleDeletion]: ContentFlags.HAS_SINGLE_DELETE,
  [T.kTypeColumnFamilySingleDeletion]: ContentFlags.HAS_SINGLE_DELETE,
  [T.kTypeRangeDeletion]: ContentFlags.HAS_DELETE_RANGE,
  [T.kTypeColumnFamilyRangeDeletion]: ContentFlags.HAS_DELETE_RANGE,
  [T.kTypeMerge]: ContentFlags.HAS_MERGE,
  [T.kTypeColumnFamilyMerge]: ContentFlags.HAS_MERGE,
  [T.kTypeBlobIndex]: ContentFlags.HAS_BLOB_INDEX,
  [T.kTypeColumnFamilyBlobIndex]: ContentFlags.HAS_BLOB_INDEX,
  [T.kTypeWideColumnEntity]: ContentFlags.HAS_PUT_ENTITY,
  [T.kTypeColumnFamilyWideColumnEntity]: ContentFlags.HAS_PUT_ENTITY,
  [T.kTypeValuePreferredSeqno]: ContentFlags.HAS_TIMED_PUT,
  [T.kTypeColumnFamilyValuePreferredSeqno]: ContentFlags.HAS_TIMED_PUT,
  [T.kTypeBeginPrepareXID]: ContentFlags.HAS_BEGIN_PREPARE,
  [T.kTypeBeginPersistedPrepareXID]: ContentFlags.HAS_BEGIN_PREPARE,
  [T.kTypeBeginUnprepareXID]: ContentFlags.HAS_BEGIN_UNPREPARE,
  [T.kTypeEndPrepareXID]: ContentFlags.HAS_END_PREPARE,
  [T.kTypeCommitXID]: ContentFlags.HAS_COMMIT,
  [T.kTypeCommitXIDAndTimestamp]: ContentFlags.HAS_COMMIT,
  [T.kTypeRollbackXID]: ContentFlags.HAS_ROLLBACK,
}

/**
 * Flags for a batch built from raw bytes. Like RocksDB's `ComputeContentFlags`, a
 * parse error here throws: callers deciding on parallel insert must not guess.
 */
export const computeContentFlags = (d: Uint8Array): number => {
  checkHeader(d)
  const s = newScratch()
  let flags = 0
  while (s.pos < d.length) {
    readRecord(d, s)
    flags |= FLAG_OF[s.tag] ?? 0
  }
  return flags
}
