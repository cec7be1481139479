/**
 * `pnpm test:soak [--minutes 10] [--strategy classic] [--writers 16] [--readers 2]
 *                 [--write-buffer-size 262144] [--keys 200000] [--value-size 100]
 *                 [--interval 10] [--json soak.json]`
 *
 * Mixed concurrent load for a long time with a small memtable, so memtable switches,
 * flushes and compactions happen constantly. Every interval it prints throughput, heap,
 * RSS, disk use and the shape of the tree; at the end it checks every key against a model
 * and judges the run: memory and disk bounded, throughput not decaying. Exits 1 when a
 * verdict fails or a key is wrong. Outside the default `pnpm test` (it takes minutes).
 *
 * Writers own disjoint key sets (key i belongs to writer i mod writers), so each key's
 * writes are sequential and the model of acknowledged writes is exact.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { parseArgs } from "node:util"
import { STRATEGIES, type StrategyName } from "@writepath/strategies"
import { open } from "../../src/index.ts"

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    strategy: { type: "string", default: "classic" },
    writers: { type: "string", default: "16" },
    readers: { type: "string", default: "2" },
    "write-buffer-size": { type: "string", default: String(256 * 1024) },
    keys: { type: "string", default: "200000" },
    "value-size": { type: "string", default: "100" },
    interval: { type: "string", default: "10" },
    json: { type: "string" },
    dir: { type: "string" },
  },
  strict: true,
})
const num = (name: string, v: string, min: number): number => {
  const n = Number(v)
  if (!Number.isFinite(n) || n < min) {
    process.stderr.write(`--${name} must be a number >= ${min}, got ${v}\n`)
    process.exit(2)
  }
  return n
}
if (!(STRATEGIES as ReadonlyArray<string>).includes(values.strategy)) {
  process.stderr.write(`--strategy must be one of ${STRATEGIES.join(", ")}, got ${values.strategy}\n`)
  process.exit(2)
}
const strategy = values.strategy as StrategyName
const minutes = num("minutes", values.minutes, 0.05)
const writers = num("writers", values.writers, 1)
const readers = num("readers", values.readers, 0)
const writeBufferSize = num("write-buffer-size", values["write-buffer-size"], 64 * 1024)
const keySpace = num("keys", values.keys, 100)
const valueSize = num("value-size", values["value-size"], 1)
const intervalMs = num("interval", values.interval, 1) * 1000

const dir = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "writepath-soak-"))
const db = await open({
  path: dir,
  strategy,
  writeBufferSize,
  maxWriteBufferNumber: 4,
  targetFileSizeBase: 2 * writeBufferSize,
  maxBytesForLevelBase: 8 * writeBufferSize,
  ...(strategy === "concurrent-memtable" ? { concurrentMemtableWorkers: 1 } : {}),
})

const key = (i: number): string => `key${String(i).padStart(8, "0")}`
const model = new Map<number, string | undefined>()
let rngState = 0x9e3779b9
const rnd = (n: number): number => {
  rngState ^= rngState << 13
  rngState ^= rngState >>> 17
  rngState ^= rngState << 5
  return (rngState >>> 0) % n
}
const valueFor = (i: number, version: number): string => `${i}:${version}:`.padEnd(valueSize, "x")

let stop = false
let writes = 0
let reads = 0
let version = 0
const ownedKey = (w: number): number => {
  const slots = Math.ceil(keySpace / writers)
  const i = rnd(slots) * writers + w
  return i < keySpace ? i : w
}

const writer = async (w: number): Promise<void> => {
  while (!stop) {
    const dice = rnd(1000)
    const sync = dice % 10 === 0
    if (dice < 700) {
      const i = ownedKey(w)
      const v = valueFor(i, ++version)
      await db.put(key(i), v, { sync })
      model.set(i, v)
    } else if (dice < 800) {
      const i = ownedKey(w)
      await db.delete(key(i), { sync })
      model.set(i, undefined)
    } else if (dice < 998) {
      const b = db.batch()
      const set: Array<[number, string]> = []
      for (let j = 0; j < 4; j++) {
        const i = ownedKey(w)
        const v = valueFor(i, ++version)
        b.put(key(i), v)
        set.push([i, v])
      }
      await db.write(b, { sync })
      for (const [i, v] of set) model.set(i, v)
    } else {
      // A range delete over this writer's own keys only: the range [a, a+1) of one key.
      const i = ownedKey(w)
      await db.deleteRange(key(i), `${key(i)}\u0000`, { sync })
      model.set(i, undefined)
    }
    writes++
  }
}

const reader = async (): Promise<void> => {
  while (!stop) {
    if (rnd(50) === 0) {
      let n = 0
      for await (const _ of db.iterator({ gte: key(rnd(keySpace)) })) if (++n >= 20) break
    } else await db.get(key(rnd(keySpace)))
    reads++
    if (reads % 8 === 0) await new Promise((r) => setImmediate(r)) // readers must not starve the writers
  }
}

const diskBytes = (): number => fs.readdirSync(dir).reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0)

interface Sample {
  readonly t: number
  readonly writesPerSec: number
  readonly readsPerSec: number
  readonly heapMiB: number
  readonly rssMiB: number
  readonly diskMiB: number
  readonly files: number
  readonly levelFiles: ReadonlyArray<number>
  readonly liveWals: number
  readonly immutableMemtables: number
  readonly flushes: number
  readonly compactions: number
  readonly stalls: number
  /** Event-loop delay over the interval (ms): what a flush or compaction step costs the writers. */
  readonly loopDelayP99Ms: number
  readonly loopDelayMaxMs: number
}
const samples: Sample[] = []
const mib = (b: number): number => Math.round((b / 1048576) * 10) / 10
const t0 = performance.now()
let lastW = 0
let lastR = 0
let lastT = t0
const loopDelay = monitorEventLoopDelay({ resolution: 1 })
loopDelay.enable()
const sample = (): void => {
  const now = performance.now()
  const s = db.stats()
  const mem = process.memoryUsage()
  const x: Sample = {
    t: Math.round((now - t0) / 1000),
    writesPerSec: Math.round(((writes - lastW) * 1000) / (now - lastT)),
    readsPerSec: Math.round(((reads - lastR) * 1000) / (now - lastT)),
    heapMiB: mib(mem.heapUsed),
    rssMiB: mib(mem.rss),
    diskMiB: mib(diskBytes()),
    files: fs.readdirSync(dir).length,
    levelFiles: s.levelFiles.slice(0, 4),
    liveWals: s.liveWals.length,
    immutableMemtables: s.immutableMemtables,
    flushes: s.flushes,
    compactions: s.compactions,
    stalls: s.stalls,
    loopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e4) / 100,
    loopDelayMaxMs: Math.round(loopDelay.max / 1e4) / 100,
  }
  loopDelay.reset()
  lastW = writes
  lastR = reads
  lastT = now
  samples.push(x)
  process.stdout.write(
    `t=${x.t}s writes/s=${x.writesPerSec} reads/s=${x.readsPerSec} heap=${x.heapMiB}MiB rss=${x.rssMiB}MiB disk=${x.diskMiB}MiB files=${x.files} levels=[${x.levelFiles.join(",")}] wals=${x.liveWals} imm=${x.immutableMemtables} flushes=${x.flushes} compactions=${x.compactions} stalls=${x.stalls} loop-delay p99/max=${x.loopDelayP99Ms}/${x.loopDelayMaxMs}ms\n`,
  )
}

process.stdout.write(
  `soak: ${strategy}, ${minutes} min, ${writers} writers, ${readers} readers, writeBufferSize ${writeBufferSize}, ${keySpace} keys, folder ${dir}\n`,
)
const timer = setInterval(sample, intervalMs)
const done = new Promise<void>((r) => setTimeout(r, minutes * 60_000))
const work = [...Array.from({ length: writers }, (_, w) => writer(w)), ...Array.from({ length: readers }, () => reader())]
await done
stop = true
clearInterval(timer)
await Promise.all(work)
sample()
const finalStats = db.stats()

// Every key against the model of acknowledged writes.
let wrong = 0
for (let i = 0; i < keySpace; i++) {
  const got = await db.get(key(i))
  const want = model.get(i)
  const g = got === undefined ? undefined : new TextDecoder().decode(got)
  if (g !== want) {
    if (wrong < 5) process.stderr.write(`key ${key(i)}: got ${g?.slice(0, 40)}, want ${want?.slice(0, 40)}\n`)
    wrong++
  }
}
await db.close()

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!
}
const body = samples.slice(1, -1) // the first interval warms up, the last is partial
const third = Math.max(1, Math.floor(body.length / 3))
const half = Math.max(1, Math.floor(body.length / 2))
const first = body.slice(0, third)
const last = body.slice(-third)
const maxOf = (xs: Sample[], f: (s: Sample) => number): number => Math.max(...xs.map(f))
const verdicts = {
  throughputRatio: median(last.map((s) => s.writesPerSec)) / Math.max(1, median(first.map((s) => s.writesPerSec))),
  rssRatio:
    maxOf(body.slice(-half), (s) => s.rssMiB) /
    Math.max(
      1,
      maxOf(body.slice(0, half), (s) => s.rssMiB),
    ),
  heapRatio:
    maxOf(body.slice(-half), (s) => s.heapMiB) /
    Math.max(
      1,
      maxOf(body.slice(0, half), (s) => s.heapMiB),
    ),
  diskRatio:
    maxOf(body.slice(-half), (s) => s.diskMiB) /
    Math.max(
      1,
      maxOf(body.slice(0, half), (s) => s.diskMiB),
    ),
  wrongKeys: wrong,
}
// Bounded = the second half never goes far above the first half's peak; no decay = the last
// third's median throughput keeps most of the first third's (the machine is shared: noisy).
const ok =
  verdicts.wrongKeys === 0 &&
  verdicts.throughputRatio >= 0.6 &&
  verdicts.rssRatio <= 1.5 &&
  verdicts.heapRatio <= 1.5 &&
  verdicts.diskRatio <= 1.5
const engine = {
  flushes: finalStats.flushes,
  compactions: finalStats.compactions,
  flushLongestStretchMs: finalStats.flushLongestStretchMs,
  compactionLongestStretchMs: finalStats.compactionLongestStretchMs,
  compactionBytesWritten: finalStats.compactionBytesWritten,
  stalls: finalStats.stalls,
  stallMicros: finalStats.stallMicros,
}
const report = {
  engine,
  strategy,
  minutes,
  writers,
  readers,
  writeBufferSize,
  keySpace,
  valueSize,
  totalWrites: writes,
  totalReads: reads,
  samples,
  verdicts,
  ok,
}
process.stdout.write(`${JSON.stringify({ verdicts, ok, engine, totalWrites: writes, totalReads: reads })}\n`)
if (values.json !== undefined) fs.writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`)
if (values.dir === undefined) fs.rmSync(dir, { recursive: true, force: true })
process.exit(ok ? 0 : 1)
