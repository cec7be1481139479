/**
 * Pipelined mode: the WAL stage hands groups to the memtable-writer queue in WAL order and
 * the next WAL group starts at once (WRITE-PATH.md 2.3). A gated memtable leader keeps
 * memtable groups queued so the order can be observed.
 */
import { describe, expect, it } from "vitest"
import { STATE_LOCKED_WAITING, Writer } from "../src/index.ts"
import { mergeBatch, smallBatch } from "./support/batches.ts"
import { flush, Latch, makeEnv, RecordingMemtable, RecordingWal, TestWriter, write } from "./support/driver.ts"
import { spyPublish } from "./support/spy.ts"

const pipelinedEnv = (options: { parallel?: boolean } = {}) => {
  const wal = new RecordingWal()
  const mem = new RecordingMemtable()
  const env = makeEnv({ enablePipelinedWrite: true, allowConcurrentMemtableWrite: options.parallel === true, wal, mem })
  const gate = new Latch()
  let gated = false
  // Only the first memtable leader is held: the groups behind it pile up in the memtable queue.
  env.memtableGate = () => {
    if (gated) return
    gated = true
    return gate.wait()
  }
  return { env, wal, mem, gate, published: spyPublish(env.seq) }
}

describe("pipelined write", () => {
  it("the next WAL group starts while the previous memtable group is still pending; memtable groups publish in WAL order", async () => {
    const { env, wal, mem, gate, published } = pipelinedEnv()
    const resolved: number[] = []
    const run = (w: TestWriter) =>
      write(env, w).then((s) => {
        resolved.push(w.id)
        return s
      })
    const all = [run(new TestWriter(0, smallBatch(2)))]
    await flush()
    // w0 finished its WAL write and holds the memtable stage (gated).
    for (let i = 1; i <= 4; i++) all.push(run(new TestWriter(i, smallBatch(1))))
    await flush()
    // Every WAL write is done, nothing else is published, nobody has returned.
    expect(wal.records.map((r) => r.writers)).toEqual([[0], [1], [2, 3, 4]])
    expect(wal.records.map((r) => r.firstSequence)).toEqual([1, 3, 4])
    expect(env.seq.lastAllocated).toBe(6)
    expect(env.seq.lastPublished).toBe(0)
    expect(resolved).toEqual([])
    gate.open()
    await Promise.all(all)
    // The gated group {0} first; then the queued memtable writers form one memtable group (WAL order).
    expect(published).toEqual([2, 6])
    expect(mem.inserts.map((i) => [i.id, i.sequence])).toEqual([
      [0, 1],
      [1, 3],
      [2, 4],
      [3, 5],
      [4, 6],
    ])
    expect(env.seq.lastPublished).toBe(6)
    expect(env.wt.newestMemtableWriter.newest).toBeUndefined()
    expect(env.wt.newestWriter.newest).toBeUndefined()
  })

  it("writers without memtable work return right after the WAL stage", async () => {
    const { env, mem, gate } = pipelinedEnv()
    const all = [write(env, new TestWriter(0, smallBatch()))]
    await flush()
    const busy = new Error("Resource busy")
    const walOnly = new TestWriter(1, smallBatch(), { disableMemtable: true })
    const failed = new TestWriter(2, smallBatch(), {}, { callback: () => busy, allowWriteBatching: () => true })
    const normal = new TestWriter(3, smallBatch())
    const results: Array<[number, unknown]> = []
    for (const w of [walOnly, failed, normal]) all.push(write(env, w).then((s) => void results.push([w.id, s])))
    await flush()
    // The memtable stage is still held by w0: the WAL-only and failed-callback writers are back already.
    expect(results).toEqual([
      [1, undefined],
      [2, busy],
    ])
    expect(normal.state).toBe(STATE_LOCKED_WAITING)
    gate.open()
    await Promise.all(all)
    expect(mem.inserts.map((i) => i.id)).toEqual([0, 3])
    expect(results).toEqual([
      [1, undefined],
      [2, busy],
      [3, undefined],
    ])
  })

  it("a WAL error completes the whole group at the WAL stage; no member reaches the memtable", async () => {
    const { env, wal, mem, gate } = pipelinedEnv()
    const ioError = new Error("IO error")
    const walLatch = new Latch()
    wal.hook = (_r, i) => (i === 0 ? walLatch.wait().then(() => undefined) : i === 1 ? ioError : undefined)
    const all = [write(env, new TestWriter(0, smallBatch()))]
    await flush()
    const failed = [1, 2, 3].map((i) => write(env, new TestWriter(i, smallBatch())))
    walLatch.open()
    await flush()
    expect(wal.records.map((r) => r.writers)).toEqual([[0], [1, 2, 3]])
    // Done without the memtable gate being opened.
    expect(await Promise.all(failed)).toEqual([ioError, ioError, ioError])
    gate.open()
    await Promise.all(all)
    expect(mem.inserts.map((i) => i.id)).toEqual([0])
    expect(env.seq.lastPublished).toBe(1)
  })

  it("EnterAsMemTableWriter stops at a batch with Merge", async () => {
    const { env, mem, gate, published } = pipelinedEnv()
    const all = [write(env, new TestWriter(0, smallBatch()))]
    await flush()
    all.push(
      write(env, new TestWriter(1, smallBatch())),
      write(env, new TestWriter(2, mergeBatch())),
      write(env, new TestWriter(3, smallBatch())),
    )
    await flush()
    gate.open()
    await Promise.all(all)
    // {0}, then {1} (stops before the merge), then {2, 3} led by the merge writer.
    expect(published).toEqual([1, 2, 4])
    expect(mem.inserts.map((i) => i.id)).toEqual([0, 1, 2, 3])
  })

  it("EnterUnbatched drains the memtable queue (WaitForMemTableWriters) before it returns", async () => {
    const { env, gate } = pipelinedEnv()
    const all = [write(env, new TestWriter(0, smallBatch()))]
    await flush()
    all.push(write(env, new TestWriter(1, smallBatch())))
    await flush()
    const u = new Writer(undefined)
    let entered = false
    const enter = env.wt.enterUnbatched(u)
    expect(enter).toBeInstanceOf(Promise)
    void enter!.then(() => {
      entered = true
    })
    await flush()
    expect(entered).toBe(false) // memtable groups still pending
    gate.open()
    await Promise.all(all)
    await flush()
    expect(entered).toBe(true)
    expect(env.seq.lastPublished).toBe(2)
    expect(env.wt.newestMemtableWriter.newest).toBeUndefined()
    env.wt.exitUnbatched(u)
    expect(env.wt.newestWriter.newest).toBeUndefined()
  })

  it("with concurrent memtable writes, memtable groups insert in parallel and still publish in WAL order", async () => {
    const { env, mem, gate, published } = pipelinedEnv({ parallel: true })
    const all = [write(env, new TestWriter(0, smallBatch()))]
    await flush()
    for (let i = 1; i <= 30; i++) all.push(write(env, new TestWriter(i, smallBatch())))
    await flush()
    gate.open()
    expect(await Promise.all(all)).toEqual(all.map(() => undefined))
    expect(published).toEqual([1, 31])
    expect(new Set(mem.inserts.map((i) => i.id)).size).toBe(31)
    expect(mem.inserts.length).toBe(31)
    expect(env.wt.stats.parallelGroupsLaunched).toBe(1)
  })
})
