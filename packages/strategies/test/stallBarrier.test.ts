/**
 * The stall barrier as the shipped strategies meet it (formerly core-queue's stall.test.ts over
 * a test-only driver): a leader stalling in PreprocessWrite raises its queue's barrier, queued
 * noSlowdown writers are swept out with WriteStall, noSlowdown newcomers fail at once, the
 * others park and, once the barrier falls, join the stalled leader's group; swept writers are
 * unlinked from the middle of a queue whose newer links are already built.
 */
import { WriteStall } from "@writepath/core-queue"
import { describe, expect, it } from "vitest"
import { DEFAULT_WRITE_OPTIONS, STRATEGIES } from "../src/index.ts"
import { FakeEnv, flush, Latch, withStrategy, writerBatch, writersOf } from "./support/fakeEnv.ts"

const noSlowdown = { ...DEFAULT_WRITE_OPTIONS, noSlowdown: true }
const isStall = (s: unknown): boolean => s instanceof WriteStall && s.message === "Result incomplete: Write stall"

describe.each(STRATEGIES)("%s: stall barrier", (name) => {
  it("sweeps queued noSlowdown writers, fails noSlowdown newcomers fast, parks the others until the barrier falls", async () => {
    const env = new FakeEnv()
    const beforeStall = new Latch()
    const duringStall = new Latch()
    env.preprocessHook = async (_leader, queue) => {
      env.preprocessHook = undefined
      await beforeStall.promise
      queue.beginWriteStall()
      await duringStall.promise
      queue.endWriteStall()
      return undefined
    }
    await withStrategy(name, env, async (s) => {
      const results = new Map<number, unknown>()
      const run = (id: number, o = DEFAULT_WRITE_OPTIONS) =>
        s.write(writerBatch(id), o).then(
          () => void results.set(id, undefined),
          (e) => void results.set(id, e),
        )
      const all = [run(0), run(1, noSlowdown), run(2), run(3, noSlowdown), run(4)]
      await flush()
      beforeStall.open()
      await flush()
      // Swept: 1 and 3 are back with WriteStall; 2 and 4 still queued.
      expect([...results.keys()].sort()).toEqual([1, 3])
      expect(isStall(results.get(1)) && isStall(results.get(3))).toBe(true)
      expect(s.writeThread.isStalled).toBe(true)
      expect(s.writeThread.getBegunCountOfOutstandingStall()).toBe(1)

      all.push(run(5, noSlowdown), run(6))
      await flush()
      expect(isStall(results.get(5))).toBe(true) // failed at the barrier, never queued
      expect(results.has(6)).toBe(false) // parked on the barrier
      let ended = false
      void Promise.resolve(s.writeThread.waitForStallEndedCount(1)).then(() => {
        ended = true
      })

      duringStall.open()
      await Promise.all(all)
      expect(ended).toBe(true)
      expect([0, 2, 4, 6].map((id) => results.get(id))).toEqual([undefined, undefined, undefined, undefined])
      // 6 linked as soon as the barrier fell, before the leader (still in PreprocessWrite) formed its group.
      expect(env.wal.map((r) => r.writers)).toEqual([[0, 2, 4, 6]])
      expect(s.writeThread.stats.stalls).toBe(1)
      expect(s.writeThread.stats.writersStalledOut).toBe(3)
      expect(s.writeThread.getBegunCountOfOutstandingStall()).toBe(0)
      expect(s.writeThread.newestWriter.newest).toBeUndefined()
      expect(env.published).toEqual([4])
    })
  })

  it("unlinks swept writers from the middle of a queue whose newer links were already built", async () => {
    const env = new FakeEnv()
    const latch = new Latch()
    env.walHook = (_r, i) => (i === 0 ? latch.promise.then(() => undefined) : undefined)
    let leaders = 0
    env.preprocessHook = (leader, queue) => {
      if (++leaders !== 2) return undefined
      // Leader 1 took over from 0, whose exit built the newer links 1 -> 2 -> 3 -> 4.
      expect(writersOf(leader.batch!)).toEqual([1])
      expect(leader.linkNewer).toBeDefined()
      queue.beginWriteStall()
      queue.endWriteStall()
      return undefined
    }
    await withStrategy(name, env, async (s) => {
      const results = new Map<number, unknown>()
      const run = (id: number, o = DEFAULT_WRITE_OPTIONS) =>
        s.write(writerBatch(id), o).then(
          () => void results.set(id, undefined),
          (e) => void results.set(id, e),
        )
      const all = [run(0)]
      await flush()
      all.push(run(1), run(2, noSlowdown), run(3), run(4, noSlowdown))
      await flush()
      latch.open()
      await Promise.all(all)
      expect(leaders).toBe(2)
      expect(env.wal.map((r) => r.writers)).toEqual([[0], [1, 3]])
      expect(isStall(results.get(2)) && isStall(results.get(4))).toBe(true)
      expect([0, 1, 3].map((id) => results.get(id))).toEqual([undefined, undefined, undefined])
    })
  })
})
