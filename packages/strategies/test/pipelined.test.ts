/**
 * The shipped Pipelined strategy over the fake env (formerly core-queue's pipelined.test.ts over
 * a test-only driver): the WAL stage hands each group to the memtable-writer queue in WAL order
 * and the next WAL group is written while the previous one is inserted and published; WAL-only
 * writers never reach the memtable; a WAL error completes its group at the WAL stage; a memtable
 * group stops at a Merge. (The driver's pipelined + parallel memtable path does not ship and its
 * test was dropped; the shipped memtable insert is synchronous, so memtable groups of different
 * WAL groups never pile up behind a held memtable leader.)
 */
import { describe, expect, it } from "vitest"
import { DEFAULT_WRITE_OPTIONS } from "../src/index.ts"
import { FakeEnv, flush, Latch, withStrategy, writerBatch } from "./support/fakeEnv.ts"

const enc = new TextEncoder()
const sync = { ...DEFAULT_WRITE_OPTIONS, sync: true }

describe("pipelined write", () => {
  it("the next WAL group is written while the previous group is inserted and published; groups publish in WAL order", async () => {
    const env = new FakeEnv()
    const latches = [new Latch(), new Latch()]
    env.walHook = (_r, i) => latches[i]?.promise.then(() => undefined)
    await withStrategy("pipelined", env, async (s) => {
      const resolved: number[] = []
      const run = (id: number, count: number) => s.write(writerBatch(id, count), DEFAULT_WRITE_OPTIONS).then(() => void resolved.push(id))
      const all = [run(0, 2)]
      await flush()
      for (let i = 1; i <= 4; i++) all.push(run(i, 1))
      await flush()
      // 0 holds the WAL stage in its sync; 1..4 queued behind it. Nothing is published.
      expect(env.wal.map((r) => r.writers)).toEqual([[0]])
      expect(env.versions.lastPublished).toBe(0)
      latches[0]!.open()
      await flush()
      await flush()
      // Group {1..4} is in its WAL sync (it owns the main queue) while group {0} was inserted and published.
      expect(env.wal.map((r) => r.writers)).toEqual([[0], [1, 2, 3, 4]])
      expect(env.wal.map((r) => r.sequence)).toEqual([1, 3])
      expect(env.versions.lastAllocated).toBe(6)
      expect(env.published).toEqual([2])
      expect(env.inserts.map((r) => r.writers[0])).toEqual([0])
      expect(resolved).toEqual([0])
      latches[1]!.open()
      await Promise.all(all)
      expect(env.published).toEqual([2, 6])
      expect(env.inserts.map((r) => [r.writers[0], r.sequence])).toEqual([
        [0, 1],
        [1, 3],
        [2, 4],
        [3, 5],
        [4, 6],
      ])
      expect(s.writeThread.newestMemtableWriter.newest).toBeUndefined()
      expect(s.writeThread.newestWriter.newest).toBeUndefined()
    })
  })

  it("under load, every publication ends a WAL record's sequences and publications only rise", async () => {
    const env = new FakeEnv()
    env.asyncSync = true
    await withStrategy("pipelined", env, async (s) => {
      await Promise.all(
        Array.from({ length: 300 }, (_, i) => s.write(writerBatch(i, 1 + (i % 3)), i % 4 === 0 ? sync : DEFAULT_WRITE_OPTIONS)),
      )
      const ends = new Set(env.wal.map((r) => r.sequence + r.count - 1))
      for (const p of env.published) expect(ends.has(p)).toBe(true)
      for (let i = 1; i < env.published.length; i++) expect(env.published[i]!).toBeGreaterThan(env.published[i - 1]!)
      expect(env.published.at(-1)).toBe(env.versions.lastAllocated)
      // Every insert ran with its group unpublished, and in sequence order.
      for (let i = 0; i < env.inserts.length; i++) {
        const r = env.inserts[i]!
        expect(r.lastPublished).toBeLessThan(r.sequence)
        if (i > 0) expect(r.sequence).toBeGreaterThan(env.inserts[i - 1]!.sequence)
      }
    })
  })

  it("WAL-only writers (disableMemtable) share the WAL record but never reach the memtable", async () => {
    const env = new FakeEnv()
    const latch = new Latch()
    env.walHook = (_r, i) => (i === 0 ? latch.promise.then(() => undefined) : undefined)
    await withStrategy("pipelined", env, async (s) => {
      const all = [s.write(writerBatch(0), DEFAULT_WRITE_OPTIONS)]
      await flush()
      all.push(s.write(writerBatch(1), DEFAULT_WRITE_OPTIONS, true), s.write(writerBatch(2), DEFAULT_WRITE_OPTIONS))
      await flush()
      latch.open()
      await Promise.all(all)
      expect(env.wal.map((r) => r.writers)).toEqual([[0], [1, 2]])
      expect(env.inserts.map((r) => [r.writers[0], r.sequence])).toEqual([
        [0, 1],
        [2, 3],
      ])
      expect(env.mem.get(enc.encode("w1.0"))._tag).toBe("NotFound")
      // The WAL-only writer consumed its sequence (see groupCommit.countGroup); the group's last is published.
      expect(env.published).toEqual([1, 3])
    })
  })

  it("a WAL error completes the whole group at the WAL stage; no member reaches the memtable", async () => {
    const env = new FakeEnv()
    const ioError = new Error("IO error")
    const latch = new Latch()
    env.walHook = (_r, i) => (i === 0 ? latch.promise.then(() => undefined) : i === 1 ? ioError : undefined)
    await withStrategy("pipelined", env, async (s) => {
      const first = s.write(writerBatch(0), DEFAULT_WRITE_OPTIONS)
      await flush()
      const failed = [1, 2, 3].map((i) => s.write(writerBatch(i), DEFAULT_WRITE_OPTIONS))
      latch.open()
      const results = await Promise.allSettled(failed)
      await first
      expect(env.wal.map((r) => r.writers)).toEqual([[0], [1, 2, 3]])
      expect(results.map((r) => (r.status === "rejected" ? r.reason : undefined))).toEqual([ioError, ioError, ioError])
      expect(env.inserts.map((r) => r.writers[0])).toEqual([0])
      expect(env.published).toEqual([1])
    })
  })

  it("EnterAsMemTableWriter stops at a batch with Merge", async () => {
    const env = new FakeEnv()
    const latch = new Latch()
    env.walHook = (_r, i) => (i === 0 ? latch.promise.then(() => undefined) : undefined)
    await withStrategy("pipelined", env, async (s) => {
      const all = [s.write(writerBatch(0), DEFAULT_WRITE_OPTIONS)]
      await flush()
      all.push(
        s.write(writerBatch(1), DEFAULT_WRITE_OPTIONS),
        s.write(writerBatch(2, 0, true), DEFAULT_WRITE_OPTIONS),
        s.write(writerBatch(3), DEFAULT_WRITE_OPTIONS),
      )
      await flush()
      latch.open()
      await Promise.all(all)
      // One WAL group {1, 2, 3}; memtable groups {0}, then {1} (stops before the merge), then {2, 3} led by the merge writer.
      expect(env.wal.map((r) => r.writers)).toEqual([[0], [1, 2, 3]])
      expect(env.published).toEqual([1, 2, 4])
      expect(env.inserts.map((r) => r.writers[0])).toEqual([0, 1, 2, 3])
    })
  })
})
