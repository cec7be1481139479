import { Data } from "effect"

/**
 * Errors of @writepath/batch. Messages follow RocksDB's `Status::ToString()`
 * ("Corruption: ...", "Invalid argument: ...") so they can be compared with
 * RocksDB's own tests and logs.
 */

/** The bytes of a batch do not parse (`Status::Corruption`). */
export class WriteBatchCorruption extends Data.TaggedError("WriteBatchCorruption")<{
  readonly reason: string
  /** Offset in the batch's bytes where parsing failed, when known. */
  readonly offset?: number
}> {
  override get message(): string {
    return `Corruption: ${this.reason}`
  }
}

/** A key, value or argument the batch cannot hold (`Status::InvalidArgument`). */
export class InvalidArgument extends Data.TaggedError("InvalidArgument")<{ readonly reason: string }> {
  override get message(): string {
    return `Invalid argument: ${this.reason}`
  }
}

/** An append would grow the batch past its `maxBytes` (`Status::MemoryLimit`); the batch is unchanged. */
export class MemoryLimit extends Data.TaggedError("MemoryLimit")<{
  readonly maxBytes: number
  readonly wouldBe: number
}> {
  override get message(): string {
    return `Operation aborted: Memory limit reached: batch would be ${this.wouldBe} bytes, maxBytes is ${this.maxBytes}`
  }
}

/** `rollbackToSavePoint` / `popSavePoint` with no savepoint set (`Status::NotFound`). */
export class SavePointNotFound extends Data.TaggedError("SavePointNotFound")<{ readonly operation: string }> {
  override get message(): string {
    return `NotFound: ${this.operation}: no savepoint set`
  }
}

export type BatchError = WriteBatchCorruption | InvalidArgument | MemoryLimit | SavePointNotFound
