/**
 * Record tags of a WriteBatch, with RocksDB's names and values (`db/dbformat.h`,
 * `ValueType`). The same byte is the low byte of an internal key's trailer.
 */
export const ValueType = {
  kTypeDeletion: 0x00,
  kTypeValue: 0x01,
  kTypeMerge: 0x02,
  kTypeLogData: 0x03,
  kTypeColumnFamilyDeletion: 0x04,
  kTypeColumnFamilyValue: 0x05,
  kTypeColumnFamilyMerge: 0x06,
  kTypeSingleDeletion: 0x07,
  kTypeColumnFamilySingleDeletion: 0x08,
  kTypeBeginPrepareXID: 0x09,
  kTypeEndPrepareXID: 0x0a,
  kTypeCommitXID: 0x0b,
  kTypeRollbackXID: 0x0c,
  kTypeNoop: 0x0d,
  kTypeColumnFamilyRangeDeletion: 0x0e,
  kTypeRangeDeletion: 0x0f,
  kTypeColumnFamilyBlobIndex: 0x10,
  kTypeBlobIndex: 0x11,
  kTypeBeginPersistedPrepareXID: 0x12,
  kTypeBeginUnprepareXID: 0x13,
  kTypeDeletionWithTimestamp: 0x14,
  kTypeCommitXIDAndTimestamp: 0x15,
  kTypeWideColumnEntity: 0x16,
  kTypeColumnFamilyWideColumnEntity: 0x17,
  kTypeValuePreferredSeqno: 0x18,
  kTypeColumnFamilyValuePreferredSeqno: 0x19,
  kMaxValue: 0x7f,
} as const

export type ValueType = (typeof ValueType)[keyof typeof ValueType]

/** Content flags kept incrementally by the builder (`WriteBatch::ContentFlags`). */
export const ContentFlags = {
  DEFERRED: 1 << 0,
  HAS_PUT: 1 << 1,
  HAS_DELETE: 1 << 2,
  HAS_SINGLE_DELETE: 1 << 3,
  HAS_MERGE: 1 << 4,
  HAS_BEGIN_PREPARE: 1 << 5,
  HAS_END_PREPARE: 1 << 6,
  HAS_COMMIT: 1 << 7,
  HAS_ROLLBACK: 1 << 8,
  HAS_DELETE_RANGE: 1 << 9,
  HAS_BLOB_INDEX: 1 << 10,
  HAS_BEGIN_UNPREPARE: 1 << 11,
  HAS_PUT_ENTITY: 1 << 12,
  HAS_TIMED_PUT: 1 << 13,
} as const
