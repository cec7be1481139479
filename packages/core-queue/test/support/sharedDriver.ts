/**
 * A reference driver for SharedWriteThread: DBImpl::WriteImpl's classic path (serial or
 * parallel memtable inserts) over the shared fakes. The engine's strategies will drive the
 * queue the same way; the tests, the benchmark and the conformance suite use this one.
 */
import {
  SHARED_STATUS_OK,
  type SharedGroupView,
  type SharedWriterOptions,
  type SharedWriteThread,
  STATE_COMPLETED,
  STATE_GROUP_LEADER,
  STATE_PARALLEL_MEMTABLE_CALLER,
  STATE_PARALLEL_MEMTABLE_WRITER,
} from "../../src/index.ts"
import { batchFor, type FakeViews, keyOf } from "./sharedFakes.ts"

/** The options, length and record count of write `key`: every admission rule gets exercised. */
export const writeFor = (key: number): { options: SharedWriterOptions; length: number; count: number } => ({
  options: {
    sync: key % 5 === 0,
    noSlowdown: key % 7 === 0,
    disableWAL: key % 11 === 0,
    allowWriteBatching: key % 13 !== 0,
  },
  length: 8 + ((key * 37) % 200),
  count: 1 + (key % 3),
})

export interface DriverEnv {
  readonly wt: SharedWriteThread
  readonly fakes: FakeViews
  /** allow_concurrent_memtable_write: groups of 2+ insert in parallel. */
  readonly parallel: boolean
}

export interface WriteResult {
  readonly status: number
  readonly sequence: number
}

const insertOwn = (env: DriverEnv, slot: number): void => {
  const key = keyOf(env.wt.batchOf(slot))
  const first = env.wt.sequenceOf(slot)
  for (let i = 0; i < env.wt.batchCountOf(slot); i++) env.fakes.insert(first + i, key)
}

const appendGroup = (env: DriverEnv, group: SharedGroupView, first: number, last: number): void => {
  const members: Array<readonly [number, number, number, number]> = []
  env.wt.forEachMember(group, (m) => {
    const batch = env.wt.batchOf(m)
    members.push([keyOf(batch), env.wt.batchCountOf(m), batch.byteLength, env.wt.sequenceOf(m)])
  })
  env.fakes.appendWal(first, last - first + 1, group.bytes, group.leader, members)
}

/** The last parallel finisher: publish, then exit (for the leader if it is not the leader). */
const finishParallel = (env: DriverEnv, slot: number, leader: number): void => {
  const group = env.wt.groupOf(leader)
  const first = env.wt.firstSequenceOf(group)
  const last = env.wt.lastSequenceOf(group)
  env.wt.publish(first, last)
  env.fakes.publish(first, last)
  if (slot === leader) env.wt.exitAsBatchGroupLeader(group, env.wt.groupStatus(leader))
  else env.wt.exitAsBatchGroupFollower(slot)
}

/** A parallel member inserts its own batch; the last one out finishes the group. */
const runParallel = async (env: DriverEnv, slot: number): Promise<void> => {
  insertOwn(env, slot)
  const leader = env.wt.leaderOf(slot)
  const done = env.wt.completeParallelMemTableWriter(slot, SHARED_STATUS_OK)
  if (done === true) finishParallel(env, slot, leader)
  else if (done !== false) await done
}

/** The leader's part: form, allocate, append, insert (serially or in parallel), publish, exit. */
export const lead = async (env: DriverEnv, slot: number): Promise<void> => {
  const group = env.wt.enterAsBatchGroupLeader(slot)
  if (group === undefined) {
    // Poisoned: the poisoner completes every linked writer, this one included.
    const wait = env.wt.awaitState(slot, STATE_COMPLETED)
    if (wait !== undefined) await wait
    return
  }
  const last = env.wt.allocateSequences(group)
  const first = env.wt.firstSequenceOf(group)
  appendGroup(env, group, first, last)
  if (env.parallel && group.size > 1) {
    env.wt.launchParallelMemTableWriters(group)
    return runParallel(env, slot)
  }
  env.wt.forEachMember(group, (m) => insertOwn(env, m))
  env.wt.publish(first, last)
  env.fakes.publish(first, last)
  env.wt.exitAsBatchGroupLeader(group, SHARED_STATUS_OK)
}

/** One write through the shared queue: acquire, join, lead or follow, release. */
export const sharedWrite = async (env: DriverEnv, key: number): Promise<WriteResult> => {
  const { options, length, count } = writeFor(key)
  const wt = env.wt
  const slot = wt.acquireWriter(batchFor(key, length), count, options)
  try {
    const wait = wt.joinBatchGroup(slot)
    if (wait !== undefined) await wait
    let state = wt.stateOf(slot)
    if ((state & STATE_PARALLEL_MEMTABLE_CALLER) !== 0) {
      wt.setMemWritersEachStride(slot)
      state = wt.stateOf(slot)
    }
    if ((state & STATE_PARALLEL_MEMTABLE_WRITER) !== 0) await runParallel(env, slot)
    else if ((state & STATE_GROUP_LEADER) !== 0) await lead(env, slot)
    const final = wt.stateOf(slot)
    // A leader of a serial group is never marked COMPLETED: its own result is the group's.
    const status = (final & STATE_COMPLETED) !== 0 ? wt.statusOf(slot) : SHARED_STATUS_OK
    const result = { status, sequence: status === SHARED_STATUS_OK ? wt.sequenceOf(slot) : 0 }
    env.fakes.ack(key, result.status, result.sequence)
    return result
  } finally {
    wt.releaseWriter(slot)
  }
}
