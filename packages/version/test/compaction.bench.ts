/**
 * Compaction benchmark (a program, not a test): flushes `tables` level-0 tables of `entries`
 * Puts each (16-byte keys, 100-byte values; tables 0/2 and 1/3 write the same keys, so half the
 * input is overwritten), then runs the level-0 compaction and reports MB/s merged (input bytes
 * / wall time, table opens and fsyncs included), entries/s, and the longest synchronous stretch
 * (as runCompaction reports it, and perf_hooks' event-loop delay maximum). Two runs: tables
 * opened by runCompaction, and tables already open in a cache passed as `openTable` (as the
 * engine does).
 *
 *   pnpm exec tsx packages/version/test/compaction.bench.ts [entries=250000] [tables=4]
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { Table } from "@writepath/table"
import { flushToLevel0, pickCompaction, runCompaction, tableFileName, VersionSet } from "../src/index.ts"

const entries = Number(process.argv[2] ?? 250_000)
const tables = Number(process.argv[3] ?? 4)
const value = new Uint8Array(100).map((_, i) => (i * 7) & 0xff)
const keyOf = (i: number): Uint8Array => new TextEncoder().encode(String(i).padStart(16, "0"))
const mb = (b: number): string => (b / 1e6).toFixed(1)

const run = async (cached: boolean): Promise<void> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wp-compaction-bench-"))
  const vs = await VersionSet.create(dir)
  let seq = 0
  for (let t = 0; t < tables; t++) {
    const batch = Array.from({ length: entries }, (_, i) => ({ key: keyOf(i * 2 + (t % 2)), sequence: ++seq, type: 1, value }))
    await flushToLevel0(vs, batch, { logNumber: vs.newFileNumber(), lastSequence: seq })
  }
  const open = new Map(vs.state.files[0]!.map((f) => [f.number, cached ? Table.open(tableFileName(dir, f.number)) : undefined]))
  const c = pickCompaction(vs.state, { level0FileNumCompactionTrigger: tables })!
  const h = monitorEventLoopDelay({ resolution: 1 })
  h.enable()
  const r = await runCompaction(vs, c, cached ? { openTable: (f) => open.get(f.number)! } : {})
  h.disable()
  for (const t of open.values()) t?.close()
  await vs.close()
  fs.rmSync(dir, { recursive: true, force: true })
  const s = r.stats
  console.log(
    [
      `${cached ? "open tables passed in" : "tables opened by runCompaction"}: ${tables} level-0 tables x ${entries} entries -> ${r.newFiles.length} level-1 table(s)`,
      `  read ${mb(s.bytesRead)} MB, wrote ${mb(s.bytesWritten)} MB, ${s.entriesIn} entries in, ${s.entriesOut} out, ${s.droppedVersions} dropped`,
      `  ${s.ms.toFixed(0)} ms: ${(s.bytesRead / 1e3 / s.ms).toFixed(1)} MB/s merged, ${((s.entriesIn / s.ms) * 1000).toFixed(0)} entries/s`,
      `  longest synchronous stretch ${r.longestStretchMs.toFixed(1)} ms; event-loop delay max ${(h.max / 1e6).toFixed(1)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms`,
    ].join("\n"),
  )
}

await run(false)
await run(true)
