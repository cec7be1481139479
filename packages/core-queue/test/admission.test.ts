/**
 * EnterAsBatchGroupLeader's admission rules (WRITE-PATH.md 1.5), driven directly: writers
 * join, the first leads at once, the rest park; the leader forms its group and we inspect
 * the group and the queue behind it. No WAL, no memtable.
 */
import { describe, expect, it } from "vitest"
import {
  STATE_GROUP_LEADER,
  STATE_LOCKED_WAITING,
  type WriteCallback,
  WriteGroup,
  Writer,
  type WriterOptions,
  WriteThread,
  type WriteThreadImpl,
} from "../src/index.ts"
import { batchOfSize, smallBatch } from "./support/batches.ts"
import { TestWriter } from "./support/testWriter.ts"

const queueAfter = (group: WriteGroup): number[] => {
  const ids: number[] = []
  for (let w = group.lastWriter!.linkNewer; w !== undefined; w = w.linkNewer) ids.push((w as TestWriter).id)
  return ids
}

/** The main queue oldest -> newest, walking linkOlder from the head. */
const queueIds = (wt: WriteThreadImpl): number[] => {
  const ids: number[] = []
  for (let w = wt.newestWriter.newest; w !== undefined; w = w.linkOlder) ids.unshift((w as TestWriter).id)
  return ids
}

/** Leader 0 with `leaderOptions`, then one follower per entry; returns the formed group's member ids. */
const form = (
  leaderOptions: WriterOptions,
  followers: ReadonlyArray<{ options?: WriterOptions; bytes?: number; callback?: WriteCallback; unbatched?: boolean }>,
  leaderBytes = 20,
  wt: WriteThreadImpl = WriteThread.unsafeMake(),
) => {
  const leader = new TestWriter(0, batchOfSize(leaderBytes), leaderOptions)
  expect(wt.joinBatchGroup(leader)).toBeUndefined()
  expect(leader.state).toBe(STATE_GROUP_LEADER)
  const writers = followers.map(
    (f, i) => new TestWriter(i + 1, f.unbatched ? undefined : batchOfSize(f.bytes ?? 20), f.options, f.callback),
  )
  for (const w of writers) {
    if (w.batch === undefined) void wt.enterUnbatched(w)
    else void wt.joinBatchGroup(w)
  }
  const group = new WriteGroup()
  const size = wt.enterAsBatchGroupLeader(leader, group)
  return { wt, leader, writers, group, size, members: group.toArray().map((w) => (w as TestWriter).id), rest: queueAfter(group) }
}

describe("JoinBatchGroup", () => {
  it("the first writer to find the queue idle leads at once, with no wait", () => {
    const wt = WriteThread.unsafeMake()
    const w = new Writer(smallBatch())
    expect(wt.joinBatchGroup(w)).toBeUndefined()
    expect(w.state).toBe(STATE_GROUP_LEADER)
    expect(wt.stats.leadersWithoutWait).toBe(1)
  })

  it("later writers park (LOCKED_WAITING) until a leader acts, and call onWriteEnqueued", () => {
    const wt = WriteThread.unsafeMake()
    void wt.joinBatchGroup(new Writer(smallBatch()))
    let enqueued = 0
    const w = new Writer(smallBatch(), {}, undefined, { onWriteEnqueued: () => void enqueued++ })
    expect(wt.joinBatchGroup(w)).toBeInstanceOf(Promise)
    expect(w.state).toBe(STATE_LOCKED_WAITING)
    expect(enqueued).toBe(1)
    expect(wt.stats.writersWaited).toBe(1)
  })
})

describe("EnterAsBatchGroupLeader admission", () => {
  it("admits compatible writers in arrival order and returns the group's bytes", () => {
    const r = form({}, [{}, {}, {}])
    expect(r.members).toEqual([0, 1, 2, 3])
    expect(r.size).toBe(80)
    expect(r.group.size).toBe(4)
    expect(r.rest).toEqual([])
    expect(r.writers.every((w) => w.writeGroup === r.group)).toBe(true)
  })

  it("a sync writer never joins a non-sync leader; a non-sync writer rides with a sync leader", () => {
    expect(form({}, [{ options: { sync: true } }, {}]).members).toEqual([0, 2])
    expect(form({ sync: true }, [{}, { options: { sync: true } }]).members).toEqual([0, 1, 2])
  })

  it("noSlowdown must match the leader's", () => {
    expect(form({}, [{ options: { noSlowdown: true } }, {}]).members).toEqual([0, 2])
    expect(form({ noSlowdown: true }, [{}, { options: { noSlowdown: true } }]).members).toEqual([0, 2])
  })

  it("disableWAL must match the leader's", () => {
    expect(form({}, [{ options: { disableWAL: true } }, {}]).members).toEqual([0, 2])
    expect(form({ disableWAL: true }, [{}, { options: { disableWAL: true } }]).members).toEqual([0, 2])
  })

  it("protectionBytesPerKey and rateLimiterPriority must match", () => {
    expect(form({}, [{ options: { protectionBytesPerKey: 8 } }, {}]).members).toEqual([0, 2])
    expect(form({}, [{ options: { rateLimiterPriority: 2 } }, {}]).members).toEqual([0, 2])
  })

  it("a callback that refuses batching goes alone; one that allows it is admitted; only the candidate's callback counts", () => {
    const refuse: WriteCallback = { callback: () => undefined, allowWriteBatching: () => false }
    const allow: WriteCallback = { callback: () => undefined, allowWriteBatching: () => true }
    expect(form({}, [{ callback: refuse }, { callback: allow }, {}]).members).toEqual([0, 2, 3])
  })

  it("unbatched writers (EnterUnbatched) are never admitted", () => {
    const r = form({}, [{}, { unbatched: true }, {}])
    expect(r.members).toEqual([0, 1, 3])
    expect(r.rest).toEqual([2])
  })

  it("caps the group at maxWriteBatchGroupSizeBytes (1 MiB) for a large leader", () => {
    const MiB = 1 << 20
    // Leader above max/8: the cap is the full 1 MiB.
    const r = form({}, [{ bytes: MiB / 2 }, { bytes: MiB / 4 }, { bytes: 100 }], MiB / 4)
    // 256 KiB + 512 KiB = 768 KiB; + 256 KiB = 1 MiB exactly (allowed: the test is size + next > max)
    expect(r.members).toEqual([0, 1, 2])
    expect(r.size).toBe(MiB)
    expect(r.rest).toEqual([3])
  })

  it("small-leader rule: a leader <= max/8 caps its group at its size + max/8 (128 KiB)", () => {
    const KiB = 1024
    const leaderBytes = 100
    // Exactly at the limit: leader + 128 KiB.
    const fits = form({}, [{ bytes: 64 * KiB }, { bytes: 64 * KiB }], leaderBytes)
    expect(fits.members).toEqual([0, 1, 2])
    expect(fits.size).toBe(leaderBytes + 128 * KiB)
    // One byte more does not fit; the next small writer still does (overtaking).
    const over = form({}, [{ bytes: 64 * KiB }, { bytes: 64 * KiB + 1 }, { bytes: 20 }], leaderBytes)
    expect(over.members).toEqual([0, 1, 3])
    expect(over.rest).toEqual([2])
    // A leader of exactly max/8 still gets the small-leader cap; one byte more gets the full 1 MiB.
    expect(form({}, [{ bytes: 256 * KiB }], 128 * KiB).members).toEqual([0])
    expect(form({}, [{ bytes: 256 * KiB }], 128 * KiB + 1).members).toEqual([0, 1])
  })

  it("honours a custom maxWriteBatchGroupSizeBytes", () => {
    const wt = WriteThread.unsafeMake({ maxWriteBatchGroupSizeBytes: 800 })
    // max/8 = 100: a 20-byte leader caps at 120.
    expect(form({}, [{ bytes: 50 }, { bytes: 50 }, { bytes: 50 }], 20, wt).members).toEqual([0, 1, 2])
  })

  it("rejected writers are skipped, not a stop: later writers overtake and the rejected keep their order right after the group", () => {
    const r = form({}, [
      { options: { sync: true } }, // 1 rejected
      {}, // 2
      { options: { noSlowdown: true } }, // 3 rejected
      { options: { disableWAL: true } }, // 4 rejected
      {}, // 5
    ])
    expect(r.members).toEqual([0, 2, 5])
    expect(r.rest).toEqual([1, 3, 4])
    // linkOlder agrees with linkNewer: the queue reads the same from the head.
    expect(queueIds(r.wt)).toEqual([0, 2, 5, 1, 3, 4])
    expect(r.wt.newestWriter.newest).toBe(r.writers[3])
  })

  it("the newest writer itself rejected: r_list becomes the head", () => {
    const r = form({}, [{}, { options: { sync: true } }])
    expect(r.members).toEqual([0, 1])
    expect(queueIds(r.wt)).toEqual([0, 1, 2])
    expect(r.wt.newestWriter.newest).toBe(r.writers[1])
  })

  it("writers that arrive after the group formed queue behind the rejected ones", () => {
    const r = form({}, [{ options: { sync: true } }, {}])
    const late = new TestWriter(9, smallBatch())
    void r.wt.joinBatchGroup(late)
    expect(queueIds(r.wt)).toEqual([0, 2, 1, 9])
  })

  it("counts groups and their sizes", () => {
    const r = form({}, [{}, { options: { sync: true } }, {}])
    expect(r.wt.stats.groupsFormed).toBe(1)
    expect(r.wt.stats.groupSize.count).toBe(1)
    expect(r.wt.stats.groupSize.max).toBe(3)
  })
})
