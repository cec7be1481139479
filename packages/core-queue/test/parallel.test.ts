/**
 * Parallel memtable writers (WRITE-PATH.md 1.7): LaunchParallelMemTableWriters, the
 * sqrt-stride CALLER scheme for groups of >= 20, CompleteParallelMemTableWriter and the
 * last finisher's exit, on the WriteThread alone. (Parallel groups through the shipped
 * ConcurrentMemtable strategy: packages/strategies/test/parallelInsert.test.ts.)
 */
import { describe, expect, it } from "vitest"
import {
  STATE_COMPLETED,
  STATE_LOCKED_WAITING,
  STATE_PARALLEL_MEMTABLE_CALLER,
  STATE_PARALLEL_MEMTABLE_WRITER,
  WriteGroup,
  WriteThread,
} from "../src/index.ts"
import { smallBatch } from "./support/batches.ts"
import { countStates } from "./support/spy.ts"
import { TestWriter } from "./support/testWriter.ts"

describe("LaunchParallelMemTableWriters wake-up cover", () => {
  for (const n of [1, 2, 19, 20, 21, 24, 25, 64, 100, 257]) {
    it(`wakes each of ${n} members exactly once as a parallel writer`, () => {
      const wt = WriteThread.unsafeMake({ allowConcurrentMemtableWrite: true })
      const ws = Array.from({ length: n }, (_, i) => new TestWriter(i, smallBatch()))
      for (const w of ws) void wt.joinBatchGroup(w)
      const counts = ws.map(countStates)
      const group = new WriteGroup()
      wt.enterAsBatchGroupLeader(ws[0]!, group)
      expect(group.size).toBe(n)
      wt.launchParallelMemTableWriters(group)
      expect(group.running).toBe(n)
      const stride = Math.floor(Math.sqrt(n))
      const callers = ws.filter((w) => w.state === STATE_PARALLEL_MEMTABLE_CALLER)
      if (n < 20) {
        expect(callers).toEqual([])
      } else {
        // Indices 1..stride-1 are callers; the leader woke 0 and every stride-th from `stride` on.
        expect(callers.map((w) => w.id)).toEqual(Array.from({ length: stride - 1 }, (_, i) => i + 1))
        const woken = ws.filter((w) => w.state === STATE_PARALLEL_MEMTABLE_WRITER).map((w) => w.id)
        expect(woken).toEqual(ws.filter((w) => w.id === 0 || (w.id >= stride && w.id % stride === 0)).map((w) => w.id))
        // The serial wake-up cost of the leader is about 2·sqrt(n), not n - 1.
        expect(1 + (stride - 1) + woken.length - 1).toBeLessThanOrEqual(2 * stride + Math.ceil(n / stride))
        for (const c of callers) wt.setMemWritersEachStride(c)
      }
      for (const [i, c] of counts.entries()) {
        expect(c.get(STATE_PARALLEL_MEMTABLE_WRITER), `member ${i}`).toBe(1)
        expect(c.get(STATE_PARALLEL_MEMTABLE_CALLER) ?? 0).toBe(n >= 20 && i >= 1 && i < stride ? 1 : 0)
      }
    })
  }
})

describe("CompleteParallelMemTableWriter", () => {
  it("non-last members wait in CompleteParallelMemTableWriter until the last finisher exits", () => {
    const wt = WriteThread.unsafeMake({ allowConcurrentMemtableWrite: true })
    const ws = [0, 1, 2].map((i) => new TestWriter(i, smallBatch()))
    for (const w of ws) void wt.joinBatchGroup(w)
    const group = new WriteGroup()
    wt.enterAsBatchGroupLeader(ws[0]!, group)
    wt.launchParallelMemTableWriters(group)
    const a = wt.completeParallelMemTableWriter(ws[0]!)
    const b = wt.completeParallelMemTableWriter(ws[2]!)
    expect(a).toBeInstanceOf(Promise)
    expect(b).toBeInstanceOf(Promise)
    expect(ws[0]!.state).toBe(STATE_LOCKED_WAITING)
    expect(wt.completeParallelMemTableWriter(ws[1]!)).toBe(true)
    wt.exitAsBatchGroupFollower(ws[1]!)
    expect(ws.map((w) => w.state)).toEqual([STATE_COMPLETED, STATE_COMPLETED, STATE_COMPLETED])
  })
})
