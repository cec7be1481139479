/**
 * The stall barrier (WRITE-PATH.md 1.9; RocksDB's WriteStallRemoveNoSlowdownWrite and
 * WriteThreadHangOnWriteStall): BeginWriteStall completes queued noSlowdown writers with
 * WriteStall, newcomers fail fast or park, EndWriteStall lets everyone through.
 */
import { describe, expect, it } from "vitest"
import { QueueInvariantViolation, STATE_COMPLETED, STATE_INIT, WriteGroup, Writer, WriteStall, WriteThread } from "../src/index.ts"
import { smallBatch } from "./support/batches.ts"
import { flush, Latch, makeEnv, RecordingWal, TestWriter, write } from "./support/driver.ts"

const stallEnv = () => {
  let now = 1_000
  const wal = new RecordingWal()
  const env = makeEnv({ wal, nowMicros: () => now })
  return { env, wal, advance: (us: number) => void (now += us) }
}

const isStall = (s: unknown): boolean =>
  s instanceof WriteStall && s.message === "Result incomplete: Write stall" && s.reason === "Write stall"

describe("stall barrier", () => {
  it("sweeps queued noSlowdown writers, fails noSlowdown newcomers fast, parks the others until EndWriteStall; nothing hangs", async () => {
    const { env, wal, advance } = stallEnv()
    const beforeStall = new Latch()
    const duringStall = new Latch()
    env.preprocess = async () => {
      env.preprocess = undefined
      await beforeStall.wait()
      env.wt.beginWriteStall()
      await duringStall.wait()
      advance(1500)
      env.wt.endWriteStall()
    }
    const results = new Map<number, unknown>()
    const run = (w: TestWriter) => write(env, w).then((s) => void results.set(w.id, s))
    const leader = new TestWriter(0, smallBatch())
    const queued = [
      new TestWriter(1, smallBatch(), { noSlowdown: true }),
      new TestWriter(2, smallBatch()),
      new TestWriter(3, smallBatch(), { noSlowdown: true }),
      new TestWriter(4, smallBatch()),
    ]
    const all = [run(leader), ...queued.map(run)]
    await flush()
    beforeStall.open()
    await flush()
    // Swept: 1 and 3 are back with WriteStall; 2 and 4 still queued.
    expect([...results.keys()].sort()).toEqual([1, 3])
    expect(isStall(results.get(1)) && isStall(results.get(3))).toBe(true)
    expect(env.wt.isStalled).toBe(true)
    expect(env.wt.getBegunCountOfOutstandingStall()).toBe(1)

    const lateFast = new TestWriter(5, smallBatch(), { noSlowdown: true })
    const lateSlow = new TestWriter(6, smallBatch())
    all.push(run(lateFast), run(lateSlow))
    expect(lateFast.state).toBe(STATE_COMPLETED) // failed fast, synchronously
    await flush()
    expect(isStall(results.get(5))).toBe(true)
    expect(lateSlow.state).toBe(STATE_INIT) // parked on the barrier, not linked
    let ended = false
    void Promise.resolve(env.wt.waitForStallEndedCount(1)).then(() => {
      ended = true
    })

    duringStall.open()
    await Promise.all(all)
    expect(ended).toBe(true)
    expect(results.get(0)).toBeUndefined()
    expect([2, 4, 6].map((id) => results.get(id))).toEqual([undefined, undefined, undefined])
    // 6 re-linked as soon as the barrier fell, before the leader (still in PreprocessWrite) formed its group.
    expect(wal.records.map((r) => r.writers)).toEqual([[0, 2, 4, 6]])
    expect(env.wt.stats.stalls).toBe(1)
    expect(env.wt.stats.writersStalledOut).toBe(3)
    expect(env.wt.stats.stallMicros).toBe(1500)
    expect(env.wt.getBegunCountOfOutstandingStall()).toBe(0)
    expect(env.wt.newestWriter.newest).toBeUndefined()
  })

  it("unlinks swept writers from the middle of a queue whose newer links were already built", async () => {
    const { env, wal } = stallEnv()
    const walLatch = new Latch()
    wal.hook = (_r, i) => (i === 0 ? walLatch.wait().then(() => undefined) : undefined)
    const results = new Map<number, unknown>()
    const run = (w: TestWriter) => write(env, w).then((s) => void results.set(w.id, s))
    const all = [run(new TestWriter(0, smallBatch()))]
    await flush()
    // Queued behind leader 0's WAL write; 0's exit builds the newer links 1 -> 2 -> 3 -> 4.
    all.push(
      run(new TestWriter(1, smallBatch())),
      run(new TestWriter(2, smallBatch(), { noSlowdown: true })),
      run(new TestWriter(3, smallBatch())),
      run(new TestWriter(4, smallBatch(), { noSlowdown: true })),
    )
    env.preprocess = (leader) => {
      env.preprocess = undefined
      expect((leader as TestWriter).id).toBe(1)
      expect(leader.linkNewer).toBeDefined()
      env.wt.beginWriteStall()
      env.wt.endWriteStall()
    }
    await flush()
    walLatch.open()
    await Promise.all(all)
    expect(wal.records.map((r) => r.writers)).toEqual([[0], [1, 3]])
    expect(isStall(results.get(2)) && isStall(results.get(4))).toBe(true)
    expect(results.get(3)).toBeUndefined()
  })

  it("a stall with an empty queue behind the leader: EndWriteStall restores the head", () => {
    const wt = WriteThread.unsafeMake()
    const leader = new Writer(smallBatch())
    void wt.joinBatchGroup(leader)
    wt.beginWriteStall()
    expect(wt.newestWriter.newest).not.toBe(leader)
    wt.endWriteStall()
    expect(wt.newestWriter.newest).toBe(leader)
    const g = new WriteGroup()
    wt.enterAsBatchGroupLeader(leader, g)
    expect(g.size).toBe(1)
    void wt.exitAsBatchGroupLeader(g, undefined)
    expect(wt.newestWriter.newest).toBeUndefined()
  })
})

describe("stall barrier misuse is a defect", () => {
  it("forming a group while the stall is up, or ending a stall that is not up, throws QueueInvariantViolation", () => {
    const wt = WriteThread.unsafeMake()
    const leader = new Writer(smallBatch())
    void wt.joinBatchGroup(leader)
    expect(() => wt.endWriteStall()).toThrow(QueueInvariantViolation)
    wt.beginWriteStall()
    expect(() => wt.beginWriteStall()).toThrow(QueueInvariantViolation)
    expect(() => wt.enterAsBatchGroupLeader(leader, new WriteGroup())).toThrow(QueueInvariantViolation)
    wt.endWriteStall()
    expect(wt.enterAsBatchGroupLeader(leader, new WriteGroup())).toBe(leader.batch!.byteSize)
  })
})

describe("EnterUnbatched / ExitUnbatched", () => {
  it("on an idle queue the section is entered at once; writers arriving meanwhile wait and the first leads after exit", async () => {
    const env = makeEnv()
    const u = new Writer(undefined)
    expect(env.wt.enterUnbatched(u)).toBeUndefined()
    const ws = [0, 1, 2].map((i) => new TestWriter(i, smallBatch()))
    const done = ws.map((w) => write(env, w))
    await flush()
    expect((env.wal as RecordingWal).records).toEqual([])
    env.wt.exitUnbatched(u)
    await Promise.all(done)
    expect((env.wal as RecordingWal).records.map((r) => r.writers)).toEqual([[0, 1, 2]])
  })

  it("waits for the active group to finish and is handed the queue like a leader; no group is active inside", async () => {
    const env = makeEnv()
    const walLatch = new Latch()
    const wal = env.wal as RecordingWal
    wal.hook = (_r, i) => (i === 0 ? walLatch.wait().then(() => undefined) : undefined)
    const first = write(env, new TestWriter(0, smallBatch()))
    await flush()
    const u = new Writer(undefined)
    const entering = env.wt.enterUnbatched(u)
    expect(entering).toBeInstanceOf(Promise)
    const later = write(env, new TestWriter(1, smallBatch()))
    let inside = false
    void entering!.then(() => {
      inside = true
    })
    await flush()
    expect(inside).toBe(false)
    walLatch.open()
    await first
    await flush()
    expect(inside).toBe(true)
    expect(wal.records.map((r) => r.writers)).toEqual([[0]]) // writer 1 waits behind the section
    env.wt.exitUnbatched(u)
    await later
    expect(wal.records.map((r) => r.writers)).toEqual([[0], [1]])
  })
})
