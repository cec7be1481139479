/**
 * A reference driver for the WriteThread: DBImpl::WriteImpl's classic path and
 * PipelinedWriteImpl over a fake WAL and memtable (Pebble's commitEnv idea: the protocol is
 * tested without a database). Used by the tests, the benchmark and the conformance suite;
 * the strategies package implements the real thing the same way.
 */
import type { WriteBatch } from "@writepath/batch"
import {
  SequencerImpl,
  STATE_COMPLETED,
  STATE_GROUP_LEADER,
  STATE_MEMTABLE_WRITER_LEADER,
  STATE_PARALLEL_MEMTABLE_CALLER,
  STATE_PARALLEL_MEMTABLE_WRITER,
  stateName,
  type WriteCallback,
  WriteGroup,
  Writer,
  type WriterOptions,
  type WriteStatus,
  WriteThread,
  type WriteThreadImpl,
  type WriteThreadOptions,
} from "../../src/index.ts"

/** A writer with an id, so fakes can record who went where. */
export class TestWriter extends Writer {
  readonly id: number
  constructor(id: number, batch: WriteBatch | undefined, options?: WriterOptions, callback?: WriteCallback) {
    super(batch, options, callback)
    this.id = id
  }
}

export interface WalRecord {
  readonly firstSequence: number
  readonly count: number
  readonly writers: ReadonlyArray<number>
  readonly sync: boolean
}

/** The WAL stage's collaborator: append one group; a returned error fails the whole group. */
export interface FakeWal {
  append(group: WriteGroup, firstSequence: number, count: number, sync: boolean): WriteStatus | Promise<WriteStatus>
}

/** The memtable stage's collaborator: insert one writer's batch at its sequence. */
export interface FakeMemtable {
  insert(w: Writer): WriteStatus
}

/** Records every append; optional per-append hook (a latch to hold the leader, an injected error). */
export class RecordingWal implements FakeWal {
  readonly records: WalRecord[] = []
  hook: ((record: WalRecord, index: number) => WriteStatus | Promise<WriteStatus>) | undefined = undefined

  append(group: WriteGroup, firstSequence: number, count: number, sync: boolean): WriteStatus | Promise<WriteStatus> {
    const writers: number[] = []
    group.forEach((w) => {
      if (w.shouldWriteToWAL()) writers.push((w as TestWriter).id)
    })
    const record = { firstSequence, count, writers, sync }
    this.records.push(record)
    return this.hook?.(record, this.records.length - 1)
  }
}

export interface Insert {
  readonly id: number
  readonly sequence: number
  readonly count: number
}

export class RecordingMemtable implements FakeMemtable {
  readonly inserts: Insert[] = []
  fail: ((w: TestWriter) => WriteStatus) | undefined = undefined

  insert(w: Writer): WriteStatus {
    const t = w as TestWriter
    const failed = this.fail?.(t)
    if (failed !== undefined) return failed
    this.inserts.push({ id: t.id, sequence: w.sequence, count: w.batch!.count })
    return undefined
  }
}

export interface DriverEnv {
  readonly wt: WriteThreadImpl
  readonly seq: SequencerImpl
  readonly wal: FakeWal
  readonly mem: FakeMemtable
  /** allow_concurrent_memtable_write: groups of > 1 without Merge insert in parallel. */
  readonly parallel: boolean
  /** Runs in the leader before it forms its group (PreprocessWrite: stalls, switches). */
  preprocess?: ((leader: Writer) => void | Promise<void>) | undefined
  /** Pipelined: runs in the memtable-writer leader after it formed its group (a slow insert). */
  memtableGate?: ((leader: Writer) => void | Promise<void>) | undefined
}

export const makeEnv = (
  options: WriteThreadOptions & { readonly wal?: FakeWal; readonly mem?: FakeMemtable; readonly initialSequence?: number } = {},
): DriverEnv & { readonly wal: FakeWal; readonly mem: FakeMemtable } => ({
  wt: WriteThread.unsafeMake(options),
  seq: new SequencerImpl(options.initialSequence ?? 0),
  wal: options.wal ?? new RecordingWal(),
  mem: options.mem ?? new RecordingMemtable(),
  parallel: options.allowConcurrentMemtableWrite === true,
})

/** One write, the way the strategy will do it. Resolves with the writer's final status. */
export const write = (env: DriverEnv, w: Writer): Promise<WriteStatus> =>
  env.wt.enablePipelinedWrite ? pipelinedWriteImpl(env, w) : writeImpl(env, w)

const resolved = async <A>(a: A | Promise<A>): Promise<A> => a

/** DBImpl::WriteImpl, classic path (serial or parallel memtable insert). */
export const writeImpl = async (env: DriverEnv, w: Writer): Promise<WriteStatus> => {
  const { wt, seq } = env
  const joined = wt.joinBatchGroup(w)
  if (joined !== undefined) await joined // YIELD: wait for a role

  if (w.state === STATE_PARALLEL_MEMTABLE_CALLER) wt.setMemWritersEachStride(w)
  if (w.state === STATE_PARALLEL_MEMTABLE_WRITER) {
    if (w.shouldWriteToMemtable()) w.status = env.mem.insert(w)
    const last = wt.completeParallelMemTableWriter(w)
    if (last === true) {
      if (w.status === undefined) seq.publish(w.writeGroup!.lastSequence)
      wt.exitAsBatchGroupFollower(w)
    } else {
      await last // YIELD: until the last finisher completes the group
    }
  }
  if (w.state === STATE_COMPLETED) return w.finalStatus()
  if (w.state !== STATE_GROUP_LEADER) throw new Error(`classic writer woke as ${stateName(w.state)}`)

  if (env.preprocess !== undefined) await env.preprocess(w) // YIELD (only when stalling): still the owner
  const group = new WriteGroup()
  wt.enterAsBatchGroupLeader(w, group)

  let total = 0
  let hasMerge = false
  group.forEach((m) => {
    if (m.checkCallback() && m.shouldWriteToMemtable()) {
      total += m.batch!.count
      hasMerge ||= m.batch!.hasMerge
    }
  })
  const first = seq.allocate(total)
  let next = first
  group.forEach((m) => {
    if (!m.callbackFailed()) {
      m.sequence = next
      if (m.shouldWriteToMemtable()) next += m.batch!.count
    }
  })
  group.lastSequence = first + total - 1

  let status: WriteStatus
  if (!w.disableWAL) {
    const appended = env.wal.append(group, first, total, w.sync)
    // YIELD while the WAL I/O runs: the leader keeps the queue, newcomers queue up behind it.
    status = appended instanceof Promise ? await appended : appended
  }
  if (status === undefined) {
    if (env.parallel && group.size > 1 && !hasMerge) {
      wt.launchParallelMemTableWriters(group)
      if (w.shouldWriteToMemtable()) w.status = env.mem.insert(w)
      const last = wt.completeParallelMemTableWriter(w)
      if (last === true) {
        if (w.status === undefined) seq.publish(group.lastSequence)
        wt.exitAsBatchGroupLeader(group, w.status)
      } else {
        await last // YIELD
      }
      return w.finalStatus()
    }
    group.forEach((m) => {
      if (status === undefined && m.shouldWriteToMemtable()) status = env.mem.insert(m)
    })
    if (status === undefined) seq.publish(group.lastSequence) // publication before release
  }
  wt.exitAsBatchGroupLeader(group, status)
  return w.finalStatus()
}

/** DBImpl::PipelinedWriteImpl. */
export const pipelinedWriteImpl = async (env: DriverEnv, w: Writer): Promise<WriteStatus> => {
  const { wt, seq } = env
  const joined = wt.joinBatchGroup(w)
  if (joined !== undefined) await joined // YIELD

  if (w.state === STATE_GROUP_LEADER) {
    if (env.preprocess !== undefined) await env.preprocess(w)
    const group = new WriteGroup()
    wt.enterAsBatchGroupLeader(w, group)
    let total = 0
    group.forEach((m) => {
      if (m.checkCallback() && m.shouldWriteToMemtable()) total += m.batch!.count
    })
    // current_sequence = UpdateLastSequence(LastSequence()) + 1; then UpdateLastSequence(current + total - 1)
    const first = seq.updateLastSequence(seq.lastPublished) + 1
    seq.updateLastSequence(first + total - 1)
    let next = first
    group.forEach((m) => {
      if (m.shouldWriteToMemtable()) {
        m.sequence = next
        next += m.batch!.count
      }
    })
    let status: WriteStatus
    if (!w.disableWAL) status = await resolved(env.wal.append(group, first, total, w.sync)) // YIELD: WAL I/O
    const exited = wt.exitAsBatchGroupLeader(group, status)
    if (exited !== undefined) await exited // YIELD: wait for the memtable-stage role
  }

  if (w.state === STATE_MEMTABLE_WRITER_LEADER) {
    const group = new WriteGroup()
    wt.enterAsMemTableWriter(w, group)
    if (env.memtableGate !== undefined) await env.memtableGate(w) // YIELD (a slow insert): still owns the memtable queue
    if (group.size > 1 && env.parallel) {
      wt.launchParallelMemTableWriters(group)
    } else {
      group.forEach((m) => {
        if (group.status === undefined) group.status = env.mem.insert(m)
      })
      if (group.status === undefined) seq.publish(group.lastSequence)
      wt.exitAsMemTableWriter(w, group)
    }
  }
  if (w.state === STATE_PARALLEL_MEMTABLE_CALLER) wt.setMemWritersEachStride(w)
  if (w.state === STATE_PARALLEL_MEMTABLE_WRITER) {
    w.status = env.mem.insert(w)
    const last = wt.completeParallelMemTableWriter(w)
    if (last === true) {
      if (w.status === undefined) seq.publish(w.writeGroup!.lastSequence)
      wt.exitAsMemTableWriter(w, w.writeGroup!)
    } else {
      await last // YIELD
    }
  }
  if (w.state !== STATE_COMPLETED) throw new Error(`pipelined writer ended as ${stateName(w.state)}`)
  return w.finalStatus()
}

/** A latch: `wait()` until `open()`. */
export class Latch {
  private opened = false
  private readonly waiters: Array<() => void> = []
  wait(): Promise<void> {
    if (this.opened) return Promise.resolve()
    return new Promise((resolve) => {
      this.waiters.push(resolve)
    })
  }
  open(): void {
    this.opened = true
    for (const w of this.waiters.splice(0)) w()
  }
}

/**
 * Let every pending microtask (and every continuation they schedule) run: a macrotask
 * boundary, so the queue is drained deterministically (no timer, no sleep).
 */
export const flush = (): Promise<void> =>
  new Promise((resolve) => {
    setImmediate(resolve)
  })
