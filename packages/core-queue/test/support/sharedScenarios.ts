/**
 * The SharedWriteThread thread scenarios, runtime-neutral: each starts real worker
 * threads, drives writes through the shared queue and checks the shared fakes, throwing
 * on any violation. vitest (Node) and the conformance suites (Bun, Deno, Node) run the
 * same functions.
 */

import type { Worker } from "node:worker_threads"
import { StartGate, spawnModuleWorker } from "@writepath/memtable"
import {
  SHARED_STATUS_OK,
  SHARED_STATUS_POISONED,
  SharedWriteThread,
  type SharedWriteThreadBuffer,
  type WaitMode,
} from "../../src/index.ts"
import { S_LINK_NEWER, S_LINK_OLDER, S_LINKING, S_OWNER, stateOf } from "../../src/internal/shared/layout.ts"
import { stateName } from "../../src/WriterState.ts"
import { lead, sharedWrite, writeFor } from "./sharedDriver.ts"
import { batchFor, FakeViews, makeFakes, type SharedFakes } from "./sharedFakes.ts"
import type { WorkerJob } from "./sharedWriterWorker.ts"

export const check: (cond: unknown, what: string) => asserts cond = (cond, what) => {
  if (!cond) throw new Error(what)
}

const workerUrl = (): URL => new URL(`./sharedWriterWorker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url)

/** Group byte cap for the tests' queues: small, so the cap and the small-leader rule bind often. */
export const TEST_GROUP_BYTES = 1024

export interface Cluster {
  readonly shared: SharedWriteThreadBuffer
  readonly fakes: SharedFakes
  readonly views: FakeViews
  /** The owner's handle (this thread, async waits: it must never block). */
  readonly owner: SharedWriteThread
}

export const makeCluster = (totalWrites: number, slotCount = 256): Cluster => {
  const shared = SharedWriteThread.allocate({ slotCount, batchCapacity: 256, maxWriteBatchGroupSizeBytes: TEST_GROUP_BYTES })
  const fakes = makeFakes(totalWrites)
  const owner = SharedWriteThread.attach(shared, { token: SharedWriteThread.registerThread(shared), waitMode: "async", spinIterations: 0 })
  return { shared, fakes, views: new FakeViews(fakes), owner }
}

export interface Started {
  readonly worker: Worker
  readonly token: number
  /** The first message the worker posts. */
  readonly message: Promise<Record<string, unknown>>
  /** Resolves with the exit code once the thread is gone (and its slots reclaimed). */
  readonly exited: Promise<number>
}

/** Start one worker per job (tokens taken here, where their 'exit' is seen) and open the start gate for all. */
export const startWorkers = async (
  c: Cluster,
  jobs: ReadonlyArray<Omit<WorkerJob, "shared" | "fakes" | "gate" | "token">>,
): Promise<Started[]> => {
  const gate = new StartGate()
  const started = jobs.map((job) => {
    const token = SharedWriteThread.registerThread(c.shared)
    const data: WorkerJob = { ...job, shared: c.shared, fakes: c.fakes, gate: gate.array.buffer as SharedArrayBuffer, token }
    const worker = spawnModuleWorker(workerUrl(), data)
    const message = new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once("message", resolve)
      worker.once("error", reject)
    })
    const exited = new Promise<number>((resolve) => {
      worker.once("exit", (code: number) => {
        c.owner.markThreadDead(token)
        resolve(code)
      })
    })
    return { worker, token, message, exited }
  })
  await gate.open(jobs.length)
  return started
}

/**
 * Wait for `done`, failing (instead of hanging) if no write is acknowledged for
 * `stallMs`: a lost wake-up shows as a queue where nothing moves.
 */
export const awaitProgress = async <A>(c: Cluster, done: Promise<A>, totalKeys: number, stallMs = 30_000): Promise<A> => {
  let last = -1
  let timer: ReturnType<typeof setInterval> | undefined
  const watchdog = new Promise<never>((_, reject) => {
    let quietSince = Date.now()
    timer = setInterval(() => {
      let acked = 0
      for (let k = 1; k <= totalKeys; k++) acked += c.views.ackOf(k).count
      if (acked !== last) {
        last = acked
        quietSince = Date.now()
      } else if (Date.now() - quietSince > stallMs) {
        reject(new Error(`no write acknowledged for ${stallMs} ms (${acked}/${totalKeys} acked): lost wake-up?\n${describeQueue(c.owner)}`))
      }
    }, 1000)
  })
  try {
    return await Promise.race([done, watchdog])
  } finally {
    clearInterval(timer)
  }
}

/** The queue from its head down, and every slot in use: what a wedge looks like. */
export const describeQueue = (wt: SharedWriteThread): string => {
  const row = (slot: number): string =>
    `slot ${slot}: owner ${wt.load(slot, S_OWNER)} state ${stateName(stateOf(wt.stateWord(slot)))} status ${wt.statusOf(slot)} ` +
    `linking ${wt.load(slot, S_LINKING)} older ${wt.load(slot, S_LINK_OLDER)} newer ${wt.load(slot, S_LINK_NEWER)} group ${wt.leaderOf(slot)}`
  const lines = [`head ${wt.newest}, poison ${wt.poisonReason}, published ${wt.lastPublished}, allocated ${wt.lastAllocated}`]
  for (let slot = 1; slot <= wt.slotCount; slot++) if (wt.load(slot, S_OWNER) !== 0) lines.push(row(slot))
  return lines.join("\n")
}

const groupCap = (leaderBytes: number): number =>
  leaderBytes <= TEST_GROUP_BYTES / 8 ? leaderBytes + TEST_GROUP_BYTES / 8 : TEST_GROUP_BYTES

/**
 * Check the history: every key in `acked` acknowledged exactly once with OK; WAL records
 * dense in sequence order and each member's sequence the one it was told; every group
 * obeys the admission rules; the memtable holds each sequence once, from its writer;
 * publications in order and covering every sequence. Returns the WAL's group sizes.
 */
export const verifyHistory = (c: Cluster, keys: ReadonlyArray<number>): { groups: number; largestGroup: number } => {
  const v = c.views
  for (const k of keys) {
    const a = v.ackOf(k)
    check(a.count === 1, `key ${k} acknowledged ${a.count} times`)
    check(a.status === SHARED_STATUS_OK, `key ${k} status ${a.status}`)
  }
  let next = 1
  let largest = 0
  const seen = new Set<number>()
  const records = v.walRecords()
  for (const r of records) {
    check(r.first === next, `WAL record starts at ${r.first}, expected ${next}`)
    const leader = writeFor(r.members[0]!.key)
    const leaderBytes = r.members[0]!.length
    let bytes = 0
    for (const [i, m] of r.members.entries()) {
      check(!seen.has(m.key), `key ${m.key} in two WAL records`)
      seen.add(m.key)
      check(m.sequence === next, `key ${m.key} at sequence ${m.sequence}, expected ${next}`)
      check(v.ackOf(m.key).sequence === m.sequence, `key ${m.key} told sequence ${v.ackOf(m.key).sequence}, WAL has ${m.sequence}`)
      for (let s = 0; s < m.count; s++)
        check(v.mem[m.sequence + s] === m.key, `memtable at ${m.sequence + s} holds ${v.mem[m.sequence + s]}, expected ${m.key}`)
      next += m.count
      bytes += m.length
      if (i === 0) continue
      const o = writeFor(m.key).options
      check(!(o.sync && !leader.options.sync), `sync writer ${m.key} under non-sync leader`)
      check(o.noSlowdown === leader.options.noSlowdown, `noSlowdown mismatch: ${m.key}`)
      check(o.disableWAL === leader.options.disableWAL, `disableWAL mismatch: ${m.key}`)
      check(o.allowWriteBatching !== false, `writer ${m.key} refuses batching but rode in a group`)
    }
    check(bytes === r.bytes, `group bytes ${r.bytes}, members sum to ${bytes}`)
    if (r.members.length > 1) check(bytes <= groupCap(leaderBytes), `group of ${bytes} bytes over the cap for a ${leaderBytes}-byte leader`)
    check(r.count === next - r.first, "record count")
    largest = Math.max(largest, r.members.length)
  }
  for (const k of keys) check(seen.has(k), `key ${k} acknowledged but not in the WAL`)
  const pubs = v.publications()
  check(pubs.length === records.length, `${pubs.length} publications for ${records.length} groups`)
  let p = 1
  for (const [first, last] of pubs) {
    check(first === p, `publication starts at ${first}, expected ${p}`)
    p = last + 1
  }
  check(c.owner.lastAllocated === next - 1, `lastAllocated ${c.owner.lastAllocated}, expected ${next - 1}`)
  check(c.owner.lastPublished === next - 1, `lastPublished ${c.owner.lastPublished}, expected ${next - 1}`)
  return { groups: records.length, largestGroup: largest }
}

export interface StressOptions {
  readonly threads: number
  readonly writersPerThread: number
  readonly writesPerWriter: number
  readonly parallel: boolean
  readonly waitMode: WaitMode
  readonly spinIterations: number
}

/** N workers x M writers, every write checked. */
export const stress = async (o: StressOptions): Promise<{ groups: number; largestGroup: number; elapsedMs: number }> => {
  const perThread = o.writersPerThread * o.writesPerWriter
  const total = o.threads * perThread
  const c = makeCluster(total)
  const t0 = performance.now()
  const workers = await startWorkers(
    c,
    Array.from({ length: o.threads }, (_, t) => ({
      task: "write" as const,
      waitMode: o.waitMode,
      spinIterations: o.spinIterations,
      parallel: o.parallel,
      writers: o.writersPerThread,
      writes: o.writesPerWriter,
      keyBase: t * perThread,
    })),
  )
  try {
    await awaitProgress(c, Promise.all(workers.map((w) => w.message)), total)
  } finally {
    await Promise.all(workers.map((w) => w.worker.terminate()))
  }
  const elapsedMs = performance.now() - t0
  const keys = Array.from({ length: total }, (_, i) => i + 1)
  const result = verifyHistory(c, keys)
  check(c.owner.slotsInUse() === 0, `${c.owner.slotsInUse()} slots still in use`)
  check(result.largestGroup > 1, "no group ever had more than one member")
  return { ...result, elapsedMs }
}

/**
 * A worker dies while its writer is queued: sync, behind this thread's non-sync leader, so
 * the leader rejects it into r_list and must hand the queue past it. The dead writer is
 * completed with WRITER_DIED at once; the handoff skips it and frees its slot; the
 * noSlowdown writer queued behind it (also rejected) is named leader and completes.
 */
export const deadFollower = async (): Promise<void> => {
  const c = makeCluster(64)
  const env = { wt: c.owner, fakes: c.views, parallel: false }
  const leaderKey = 1 // non-sync
  const deadKey = 5 // sync: rejected under a non-sync leader
  const w = writeFor(leaderKey)
  const leader = c.owner.acquireWriter(batchFor(leaderKey, w.length), w.count, w.options)
  check(c.owner.joinBatchGroup(leader) === undefined, "the leader joins an idle queue without waiting")
  const [dead] = await startWorkers(c, [
    { task: "linked", waitMode: "async", spinIterations: 0, parallel: false, writers: 1, writes: 1, keyBase: deadKey - 1 },
  ])
  const linked = (await dead!.message).linked as number
  check(c.owner.newest === linked, "the worker's writer is the newest in the queue")
  await dead!.worker.terminate()
  await dead!.exited
  const rider = sharedWrite(env, 2) // compatible: rides in the leader's group
  const behind = sharedWrite(env, 7) // noSlowdown: rejected, queued behind the dead writer
  await lead(env, leader)
  c.views.ack(leaderKey, SHARED_STATUS_OK, c.owner.sequenceOf(leader))
  c.owner.releaseWriter(leader)
  const [r2, r7] = await awaitProgress(c, Promise.all([rider, behind]), 64)
  check(r2.status === SHARED_STATUS_OK && r7.status === SHARED_STATUS_OK, `statuses ${r2.status}, ${r7.status}`)
  verifyHistory(c, [leaderKey, 2, 7])
  check(!c.views.walRecords().some((r) => r.members.some((m) => m.key === deadKey)), "the dead writer's batch was written")
  check(c.owner.slotsInUse() === 0, `${c.owner.slotsInUse()} slots in use after the dead writer left the queue`)
}

/**
 * A worker dies while it leads. Its role cannot be taken over, so the reclaim poisons the
 * queue: the writer queued behind it completes with POISONED instead of waiting forever,
 * and a new write is refused at once.
 */
export const deadLeader = async (): Promise<void> => {
  const c = makeCluster(64)
  const env = { wt: c.owner, fakes: c.views, parallel: false }
  const [dead] = await startWorkers(c, [
    { task: "lead", waitMode: "async", spinIterations: 0, parallel: false, writers: 1, writes: 1, keyBase: 0 },
  ])
  await dead!.message
  const queued = sharedWrite(env, 2)
  await dead!.worker.terminate()
  await dead!.exited
  const r = await awaitProgress(c, queued, 64)
  check(r.status === SHARED_STATUS_POISONED, `the writer behind the dead leader completed with ${r.status}`)
  check(c.owner.poisonReason !== 0, "the queue is poisoned")
  const again = await sharedWrite(env, 3)
  check(again.status === SHARED_STATUS_POISONED, "a new write on a poisoned queue is refused")
}

/**
 * Workers write continuously; one is terminated mid-run. Every other write settles (OK,
 * or POISONED if the victim died holding a role), none twice, and nothing hangs.
 */
export const killMidStress = async (waitMode: WaitMode): Promise<{ poisoned: boolean; acked: number }> => {
  const threads = 3
  const writers = waitMode === "block" ? 1 : 4
  const writes = 1500
  const perThread = writers * writes
  const total = threads * perThread
  const c = makeCluster(total)
  const workers = await startWorkers(
    c,
    Array.from({ length: threads }, (_, t) => ({
      task: "write" as const,
      waitMode,
      spinIterations: 200,
      parallel: t % 2 === 0,
      writers,
      writes,
      keyBase: t * perThread,
      ...(t === 0 ? { signalAfter: 50 } : {}),
    })),
  )
  // The victim says when it has acknowledged some writes; it is killed mid-stream right after.
  const victim = workers[0]!
  await awaitProgress(c, victim.message, total)
  await victim.worker.terminate()
  await victim.exited
  const survivors = workers.slice(1)
  await awaitProgress(c, Promise.all(survivors.map((w) => w.message)), total)
  await Promise.all(survivors.map((w) => w.worker.terminate()))
  let acked = 0
  for (let k = perThread + 1; k <= total; k++) {
    const a = c.views.ackOf(k)
    check(a.count === 1, `survivor key ${k} acknowledged ${a.count} times`)
    check(a.status === SHARED_STATUS_OK || a.status === SHARED_STATUS_POISONED, `survivor key ${k} status ${a.status}`)
    acked++
  }
  const poisoned = c.owner.poisonReason !== 0
  if (!poisoned) {
    // The queue lived on: survivors' writes all succeeded, and the WAL is still dense.
    for (let k = perThread + 1; k <= total; k++) check(c.views.ackOf(k).status === SHARED_STATUS_OK, `key ${k} failed on a healthy queue`)
    let next = 1
    for (const r of c.views.walRecords()) {
      check(r.first === next, `WAL record starts at ${r.first}, expected ${next}`)
      next += r.count
    }
  }
  return { poisoned, acked }
}
