/**
 * Worker-thread entry for the SharedWriteThread tests, benchmark and conformance suite.
 * Attaches the queue from `workerData` and runs one of:
 *
 *   "write"   M concurrent async writers, each doing `writes` writes with keys
 *             keyBase + writer * writes + i + 1; posts { progress } after `signalAfter`
 *             writes of writer 0 if asked, and { done: true, elapsedMs } at the end.
 *   "linked"  one write, posting "linked" once it is in the queue (async mode: the join
 *             Promise exists only after LinkOne), then waiting; the test terminates it.
 *   "lead"    one write on an idle queue: posts "leading" once it owns the queue, then
 *             blocks forever holding it; the test terminates it.
 *
 * Every worker first checks in at gate[1] and waits for gate[0] (a start latch), so all
 * threads begin together.
 */
import { parentPort, workerData } from "node:worker_threads"
import { SharedWriteThread, type SharedWriteThreadBuffer, STATE_GROUP_LEADER, type WaitMode } from "../../src/index.ts"
import { sharedWrite, writeFor } from "./sharedDriver.ts"
import { batchFor, FakeViews, type SharedFakes } from "./sharedFakes.ts"

export interface WorkerJob {
  readonly task: "write" | "linked" | "lead"
  readonly shared: SharedWriteThreadBuffer
  readonly fakes: SharedFakes
  readonly gate: SharedArrayBuffer
  readonly token: number
  readonly waitMode: WaitMode
  readonly spinIterations: number
  readonly parallel: boolean
  readonly writers: number
  readonly writes: number
  readonly keyBase: number
  /** "write": post { progress } once writer 0 has finished this many writes. */
  readonly signalAfter?: number
}

const port = parentPort
if (port === null) throw new Error("sharedWriterWorker must run in a worker thread")
const job = workerData as WorkerJob
const wt = SharedWriteThread.attach(job.shared, { token: job.token, waitMode: job.waitMode, spinIterations: job.spinIterations })
const env = { wt, fakes: new FakeViews(job.fakes), parallel: job.parallel }

const gate = new Int32Array(job.gate)
Atomics.add(gate, 1, 1)
Atomics.notify(gate, 1)
while (Atomics.load(gate, 0) === 0) Atomics.wait(gate, 0, 0)

const runWrites = async (): Promise<void> => {
  const t0 = performance.now()
  const writer = async (w: number): Promise<void> => {
    for (let i = 0; i < job.writes; i++) {
      await sharedWrite(env, job.keyBase + w * job.writes + i + 1)
      if (w === 0 && i + 1 === job.signalAfter) port.postMessage({ progress: i + 1 })
    }
  }
  await Promise.all(Array.from({ length: job.writers }, (_, w) => writer(w)))
  port.postMessage({ done: true, elapsedMs: performance.now() - t0 })
}

const holdForever = (): void => {
  const never = new Int32Array(new SharedArrayBuffer(4))
  for (;;) Atomics.wait(never, 0, 0)
}

if (job.task === "write") {
  await runWrites()
} else {
  const key = job.keyBase + 1
  const { options, length, count } = writeFor(key)
  const slot = wt.acquireWriter(batchFor(key, length), count, options)
  const wait = wt.joinBatchGroup(slot)
  if (job.task === "lead") {
    if (wait !== undefined) await wait
    if ((wt.stateOf(slot) & STATE_GROUP_LEADER) === 0) throw new Error("lead: the queue was not idle")
    port.postMessage({ leading: slot })
    holdForever()
  } else {
    port.postMessage({ linked: slot })
    if (wait !== undefined) await wait
  }
}
