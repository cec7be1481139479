/**
 * Sequencer: the sequence counters of `VersionSet` that the write path touches
 * (WRITE-PATH.md 2.6, 2.4).
 *
 *  - `lastAllocated`: the last sequence handed to a group (`last_allocated_sequence_`;
 *    in pipelined mode also `WriteThread::last_sequence_`, the WAL stage's counter, which
 *    `updateLastSequence` maps onto it). Only a queue leader allocates.
 *  - `lastPublished`: the last sequence visible to readers (`LastSequence()`); a read at
 *    snapshot s sees entries with seq <= s.
 *
 * Invariants (checked; a violation is a defect):
 *  1. lastPublished <= lastAllocated, both only grow.
 *  2. Allocation is the only way to obtain sequences, so a group that fails after allocating
 *     leaves a hole: its sequences are never reused, and the next publication jumps over them.
 *  3. Publication happens before any member of the group is released (the strategy calls
 *     `publish` and only then `exitAsBatchGroupLeader` / `exitAsMemTableWriter`).
 *
 * Plain synchronous code: every method is a critical section by itself.
 */
import { Context, Effect, Layer } from "effect"
import { invariant } from "./internal/assert.ts"
import { MAX_SEQUENCE } from "./internal/constants.ts"

export class SequencerImpl {
  private allocated: number
  private published: number

  /** `initial`: the recovered LastSequence; both counters start there. */
  constructor(initial = 0) {
    invariant(Number.isSafeInteger(initial) && initial >= 0 && initial <= MAX_SEQUENCE, `initial sequence ${initial}`)
    this.allocated = initial
    this.published = initial
  }

  get lastAllocated(): number {
    return this.allocated
  }

  /** `LastSequence()`: what readers may see. */
  get lastPublished(): number {
    return this.published
  }

  /**
   * Reserves `count` sequences and returns the first (`FetchAddLastAllocatedSequence(count) + 1`).
   * With count 0 nothing is consumed and the return value is the next unassigned sequence.
   */
  allocate(count: number): number {
    // Checks as plain ifs: this runs once per group, and a template message would be built every time.
    if (!Number.isSafeInteger(count) || count < 0) invariant(false, `allocate(${count})`)
    if (this.allocated + count > MAX_SEQUENCE) invariant(false, "sequence space exhausted")
    const first = this.allocated + 1
    this.allocated += count
    return first
  }

  /**
   * Pipelined WAL stage (`WriteThread::UpdateLastSequence`): raise the WAL stage's counter to
   * `sequence` if it is higher and return the counter. Same counter as `lastAllocated`.
   */
  updateLastSequence(sequence: number): number {
    if (sequence > this.allocated) {
      invariant(sequence <= MAX_SEQUENCE, "sequence space exhausted")
      this.allocated = sequence
    }
    return this.allocated
  }

  /** `SetLastSequence`: the publication point. REQUIRES lastPublished <= seq <= lastAllocated. */
  publish(sequence: number): void {
    if (sequence < this.published) invariant(false, `publish(${sequence}) would move LastSequence back from ${this.published}`)
    if (sequence > this.allocated) invariant(false, `publish(${sequence}) beyond lastAllocated ${this.allocated}`)
    this.published = sequence
  }

  /**
   * After an error (`SyncLastSequenceWithAllocated`, used by ResumeImpl with both queues held):
   * publish every allocated sequence, so allocated-but-unpublished sequences are never reused
   * and LastSequence never goes back.
   */
  syncLastPublishedWithAllocated(): void {
    this.published = this.allocated
  }
}

/** The Sequencer service: one per open database. */
export class Sequencer extends Context.Tag("@writepath/core-queue/Sequencer")<Sequencer, SequencerImpl>() {
  static readonly make = (initial = 0): Effect.Effect<SequencerImpl> => Effect.sync(() => new SequencerImpl(initial))
  static readonly layer = (initial = 0): Layer.Layer<Sequencer> => Layer.effect(Sequencer, Sequencer.make(initial))
}
