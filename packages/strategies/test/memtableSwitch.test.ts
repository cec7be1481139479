/**
 * Memtable switches inside the shipped write path, over the fake env: a switch requested in
 * PreprocessWrite or in reserveRoom (after draining the pipelined memtable stage) happens with
 * no group of the old memtable still unpublished, and no insert reaches the old memtable after
 * it, with writers in flight on every side of it.
 */
import { describe, expect, it } from "vitest"
import { DEFAULT_WRITE_OPTIONS, STRATEGIES } from "../src/index.ts"
import { FakeEnv, withStrategy, writerBatch } from "./support/fakeEnv.ts"

const sync = { ...DEFAULT_WRITE_OPTIONS, sync: true }
const N = 400

describe.each(STRATEGIES)("%s: memtable switch", (name) => {
  it.each(["preprocessWrite", "reserveRoom"] as const)(
    "at %s, mid-load: the old memtable holds exactly what was published before it",
    async (at) => {
      const env = new FakeEnv()
      env.asyncSync = true
      await withStrategy(name, env, async (s) => {
        const writes = Array.from({ length: N }, (_, i) => {
          const w = s.write(writerBatch(i), i % 3 === 0 ? sync : DEFAULT_WRITE_OPTIONS)
          // Request the switch once some writes are published, while the rest are queued or in flight.
          return i === N / 4 ? w.then(() => void (env.switchAt = at)) : w
        })
        await Promise.all(writes)
        expect(env.switches).toHaveLength(1)
        const sw = env.switches[0]!
        // Nothing allocated was left unpublished at the switch (pipelined: its memtable stage was drained).
        expect(sw.lastPublished).toBe(sw.lastAllocated)
        expect(sw.lastPublished).toBeGreaterThan(0)
        expect(sw.lastPublished).toBeLessThan(N)
        // The old memtable holds sequences 1..lastPublished-at-switch and nothing inserted after it.
        expect(env.memtables[0]!.numEntries).toBe(sw.lastPublished)
        expect(env.memtables[1]!.numEntries).toBe(N - sw.lastPublished)
        for (const r of env.inserts) expect(r.memtable).toBe(r.sequence <= sw.lastPublished ? 0 : 1)
        expect([env.versions.lastAllocated, env.versions.lastPublished]).toEqual([N, N])
        expect(env.reserved).toBe(0)
      })
    },
  )
})
