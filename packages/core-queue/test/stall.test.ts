/**
 * The stall barrier (WRITE-PATH.md 1.9; RocksDB's WriteStallRemoveNoSlowdownWrite and
 * WriteThreadHangOnWriteStall): BeginWriteStall completes queued noSlowdown writers with
 * WriteStall, newcomers fail fast or park, EndWriteStall lets everyone through. On the
 * WriteThread alone; a leader stalling inside the shipped strategies is tested in
 * packages/strategies/test/stallBarrier.test.ts.
 */
import { describe, expect, it } from "vitest"
import {
  QueueInvariantViolation,
  STATE_COMPLETED,
  STATE_INIT,
  STATE_LOCKED_WAITING,
  WriteGroup,
  Writer,
  WriteStall,
  WriteThread,
} from "../src/index.ts"
import { smallBatch } from "./support/batches.ts"
import { flush, TestWriter } from "./support/testWriter.ts"

const isStall = (s: unknown): boolean =>
  s instanceof WriteStall && s.message === "Result incomplete: Write stall" && s.reason === "Write stall"

describe("stall barrier", () => {
  it("BeginWriteStall completes queued noSlowdown writers with WriteStall and parks the rest; EndWriteStall re-links them", async () => {
    let now = 1_000
    const wt = WriteThread.unsafeMake({ nowMicros: () => now })
    const leader = new TestWriter(0, smallBatch())
    expect(wt.joinBatchGroup(leader)).toBeUndefined()
    const queued = [
      new TestWriter(1, smallBatch(), { noSlowdown: true }),
      new TestWriter(2, smallBatch()),
      new TestWriter(3, smallBatch(), { noSlowdown: true }),
      new TestWriter(4, smallBatch()),
    ]
    for (const w of queued) void wt.joinBatchGroup(w)
    wt.beginWriteStall()
    expect(queued.map((w) => w.state)).toEqual([STATE_COMPLETED, STATE_LOCKED_WAITING, STATE_COMPLETED, STATE_LOCKED_WAITING])
    expect(isStall(queued[0]!.finalStatus()) && isStall(queued[2]!.finalStatus())).toBe(true)
    expect(wt.isStalled).toBe(true)
    expect(wt.getBegunCountOfOutstandingStall()).toBe(1)
    // Newcomers: noSlowdown fails at once; the others wait on the barrier, unlinked.
    const fast = new TestWriter(5, smallBatch(), { noSlowdown: true })
    expect(wt.joinBatchGroup(fast)).toBeUndefined()
    expect(fast.state).toBe(STATE_COMPLETED)
    expect(isStall(fast.finalStatus())).toBe(true)
    const slow = new TestWriter(6, smallBatch())
    void wt.joinBatchGroup(slow)
    expect(slow.state).toBe(STATE_INIT)
    now += 1500
    wt.endWriteStall()
    await flush() // the parked newcomer links as soon as the barrier falls, before the leader forms its group
    const group = new WriteGroup()
    wt.enterAsBatchGroupLeader(leader, group)
    expect(group.toArray().map((w) => (w as TestWriter).id)).toEqual([0, 2, 4, 6])
    expect(wt.stats.stalls).toBe(1)
    expect(wt.stats.writersStalledOut).toBe(3)
    expect(wt.stats.stallMicros).toBe(1500)
    expect(wt.getBegunCountOfOutstandingStall()).toBe(0)
  })

  it("a stall with an empty queue behind the leader: EndWriteStall restores the head", () => {
    const wt = WriteThread.unsafeMake()
    const leader = new Writer(smallBatch())
    void wt.joinBatchGroup(leader)
    wt.beginWriteStall()
    expect(wt.newestWriter.newest).not.toBe(leader)
    wt.endWriteStall()
    expect(wt.newestWriter.newest).toBe(leader)
    const g = new WriteGroup()
    wt.enterAsBatchGroupLeader(leader, g)
    expect(g.size).toBe(1)
    void wt.exitAsBatchGroupLeader(g, undefined)
    expect(wt.newestWriter.newest).toBeUndefined()
  })
})

describe("stall barrier misuse is a defect", () => {
  it("forming a group while the stall is up, or ending a stall that is not up, throws QueueInvariantViolation", () => {
    const wt = WriteThread.unsafeMake()
    const leader = new Writer(smallBatch())
    void wt.joinBatchGroup(leader)
    expect(() => wt.endWriteStall()).toThrow(QueueInvariantViolation)
    wt.beginWriteStall()
    expect(() => wt.beginWriteStall()).toThrow(QueueInvariantViolation)
    expect(() => wt.enterAsBatchGroupLeader(leader, new WriteGroup())).toThrow(QueueInvariantViolation)
    wt.endWriteStall()
    expect(wt.enterAsBatchGroupLeader(leader, new WriteGroup())).toBe(leader.batch!.byteSize)
  })
})
