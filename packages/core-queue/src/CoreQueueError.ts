import { Data } from "effect"

/**
 * Typed errors of @writepath/core-queue. Messages follow RocksDB's `Status::ToString()`
 * so logs compare with RocksDB's own. A broken queue invariant is not here: it is a
 * defect (a thrown `Error` from `internal/assert.ts`), never a value a caller handles.
 */

/**
 * A `noSlowdown` writer met a write stall (`Status::Incomplete("Write stall")`): the stall
 * barrier was up when it joined, `BeginWriteStall` swept it from the queue, or the
 * WriteController asked for a delay or a stop.
 */
export class WriteStall extends Data.TaggedError("WriteStall")<{
  /** "Write stall" (RocksDB's text) unless a more specific cause is known. */
  readonly reason: string
}> {
  override get message(): string {
    return `Result incomplete: ${this.reason}`
  }
}

/** The error handed to each writer the stall barrier turns away. */
export const writeStall = (): WriteStall => new WriteStall({ reason: "Write stall" })

export type CoreQueueError = WriteStall
