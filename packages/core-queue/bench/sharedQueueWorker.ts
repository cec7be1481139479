/**
 * Worker entry of bench/sharedQueue.bench.ts: `writers` async writers (or one, in "block"
 * mode) each doing `writes` writes through the shared queue with a no-op WAL and memtable
 * (the path bench:queue measures on one thread): join, lead (form the group, allocate,
 * publish, exit) or follow, release. Checks in at the start gate, then posts its elapsed ms.
 */
import { parentPort, workerData } from "node:worker_threads"
import { SHARED_STATUS_OK, SharedWriteThread, type SharedWriteThreadBuffer, STATE_GROUP_LEADER, type WaitMode } from "../src/index.ts"

interface BenchJob {
  readonly shared: SharedWriteThreadBuffer
  readonly gate: SharedArrayBuffer
  readonly token: number
  readonly waitMode: WaitMode
  readonly spinIterations: number
  readonly writers: number
  readonly writes: number
}

const port = parentPort
if (port === null) throw new Error("sharedQueueWorker must run in a worker thread")
const job = workerData as BenchJob
const wt = SharedWriteThread.attach(job.shared, { token: job.token, waitMode: job.waitMode, spinIterations: job.spinIterations })
const batch = new Uint8Array(120) // about a 100-byte value's WriteBatch

const writeOne = async (): Promise<void> => {
  const slot = wt.acquireWriter(batch, 1)
  const wait = wt.joinBatchGroup(slot)
  if (wait !== undefined) await wait
  if ((wt.stateOf(slot) & STATE_GROUP_LEADER) !== 0) {
    const group = wt.enterAsBatchGroupLeader(slot)
    if (group === undefined) throw new Error("queue poisoned during the benchmark")
    const last = wt.allocateSequences(group)
    wt.publish(wt.firstSequenceOf(group), last)
    wt.exitAsBatchGroupLeader(group, SHARED_STATUS_OK)
  } else if (wt.statusOf(slot) !== SHARED_STATUS_OK) {
    throw new Error(`write failed with status ${wt.statusOf(slot)}`)
  }
  wt.releaseWriter(slot)
}

const gate = new Int32Array(job.gate)
Atomics.add(gate, 1, 1)
Atomics.notify(gate, 1)
while (Atomics.load(gate, 0) === 0) Atomics.wait(gate, 0, 0)
const t0 = performance.now()
await Promise.all(
  Array.from({ length: job.writers }, async () => {
    for (let i = 0; i < job.writes; i++) await writeOne()
  }),
)
port.postMessage({ elapsedMs: performance.now() - t0 })
