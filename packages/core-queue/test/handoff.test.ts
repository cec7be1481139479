/**
 * Handoffs on the WriteThread alone (WRITE-PATH.md 1.6, 1.8): ExitAsBatchGroupLeader names
 * the next leader before it completes any follower; EnterUnbatched is handed the queue like a
 * leader and hands it on at ExitUnbatched; in pipelined mode it first drains the memtable
 * queue (WaitForMemTableWriters). The write protocol over these primitives (groups, sequences,
 * WAL and publication order) is tested on the shipped strategies in packages/strategies/test.
 */
import { describe, expect, it } from "vitest"
import {
  STATE_COMPLETED,
  STATE_GROUP_LEADER,
  STATE_LOCKED_WAITING,
  STATE_MEMTABLE_WRITER_LEADER,
  stateName,
  WriteGroup,
  Writer,
  WriteThread,
} from "../src/index.ts"
import { smallBatch } from "./support/batches.ts"
import { flush, TestWriter } from "./support/testWriter.ts"

/** Records every state change of `ws`, in order, as "id:STATE". */
const recordStates = (ws: ReadonlyArray<TestWriter>): string[] => {
  const log: string[] = []
  for (const w of ws) {
    let state = w.state
    Object.defineProperty(w, "state", {
      get: () => state,
      set: (v: number) => {
        state = v
        log.push(`${w.id}:${stateName(v)}`)
      },
    })
  }
  return log
}

const ids = (group: WriteGroup): number[] => group.toArray().map((w) => (w as TestWriter).id)

describe("ExitAsBatchGroupLeader", () => {
  it("names the next leader before it completes any follower, and the next leader resumes first", async () => {
    const wt = WriteThread.unsafeMake()
    const ws = [0, 1, 2, 3].map((i) => new TestWriter(i, smallBatch()))
    expect(wt.joinBatchGroup(ws[0]!)).toBeUndefined()
    const waits = ws.slice(1).map((w) => wt.joinBatchGroup(w))
    const group = new WriteGroup()
    wt.enterAsBatchGroupLeader(ws[0]!, group)
    expect(ids(group)).toEqual([0, 1, 2, 3])
    const next = new TestWriter(4, smallBatch())
    const nextWait = wt.joinBatchGroup(next)
    const log = recordStates([...ws, next])
    const resumed: string[] = []
    void nextWait!.then(() => void resumed.push("lead 4"))
    for (const [i, w] of waits.entries()) void w!.then(() => void resumed.push(`done ${i + 1}`))
    expect(wt.exitAsBatchGroupLeader(group, undefined)).toBeUndefined()
    // The handoff comes first; followers complete newest first.
    expect(log).toEqual(["4:GROUP_LEADER", "3:COMPLETED", "2:COMPLETED", "1:COMPLETED"])
    await flush()
    expect(resumed[0]).toBe("lead 4")
    expect(resumed.slice(1).sort()).toEqual(["done 1", "done 2", "done 3"])
    expect(next.state).toBe(STATE_GROUP_LEADER)
  })
})

describe("EnterUnbatched / ExitUnbatched", () => {
  it("on an idle queue the section is entered at once; writers arriving meanwhile wait and the first leads after exit", () => {
    const wt = WriteThread.unsafeMake()
    const u = new Writer(undefined)
    expect(wt.enterUnbatched(u)).toBeUndefined()
    const ws = [0, 1, 2].map((i) => new TestWriter(i, smallBatch()))
    for (const w of ws) expect(wt.joinBatchGroup(w)).toBeInstanceOf(Promise)
    expect(ws.map((w) => w.state)).toEqual([STATE_LOCKED_WAITING, STATE_LOCKED_WAITING, STATE_LOCKED_WAITING])
    wt.exitUnbatched(u)
    expect(ws[0]!.state).toBe(STATE_GROUP_LEADER)
    const group = new WriteGroup()
    wt.enterAsBatchGroupLeader(ws[0]!, group)
    expect(ids(group)).toEqual([0, 1, 2])
  })

  it("waits for the active group to finish and is handed the queue like a leader; writers behind it wait for its exit", async () => {
    const wt = WriteThread.unsafeMake()
    const first = new TestWriter(0, smallBatch())
    expect(wt.joinBatchGroup(first)).toBeUndefined()
    const group = new WriteGroup()
    wt.enterAsBatchGroupLeader(first, group)
    const u = new Writer(undefined)
    const entering = wt.enterUnbatched(u)
    expect(entering).toBeInstanceOf(Promise)
    const later = new TestWriter(1, smallBatch())
    void wt.joinBatchGroup(later)
    let inside = false
    void entering!.then(() => {
      inside = true
    })
    await flush()
    expect(inside).toBe(false)
    wt.exitAsBatchGroupLeader(group, undefined)
    await flush()
    expect(inside).toBe(true)
    expect(later.state).toBe(STATE_LOCKED_WAITING) // behind the section
    wt.exitUnbatched(u)
    expect(later.state).toBe(STATE_GROUP_LEADER)
  })

  it("pipelined: drains the memtable queue (WaitForMemTableWriters) before it returns", async () => {
    const wt = WriteThread.unsafeMake({ enablePipelinedWrite: true })
    const w = new TestWriter(0, smallBatch())
    expect(wt.joinBatchGroup(w)).toBeUndefined()
    const group = new WriteGroup()
    wt.enterAsBatchGroupLeader(w, group)
    w.sequence = 1
    // The WAL stage is done: the group moves to the memtable queue, the main queue is free.
    void wt.exitAsBatchGroupLeader(group, undefined)
    expect(w.state).toBe(STATE_MEMTABLE_WRITER_LEADER)
    expect(wt.newestWriter.newest).toBeUndefined()
    const u = new Writer(undefined)
    const entering = wt.enterUnbatched(u)
    expect(entering).toBeInstanceOf(Promise)
    let entered = false
    void entering!.then(() => {
      entered = true
    })
    await flush()
    expect(entered).toBe(false) // a memtable group is still pending
    const memGroup = new WriteGroup()
    wt.enterAsMemTableWriter(w, memGroup)
    expect(memGroup.lastSequence).toBe(1)
    wt.exitAsMemTableWriter(w, memGroup)
    await flush()
    expect(entered).toBe(true)
    expect(w.state).toBe(STATE_COMPLETED)
    expect(wt.newestMemtableWriter.newest).toBeUndefined()
    wt.exitUnbatched(u)
    expect(wt.newestWriter.newest).toBeUndefined()
  })
})
