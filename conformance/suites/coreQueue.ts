import { WriteBatch } from "@writepath/batch"
// Relative: the workspace root does not list @writepath/core-queue as a dependency (yet).
import { WriteStall, type WriteStatus } from "@writepath/core-queue"
import { makeEnv, RecordingMemtable, RecordingWal, TestWriter, write } from "../../packages/core-queue/test/support/driver.ts"
import { assert, assertEqual, type Suite } from "../harness.ts"

const N = 3000

const modes = [
  ["classic", {}],
  ["classic + parallel memtable writers", { allowConcurrentMemtableWrite: true }],
  ["pipelined", { enablePipelinedWrite: true }],
  ["pipelined + parallel memtable writers", { enablePipelinedWrite: true, allowConcurrentMemtableWrite: true }],
] as const

/**
 * The WriteThread protocol on this runtime's Promise scheduling: many concurrent writers
 * through the reference driver with a fake WAL (one microtask per append) and memtable.
 */
export const coreQueueSuite: Suite = () => [
  ...modes.map(([name, options]) => ({
    name: `${N} concurrent writers, ${name}: sequences contiguous, WAL order = sequence order, groups formed`,
    run: async () => {
      const wal = new RecordingWal()
      wal.hook = () => Promise.resolve<WriteStatus>(undefined)
      const mem = new RecordingMemtable()
      const env = makeEnv({ ...options, wal, mem })
      const ws = Array.from(
        { length: N },
        (_, i) => new TestWriter(i, new WriteBatch().put(`k${i}`, "v").put(`j${i}`, "w"), { sync: i % 5 === 0 }),
      )
      const statuses = await Promise.all(ws.map((w) => write(env, w)))
      assert(
        statuses.every((s) => s === undefined),
        "every write succeeded",
      )
      assertEqual([env.seq.lastAllocated, env.seq.lastPublished], [2 * N, 2 * N], "lastAllocated, lastPublished")
      let next = 1
      for (const r of wal.records) {
        assertEqual(r.firstSequence, next, "WAL record first sequence")
        next += r.count
        if (!ws[r.writers[0]!]!.sync) assert(!r.writers.some((id) => ws[id]!.sync), "no sync writer under a non-sync leader")
      }
      assertEqual(next, 2 * N + 1, "WAL covers every sequence")
      assertEqual(mem.inserts.length, N, "memtable inserts")
      assertEqual(new Set(mem.inserts.map((i) => i.sequence)).size, N, "distinct sequences")
      assert(wal.records.length < N / 4, `groups formed (${wal.records.length} WAL records for ${N} writers)`)
    },
  })),
  {
    name: "stall barrier: noSlowdown writers fail fast with WriteStall, the others wait and succeed",
    run: async () => {
      const env = makeEnv()
      let release!: () => void
      const held = new Promise<void>((r) => {
        release = r
      })
      env.preprocess = async () => {
        env.preprocess = undefined
        env.wt.beginWriteStall()
        await held
        env.wt.endWriteStall()
      }
      const ws = Array.from({ length: 40 }, (_, i) => new TestWriter(i, new WriteBatch().put(`k${i}`, "v"), { noSlowdown: i % 2 === 1 }))
      const done = ws.map((w) => write(env, w))
      await new Promise<void>((r) => setTimeout(r, 0))
      release()
      const statuses = await Promise.all(done)
      for (const [i, s] of statuses.entries()) {
        if (i % 2 === 1) assert(s instanceof WriteStall && s.message === "Result incomplete: Write stall", `writer ${i} stalled out`)
        else assertEqual(s, undefined, `writer ${i} status`)
      }
      assertEqual(env.seq.lastPublished, 20, "lastPublished")
    },
  },
]
