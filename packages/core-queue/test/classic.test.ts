/**
 * The classic path (DBImpl::WriteImpl over the queue): handoff order, publication before
 * release, errors. Driven through the reference driver with a gated fake WAL: each
 * `Latch` holds a leader inside its WAL append so writers can pile up behind it.
 */
import { describe, expect, it } from "vitest"
import { STATE_COMPLETED, STATE_GROUP_LEADER, type WriteStatus } from "../src/index.ts"
import { smallBatch } from "./support/batches.ts"
import { flush, Latch, makeEnv, RecordingMemtable, RecordingWal, TestWriter, write } from "./support/driver.ts"

class WalIOError extends Error {}
class MemtableError extends Error {}

/** A WAL whose i-th append waits for latches[i] (if any) and may fail. */
const gatedWal = (latches: Latch[], fail: (index: number) => WriteStatus = () => undefined) => {
  const wal = new RecordingWal()
  wal.hook = (_r, i) => {
    const l = latches[i]
    return l === undefined ? fail(i) : l.wait().then(() => fail(i))
  }
  return wal
}

describe("classic write path", () => {
  it("groups writers that queue behind a leader's WAL write and assigns sequences in group order", async () => {
    const latch = new Latch()
    const wal = gatedWal([latch])
    const mem = new RecordingMemtable()
    const env = makeEnv({ wal, mem })
    const ws = [0, 1, 2, 3].map((i) => new TestWriter(i, smallBatch(i + 1)))
    const done = ws.map((w) => write(env, w))
    await flush()
    expect(wal.records.map((r) => r.writers)).toEqual([[0]]) // 0 led alone; 1..3 queued behind it
    latch.open()
    expect(await Promise.all(done)).toEqual([undefined, undefined, undefined, undefined])
    expect(wal.records.map((r) => r.writers)).toEqual([[0], [1, 2, 3]])
    expect(wal.records.map((r) => [r.firstSequence, r.count])).toEqual([
      [1, 1],
      [2, 9],
    ])
    expect(ws.map((w) => w.sequence)).toEqual([1, 2, 4, 7])
    expect(mem.inserts.map((i) => i.id)).toEqual([0, 1, 2, 3])
    expect([env.seq.lastAllocated, env.seq.lastPublished]).toEqual([10, 10])
  })

  it("hands leadership to the next writer before any follower resumes", async () => {
    const latches = [new Latch(), new Latch(), new Latch()]
    const wal = gatedWal(latches)
    const env = makeEnv({ wal })
    const events: string[] = []
    const track = (w: TestWriter) => write(env, w).then(() => void events.push(`done ${w.id}`))
    const a = new TestWriter(0, smallBatch())
    const [b, c, d] = [1, 2, 3].map((i) => new TestWriter(i, smallBatch()))
    const all = [track(a), track(b!), track(c!), track(d!)]
    await flush()
    latches[0]!.open() // group 1 = {a}; group 2 = {b, c, d} starts its WAL write
    await flush()
    expect(wal.records.map((r) => r.writers)).toEqual([[0], [1, 2, 3]])
    const [e, f] = [4, 5].map((i) => new TestWriter(i, smallBatch()))
    all.push(track(e!), track(f!))
    await flush()
    events.length = 0
    wal.hook = (r, i) => {
      events.push(`wal ${r.writers.join(",")}`)
      if (i === 2) {
        // The next leader is already at work while the followers of group 2 are COMPLETED
        // but have not resumed yet.
        expect([c!.state, d!.state]).toEqual([STATE_COMPLETED, STATE_COMPLETED])
      }
      return undefined
    }
    latches[1]!.open()
    await Promise.all(all)
    // e (the next leader) forms its group and writes its WAL record before c and d (b's
    // followers, completed newest first) resume; b, the old leader, returns from its own exit.
    expect(events).toEqual(["wal 4,5", "done 1", "done 4", "done 3", "done 2", "done 5"])
  })

  it("publishes LastSequence before any member of the group is released", async () => {
    const latch = new Latch()
    const env = makeEnv({ wal: gatedWal([latch]) })
    const ws = Array.from({ length: 8 }, (_, i) => new TestWriter(i, smallBatch(2)))
    const seen: Array<[number, number]> = []
    const done = ws.map((w) =>
      write(env, w).then(() => {
        // At release, the writer's last sequence is visible.
        seen.push([w.sequence + w.batch!.count - 1, env.seq.lastPublished])
      }),
    )
    await flush()
    latch.open()
    await Promise.all(done)
    for (const [last, published] of seen) expect(published).toBeGreaterThanOrEqual(last)
  })

  it("a WAL error fails every member of its group; nothing is inserted or published; sequences are not reused", async () => {
    const latches = [new Latch()]
    const walError = new WalIOError("IO error: fdatasync")
    const wal = gatedWal(latches, (i) => (i === 1 ? walError : undefined))
    const mem = new RecordingMemtable()
    const env = makeEnv({ wal, mem })
    const ws = [0, 1, 2, 3].map((i) => new TestWriter(i, smallBatch()))
    const done = ws.map((w) => write(env, w))
    await flush()
    latches[0]!.open()
    const statuses = await Promise.all(done)
    expect(wal.records.map((r) => r.writers)).toEqual([[0], [1, 2, 3]])
    expect(statuses).toEqual([undefined, walError, walError, walError])
    expect(mem.inserts.map((i) => i.id)).toEqual([0])
    expect([env.seq.lastAllocated, env.seq.lastPublished]).toEqual([4, 1])
    // The next write gets fresh sequences after the failed group's, and publishing jumps the hole.
    const next = new TestWriter(4, smallBatch())
    expect(await write(env, next)).toBeUndefined()
    expect(next.sequence).toBe(5)
    expect([env.seq.lastAllocated, env.seq.lastPublished]).toEqual([5, 5])
  })

  it("a failed memtable insert is never published and fails the group", async () => {
    const latch = new Latch()
    const mem = new RecordingMemtable()
    const memError = new MemtableError("Corruption: bad batch")
    mem.fail = (w) => (w.id === 2 ? memError : undefined)
    const env = makeEnv({ wal: gatedWal([latch]), mem })
    const ws = [0, 1, 2, 3].map((i) => new TestWriter(i, smallBatch()))
    const seen: number[] = []
    const done = ws.map((w) =>
      write(env, w).then((s) => {
        seen.push(env.seq.lastPublished)
        return s
      }),
    )
    await flush()
    latch.open()
    expect(await Promise.all(done)).toEqual([undefined, memError, memError, memError])
    expect(env.seq.lastPublished).toBe(1)
    expect(Math.max(...seen)).toBe(1)
  })

  it("a failed WriteCallback skips only its writer: no sequence, no WAL, no memtable, its own status", async () => {
    const latch = new Latch()
    const wal = gatedWal([latch])
    const mem = new RecordingMemtable()
    const env = makeEnv({ wal, mem })
    const busy = new Error("Resource busy")
    const ws = [
      new TestWriter(0, smallBatch()),
      new TestWriter(1, smallBatch()),
      new TestWriter(2, smallBatch(), {}, { callback: () => busy, allowWriteBatching: () => true }),
      new TestWriter(3, smallBatch()),
    ]
    const done = ws.map((w) => write(env, w))
    await flush()
    latch.open()
    expect(await Promise.all(done)).toEqual([undefined, undefined, busy, undefined])
    expect(wal.records.map((r) => r.writers)).toEqual([[0], [1, 3]])
    expect(mem.inserts.map((i) => [i.id, i.sequence])).toEqual([
      [0, 1],
      [1, 2],
      [3, 3],
    ])
  })

  it("a leader that runs alone (queue idle) never waits: the whole write is one synchronous section", async () => {
    const env = makeEnv()
    const w = new TestWriter(0, smallBatch())
    const p = write(env, w)
    // Before any microtask ran, the write is complete.
    expect(w.state).toBe(STATE_GROUP_LEADER)
    expect(env.seq.lastPublished).toBe(1)
    expect(await p).toBeUndefined()
  })
})
