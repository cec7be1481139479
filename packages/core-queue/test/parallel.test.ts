/**
 * Parallel memtable writers (WRITE-PATH.md 1.7): LaunchParallelMemTableWriters, the
 * sqrt-stride CALLER scheme for groups of >= 20, CompleteParallelMemTableWriter and the
 * last finisher's exit.
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
import { flush, Latch, makeEnv, RecordingMemtable, RecordingWal, TestWriter, write } from "./support/driver.ts"
import { countStates } from "./support/spy.ts"

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

describe("parallel memtable writes (classic)", () => {
  const run = async (n: number, failId?: number) => {
    const latch = new Latch()
    const wal = new RecordingWal()
    wal.hook = (_r, i) => (i === 0 ? latch.wait().then(() => undefined) : undefined)
    const mem = new RecordingMemtable()
    const memError = new Error("Corruption: bad entry")
    if (failId !== undefined) mem.fail = (w) => (w.id === failId ? memError : undefined)
    const env = makeEnv({ allowConcurrentMemtableWrite: true, wal, mem })
    let exits = 0
    const exitLeader = env.wt.exitAsBatchGroupLeader.bind(env.wt)
    env.wt.exitAsBatchGroupLeader = (g, s) => {
      exits++
      return exitLeader(g, s)
    }
    const ws = Array.from({ length: n + 1 }, (_, i) => new TestWriter(i, smallBatch()))
    const counts = ws.map(countStates)
    const done = ws.map((w) => write(env, w))
    await flush()
    latch.open()
    const statuses = await Promise.all(done)
    return { env, ws, counts, statuses, mem, memError, exits }
  }

  for (const n of [2, 7, 20, 33, 100]) {
    it(`a group of ${n}: every member inserts exactly once, the last finisher publishes and exits once`, async () => {
      const { env, ws, counts, statuses, mem, exits } = await run(n)
      expect(statuses.every((s) => s === undefined)).toBe(true)
      // Writer 0 led alone; the other n formed one parallel group.
      expect(mem.inserts.length).toBe(n + 1)
      expect(new Set(mem.inserts.map((i) => i.id)).size).toBe(n + 1)
      expect(mem.inserts.map((i) => i.sequence).sort((a, b) => a - b)).toEqual(ws.map((_, i) => i + 1))
      for (const c of counts.slice(1)) {
        expect(c.get(STATE_PARALLEL_MEMTABLE_WRITER)).toBe(1)
        expect(c.get(STATE_COMPLETED)).toBe(1)
      }
      expect(exits).toBe(2)
      expect(env.wt.stats.parallelGroupsLaunched).toBe(1)
      expect([env.seq.lastAllocated, env.seq.lastPublished]).toEqual([n + 1, n + 1])
      expect(env.wt.newestWriter.newest).toBeUndefined()
    })
  }

  it("a member's insert error becomes the group status: every member gets it and nothing is published", async () => {
    const { env, statuses, memError } = await run(25, 13)
    expect(statuses[0]).toBeUndefined()
    expect(statuses.slice(1).every((s) => s === memError)).toBe(true)
    expect(env.seq.lastPublished).toBe(1)
    expect(env.seq.lastAllocated).toBe(26)
  })

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
