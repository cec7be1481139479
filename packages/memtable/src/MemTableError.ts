import { Data } from "effect"

/**
 * Errors of @writepath/memtable, all in one module. Every one leaves the memtable
 * consistent and readable: an entry is either fully linked or not reachable at all,
 * and the counters match what is reachable.
 *
 * Messages follow RocksDB's `Status::ToString()` where RocksDB has the same case.
 */

/**
 * The arena has no room left for this entry (RocksDB would allocate another arena
 * block; our arena is one fixed SharedArrayBuffer, see README "Sizing"). The entry
 * was not inserted; what is already in the memtable stays readable. The DB should
 * have switched memtables long before, when `shouldFlushNow()` turned true.
 */
export class ArenaFull extends Data.TaggedError("ArenaFull")<{
  /** Bytes the entry needed (node + key + value, aligned). */
  readonly needed: number
  /** Bytes still free in the arena when the allocation failed. */
  readonly available: number
  /** For `insertBatch`: records of the batch inserted before this one (RocksDB applies a prefix too). */
  readonly recordsApplied: number
}> {
  override get message(): string {
    return `Operation aborted: Memory limit reached: memtable arena full (entry needs ${this.needed} bytes, ${this.available} free)`
  }
}

/** A key or value that can never fit in this memtable's arena, whatever is in it. */
export class EntryTooLarge extends Data.TaggedError("EntryTooLarge")<{
  readonly keySize: number
  readonly valueSize: number
  /** The arena's total capacity in bytes. */
  readonly capacity: number
}> {
  override get message(): string {
    return `Invalid argument: key is too large for the memtable arena (key ${this.keySize} + value ${this.valueSize} bytes, arena ${this.capacity} bytes)`
  }
}

/** `insertBatch` was given bytes that do not parse; nothing of the batch was inserted. */
export class MalformedBatch extends Data.TaggedError("MalformedBatch")<{
  /** The @writepath/batch error (`WriteBatchCorruption`, `InvalidArgument`). */
  readonly cause: unknown
}> {
  override get message(): string {
    const inner = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `Corruption: malformed WriteBatch for memtable insert: ${inner}`
  }
}

/**
 * The same user key with the same sequence number is already in the memtable
 * (RocksDB: `Status::TryAgain("key+seq exists")`). The entry was not inserted.
 */
export class DuplicateEntry extends Data.TaggedError("DuplicateEntry")<{
  readonly key: Uint8Array
  readonly sequence: number
  /** For `insertBatch`: records of the batch inserted before this one. */
  readonly recordsApplied: number
}> {
  override get message(): string {
    return `Operation failed. Try again.: key+seq exists (sequence ${this.sequence})`
  }
}

/** A sequence number, value type or option the memtable cannot take. */
export class InvalidEntry extends Data.TaggedError("InvalidEntry")<{ readonly reason: string }> {
  override get message(): string {
    return `Invalid argument: ${this.reason}`
  }
}

export type MemTableError = ArenaFull | EntryTooLarge | MalformedBatch | DuplicateEntry | InvalidEntry
