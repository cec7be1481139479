/**
 * Failures inside the shipped strategies, over the fake env: a throw injected at every
 * stage of every strategy never leaves a writer parked (the leader leaves its group with
 * the error and its followers get it), a group that failed after its sequences were
 * allocated is reported as fatal, and no later group is ever published over a failed one
 * (whose entries may sit in the memtable).
 */
import { WriteBatch } from "@writepath/batch"
import { describe, expect, it } from "vitest"
import { DEFAULT_WRITE_OPTIONS, STRATEGIES } from "../src/index.ts"
import { FakeEnv, flush, InjectedFault, STAGES, STATUS_STAGES, withStrategy } from "./support/fakeEnv.ts"

const sync = { ...DEFAULT_WRITE_OPTIONS, sync: true }
const prepareBatch = (x: string): WriteBatch => new WriteBatch().markBeginPrepare().put(`p${x}`, "1").markEndPrepare(x)

/** Stages after which the group's sequences are allocated (its failure must be fatal). */
const AFTER_ALLOCATION = new Set(["writeToWAL", "walSync", "insertInto", "publish"])

describe.each(STRATEGIES)("%s: a throw at any stage", (name) => {
  it.each(STAGES)("at %s: every write settles, the error reaches the group, later writes still settle", async (stage) => {
    const env = new FakeEnv()
    env.throwAt = stage
    await withStrategy(name, env, async (s) => {
      // Eight main-queue writes (some sync: a pending fdatasync) and two WAL-only prepares.
      const writes = [
        ...Array.from({ length: 8 }, (_, i) => s.write(new WriteBatch().put(`k${i}`, "v"), i % 2 === 0 ? sync : DEFAULT_WRITE_OPTIONS)),
        s.write(prepareBatch("x1"), DEFAULT_WRITE_OPTIONS, true),
        s.write(prepareBatch("x2"), sync, true),
      ]
      const results = await Promise.allSettled(writes) // a parked writer would hang here
      const injected = results.filter((r) => r.status === "rejected" && r.reason instanceof InjectedFault)
      // A stage the strategy does not call (the WAL-only check outside two-queue) fires nowhere.
      const reached = stage !== "preprocessWalOnlyWrite" || name === "two-queue"
      if (reached) expect(injected.length).toBeGreaterThan(0)
      if (reached && AFTER_ALLOCATION.has(stage)) expect(env.failure).toBeInstanceOf(InjectedFault)
      // Nothing of a failed group is published: every published sequence belongs to a write that succeeded.
      const succeeded = results.filter((r) => r.status === "fulfilled").length
      expect(env.versions.lastPublished).toBeLessThanOrEqual(succeeded)
      // The queues are not wedged: more writes settle (failing with the group's error when it was fatal).
      const later = await Promise.allSettled([
        s.write(new WriteBatch().put("later", "v"), DEFAULT_WRITE_OPTIONS),
        s.write(prepareBatch("x3"), DEFAULT_WRITE_OPTIONS, true),
      ])
      expect(later).toHaveLength(2)
      if (reached && AFTER_ALLOCATION.has(stage) && stage !== "publish") {
        // A later main-queue write fails with the failed group's error, unpublished.
        expect(later[0]!.status).toBe("rejected")
      }
      // Exclusive sections (memtable switch, close) still get both queues.
      await s.exclusive(() => undefined)
    })
  })
})

describe.each(STRATEGIES)("%s: an error returned at any stage", (name) => {
  it.each(STATUS_STAGES)("at %s: every write settles, the error reaches its group, nothing failed is published", async (stage) => {
    const env = new FakeEnv()
    env.failAt = stage
    env.failOnCall = 2 // the first call succeeds: the failure hits a group with writers queued behind a leader
    await withStrategy(name, env, async (s) => {
      const writes = [
        ...Array.from({ length: 8 }, (_, i) => s.write(new WriteBatch().put(`k${i}`, "v"), i % 2 === 0 ? sync : DEFAULT_WRITE_OPTIONS)),
        s.write(prepareBatch("x1"), DEFAULT_WRITE_OPTIONS, true),
        s.write(prepareBatch("x2"), sync, true),
        s.write(prepareBatch("x3"), DEFAULT_WRITE_OPTIONS, true),
      ]
      const results = await Promise.allSettled(writes) // a parked writer would hang here
      const failed = results.filter((r) => r.status === "rejected")
      const reached = env.callsOf(stage) >= 2
      if (reached) expect(failed.length).toBeGreaterThan(0)
      for (const r of failed) expect((r as PromiseRejectedResult).reason).toBe(env.failError)
      // No entry of a failed main-queue write is visible at the published sequence (a failed
      // prepare has no memtable entries; the sequences it burned may lie below a later publication).
      for (const [i, r] of results.slice(0, 8).entries()) {
        const visible = env.mem.get(new TextEncoder().encode(`k${i}`), env.versions.lastPublished)._tag === "Found"
        expect(visible).toBe(r.status === "fulfilled")
      }
      const later = await Promise.allSettled([s.write(new WriteBatch().put("later", "v"), DEFAULT_WRITE_OPTIONS)])
      // A failure before allocation (preprocess, room) leaves the engine writable; one after it does not.
      if (reached && (stage === "preprocessWrite" || stage === "reserveRoom")) expect(later[0]!.status).toBe("fulfilled")
      // (A WAL-only queue's failure is the engine's to make fatal: the fake env does not, so only a main-queue one counts here.)
      const mainFailed = results.slice(0, 8).some((r) => r.status === "rejected")
      if (mainFailed && (stage === "writeToWAL" || stage === "walSync" || stage === "insertInto")) expect(later[0]!.status).toBe("rejected")
      await s.exclusive(() => undefined)
    })
  })
})

describe.each(STRATEGIES)("%s: a failed group is never published over", (name) => {
  it("a group whose insert failed half way stays invisible: later groups fail and publish nothing", async () => {
    const env = new FakeEnv()
    env.asyncSync = true
    const bad = new WriteBatch().put("a", "1").put("b", "2")
    env.failInsertOf.add(bad)
    await withStrategy(name, env, async (s) => {
      await s.write(new WriteBatch().put("first", "v"), DEFAULT_WRITE_OPTIONS)
      const published = env.versions.lastPublished
      const failing = s.write(bad, DEFAULT_WRITE_OPTIONS)
      // Later writers arrive while the failing group is in flight, and after it.
      const during = Array.from({ length: 4 }, (_, i) => s.write(new WriteBatch().put(`d${i}`, "v"), sync))
      const r = await Promise.allSettled([failing, ...during])
      expect(r[0]!.status).toBe("rejected")
      await flush()
      const after = await Promise.allSettled([s.write(new WriteBatch().put("after", "v"), DEFAULT_WRITE_OPTIONS)])
      expect(after[0]!.status).toBe("rejected")
      // The failed group's entries are in the memtable, below every later sequence: had any
      // later group published, they would be visible.
      expect(env.versions.lastPublished).toBe(published)
      expect(env.failure).toBeDefined()
    })
  })
})
