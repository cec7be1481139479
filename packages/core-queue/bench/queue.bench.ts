/**
 * Queue overhead: writer completions per second through JoinBatchGroup -> leader ->
 * EnterAsBatchGroupLeader -> (no-op WAL, no-op memtable) -> publish -> ExitAsBatchGroupLeader,
 * for 1 and 64 concurrent writers. A program, not a test: prints one JSON object.
 *
 *   pnpm bench:queue [--writes 1000000] [--runs 5]
 *
 * WAL variants:
 *  - "walSync":  the no-op WAL returns at once, so a leader finishes its group without
 *                yielding and groups only form from writers already queued;
 *  - "walAsync": the no-op WAL returns a resolved Promise (one microtask, the cheapest
 *                real I/O could ever be), so writers pile up behind each leader.
 * Variant "walAsyncEffectFiberPerWrite": the walAsync path written with Effect.gen and
 * `WriteThread.await`, one `Effect.runPromise` per write (what a fiber per writer costs).
 * Baseline "awaitOnly": the same writer loops doing only `await` of a resolved Promise per
 * write (no queue), the floor set by the JavaScript engine itself.
 */
import { parseArgs } from "node:util"
import { WriteBatch } from "@writepath/batch"
import { Effect } from "effect"
import { SequencerImpl, STATE_COMPLETED, WriteGroup, Writer, WriteThread, type WriteThreadImpl } from "../src/index.ts"

const { values } = parseArgs({ options: { writes: { type: "string", default: "1000000" }, runs: { type: "string", default: "5" } } })
const WRITES = Number(values.writes)
const RUNS = Number(values.runs)

const batch = new WriteBatch().put("key-0000000001", "v".repeat(100))
const resolved = Promise.resolve<undefined>(undefined)

interface Env {
  readonly wt: WriteThreadImpl
  readonly seq: SequencerImpl
  readonly asyncWal: boolean
}

/** The classic path, minimal: what a strategy does around the queue with no WAL and no memtable. */
const writeOne = async (env: Env, w: Writer): Promise<void> => {
  const wait = env.wt.joinBatchGroup(w)
  if (wait !== undefined) await wait
  if (w.state === STATE_COMPLETED) return
  const group = new WriteGroup()
  env.wt.enterAsBatchGroupLeader(w, group)
  let total = 0
  for (let m: Writer | undefined = group.leader; m !== undefined; m = m === group.lastWriter ? undefined : m.linkNewer) {
    m.sequence = env.seq.lastAllocated + 1 + total
    total += m.batch!.count
  }
  const last = env.seq.allocate(total) + total - 1
  if (env.asyncWal) await resolved // the WAL "I/O"
  env.seq.publish(last)
  env.wt.exitAsBatchGroupLeader(group, undefined)
}

/** The same path written as an Effect program, run with one `Effect.runPromise` per write (a fiber per writer). */
const writeOneEffect = (env: Env, w: Writer): Effect.Effect<void> =>
  Effect.gen(function* () {
    yield* WriteThread.await(env.wt.joinBatchGroup(w))
    if (w.state === STATE_COMPLETED) return
    const group = new WriteGroup()
    env.wt.enterAsBatchGroupLeader(w, group)
    let total = 0
    for (let m: Writer | undefined = group.leader; m !== undefined; m = m === group.lastWriter ? undefined : m.linkNewer) {
      m.sequence = env.seq.lastAllocated + 1 + total
      total += m.batch!.count
    }
    const last = env.seq.allocate(total) + total - 1
    if (env.asyncWal) yield* Effect.promise(() => resolved)
    env.seq.publish(last)
    env.wt.exitAsBatchGroupLeader(group, undefined)
  })

const runQueue = async (concurrency: number, asyncWal: boolean, viaEffect = false, writes = WRITES) => {
  const env: Env = { wt: WriteThread.unsafeMake(), seq: new SequencerImpl(), asyncWal }
  let remaining = writes
  const loop = async () => {
    while (remaining > 0) {
      remaining--
      if (viaEffect) await Effect.runPromise(writeOneEffect(env, new Writer(batch)))
      else await writeOne(env, new Writer(batch))
    }
  }
  const t0 = performance.now()
  await Promise.all(Array.from({ length: concurrency }, loop))
  const seconds = (performance.now() - t0) / 1000
  if (env.seq.lastPublished !== writes) throw new Error(`published ${env.seq.lastPublished}, expected ${writes}`)
  return { writes, seconds, groups: env.wt.stats.groupsFormed, avgGroupSize: env.wt.stats.groupSize.average }
}

const runAwaitOnly = async (concurrency: number) => {
  let remaining = WRITES
  const loop = async () => {
    while (remaining > 0) {
      remaining--
      await resolved
    }
  }
  const t0 = performance.now()
  await Promise.all(Array.from({ length: concurrency }, loop))
  return { writes: WRITES, seconds: (performance.now() - t0) / 1000, groups: 0, avgGroupSize: 0 }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const measure = async (run: () => Promise<{ writes: number; seconds: number; groups: number; avgGroupSize: number }>) => {
  await run() // warm-up
  const rates: number[] = []
  let last = { writes: 0, seconds: 0, groups: 0, avgGroupSize: 0 }
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
    avgGroupSize: +last.avgGroupSize.toFixed(2),
  }
}

const results: Record<string, unknown> = {}
for (const concurrency of [1, 64]) {
  // Interleaved per concurrency so the variants see the same machine noise.
  results[`walSync_${concurrency}`] = await measure(() => runQueue(concurrency, false))
  results[`walAsync_${concurrency}`] = await measure(() => runQueue(concurrency, true))
  results[`awaitOnly_${concurrency}`] = await measure(() => runAwaitOnly(concurrency))
}
// Last, and on a tenth of the writes: it is ~30x slower and its garbage would disturb the others.
for (const concurrency of [1, 64]) {
  results[`walAsyncEffectFiberPerWrite_${concurrency}`] = await measure(() => runQueue(concurrency, true, true, WRITES / 10))
}

console.log(
  JSON.stringify(
    {
      bench: "core-queue",
      writes: WRITES,
      runs: RUNS,
      statistic: "median writer completions/s",
      runtime: `node ${process.version}`,
      results,
    },
    null,
    2,
  ),
)
