/**
 * Pebble's commit_test idea on the shipped strategies (formerly core-queue's tenThousand.test.ts
 * over a test-only driver): 10,000 concurrent writers through each strategy over the fake env,
 * every WAL record's sync resolving on the next microtask so writers pile up behind each leader.
 */
import { describe, expect, it } from "vitest"
import { DEFAULT_WRITE_OPTIONS, STRATEGIES } from "../src/index.ts"
import { FakeEnv, withStrategy, writerBatch } from "./support/fakeEnv.ts"

const N = 10_000
const optionsOf = (i: number) => ({ ...DEFAULT_WRITE_OPTIONS, sync: i % 7 === 0, noSlowdown: i % 11 === 0 })

describe.each(STRATEGIES)(`%s: ${N} concurrent writers through the fake env`, (name) => {
  it("every write published once; sequences contiguous; WAL order = sequence order; groups formed and never mixed", async () => {
    const env = new FakeEnv()
    env.walHook = () => Promise.resolve(undefined)
    await withStrategy(name, env, async (s) => {
      await Promise.all(Array.from({ length: N }, (_, i) => s.write(writerBatch(i), optionsOf(i))))
      expect([env.versions.lastAllocated, env.versions.lastPublished]).toEqual([N, N])
      // WAL records are contiguous in sequence order and hold every writer exactly once.
      let next = 1
      const seen = new Set<number>()
      for (const r of env.wal) {
        expect(r.sequence).toBe(next)
        expect(r.writers.length).toBe(r.count)
        next += r.count
        for (const id of r.writers) seen.add(id)
        // A group never mixes noSlowdown with slowdown writers, nor puts a sync writer under a non-sync leader.
        const leader = optionsOf(r.writers[0]!)
        expect(new Set(r.writers.map((id) => optionsOf(id).noSlowdown)).size).toBe(1)
        if (!leader.sync) expect(r.writers.some((id) => optionsOf(id).sync)).toBe(false)
        expect(r.sync).toBe(leader.sync)
      }
      expect(next).toBe(N + 1)
      expect(seen.size).toBe(N)
      // Every sequence went to the memtable once.
      expect(env.mem.numEntries).toBe(N)
      if (name !== "concurrent-memtable") {
        expect(env.inserts.map((r) => r.sequence).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i + 1))
      }
      // Publications only rise and each ends a WAL record.
      const ends = new Set(env.wal.map((r) => r.sequence + r.count - 1))
      for (let i = 0; i < env.published.length; i++) {
        expect(ends.has(env.published[i]!)).toBe(true)
        if (i > 0) expect(env.published[i]!).toBeGreaterThan(env.published[i - 1]!)
      }
      expect(env.wal.length).toBeLessThan(N / 4)
      expect(s.writeThread.stats.groupsFormed).toBe(env.wal.length)
      expect(s.writeThread.newestWriter.newest).toBeUndefined()
      expect(s.writeThread.newestMemtableWriter.newest).toBeUndefined()
    })
  })
})
