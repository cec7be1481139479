/**
 * The memtable side of `WriteBatchInternal::InsertInto` (RocksDB's `MemTableInserter`):
 * walks a batch and adds each counted record at consecutive sequence numbers,
 * accumulating the counters so the memtable applies them once per batch
 * (`MemTablePostProcessInfo` / `BatchPostProcess`, +12% in RocksDB commit 907f24d).
 */
import { ValueType, type WriteBatchHandler } from "@writepath/batch"
import { InvalidEntry } from "../MemTableError.ts"

/** What the inserter needs from a memtable (kept structural to avoid an import cycle). */
export interface EntrySink {
  /** Adds one entry; returns its RocksDB-encoded size (`data_size_` contribution). Throws MemTableError. */
  insertEntry(seq: number, type: number, key: Uint8Array, value: Uint8Array, concurrent: boolean, recordsApplied: number): number
}

const EMPTY = new Uint8Array(0)

export class MemTableInserter implements WriteBatchHandler {
  private readonly sink: EntrySink
  /** Records of other column families are skipped but still consume a sequence, as RocksDB does. */
  private readonly columnFamily: number
  concurrent = false
  sequence = 0
  firstSequence = 0
  applied = 0
  entries = 0
  deletes = 0
  rangeDeletes = 0
  dataSize = 0

  constructor(sink: EntrySink, columnFamily: number) {
    this.sink = sink
    this.columnFamily = columnFamily
  }

  reset(firstSeq: number, concurrent: boolean): void {
    this.concurrent = concurrent
    this.sequence = firstSeq
    this.firstSequence = firstSeq
    this.applied = 0
    this.entries = 0
    this.deletes = 0
    this.rangeDeletes = 0
    this.dataSize = 0
  }

  private add(cf: number, type: number, key: Uint8Array, value: Uint8Array): void {
    if (cf === this.columnFamily) {
      this.dataSize += this.sink.insertEntry(this.sequence, type, key, value, this.concurrent, this.applied)
      // Counted only once the entry is linked: a failed record leaves the counters exact.
      this.applied++
      this.entries++
      if (type === ValueType.kTypeDeletion || type === ValueType.kTypeSingleDeletion) this.deletes++
      else if (type === ValueType.kTypeRangeDeletion) this.rangeDeletes++
    }
    this.sequence++
  }

  put(cf: number, key: Uint8Array, value: Uint8Array): void {
    this.add(cf, ValueType.kTypeValue, key, value)
  }
  delete(cf: number, key: Uint8Array): void {
    this.add(cf, ValueType.kTypeDeletion, key, EMPTY)
  }
  singleDelete(cf: number, key: Uint8Array): void {
    this.add(cf, ValueType.kTypeSingleDeletion, key, EMPTY)
  }
  deleteRange(cf: number, begin: Uint8Array, end: Uint8Array): void {
    this.add(cf, ValueType.kTypeRangeDeletion, begin, end)
  }
  merge(cf: number, key: Uint8Array, value: Uint8Array): void {
    this.add(cf, ValueType.kTypeMerge, key, value)
  }
  putBlobIndex(): void {
    throw unsupported("PutBlobIndex")
  }
  putEntity(): void {
    throw unsupported("PutEntity")
  }
  timedPut(): void {
    throw unsupported("TimedPut")
  }
}

const unsupported = (op: string): InvalidEntry => new InvalidEntry({ reason: `the memtable does not support ${op} records` })

/** A handler that accepts every record the inserter accepts and does nothing: the validation pass. */
export const validationHandler: WriteBatchHandler = {
  putBlobIndex: () => {
    throw unsupported("PutBlobIndex")
  },
  putEntity: () => {
    throw unsupported("PutEntity")
  },
  timedPut: () => {
    throw unsupported("TimedPut")
  },
}
