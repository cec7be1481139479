/**
 * The group-commit protocol of the shipped strategies over the fake env (formerly core-queue's
 * classic.test.ts over a test-only driver): groups form behind a leader's WAL sync, sequences
 * go out in group order, WAL order = sequence order, publication precedes every release, and
 * a failed WAL write or memtable insert fails its whole group and is never published over.
 * Ordering by latches and macrotask flushes, no timers.
 */
import { describe, expect, it } from "vitest"
import { DEFAULT_WRITE_OPTIONS, STRATEGIES, type StrategyName } from "../src/index.ts"
import { FakeEnv, flush, Latch, withStrategy, writerBatch } from "./support/fakeEnv.ts"

const enc = new TextEncoder()
const found = (env: FakeEnv, id: number): boolean => env.memtables.some((m) => m.get(enc.encode(`w${id}.0`))._tag === "Found")

/** Strategies whose memtable insert is serial through `insertInto` (concurrent-memtable inserts a group of > 1 on workers). */
const SERIAL: ReadonlyArray<StrategyName> = ["classic", "pipelined", "two-queue"]

/** Holds the sync of the records whose index has a latch; fails those `fail` names (a returned error). */
const gateWal = (env: FakeEnv, latches: ReadonlyArray<Latch | undefined>, fail: (i: number) => Error | undefined = () => undefined) => {
  env.walHook = (_r, i) => {
    const l = latches[i]
    return l === undefined ? fail(i) : l.promise.then(() => fail(i))
  }
}

/** The last sequence of writer `id`, from the WAL record that holds it (members in record order, `count` each). */
const lastSequenceOf = (env: FakeEnv, id: number, count: number): number => {
  for (const r of env.wal) {
    const at = r.writers.indexOf(id)
    if (at >= 0) return r.sequence + count * (at + 1) - 1
  }
  throw new Error(`writer ${id} is in no WAL record`)
}

describe.each(STRATEGIES)("%s: group commit", (name) => {
  it("writers queued behind a leader's WAL sync form the next group; sequences in group order; WAL order = sequence order", async () => {
    const env = new FakeEnv()
    const latch = new Latch()
    gateWal(env, [latch])
    await withStrategy(name, env, async (s) => {
      const done = [0, 1, 2, 3].map((i) => s.write(writerBatch(i, i + 1), DEFAULT_WRITE_OPTIONS))
      await flush()
      expect(env.wal.map((r) => r.writers)).toEqual([[0]]) // 0 led alone; 1..3 queued behind its sync
      latch.open()
      await Promise.all(done)
      expect(env.wal.map((r) => r.writers)).toEqual([[0], [1, 2, 3]])
      expect(env.wal.map((r) => [r.sequence, r.count])).toEqual([
        [1, 1],
        [2, 9],
      ])
      // Each group published once, at its last sequence.
      expect(env.published).toEqual([1, 10])
      expect([env.versions.lastAllocated, env.versions.lastPublished]).toEqual([10, 10])
      for (const i of [0, 1, 2, 3]) expect(found(env, i)).toBe(true)
      if (SERIAL.includes(name)) {
        expect(env.inserts.map((r) => [r.writers[0], r.sequence])).toEqual([
          [0, 1],
          [1, 2],
          [2, 4],
          [3, 7],
        ])
      } else {
        expect(env.stats.parallelGroups).toBe(1)
        expect(env.mem.numEntries).toBe(10)
      }
      expect(s.writeThread.newestWriter.newest).toBeUndefined()
    })
  })

  it("publishes a writer's last sequence before it is released", async () => {
    const env = new FakeEnv()
    const latch = new Latch()
    gateWal(env, [latch])
    await withStrategy(name, env, async (s) => {
      // At every release point (a group's exit), the group's last sequence is already published.
      const wt = s.writeThread
      const atRelease: Array<[number, number]> = []
      const note = (lastSequence: number) => void atRelease.push([lastSequence, env.versions.lastPublished])
      if (name === "pipelined") {
        const exitMem = wt.exitAsMemTableWriter.bind(wt)
        wt.exitAsMemTableWriter = (w, g) => {
          note(g.lastSequence)
          exitMem(w, g)
        }
      } else {
        const exitLeader = wt.exitAsBatchGroupLeader.bind(wt)
        wt.exitAsBatchGroupLeader = (g, st) => {
          note(g.lastSequence)
          return exitLeader(g, st)
        }
        const exitFollower = wt.exitAsBatchGroupFollower.bind(wt)
        wt.exitAsBatchGroupFollower = (w) => {
          note(w.writeGroup!.lastSequence)
          exitFollower(w)
        }
      }
      const seen = new Map<number, number>()
      const done = Array.from({ length: 8 }, (_, i) =>
        s.write(writerBatch(i, 2), DEFAULT_WRITE_OPTIONS).then(() => void seen.set(i, env.versions.lastPublished)),
      )
      await flush()
      latch.open()
      await Promise.all(done)
      expect(env.wal.length).toBeGreaterThan(1)
      for (let i = 0; i < 8; i++) expect(seen.get(i)!).toBeGreaterThanOrEqual(lastSequenceOf(env, i, 2))
      expect(atRelease.length).toBeGreaterThanOrEqual(env.wal.length)
      for (const [last, published] of atRelease) expect(published).toBeGreaterThanOrEqual(last)
    })
  })

  it("a WAL error fails every member of its group; nothing of it is inserted or published; later writes fail with it", async () => {
    const env = new FakeEnv()
    const walError = new Error("IO error: fdatasync")
    const latch = new Latch()
    gateWal(env, [latch], (i) => (i === 1 ? walError : undefined))
    await withStrategy(name, env, async (s) => {
      const done = [0, 1, 2, 3].map((i) => s.write(writerBatch(i), DEFAULT_WRITE_OPTIONS))
      await flush()
      latch.open()
      const results = await Promise.allSettled(done)
      expect(env.wal.map((r) => r.writers)).toEqual([[0], [1, 2, 3]])
      expect(results.map((r) => (r.status === "fulfilled" ? undefined : r.reason))).toEqual([undefined, walError, walError, walError])
      expect([0, 1, 2, 3].map((i) => found(env, i))).toEqual([true, false, false, false])
      expect(env.published).toEqual([1])
      // The failed group's sequences were allocated (its record is in the WAL): they are never reused,
      // and no later group publishes over them; the shipped strategies fail every later write.
      expect([env.versions.lastAllocated, env.versions.lastPublished]).toEqual([4, 1])
      await expect(s.write(writerBatch(4), DEFAULT_WRITE_OPTIONS)).rejects.toBe(walError)
      expect(env.versions.lastPublished).toBe(1)
      expect(found(env, 4)).toBe(false)
    })
  })

  it("a WAL sync that fails after the serial insert ran leaves the entries unpublished", async () => {
    const env = new FakeEnv()
    const syncError = new Error("IO error: fdatasync")
    const latch = new Latch()
    gateWal(env, [undefined, latch], (i) => (i === 1 ? syncError : undefined))
    await withStrategy(name, env, async (s) => {
      await s.write(writerBatch(0), DEFAULT_WRITE_OPTIONS)
      const failing = s.write(writerBatch(1), DEFAULT_WRITE_OPTIONS)
      await flush()
      // The sync of record 1 is in flight: nothing of it is published (classic-family strategies
      // have inserted it already, before awaiting the sync; pipelined has not).
      expect(env.versions.lastPublished).toBe(1)
      latch.open()
      await expect(failing).rejects.toBe(syncError)
      expect(env.published).toEqual([1])
      if (name !== "pipelined")
        expect(found(env, 1)).toBe(true) // insert-before-sync: in the memtable, invisible
      else expect(found(env, 1)).toBe(false)
      await expect(s.write(writerBatch(2), DEFAULT_WRITE_OPTIONS)).rejects.toBe(syncError)
      expect(env.versions.lastPublished).toBe(1)
    })
  })

  it("a leader alone on an idle queue never yields: the whole write (pipelined: its WAL stage) runs in the caller's turn", async () => {
    const env = new FakeEnv()
    await withStrategy(name, env, async (s) => {
      const p = s.write(writerBatch(0), DEFAULT_WRITE_OPTIONS)
      // Before any microtask ran, the write is published; pipelined hands its memtable stage
      // over through the memtable queue (one promise hop), so only the WAL record is there.
      expect(env.wal.map((r) => r.writers)).toEqual([[0]])
      expect(env.versions.lastPublished).toBe(name === "pipelined" ? 0 : 1)
      await p
      expect(env.published).toEqual([1])
    })
  })
})

describe.each(SERIAL)("%s: a failed memtable insert", (name) => {
  it("fails its whole group, is reported as fatal and is never published", async () => {
    const env = new FakeEnv()
    const latch = new Latch()
    gateWal(env, [latch])
    const bad = writerBatch(2)
    env.failInsertOf.add(bad)
    await withStrategy(name, env, async (s) => {
      const seen: number[] = []
      const done = [writerBatch(0), writerBatch(1), bad, writerBatch(3)].map((b) =>
        s.write(b, DEFAULT_WRITE_OPTIONS).finally(() => void seen.push(env.versions.lastPublished)),
      )
      await flush()
      latch.open()
      const results = await Promise.allSettled(done)
      expect(env.wal.map((r) => r.writers)).toEqual([[0], [1, 2, 3]])
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected", "rejected"])
      const errors = results.slice(1).map((r) => (r as PromiseRejectedResult).reason as Error)
      expect(errors.every((e) => e === errors[0] && e.message === "insert failed")).toBe(true)
      expect(env.failure).toBe(errors[0])
      expect(env.published).toEqual([1])
      expect(Math.max(...seen)).toBe(1)
    })
  })
})
