/**
 * Cross-thread queue overhead: writer completions per second through SharedWriteThread
 * (join -> lead: form, allocate, publish, exit -> release; no-op WAL and memtable) with the
 * writers spread over 1, 2 and 4 worker threads, against the single-thread WriteThread on
 * the same path (bench:queue's walSync variant) in this process. A program, not a test:
 * prints one JSON object.
 *
 *   pnpm bench:queue:threads [--writes 200000] [--runs 3]
 *
 * Cells:
 *  - "async_<T>t":  64 async writers split over T threads, Atomics.waitAsync (spin 1000);
 *  - "block_<T>t":  one writer per thread, Atomics.wait (spin 1000): the dedicated-writer-
 *                   thread shape, where a thread has one write in flight;
 *  - "singleThread_64" / "singleThread_1": the in-isolate WriteThread, 64 and 1 writers.
 * Each cell: a warm-up run, then `runs` runs; the median rate, min and max are reported.
 * The workers start behind a shared gate, so thread start-up is not timed.
 */
import { availableParallelism } from "node:os"
import { parseArgs } from "node:util"
import { WriteBatch } from "@writepath/batch"
import { StartGate, spawnModuleWorker } from "@writepath/memtable"
import { SequencerImpl, SharedWriteThread, STATE_COMPLETED, type WaitMode, WriteGroup, Writer, WriteThread } from "../src/index.ts"

const { values } = parseArgs({ options: { writes: { type: "string", default: "200000" }, runs: { type: "string", default: "3" } } })
const WRITES = Number(values.writes)
const RUNS = Number(values.runs)

const workerUrl = new URL(`./sharedQueueWorker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url)

interface Run {
  readonly writes: number
  readonly seconds: number
  readonly groups: number
}

const runShared = async (threads: number, mode: WaitMode, writersPerThread: number): Promise<Run> => {
  const shared = SharedWriteThread.allocate({ slotCount: 256, batchCapacity: 256 })
  const owner = SharedWriteThread.attach(shared, { token: SharedWriteThread.registerThread(shared), waitMode: "async" })
  const writes = Math.floor(WRITES / (threads * writersPerThread))
  const gate = new StartGate()
  const workers = Array.from({ length: threads }, () =>
    spawnModuleWorker(workerUrl, {
      shared,
      gate: gate.array.buffer,
      token: SharedWriteThread.registerThread(shared),
      waitMode: mode,
      spinIterations: 1000,
      writers: writersPerThread,
      writes,
    }),
  )
  try {
    const done = workers.map(
      (w) =>
        new Promise<number>((resolve, reject) => {
          w.once("message", (m: { elapsedMs: number }) => resolve(m.elapsedMs))
          w.once("error", reject)
        }),
    )
    await gate.open(threads)
    const t0 = performance.now()
    await Promise.all(done)
    const seconds = (performance.now() - t0) / 1000
    const total = writes * threads * writersPerThread
    if (owner.lastPublished !== total) throw new Error(`published ${owner.lastPublished}, expected ${total}`)
    return { writes: total, seconds, groups: owner.groupsFormed }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
}

const batch = new WriteBatch().put("key-0000000001", "v".repeat(100))

/** bench:queue's walSync path: the single-thread WriteThread, no-op WAL and memtable. */
const runSingleThread = async (concurrency: number): Promise<Run> => {
  const wt = WriteThread.unsafeMake()
  const seq = new SequencerImpl()
  let remaining = WRITES
  const writeOne = async (w: Writer): Promise<void> => {
    const wait = wt.joinBatchGroup(w)
    if (wait !== undefined) await wait
    if (w.state === STATE_COMPLETED) return
    const group = new WriteGroup()
    wt.enterAsBatchGroupLeader(w, group)
    let total = 0
    for (let m: Writer | undefined = group.leader; m !== undefined; m = m === group.lastWriter ? undefined : m.linkNewer) {
      m.sequence = seq.lastAllocated + 1 + total
      total += m.batch!.count
    }
    const last = seq.allocate(total) + total - 1
    seq.publish(last)
    wt.exitAsBatchGroupLeader(group, undefined)
  }
  const loop = async (): Promise<void> => {
    while (remaining > 0) {
      remaining--
      await writeOne(new Writer(batch))
    }
  }
  const t0 = performance.now()
  await Promise.all(Array.from({ length: concurrency }, loop))
  return { writes: WRITES, seconds: (performance.now() - t0) / 1000, groups: wt.stats.groupsFormed }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const measure = async (run: () => Promise<Run>) => {
  await run()
  const rates: number[] = []
  let last: Run = { writes: 0, seconds: 0, groups: 0 }
  for (let r = 0; r < RUNS; r++) {
    last = await run()
    rates.push(last.writes / last.seconds)
  }
  return {
    writes: last.writes,
    writesPerSec: Math.round(median(rates)),
    minWritesPerSec: Math.round(Math.min(...rates)),
    maxWritesPerSec: Math.round(Math.max(...rates)),
    groups: last.groups,
    avgGroupSize: last.groups === 0 ? 0 : +(last.writes / last.groups).toFixed(2),
  }
}

const results: Record<string, unknown> = {}
/** Each cell also goes to stderr as it finishes, so a run cut short still reports what it measured. */
const cell = async (name: string, run: () => Promise<Run>): Promise<void> => {
  results[name] = await measure(run)
  console.error(name, JSON.stringify(results[name]))
}
await cell("singleThread_64", () => runSingleThread(64))
await cell("singleThread_1", () => runSingleThread(1))
for (const threads of [1, 2, 4]) {
  await cell(`async_${threads}t`, () => runShared(threads, "async", 64 / threads))
  await cell(`block_${threads}t`, () => runShared(threads, "block", 1))
}

const runtime = (globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } }).Bun
  ? `bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}`
  : (globalThis as { Deno?: { version: { deno: string } } }).Deno
    ? `deno ${(globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno}`
    : `node ${process.version}`

console.log(
  JSON.stringify(
    {
      bench: "core-queue threads",
      writes: WRITES,
      runs: RUNS,
      cores: availableParallelism(),
      statistic: "median writer completions/s (no-op WAL and memtable)",
      runtime,
      results,
    },
    null,
    2,
  ),
)
