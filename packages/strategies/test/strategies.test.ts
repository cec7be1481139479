/**
 * The four strategies over a fake WritePathEnv (Pebble's commitEnv idea): the protocol
 * without a database. Deterministic: latches and macrotask flushes, no timers.
 */
import { WriteBatch } from "@writepath/batch"
import { describe, expect, it } from "vitest"
import { DEFAULT_WRITE_OPTIONS, STRATEGIES, type StrategyName } from "../src/index.ts"
import { FakeEnv, flush, Latch, withStrategy } from "./support/fakeEnv.ts"

const put = (k: string, v = "v"): WriteBatch => new WriteBatch().put(k, v)
const sync = { ...DEFAULT_WRITE_OPTIONS, sync: true }

describe.each(STRATEGIES)("%s over a fake env", (name) => {
  it("publishes every write exactly once, after its WAL record; lastAllocated == lastPublished", async () => {
    const env = new FakeEnv()
    env.asyncSync = true
    await withStrategy(name, env, async (s) => {
      const writes = Array.from({ length: 500 }, (_, i) => s.write(put(`k${i}`), i % 3 === 0 ? sync : DEFAULT_WRITE_OPTIONS))
      await Promise.all(writes)
      expect(env.versions.lastPublished).toBe(500)
      expect(env.versions.lastAllocated).toBe(500)
      // WAL records cover 1..500 contiguously, in sequence order, each written before it was published.
      let next = 1
      for (const r of env.wal) {
        expect(r.sequence).toBe(next)
        expect(r.publishedBefore).toBeLessThan(r.sequence)
        next += r.count
      }
      expect(next).toBe(501)
      expect(env.mem.numEntries).toBe(500)
      expect(env.reserved).toBe(0) // every reservation was given back
      for (let i = 0; i < 500; i += 97) expect(env.mem.get(new TextEncoder().encode(`k${i}`))._tag).toBe("Found")
    })
  })

  it("a WAL error fails every member of the group and publishes nothing", async () => {
    const env = new FakeEnv()
    env.failWal = new Error("EIO")
    await withStrategy(name, env, async (s) => {
      const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => s.write(put(`k${i}`), DEFAULT_WRITE_OPTIONS)))
      expect(results.every((r) => r.status === "rejected" && (r.reason as Error).message === "EIO")).toBe(true)
      expect(env.versions.lastPublished).toBe(0)
      expect(env.mem.numEntries).toBe(0)
    })
  })

  it("64 closed-loop writers with a thread-pool fdatasync form groups of nearly all writers (adaptive yield)", async () => {
    const env = new FakeEnv()
    env.asyncSync = true
    await withStrategy(name, env, async (s) => {
      let n = 0
      await Promise.all(
        Array.from({ length: 64 }, async (_, w) => {
          for (let i = 0; i < 20; i++) await s.write(put(`w${w}-${i}`, `${n++}`), sync)
        }),
      )
      const mean = env.stats.groupMembers / env.stats.groups
      expect(env.versions.lastPublished).toBe(64 * 20)
      expect(mean).toBeGreaterThanOrEqual(0.8 * 64)
    })
  })
})

describe("what sets the strategies apart", () => {
  const walOnlyDuringBlockedSync = async (name: StrategyName): Promise<boolean> => {
    const env = new FakeEnv()
    env.syncGate = new Latch()
    let prepared = false
    let preparedWhileBlocked = false
    await withStrategy(name, env, async (s) => {
      const main = s.write(put("main"), sync) // its leader parks in the WAL sync
      await flush()
      const prepare = s
        .write(new WriteBatch().markBeginPrepare().put("p", "1").markEndPrepare("x"), DEFAULT_WRITE_OPTIONS, true)
        .then(() => {
          prepared = true
        })
      await flush()
      await flush()
      preparedWhileBlocked = prepared
      env.syncGate!.open()
      await Promise.all([main, prepare])
      expect(prepared).toBe(true)
    })
    return preparedWhileBlocked
  }

  it("two-queue: a WAL-only prepare completes while a main-queue group waits on its fdatasync", async () => {
    expect(await walOnlyDuringBlockedSync("two-queue")).toBe(true)
  })

  it("classic and pipelined: the same prepare waits behind the main queue's group", async () => {
    expect(await walOnlyDuringBlockedSync("classic")).toBe(false)
    expect(await walOnlyDuringBlockedSync("pipelined")).toBe(false)
  })

  it("concurrent-memtable: groups insert in parallel on worker threads, every entry lands once", async () => {
    const env = new FakeEnv()
    env.asyncSync = true
    await withStrategy("concurrent-memtable", env, async (s) => {
      await Promise.all(Array.from({ length: 64 }, (_, i) => s.write(new WriteBatch().put(`a${i}`, "x").put(`b${i}`, "y"), sync)))
      expect(env.stats.parallelGroups).toBeGreaterThan(0)
      expect(env.mem.numEntries).toBe(128)
      expect(env.mem.checkInvariants().table[0]).toBe(128)
      expect(env.versions.lastPublished).toBe(128)
    })
  })

  it.each(["classic", "two-queue"] as const)(
    "%s: a serial group inserts while its fdatasync is in flight, but publishes only after it (and never if it fails)",
    async (name) => {
      const env = new FakeEnv()
      env.syncGate = new Latch()
      await withStrategy(name, env, async (s) => {
        const w = s.write(put("k"), sync)
        await flush()
        expect(env.mem.numEntries).toBe(1) // inserted during the sync
        expect(env.versions.lastPublished).toBe(0) // but invisible
        env.syncGate!.open()
        await w
        expect(env.versions.lastPublished).toBe(1)
      })
      const failing = new FakeEnv()
      const gate = new Latch()
      failing.writeToWAL = () => gate.promise.then(() => new Error("EIO"))
      await withStrategy(name, failing, async (s) => {
        const w = s.write(put("k"), sync)
        await flush()
        gate.open()
        await expect(w).rejects.toThrow("EIO")
        expect(failing.mem.numEntries).toBe(1)
        expect(failing.versions.lastPublished).toBe(0)
      })
    },
  )

  it.each(["classic", "two-queue"] as const)(
    "%s: a group inserts only once every earlier group is published (serial memtable stage)",
    async (name) => {
      const env = new FakeEnv()
      env.asyncSync = true
      await withStrategy(name, env, async (s) => {
        await Promise.all(Array.from({ length: 64 }, (_, i) => s.write(new WriteBatch().put(`a${i}`, "x").put(`b${i}`, "y"), sync)))
        expect(env.versions.lastPublished).toBe(128)
        // Groups of several members happened, and each member's insert ran when exactly the
        // sequences before its group were published: no group overlapped the previous one.
        expect(env.stats.groupMembers).toBeGreaterThan(env.stats.groups)
        for (const { sequence, lastPublished } of env.insertedWhenPublished) expect(lastPublished).toBeLessThan(sequence)
        const groupStarts = new Set(env.wal.map((r) => r.sequence))
        const byGroupStart = env.insertedWhenPublished.filter((x) => groupStarts.has(x.sequence))
        for (const { sequence, lastPublished } of byGroupStart) expect(lastPublished).toBe(sequence - 1)
      })
    },
  )
})
