import { Data } from "effect"

/**
 * Typed errors of the cross-thread WriteThread (SharedWriteThread.ts). They are thrown
 * synchronously by the calls that take user input (allocate, attach, acquireWriter), so a
 * caller outside Effect sees them too; a broken protocol invariant is a defect instead
 * (QueueInvariantViolation).
 */

/** `SharedWriteThread.allocate` or `attach` got options it cannot work with. */
export class InvalidSharedWriteThreadOptions extends Data.TaggedError("InvalidSharedWriteThreadOptions")<{
  readonly reason: string
}> {
  override get message(): string {
    return `Invalid argument: shared WriteThread: ${this.reason}`
  }
}

/** Every writer slot is owned by a write in flight; the caller must wait for one to finish. */
export class WriterSlotsExhausted extends Data.TaggedError("WriterSlotsExhausted")<{
  readonly slotCount: number
}> {
  override get message(): string {
    return `Busy: all ${this.slotCount} shared writer slots are in use`
  }
}

/** A batch larger than a slot's batch region (`batchCapacity`). */
export class SharedBatchTooLarge extends Data.TaggedError("SharedBatchTooLarge")<{
  readonly byteLength: number
  readonly batchCapacity: number
}> {
  override get message(): string {
    return `Invalid argument: batch of ${this.byteLength} bytes exceeds the shared batch region of ${this.batchCapacity} bytes`
  }
}

/**
 * A second write joined through a handle in "block" wait mode while one was in flight:
 * `Atomics.wait` would freeze the thread, including the first write, which may be the
 * leader everyone waits for. Use "async" mode for many writers on one thread.
 */
export class BlockingWaitWithConcurrentWriters extends Data.TaggedError("BlockingWaitWithConcurrentWriters")<{
  readonly inFlight: number
}> {
  override get message(): string {
    return `Invalid argument: wait mode "block" allows one write in flight per thread, ${this.inFlight} already are`
  }
}

/**
 * This thread was declared dead (markThreadDead) but is still running: a terminated
 * worker's last steps. It stops before touching a slot it no longer owns.
 */
export class ThreadDeclaredDead extends Data.TaggedError("ThreadDeclaredDead")<{
  readonly token: number
}> {
  override get message(): string {
    return `Aborted: thread ${this.token} was declared dead`
  }
}

export type SharedWriteThreadError =
  | ThreadDeclaredDead
  | InvalidSharedWriteThreadOptions
  | WriterSlotsExhausted
  | SharedBatchTooLarge
  | BlockingWaitWithConcurrentWriters
