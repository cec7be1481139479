/**
 * Deterministic interleavings of the shared queue's races, driven step by step: several
 * handles (one per simulated thread, each with its own token) on one buffer in this
 * thread, async waits, and a seam (casNewest) that runs another thread's step right
 * before a CAS on the head. No timing: every step happens in the order written.
 */
import { describe, expect, it } from "vitest"
import {
  JOIN_MASK,
  SHARED_STATUS_OK,
  SHARED_STATUS_POISONED,
  SHARED_STATUS_WRITE_STALL,
  SHARED_STATUS_WRITER_DIED,
  type SharedWriterOptions,
  SharedWriteThread,
  type SharedWriteThreadBuffer,
  STATE_COMPLETED,
  STATE_GROUP_LEADER,
  STATE_LOCKED_WAITING,
  STATE_PARALLEL_MEMTABLE_CALLER,
  STATE_PARALLEL_MEMTABLE_WRITER,
} from "../src/index.ts"
import { S_LINK_OLDER } from "../src/internal/shared/layout.ts"

/** A handle whose next CAS on the head first runs `before` (another thread's step). */
class Steppable extends SharedWriteThread {
  before: (() => void) | undefined = undefined
  protected override casNewest(expected: number, value: number): number {
    const step = this.before
    this.before = undefined
    step?.()
    return super.casNewest(expected, value)
  }
}

const setup = (maxWriteBatchGroupSizeBytes = 1 << 20): { shared: SharedWriteThreadBuffer; handle: () => Steppable } => {
  const shared = SharedWriteThread.allocate({ slotCount: 64, batchCapacity: 1024, maxWriteBatchGroupSizeBytes })
  return { shared, handle: () => new Steppable(shared.buffer, shared, SharedWriteThread.registerThread(shared), "async", 0) }
}

const acquire = (h: SharedWriteThread, bytes = 16, options: SharedWriterOptions = {}): number =>
  h.acquireWriter(new Uint8Array(bytes), 1, options)

/** Lead a one-writer-at-a-time serial group to the end: enter, allocate, publish, exit. */
const commit = (h: SharedWriteThread, leader: number) => {
  const group = h.enterAsBatchGroupLeader(leader)!
  const last = h.allocateSequences(group)
  h.publish(h.firstSequenceOf(group), last)
  h.exitAsBatchGroupLeader(group, SHARED_STATUS_OK)
  return group
}

describe("SharedWriteThread: join / handoff interleavings", () => {
  it("a writer links before the leader's exit CAS: the CAS fails and the writer is handed the queue", async () => {
    const { handle } = setup()
    const a = handle()
    const b = handle()
    const la = acquire(a)
    expect(a.joinBatchGroup(la)).toBeUndefined()
    const group = a.enterAsBatchGroupLeader(la)!
    const lb = acquire(b)
    const waitB = b.joinBatchGroup(lb)
    expect(waitB).toBeInstanceOf(Promise)
    expect(b.stateWord(lb) & STATE_LOCKED_WAITING).not.toBe(0) // parked (no spin)
    a.allocateSequences(group)
    a.exitAsBatchGroupLeader(group, SHARED_STATUS_OK)
    await waitB
    expect(b.stateOf(lb)).toBe(STATE_GROUP_LEADER)
    expect(b.load(lb, S_LINK_OLDER)).toBe(-1)
    expect(b.newest).toBe(lb)
  })

  it("the exit CAS lands first: the queue empties and the next writer leads without waiting", () => {
    const { handle } = setup()
    const a = handle()
    const b = handle()
    const la = acquire(a)
    a.joinBatchGroup(la)
    commit(a, la)
    expect(a.newest).toBe(-1)
    const lb = acquire(b)
    expect(b.joinBatchGroup(lb)).toBeUndefined()
    expect(b.stateOf(lb)).toBe(STATE_GROUP_LEADER)
  })

  it("between a writer's link_older store and its CAS the leader empties the queue: the CAS fails, the retry leads", () => {
    const { handle } = setup()
    const a = handle()
    const b = handle()
    const la = acquire(a)
    a.joinBatchGroup(la)
    const group = a.enterAsBatchGroupLeader(la)!
    a.allocateSequences(group)
    const lb = acquire(b)
    let exitCasResult = -2
    b.before = () => {
      // b has stored link_older = la; now a exits, and its CAS (la -> EMPTY) must win.
      a.exitAsBatchGroupLeader(group, SHARED_STATUS_OK)
      exitCasResult = a.newest
    }
    expect(b.joinBatchGroup(lb)).toBeUndefined()
    expect(exitCasResult).toBe(-1)
    expect(b.stateOf(lb)).toBe(STATE_GROUP_LEADER)
    expect(b.load(lb, S_LINK_OLDER)).toBe(-1)
  })

  it("a wake that lands before the waiter parks is not lost (no notify needed)", () => {
    const { handle } = setup()
    const a = handle()
    const b = handle()
    const la = acquire(a)
    a.joinBatchGroup(la)
    const group = a.enterAsBatchGroupLeader(la)!
    const lb = acquire(b)
    expect(b.linkOne(lb)).toBe(false) // linked, not yet waiting
    a.allocateSequences(group)
    a.exitAsBatchGroupLeader(group, SHARED_STATUS_OK)
    expect(b.awaitState(lb, JOIN_MASK)).toBeUndefined()
    expect(b.stateOf(lb)).toBe(STATE_GROUP_LEADER)
  })

  it("a writer that links during the r_list graft is re-pointed past the grafted misfits", async () => {
    const { handle } = setup()
    const a = handle()
    const b = handle()
    const c = handle()
    const d = handle()
    const la = acquire(a) // non-sync leader
    a.joinBatchGroup(la)
    const lb = acquire(b, 16, { sync: true }) // rejected: sync under non-sync
    const wb = b.joinBatchGroup(lb)
    const ld = acquire(d) // admitted: the snapshot's newest
    const wd = d.joinBatchGroup(ld)
    let wc: Promise<void> | undefined
    let lc = -1
    a.before = () => {
      lc = acquire(c)
      wc = c.joinBatchGroup(lc) as Promise<void>
    }
    const group = a.enterAsBatchGroupLeader(la)!
    expect([group.leader, group.lastWriter, group.size]).toEqual([la, ld, 2])
    // Queue now: la -> ld | lb -> lc, with lc's link_older patched from ld to lb.
    expect(a.load(lc, S_LINK_OLDER)).toBe(lb)
    expect(a.load(lb, S_LINK_OLDER)).toBe(ld)
    a.allocateSequences(group)
    a.exitAsBatchGroupLeader(group, SHARED_STATUS_OK)
    await Promise.all([wb, wd])
    expect(d.stateOf(ld)).toBe(STATE_COMPLETED)
    expect(b.stateOf(lb)).toBe(STATE_GROUP_LEADER)
    const next = b.enterAsBatchGroupLeader(lb)!
    expect([next.leader, next.lastWriter, next.size]).toEqual([lb, lc, 2]) // non-sync rides under a sync leader
    b.allocateSequences(next)
    b.exitAsBatchGroupLeader(next, SHARED_STATUS_OK)
    await wc
    expect(c.stateOf(lc)).toBe(STATE_COMPLETED)
    expect([c.sequenceOf(la), c.sequenceOf(ld), c.sequenceOf(lb), c.sequenceOf(lc)]).toEqual([1, 2, 3, 4])
  })
})

describe("SharedWriteThread: admission rules", () => {
  it("every RocksDB rule rejects, misfits keep their order after the group, later fits overtake", async () => {
    const { handle } = setup(1024) // min batch = 128: a leader of <= 128 bytes caps at its size + 128
    const h = handle()
    const others = Array.from({ length: 9 }, () => handle())
    const leader = acquire(h, 100)
    h.joinBatchGroup(leader)
    const specs: Array<[number, SharedWriterOptions | undefined, boolean]> = [
      [16, { sync: true }, false], // sync under a non-sync leader
      [16, { noSlowdown: true }, false],
      [16, { disableWAL: true }, false],
      [16, { protectionBytesPerKey: 8 }, false],
      [16, { rateLimiterPriority: 2 }, false],
      [16, { allowWriteBatching: false }, false],
      [50, {}, true], // 150 <= 228
      [90, {}, false], // 240 > 228: the small-leader cap
      [60, {}, true], // 210: a later fit overtakes the misfit
    ]
    const slots = specs.map(([bytes, options], i) => {
      const s = acquire(others[i]!, bytes, options)
      others[i]!.joinBatchGroup(s)
      return s
    })
    const group = h.enterAsBatchGroupLeader(leader)!
    const members: number[] = []
    h.forEachMember(group, (m) => members.push(m))
    expect(members).toEqual([leader, slots[6], slots[8]])
    expect(group.bytes).toBe(210)
    // The rejected, in arrival order, right after the group.
    const rejected: number[] = []
    for (let w = h.newest; w !== group.lastWriter; w = h.load(w, S_LINK_OLDER)) rejected.unshift(w)
    expect(rejected).toEqual(specs.flatMap(([, , admitted], i) => (admitted ? [] : [slots[i]!])))
  })

  it("a large leader caps its group at max; an unbatched writer is never admitted", () => {
    const { handle } = setup(1024)
    const h = handle()
    const u = handle()
    const f = handle()
    const leader = acquire(h, 200) // > 128: the cap is the full 1024
    h.joinBatchGroup(leader)
    const unbatched = u.acquireWriter(undefined, 0)
    expect(u.enterUnbatched(unbatched)).toBeInstanceOf(Promise)
    const big = acquire(f, 800)
    f.joinBatchGroup(big)
    const group = h.enterAsBatchGroupLeader(leader)!
    expect([group.size, group.lastWriter, group.bytes]).toEqual([2, big, 1000])
    expect(h.load(unbatched, S_LINK_OLDER)).toBe(big)
  })
})

describe("SharedWriteThread: stall barrier, parallel writers, dead threads, poison", () => {
  it("a stall refuses noSlowdown writers (queued and new) and holds the others until it ends", async () => {
    const { handle } = setup()
    const h = handle()
    const q = handle()
    const n = handle()
    const s = handle()
    const leader = acquire(h)
    h.joinBatchGroup(leader)
    const queuedNoSlowdown = acquire(q, 16, { noSlowdown: true })
    const wq = q.joinBatchGroup(queuedNoSlowdown)
    h.beginWriteStall()
    await wq
    expect(q.stateOf(queuedNoSlowdown)).toBe(STATE_COMPLETED)
    expect(q.statusOf(queuedNoSlowdown)).toBe(SHARED_STATUS_WRITE_STALL)
    const newNoSlowdown = acquire(n, 16, { noSlowdown: true })
    expect(n.joinBatchGroup(newNoSlowdown)).toBeUndefined()
    expect(n.statusOf(newNoSlowdown)).toBe(SHARED_STATUS_WRITE_STALL)
    const slow = acquire(s)
    const ws = s.joinBatchGroup(slow)
    expect(ws).toBeInstanceOf(Promise)
    expect(h.getBegunCountOfOutstandingStall()).toBe(1)
    h.endWriteStall()
    expect(h.getBegunCountOfOutstandingStall()).toBe(0)
    commit(h, leader) // s links once the stall ends; it rides in this group or leads the next
    await ws
    const st = s.stateOf(slow)
    if (st === STATE_GROUP_LEADER) commit(s, slow)
    else expect([st, s.statusOf(slow)]).toEqual([STATE_COMPLETED, SHARED_STATUS_OK])
    expect(h.lastPublished).toBe(2)
  })

  it("a group of 25 wakes 4 CALLERs and every 5th member; the last finisher exits for the leader", async () => {
    const { handle } = setup()
    const hs = Array.from({ length: 25 }, () => handle())
    const slots = hs.map((h) => acquire(h))
    const waits = hs.map((h, i) => h.joinBatchGroup(slots[i]!))
    expect(waits[0]).toBeUndefined()
    const lead = hs[0]!
    const group = lead.enterAsBatchGroupLeader(slots[0]!)!
    expect(group.size).toBe(25)
    lead.allocateSequences(group)
    lead.launchParallelMemTableWriters(group)
    const roles = slots.map((s) => lead.stateOf(s))
    expect(roles.slice(0, 5)).toEqual([STATE_PARALLEL_MEMTABLE_WRITER, ...Array(4).fill(STATE_PARALLEL_MEMTABLE_CALLER)])
    for (const i of [5, 10, 15, 20]) expect(roles[i]).toBe(STATE_PARALLEL_MEMTABLE_WRITER)
    for (let i = 1; i < 5; i++) hs[i]!.setMemWritersEachStride(slots[i]!)
    expect(slots.every((s) => lead.stateOf(s) === STATE_PARALLEL_MEMTABLE_WRITER)).toBe(true)
    await Promise.all(waits.slice(1))
    // Everyone but member 7 finishes (member 3 with an error); member 7 is last and exits.
    const pending = []
    for (let i = 0; i < 25; i++) {
      if (i === 7) continue
      const r = hs[i]!.completeParallelMemTableWriter(slots[i]!, i === 3 ? 9 : SHARED_STATUS_OK)
      expect(r).not.toBe(true)
      pending.push(r)
    }
    expect(hs[7]!.completeParallelMemTableWriter(slots[7]!, SHARED_STATUS_OK)).toBe(true)
    const last = hs[7]!.lastSequenceOf(group)
    hs[7]!.publish(hs[7]!.firstSequenceOf(group), last)
    hs[7]!.exitAsBatchGroupFollower(slots[7]!)
    await Promise.all(pending)
    expect(slots.map((s) => lead.statusOf(s))).toEqual(Array(25).fill(9)) // the first error is the group's
    expect(lead.newest).toBe(-1)
  })

  it("a dead member refuses its parallel role and is counted out; its slot is freed when the group exits", async () => {
    const { handle } = setup()
    const owner = handle()
    const [h0, h1, h2] = [handle(), handle(), handle()]
    const s0 = acquire(h0)
    h0.joinBatchGroup(s0)
    const s1 = acquire(h1)
    h1.joinBatchGroup(s1)
    const s2 = acquire(h2)
    const w2 = h2.joinBatchGroup(s2)
    expect(owner.markThreadDead(h1.token)).toEqual({ freed: 0, orphaned: 1, poisoned: false })
    expect(owner.statusOf(s1)).toBe(SHARED_STATUS_WRITER_DIED)
    const group = h0.enterAsBatchGroupLeader(s0)!
    expect(group.size).toBe(3) // its batch still rides: the write may or may not survive, as after a crash
    h0.allocateSequences(group)
    h0.launchParallelMemTableWriters(group)
    await w2
    expect(h2.completeParallelMemTableWriter(s2, SHARED_STATUS_OK)).not.toBe(true)
    expect(h0.completeParallelMemTableWriter(s0, SHARED_STATUS_OK)).toBe(true) // running was 3 - 1 (dead)
    h0.publish(h0.firstSequenceOf(group), h0.lastSequenceOf(group))
    h0.exitAsBatchGroupLeader(group, SHARED_STATUS_OK)
    expect(owner.statusOf(s2)).toBe(SHARED_STATUS_OK)
    h0.releaseWriter(s0)
    h2.releaseWriter(s2)
    expect(owner.slotsInUse()).toBe(0)
    // The zombie cannot start another write.
    expect(() => h1.acquireWriter(new Uint8Array(4), 1)).toThrow(expect.objectContaining({ _tag: "ThreadDeclaredDead" }))
  })

  it("poison completes every queued writer with POISONED and refuses new ones", async () => {
    const { handle } = setup()
    const [a, b, c] = [handle(), handle(), handle()]
    const la = acquire(a)
    a.joinBatchGroup(la)
    const lb = acquire(b)
    const wb = b.joinBatchGroup(lb)
    a.poison()
    await wb
    expect([b.stateOf(lb), b.statusOf(lb)]).toEqual([STATE_COMPLETED, SHARED_STATUS_POISONED])
    expect(a.enterAsBatchGroupLeader(la)).toBeUndefined()
    const lc = acquire(c)
    expect(c.joinBatchGroup(lc)).toBeUndefined()
    expect(c.statusOf(lc)).toBe(SHARED_STATUS_POISONED)
  })
})

describe("SharedWriteThread: bad input", () => {
  it("typed errors name the problem", () => {
    expect(() => SharedWriteThread.allocate({ slotCount: 0 })).toThrow(expect.objectContaining({ _tag: "InvalidSharedWriteThreadOptions" }))
    const { shared, handle } = setup()
    expect(() => SharedWriteThread.attach(shared, { token: 0 })).toThrow(/token must come from registerThread/)
    const h = handle()
    expect(() => h.acquireWriter(new Uint8Array(2000), 1)).toThrow(expect.objectContaining({ _tag: "SharedBatchTooLarge" }))
    for (let i = 0; i < 64; i++) acquire(h)
    expect(() => acquire(h)).toThrow(expect.objectContaining({ _tag: "WriterSlotsExhausted", slotCount: 64 }))
    const blocking = SharedWriteThread.attach(shared, { token: SharedWriteThread.registerThread(shared), waitMode: "block" })
    const other = SharedWriteThread.allocate({ slotCount: 4, batchCapacity: 64 })
    const b2 = SharedWriteThread.attach(other, { token: SharedWriteThread.registerThread(other), waitMode: "block" })
    b2.acquireWriter(new Uint8Array(4), 1)
    expect(() => b2.acquireWriter(new Uint8Array(4), 1)).toThrow(expect.objectContaining({ _tag: "BlockingWaitWithConcurrentWriters" }))
    expect(blocking.waitMode).toBe("block")
  })
})
