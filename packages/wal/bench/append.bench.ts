/**
 * WAL benchmarks (a program, not a test): prints one JSON object.
 *
 *  - crc32c: MB/s of the slicing-by-8 CRC vs a byte-at-a-time table loop (1 MiB and 100 B inputs).
 *  - append: 100-byte-value single-put WriteBatch records through LogWriter on the node:fs
 *    layer, no sync, vs a raw `fs.writeSync` loop of the same physical bytes.
 *  - sync: `addRecord + sync()` latency p50/p99 vs a raw `writeSync + fdatasyncSync` loop, and
 *    the same through the thread-pool and the dedicated-thread sync placements.
 *
 *   pnpm bench:wal [--dir /dev/shm]   (a tmpfs folder makes fdatasync free: what is left of the
 *                                     sync figures is each placement's hand-off cost)
 *
 * Ours and raw run alternately in the same process, several rounds; medians are reported,
 * because the machine is shared and noisy.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { WriteBatch } from "@writepath/batch"
import { Effect } from "effect"
import { Crc32c, LogWriter, makeNode, type WritableLogFile } from "../src/index.ts"

const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "Deno" in globalThis ? "deno" : "node"
const dirArg = process.argv.indexOf("--dir")
const dir = fs.mkdtempSync(path.join(dirArg > 0 ? process.argv[dirArg + 1]! : os.tmpdir(), "wal-bench-"))
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}
const round2 = (x: number) => Math.round(x * 100) / 100

// --- CRC32C --------------------------------------------------------------------------------
const T0 = new Int32Array(256)
for (let i = 0; i < 256; i++) {
  let c = i
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
  T0[i] = c
}
const bytewise = (d: Uint8Array, start: number, end: number): number => {
  let c = -1
  for (let i = start; i < end; i++) c = T0[(c ^ d[i]!) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}
const crcMBs = (f: (d: Uint8Array, s: number, e: number) => number, size: number): number => {
  const data = new Uint8Array(1 << 20).map((_, i) => (i * 131) & 0xff)
  const reps = Math.max(1, Math.floor((64 << 20) / size))
  let x = 0
  for (let w = 0; w < Math.min(reps, 1000); w++) x ^= f(data, 0, size)
  const t = performance.now()
  for (let r = 0; r < reps; r++) x ^= f(data, r % 64, (r % 64) + size)
  const dt = (performance.now() - t) / 1000
  if (x === 0.5) console.log(x)
  return (reps * size) / dt / 1e6
}
const crc = {
  slicingBy8_1MiB_MBps: round2(median([1, 2, 3].map(() => crcMBs(Crc32c.value, 1 << 19)))),
  bytewise_1MiB_MBps: round2(median([1, 2, 3].map(() => crcMBs(bytewise, 1 << 19)))),
  slicingBy8_100B_MBps: round2(median([1, 2, 3].map(() => crcMBs(Crc32c.value, 100)))),
  bytewise_100B_MBps: round2(median([1, 2, 3].map(() => crcMBs(bytewise, 100)))),
}

// --- records ---------------------------------------------------------------------------------
const N = 100_000
const value = "v".repeat(100)
const batches: Uint8Array[] = []
for (let i = 0; i < N; i++) {
  const b = new WriteBatch().put(`key${String(i).padStart(10, "0")}`, value)
  b.sequence = i + 1
  batches.push(b.data.slice())
}
/** The physical bytes LogWriter produces for each record (to give the raw loop the same bytes). */
const physical: Uint8Array[] = (() => {
  const out: Uint8Array[] = []
  let cur: Uint8Array[] = []
  const sink: WritableLogFile = {
    path: "mem",
    append: (d, s, e) => {
      cur.push(d.slice(s, e))
    },
    size: () => 0,
    datasync: () => Promise.resolve(),
    fsync: () => Promise.resolve(),
    close: () => {},
  }
  const w = new LogWriter(sink, { logNumber: 1 })
  for (const b of batches) {
    cur = []
    w.addRecord(b)
    out.push(cur.length === 1 ? cur[0]! : Buffer.concat(cur))
  }
  return out
})()
const totalBytes = physical.reduce((s, p) => s + p.length, 0)

const appendOurs = (face: "plain" | "effect"): number => {
  const p = path.join(dir, `ours-${face}.log`)
  const w = new LogWriter(makeNode().openWritable(p), { logNumber: 1 })
  const t = performance.now()
  if (face === "plain") for (let i = 0; i < N; i++) w.addRecord(batches[i]!)
  else for (let i = 0; i < N; i++) Effect.runSync(w.addRecordEffect(batches[i]!))
  const dt = (performance.now() - t) / 1000
  w.file.close()
  fs.rmSync(p)
  return dt
}
const appendRaw = (): number => {
  const p = path.join(dir, "raw.log")
  const fd = fs.openSync(p, "w")
  let pos = 0
  const t = performance.now()
  for (let i = 0; i < N; i++) {
    const b = physical[i]!
    fs.writeSync(fd, b, 0, b.length, pos)
    pos += b.length
  }
  const dt = (performance.now() - t) / 1000
  fs.closeSync(fd)
  fs.rmSync(p)
  return dt
}

const ROUNDS = 7
const ours: number[] = []
const raw: number[] = []
const effectFace: number[] = []
appendOurs("plain") // warm-up
appendRaw()
for (let r = 0; r < ROUNDS; r++) {
  raw.push(appendRaw())
  ours.push(appendOurs("plain"))
  effectFace.push(appendOurs("effect"))
}
const mbps = (dt: number) => totalBytes / dt / 1e6
const append = {
  records: N,
  recordBytesOnDisk: round2(totalBytes / N),
  ours_MBps: round2(mbps(median(ours))),
  ours_recordsPerSec: Math.round(N / median(ours)),
  raw_MBps: round2(mbps(median(raw))),
  raw_recordsPerSec: Math.round(N / median(raw)),
  ratio_ours_vs_raw: round2(median(raw) / median(ours)),
  effectFace_recordsPerSec: Math.round(N / median(effectFace)),
}

// --- append + sync latency -----------------------------------------------------------------
// Samples alternate between the four contenders so that disk-state drift hits all alike.
const S = 300
const lat = { ours: [] as number[], raw: [] as number[], threadpool: [] as number[], thread: [] as number[] }
{
  const pOurs = path.join(dir, "sync-ours.log")
  const pPool = path.join(dir, "sync-pool.log")
  const pRaw = path.join(dir, "sync-raw.log")
  const pThread = path.join(dir, "sync-thread.log")
  const ours = new LogWriter(makeNode({ syncOn: "blocking" }).openWritable(pOurs), { logNumber: 1 })
  const pool = new LogWriter(makeNode({ syncOn: "threadpool" }).openWritable(pPool), { logNumber: 1 })
  const thread = new LogWriter(makeNode({ syncOn: "thread" }).openWritable(pThread), { logNumber: 1 })
  const fd = fs.openSync(pRaw, "w")
  let pos = 0
  const rawSample = (i: number) => {
    const t = performance.now()
    const b = physical[i]!
    fs.writeSync(fd, b, 0, b.length, pos)
    fs.fdatasyncSync(fd)
    pos += b.length
    lat.raw.push((performance.now() - t) * 1000)
  }
  const writerSample = async (w: LogWriter, into: number[], i: number) => {
    const t = performance.now()
    w.addRecord(batches[i]!)
    await w.sync()
    into.push((performance.now() - t) * 1000)
  }
  for (let i = 0; i < S; i++) {
    // Rotate the order: an fdatasync right after another file's pays for the journal commit.
    for (let k = 0; k < 4; k++) {
      const which = (i + k) % 4
      if (which === 0) rawSample(i)
      else if (which === 1) await writerSample(ours, lat.ours, i)
      else if (which === 2) await writerSample(pool, lat.threadpool, i)
      else await writerSample(thread, lat.thread, i)
    }
  }
  await ours.close()
  await pool.close()
  await thread.close()
  fs.closeSync(fd)
}
const sync = {
  samples: lat.ours.length,
  ours_p50_us: round2(pct(lat.ours, 50)),
  ours_p99_us: round2(pct(lat.ours, 99)),
  raw_p50_us: round2(pct(lat.raw, 50)),
  raw_p99_us: round2(pct(lat.raw, 99)),
  ratio_p50_ours_vs_raw: round2(pct(lat.ours, 50) / pct(lat.raw, 50)),
  threadpool_p50_us: round2(pct(lat.threadpool, 50)),
  threadpool_p99_us: round2(pct(lat.threadpool, 99)),
  thread_p50_us: round2(pct(lat.thread, 50)),
  thread_p99_us: round2(pct(lat.thread, 99)),
}

fs.rmSync(dir, { recursive: true, force: true })
console.log(
  JSON.stringify(
    {
      bench: "wal-append",
      runtime,
      runtimeVersion:
        runtime === "node"
          ? process.version
          : runtime === "bun"
            ? (globalThis as unknown as { Bun: { version: string } }).Bun.version
            : "deno",
      cpus: os.cpus().length,
      loadavg: os.loadavg().map(round2),
      crc32c: crc,
      append,
      sync,
    },
    null,
    2,
  ),
)
