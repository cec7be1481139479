/**
 * Memtable benchmark (a program, not a test): prints one JSON object.
 *
 * 1. Single thread, 1M random 16-byte keys with 100-byte values (and, for the memtable,
 *    the same count of ascending keys: the insert hint's case), side by side in one
 *    process: MemTable (arena skiplist), sorted-btree (a B+tree of JS objects) and a
 *    JS Map (unsorted: an upper bound). Inserts/s, gets/s, GC time and heap growth;
 *    median of `--rounds` rounds, structures in rotating order.
 *    Heap growth is measured after a forced GC, with the structure still alive;
 *    the memtable's data is off-heap (its SharedArrayBuffer arena).
 * 2. Concurrent insert: the same 1M entries inserted with insertBatchConcurrently by
 *    one worker thread, then split over two workers released together; the wall-clock
 *    ratio, and (Linux) worker CPU time per insert, which the machine's load does not skew.
 *
 *   pnpm bench:memtable [--n 1000000] [--rounds 2]   (about a minute on 2 idle cores)
 */
import * as os from "node:os"
import { PerformanceObserver } from "node:perf_hooks"
import { parseArgs } from "node:util"
import * as v8 from "node:v8"
import * as vm from "node:vm"
import { ValueType, WriteBatch } from "@writepath/batch"
import * as btreeModule from "sorted-btree"
import { InsertWorker, MemTable, StartGate } from "../src/index.ts"

const { values: args } = parseArgs({ options: { n: { type: "string", default: "1000000" }, rounds: { type: "string", default: "2" } } })
const N = Number(args.n)
const ROUNDS = Number(args.rounds)
const KEY = 16
const VALUE = 100

// sorted-btree is CommonJS with `exports.default`; interop differs between loaders.
type Tree = { set(k: Uint8Array, v: Uint8Array): boolean; get(k: Uint8Array): Uint8Array | undefined }
const BTreeCtor = ((btreeModule as unknown as { default: { default?: unknown } }).default.default ??
  (btreeModule as unknown as { default: unknown }).default) as new (
  entries: undefined,
  cmp: (a: Uint8Array, b: Uint8Array) => number,
) => Tree

v8.setFlagsFromString("--expose-gc")
const gc = vm.runInNewContext("gc") as () => void

// ---- inputs (not timed) ------------------------------------------------------
let seed = 0x12345678
const rnd = (): number => {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return seed >>> 0
}
const keys: Uint8Array[] = []
for (let i = 0; i < N; i++) {
  const k = new Uint8Array(KEY)
  const dv = new DataView(k.buffer)
  for (let j = 0; j < KEY; j += 4) dv.setUint32(j, rnd())
  keys.push(k)
}
// Ascending keys (a sequence number big-endian in the last 4 bytes): the insert hint's case.
const ascKeys: Uint8Array[] = []
for (let i = 0; i < N; i++) {
  const k = new Uint8Array(KEY)
  new DataView(k.buffer).setUint32(KEY - 4, i)
  ascKeys.push(k)
}
const strKeys = keys.map((k) => Buffer.from(k).toString("latin1"))
const value = new Uint8Array(VALUE).fill(0x61)
const cmp = (a: Uint8Array, b: Uint8Array): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!
    if (d !== 0) return d
  }
  return a.length - b.length
}

// ---- measurement helpers ------------------------------------------------------
// GC entries arrive asynchronously; each is attributed by its start time to the
// phase it ran in (forced GCs between phases fall outside every window).
const gcEntries: { start: number; duration: number }[] = []
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcEntries.push({ start: e.startTime, duration: e.duration })
})
obs.observe({ entryTypes: ["gc"] })
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20))

interface Phase {
  readonly opsPerSec: number
  readonly gcMs: number
  readonly gcCount: number
}
const phase = async (f: () => void): Promise<Phase> => {
  await settle()
  const t0 = performance.now()
  f()
  const t1 = performance.now()
  await settle()
  const mine = gcEntries.filter((e) => e.start >= t0 && e.start < t1)
  return { opsPerSec: N / ((t1 - t0) / 1000), gcMs: mine.reduce((a, e) => a + e.duration, 0), gcCount: mine.length }
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
const heap = () => {
  gc()
  const m = process.memoryUsage()
  return { heapUsed: m.heapUsed, offHeap: m.arrayBuffers }
}

type Result = { insert: Phase; get: Phase; heapGrowthMB: number; offHeapGrowthMB: number; ascendingInsert?: Phase }
let sink = 0

const runMemTable = async (): Promise<Result> => {
  const h0 = heap()
  // writeBufferSize large enough for 1M entries (~137 bytes each in the arena).
  const m = MemTable.make({ writeBufferSize: 256 * 1024 * 1024 })
  // Allocating the 256 MiB arena raises V8's external-memory pressure, which starts a
  // full GC (of this benchmark's own 1M input keys); let it finish outside the timing.
  gc()
  const insert = await phase(() => {
    for (let i = 0; i < N; i++) m.add(i + 1, ValueType.kTypeValue, keys[i]!, value)
  })
  const get = await phase(() => {
    for (let i = 0; i < N; i++) if (m.get(keys[i]!)._tag === "Found") sink++
  })
  const h1 = heap()
  sink += m.numEntries
  const asc = MemTable.make({ writeBufferSize: 256 * 1024 * 1024 })
  gc()
  const ascendingInsert = await phase(() => {
    for (let i = 0; i < N; i++) asc.add(i + 1, ValueType.kTypeValue, ascKeys[i]!, value)
  })
  sink += asc.numEntries
  return {
    insert,
    get,
    heapGrowthMB: (h1.heapUsed - h0.heapUsed) / 2 ** 20,
    offHeapGrowthMB: (h1.offHeap - h0.offHeap) / 2 ** 20,
    ascendingInsert,
  }
}

const runBTree = async (): Promise<Result> => {
  const h0 = heap()
  const t = new BTreeCtor(undefined, cmp)
  // Copies key and value, as a memtable must (the caller owns its buffers).
  const insert = await phase(() => {
    for (let i = 0; i < N; i++) t.set(keys[i]!.slice(), value.slice())
  })
  const get = await phase(() => {
    for (let i = 0; i < N; i++) if (t.get(keys[i]!) !== undefined) sink++
  })
  const h1 = heap()
  return { insert, get, heapGrowthMB: (h1.heapUsed - h0.heapUsed) / 2 ** 20, offHeapGrowthMB: (h1.offHeap - h0.offHeap) / 2 ** 20 }
}

const runMap = async (): Promise<Result> => {
  const h0 = heap()
  const t = new Map<string, Uint8Array>()
  // Keys pre-converted to strings outside the timing: an upper bound, not a like-for-like.
  const insert = await phase(() => {
    for (let i = 0; i < N; i++) t.set(strKeys[i]!, value.slice())
  })
  const get = await phase(() => {
    for (let i = 0; i < N; i++) if (t.get(strKeys[i]!) !== undefined) sink++
  })
  const h1 = heap()
  return { insert, get, heapGrowthMB: (h1.heapUsed - h0.heapUsed) / 2 ** 20, offHeapGrowthMB: (h1.offHeap - h0.offHeap) / 2 ** 20 }
}

const runners = { memtable: runMemTable, sortedBTree: runBTree, map: runMap } as const
type Name = keyof typeof runners
const names = Object.keys(runners) as Name[]
const rounds: Record<Name, Result[]> = { memtable: [], sortedBTree: [], map: [] }
for (let r = 0; r < ROUNDS; r++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + r) % names.length]!
    rounds[name].push(await runners[name]())
  }
}
const summary = (xs: Result[]) => ({
  insertsPerSec: Math.round(median(xs.map((x) => x.insert.opsPerSec))),
  getsPerSec: Math.round(median(xs.map((x) => x.get.opsPerSec))),
  insertGcMs: Math.round(median(xs.map((x) => x.insert.gcMs))),
  insertGcCount: median(xs.map((x) => x.insert.gcCount)),
  getGcMs: Math.round(median(xs.map((x) => x.get.gcMs))),
  getGcCount: median(xs.map((x) => x.get.gcCount)),
  heapGrowthMB: Math.round(median(xs.map((x) => x.heapGrowthMB))),
  offHeapGrowthMB: Math.round(median(xs.map((x) => x.offHeapGrowthMB))),
})
const single = {
  memtable: {
    ...summary(rounds.memtable),
    ascendingInsertsPerSec: Math.round(median(rounds.memtable.map((x) => x.ascendingInsert!.opsPerSec))),
  },
  sortedBTree: summary(rounds.sortedBTree),
  map: summary(rounds.map),
}

// ---- concurrent insert: 1 worker vs 2 workers -----------------------------------
const BATCH = 100
const batches: { data: Uint8Array; firstSeq: number }[] = []
for (let i = 0; i < N; i += BATCH) {
  const wb = new WriteBatch({ reservedBytes: BATCH * (KEY + VALUE + 4) + 12 })
  for (let j = i; j < Math.min(N, i + BATCH); j++) wb.put(keys[j]!, value)
  batches.push({ data: wb.data.slice(), firstSeq: i + 1 })
}

interface ConcurrentRun {
  /** Entries/s over the gated window (wall clock). */
  readonly rate: number
  /** Worker-thread CPU ns per entry (Linux /proc; 0 elsewhere). */
  readonly cpuNsPerInsert: number
  /** Share of the window the workers were on a CPU: < 1 means other processes took the cores. */
  readonly cpuShare: number
}

/** Inserts all batches split over `threads` workers released together. */
const concurrentRun = async (threads: number): Promise<ConcurrentRun> => {
  const m = MemTable.make({ writeBufferSize: 256 * 1024 * 1024 })
  const workers = await Promise.all(Array.from({ length: threads }, (_, i) => InsertWorker.spawn(m.handle, { seed: 11 + i })))
  try {
    const shares = workers.map((_, w) => batches.filter((_, i) => i % threads === w))
    // Warm-up (JIT) on each worker's first 2% of batches, not timed.
    const warm = Math.ceil(batches.length / threads / 50)
    await Promise.all(workers.map((w, i) => w.insert(shares[i]!.slice(0, warm))))
    const gate = new StartGate()
    const replies = workers.map((w, i) => w.insert(shares[i]!.slice(warm), { gate: gate.array }))
    await gate.open(threads)
    const results = await Promise.all(replies)
    if (results.some((r) => r.outcomes.some((o) => !o.ok)) || m.numEntries !== N) throw new Error("concurrent insert failed")
    const timed = N - warm * threads * BATCH
    const wallMs = Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt))
    const cpuMs = results.reduce((a, r) => a + (r.cpuMs ?? 0), 0)
    return { rate: timed / (wallMs / 1000), cpuNsPerInsert: (cpuMs * 1e6) / timed, cpuShare: cpuMs / (wallMs * threads) }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
}
const one: ConcurrentRun[] = []
const two: ConcurrentRun[] = []
for (let r = 0; r < ROUNDS; r++) {
  one.push(await concurrentRun(1))
  two.push(await concurrentRun(2))
}
obs.disconnect()

const oneThread = Math.round(median(one.map((r) => r.rate)))
const twoWorkers = Math.round(median(two.map((r) => r.rate)))
const cpuOne = median(one.map((r) => r.cpuNsPerInsert))
const cpuTwo = median(two.map((r) => r.cpuNsPerInsert))
console.log(
  JSON.stringify(
    {
      bench: "memtable",
      runtime: `node ${process.version}`,
      cpus: os.cpus().length,
      loadAverage1m: Number(os.loadavg()[0]!.toFixed(2)),
      n: N,
      keyBytes: KEY,
      valueBytes: VALUE,
      rounds: ROUNDS,
      singleThread: single,
      ratios: {
        memtableVsSortedBTreeInserts: Number((single.memtable.insertsPerSec / single.sortedBTree.insertsPerSec).toFixed(2)),
        memtableVsSortedBTreeGets: Number((single.memtable.getsPerSec / single.sortedBTree.getsPerSec).toFixed(2)),
        memtableVsMapInserts: Number((single.memtable.insertsPerSec / single.map.insertsPerSec).toFixed(2)),
      },
      concurrentInsert: {
        batchRecords: BATCH,
        oneWorkerInsertsPerSec: oneThread,
        twoWorkersInsertsPerSec: twoWorkers,
        twoVsOneRatio: Number((twoWorkers / oneThread).toFixed(2)),
        oneWorkerCpuNsPerInsert: Math.round(cpuOne),
        twoWorkersCpuNsPerInsert: Math.round(cpuTwo),
        // On a loaded machine the wall ratio partly measures the other processes: the CPU
        // share says how much of the window the workers actually ran.
        oneWorkerCpuShare: Number(median(one.map((r) => r.cpuShare)).toFixed(2)),
        twoWorkersCpuShare: Number(median(two.map((r) => r.cpuShare)).toFixed(2)),
      },
      sink: sink > 0,
    },
    null,
    2,
  ),
)
