/**
 * What flush and compaction cost the event loop (a program, not a test; prints JSON): fills
 * memtables of `--mb` MiB with random 16-byte keys and 100-byte values (no writes during the
 * measurement), then measures, while `db.flush()` and then `db.compactRange()` run, the
 * event-loop delay (perf_hooks histogram at 1 ms resolution, and the longest gap between
 * setImmediate turns), beside the engine's own longest synchronous stretch per job.
 *
 *   pnpm bench:flush [--mb 64] [--rounds 3] [--dir /tmp]
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { parseArgs } from "node:util"
import { open } from "../src/index.ts"

const { values } = parseArgs({
  options: {
    mb: { type: "string", default: "64" },
    rounds: { type: "string", default: "3" },
    dir: { type: "string", default: os.tmpdir() },
  },
})
const MB = Number(values.mb)
const ROUNDS = Number(values.rounds)
const dir = fs.mkdtempSync(path.join(values.dir, "writepath-flushpause-"))

/** Runs `f` while watching the event loop: longest gap between turns and the delay histogram. */
const watch = async (f: () => Promise<void>): Promise<{ ms: number; longestTurnGapMs: number; delayP99Ms: number; delayMaxMs: number }> => {
  const h = monitorEventLoopDelay({ resolution: 1 })
  let longest = 0
  let last = performance.now()
  let running = true
  const tick = (): void => {
    const now = performance.now()
    longest = Math.max(longest, now - last)
    last = now
    if (running) setImmediate(tick)
  }
  h.enable()
  setImmediate(tick)
  const t0 = performance.now()
  await f()
  const ms = performance.now() - t0
  running = false
  h.disable()
  const r = (x: number): number => Math.round(x * 100) / 100
  return { ms: r(ms), longestTurnGapMs: r(longest), delayP99Ms: r(h.percentile(99) / 1e6), delayMaxMs: r(h.max / 1e6) }
}

const db = await open({ path: dir, writeBufferSize: MB * 1024 * 1024, maxWriteBufferNumber: 4, disableAutoCompactions: true })
let seed = 12345
const rnd = (): number => {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return seed >>> 0
}
const value = "v".repeat(100)
const perRound = Math.floor((MB * 1024 * 1024 * 0.8) / 150)
const flushes = []
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < perRound; i += 1000) {
    const b = db.batch()
    for (let j = 0; j < 1000; j++) b.put(rnd().toString(16).padStart(16, "0"), value)
    await db.write(b)
  }
  flushes.push(await watch(() => db.flush()))
}
const compaction = await watch(() => db.compactRange())
const s = db.stats()
await db.close()
fs.rmSync(dir, { recursive: true, force: true })
console.log(
  JSON.stringify(
    {
      memtableMiB: MB,
      entriesPerFlush: perRound,
      flushes,
      compaction,
      engine: {
        flushLongestStretchMs: Math.round(s.flushLongestStretchMs * 100) / 100,
        compactionLongestStretchMs: Math.round(s.compactionLongestStretchMs * 100) / 100,
        levelFiles: s.levelFiles,
        compactionBytesWritten: s.compactionBytesWritten,
      },
      loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    },
    null,
    2,
  ),
)
