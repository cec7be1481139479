/**
 * What a memtable lookup finds for a user key at a snapshot (RocksDB's `MemTable::Get`
 * outcome: value found, deleted, not found, or merge operands still in progress).
 *
 * Values alias the memtable's arena: valid for as long as the memtable is reachable
 * (nodes are never changed or reused), and they keep its SharedArrayBuffer alive.
 * Copy (`.slice()`) what you keep beyond the memtable's life.
 */

/** The newest visible entry is a Put. */
export interface Found {
  readonly _tag: "Found"
  readonly value: Uint8Array
  readonly sequence: number
}

/** The newest visible entry is a Delete/SingleDelete, or a range tombstone covers the key. */
export interface Deleted {
  readonly _tag: "Deleted"
  /** Sequence of the deleting entry or range tombstone. */
  readonly sequence: number
  readonly byRangeTombstone: boolean
}

/** This memtable knows nothing of the key at this snapshot: look in older ones. */
export interface NotFound {
  readonly _tag: "NotFound"
}

/**
 * The newest visible entries are Merge operands. `base` is what lies below them in
 * this memtable: Found or Deleted end the search; NotFound means older memtables and
 * tables still have to be searched (and their operands appended).
 */
export interface MergeOperands {
  readonly _tag: "MergeOperands"
  /** Newest first. */
  readonly operands: ReadonlyArray<Uint8Array>
  readonly base: Found | Deleted | NotFound
}

export type GetResult = Found | Deleted | NotFound | MergeOperands

/** The one NotFound value (lookups allocate nothing when they miss). */
export const notFound: NotFound = Object.freeze({ _tag: "NotFound" })
