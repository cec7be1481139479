/**
 * Concurrent writers through each strategy (a program, not a test; prints JSON):
 * `writers` closed-loop writers put `ops` 16-byte keys with 100-byte values, with and
 * without sync. Beside them, in the same run, the raw fdatasync latency of this disk
 * (write 100 bytes + fdatasync), which bounds sync throughput: writers / latency.
 *
 *   pnpm bench:db [--ops 100000] [--writers 64] [--strategies classic,pipelined,...] [--dir /tmp]
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { parseArgs } from "node:util"
import { STRATEGIES } from "@writepath/strategies"
import { open, type StrategyName } from "../src/index.ts"

const { values } = parseArgs({
  options: {
    ops: { type: "string", default: "100000" },
    writers: { type: "string", default: "64" },
    strategies: { type: "string", default: STRATEGIES.join(",") },
    dir: { type: "string", default: os.tmpdir() },
    sync: { type: "string", default: "both" },
  },
})
const OPS = Number(values.ops)
const WRITERS = Number(values.writers)
const strategies = values.strategies.split(",")
const syncModes = values.sync === "both" ? [false, true] : [values.sync === "on"]

const percentile = (sorted: Float64Array, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!

const fdatasyncLatency = (dir: string, n = 200): { p50Micros: number; p99Micros: number } => {
  const file = path.join(dir, "fdatasync-probe")
  const fd = fs.openSync(file, "w")
  const buf = Buffer.alloc(100, 1)
  const lat = new Float64Array(n)
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now()
      fs.writeSync(fd, buf)
      fs.fdatasyncSync(fd)
      lat[i] = (performance.now() - t0) * 1000
    }
  } finally {
    fs.closeSync(fd)
    fs.rmSync(file, { force: true })
  }
  lat.sort()
  return { p50Micros: percentile(lat, 50), p99Micros: percentile(lat, 99) }
}

// Keys are made before the clock starts: the benchmark measures the engine, not key building.
const KEYS = Array.from({ length: OPS }, (_, i) => {
  const k = new Uint8Array(16)
  const v = new DataView(k.buffer)
  v.setUint32(12, Math.imul(i, 2654435761) >>> 0)
  v.setUint32(8, i)
  return k
})
const key = (i: number): Uint8Array => KEYS[i]!
const value = new Uint8Array(100).fill(0x76)

const runOne = async (strategy: string, sync: boolean) => {
  const dir = fs.mkdtempSync(path.join(values.dir, `writepath-bench-${strategy}-`))
  try {
    const db = await open({ path: dir, strategy: strategy as StrategyName })
    const lat = new Float64Array(OPS)
    let next = 0
    const t0 = performance.now()
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        for (;;) {
          const i = next++
          if (i >= OPS) return
          const s = performance.now()
          await db.put(key(i), value, { sync })
          lat[i] = (performance.now() - s) * 1000
        }
      }),
    )
    const seconds = (performance.now() - t0) / 1000
    const st = db.stats()
    await db.close()
    lat.sort()
    return {
      strategy,
      sync,
      writers: WRITERS,
      ops: OPS,
      opsPerSec: Math.round(OPS / seconds),
      latencyMicros: { p50: Math.round(percentile(lat, 50)), p99: Math.round(percentile(lat, 99)), max: Math.round(lat[lat.length - 1]!) },
      groups: st.groups,
      meanGroupSize: +st.meanGroupSize.toFixed(2),
      walSyncs: st.walSyncs,
      walSyncMeanMicros: st.walSyncMeanMicros,
      seconds: +seconds.toFixed(3),
      parallelGroups: st.parallelGroups,
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const probe = fdatasyncLatency(values.dir)
const results = []
for (const sync of syncModes) {
  for (const s of strategies) {
    const r = await runOne(s, sync)
    results.push(r)
    process.stderr.write(`${s} sync=${sync}: ${r.opsPerSec} ops/s, mean group ${r.meanGroupSize}\n`)
  }
}
const bound = Math.round(WRITERS / (probe.p50Micros / 1e6))
console.log(
  JSON.stringify(
    {
      bench: "db.writers",
      runtime: `node ${process.version}`,
      cpus: os.availableParallelism(),
      keySize: 16,
      valueSize: 100,
      fdatasync: probe,
      syncBoundOpsPerSec: bound,
      results: results.map((r) => ({
        ...r,
        ...(r.sync
          ? { ratioToSyncBound: +(r.opsPerSec / bound).toFixed(2), groupSizeToWriters: +(r.meanGroupSize / WRITERS).toFixed(2) }
          : {}),
      })),
    },
    null,
    2,
  ),
)
