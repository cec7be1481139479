import { WriteStall } from "@writepath/core-queue"
import { DEFAULT_WRITE_OPTIONS, STRATEGIES } from "@writepath/strategies"
// Relative: the fake WritePathEnv is the strategies package's test support, not a published module.
import { FakeEnv, flush, withStrategy, writerBatch } from "../../packages/strategies/test/support/fakeEnv.ts"
import { assert, assertEqual, type Suite } from "../harness.ts"

const N = 3000

/**
 * The write protocol on this runtime's Promise scheduling: many concurrent writers through
 * each shipped strategy over the fake WritePathEnv (one microtask per WAL sync), and a leader
 * stalling with its queue's barrier up.
 */
export const coreQueueSuite: Suite = () => [
  ...STRATEGIES.map((name) => ({
    name: `${N} concurrent writers, ${name}: sequences contiguous, WAL order = sequence order, groups formed`,
    run: async () => {
      const env = new FakeEnv()
      env.walHook = () => Promise.resolve(undefined)
      const sync = (i: number) => i % 5 === 0
      await withStrategy(name, env, async (s) => {
        const results = await Promise.allSettled(
          Array.from({ length: N }, (_, i) => s.write(writerBatch(i, 2), { ...DEFAULT_WRITE_OPTIONS, sync: sync(i) })),
        )
        assert(
          results.every((r) => r.status === "fulfilled"),
          "every write succeeded",
        )
      })
      assertEqual([env.versions.lastAllocated, env.versions.lastPublished], [2 * N, 2 * N], "lastAllocated, lastPublished")
      let next = 1
      const seen = new Set<number>()
      for (const r of env.wal) {
        assertEqual(r.sequence, next, "WAL record first sequence")
        next += r.count
        for (const id of r.writers) seen.add(id)
        if (!sync(r.writers[0]!)) assert(!r.writers.some(sync), "no sync writer under a non-sync leader")
      }
      assertEqual(next, 2 * N + 1, "WAL covers every sequence")
      assertEqual(seen.size, N, "every writer in one WAL record")
      assertEqual(env.mem.numEntries, 2 * N, "memtable entries")
      for (let i = 1; i < env.published.length; i++) assert(env.published[i]! > env.published[i - 1]!, "publications only rise")
      assert(env.wal.length < N / 4, `groups formed (${env.wal.length} WAL records for ${N} writers)`)
    },
  })),
  ...STRATEGIES.map((name) => ({
    name: `stall barrier, ${name}: noSlowdown writers fail fast with WriteStall, the others wait and succeed`,
    run: async () => {
      const env = new FakeEnv()
      let release!: () => void
      const held = new Promise<void>((r) => {
        release = r
      })
      env.preprocessHook = async (_leader, queue) => {
        env.preprocessHook = undefined
        queue.beginWriteStall()
        await held
        queue.endWriteStall()
        return undefined
      }
      await withStrategy(name, env, async (s) => {
        const done = Array.from({ length: 40 }, (_, i) =>
          s.write(writerBatch(i), { ...DEFAULT_WRITE_OPTIONS, noSlowdown: i % 2 === 1 }).then(
            () => undefined,
            (e: unknown) => e,
          ),
        )
        await flush()
        assert(s.writeThread.isStalled, "the leader's queue is stalled")
        release()
        const statuses = await Promise.all(done)
        for (const [i, st] of statuses.entries()) {
          if (i % 2 === 1) assert(st instanceof WriteStall && st.message === "Result incomplete: Write stall", `writer ${i} stalled out`)
          else assertEqual(st, undefined, `writer ${i} status`)
        }
      })
      assertEqual(env.versions.lastPublished, 20, "lastPublished")
    },
  })),
]
