import { describe, expect, it } from "vitest"
import { QueueInvariantViolation, SequencerImpl } from "../src/index.ts"

describe("Sequencer", () => {
  it("allocates contiguous ranges and publishes up to what was allocated", () => {
    const s = new SequencerImpl(100)
    expect([s.lastAllocated, s.lastPublished]).toEqual([100, 100])
    expect(s.allocate(3)).toBe(101)
    expect(s.allocate(0)).toBe(104) // nothing consumed
    expect(s.allocate(2)).toBe(104)
    expect(s.lastAllocated).toBe(105)
    s.publish(103)
    s.publish(103) // publishing the same value again is allowed (an empty group)
    s.publish(105)
    expect(s.lastPublished).toBe(105)
  })

  it("never goes backwards and never publishes beyond lastAllocated (defects, not errors)", () => {
    const s = new SequencerImpl()
    s.allocate(5)
    s.publish(4)
    expect(() => s.publish(3)).toThrow(QueueInvariantViolation)
    expect(() => s.publish(6)).toThrow(QueueInvariantViolation)
    expect(() => s.allocate(-1)).toThrow(QueueInvariantViolation)
    expect(s.lastPublished).toBe(4)
  })

  it("updateLastSequence (the pipelined WAL stage's counter) only raises lastAllocated", () => {
    const s = new SequencerImpl(10)
    expect(s.updateLastSequence(5)).toBe(10)
    expect(s.updateLastSequence(12)).toBe(12)
    expect(s.lastAllocated).toBe(12)
    expect(s.lastPublished).toBe(10)
  })

  it("after an error, syncLastPublishedWithAllocated publishes the hole so it is never reused", () => {
    const s = new SequencerImpl()
    s.allocate(3) // a group that failed: never published
    s.syncLastPublishedWithAllocated()
    expect(s.lastPublished).toBe(3)
    expect(s.allocate(1)).toBe(4)
  })
})
