/**
 * ConcurrentMemtable's parallel memtable writers over the fake env (formerly core-queue's
 * parallel.test.ts over a test-only driver): a group of n inserts every member exactly once on
 * the worker pool and the leader's thread, the last finisher publishes once and exits the group
 * once, and a member's failed insert becomes the status of the whole group, never published.
 * (The per-member state counts of the wake-up cover stay in core-queue, on WriteThread alone.)
 */
import { describe, expect, it } from "vitest"
import { DEFAULT_WRITE_OPTIONS } from "../src/index.ts"
import { FakeEnv, flush, InjectedFault, Latch, withStrategy, writerBatch } from "./support/fakeEnv.ts"

const enc = new TextEncoder()

/** Writer 0 alone in its WAL sync, then n writers that queue behind it and form one group. */
const run = async (n: number, failMember?: number) => {
  const env = new FakeEnv()
  const latch = new Latch()
  env.walHook = (_r, i) => {
    if (i === 0) return latch.promise.then(() => undefined)
    // Group {1..n} is formed and its room reserved: the next mutableMemTable calls are the members' inserts.
    if (failMember !== undefined) {
      env.throwAt = "mutableMemTable"
      env.throwOnCall = env.callsOf("mutableMemTable") + failMember
    }
    return undefined
  }
  let exits = 0
  let results: PromiseSettledResult<void>[] = []
  let launched = 0
  let newest: unknown
  await withStrategy("concurrent-memtable", env, async (s) => {
    const wt = s.writeThread
    const exitLeader = wt.exitAsBatchGroupLeader.bind(wt)
    wt.exitAsBatchGroupLeader = (g, st) => {
      exits++
      return exitLeader(g, st)
    }
    const done = Array.from({ length: n + 1 }, (_, i) => s.write(writerBatch(i), DEFAULT_WRITE_OPTIONS))
    await flush()
    latch.open()
    results = await Promise.allSettled(done)
    launched = wt.stats.parallelGroupsLaunched
    newest = wt.newestWriter.newest
  })
  return { env, results, exits, launched, newest }
}

describe("concurrent-memtable: parallel memtable writers", () => {
  for (const n of [2, 7, 20, 33, 100]) {
    it(`a group of ${n}: every member inserted exactly once, published once by the last finisher, exited once`, async () => {
      const { env, results, exits, launched, newest } = await run(n)
      expect(results.every((r) => r.status === "fulfilled")).toBe(true)
      expect(env.wal.map((r) => r.writers.length)).toEqual([1, n])
      // Writer 0 inserted serially (a group of one); the other n in parallel, none through insertInto.
      expect(env.inserts.map((r) => r.writers[0])).toEqual([0])
      expect(env.mem.numEntries).toBe(n + 1)
      for (let i = 0; i <= n; i++) expect(env.mem.get(enc.encode(`w${i}.0`))._tag).toBe("Found")
      expect(env.published).toEqual([1, n + 1])
      expect(exits).toBe(2)
      expect(launched).toBe(1)
      expect(env.stats.parallelGroups).toBe(1)
      expect([env.versions.lastAllocated, env.versions.lastPublished]).toEqual([n + 1, n + 1])
      expect(env.reserved).toBe(0) // the last finisher returned the group's room
      expect(newest).toBeUndefined()
    })
  }

  it("a member's insert error becomes the group status: every member gets it and nothing is published", async () => {
    const { env, results } = await run(25, 13)
    expect(results[0]!.status).toBe("fulfilled")
    const errors = results.slice(1).map((r) => (r.status === "rejected" ? r.reason : undefined))
    expect(errors.every((e) => e instanceof InjectedFault && e === errors[0])).toBe(true)
    expect(env.published).toEqual([1])
    expect(env.versions.lastAllocated).toBe(26)
    expect(env.failure).toBe(errors[0])
  })
})
