/** The YCSB presets: operation mixes, the zipfian and latest distributions, and a preset run on an engine. */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { limitSync } from "../src/engines/limitSync.ts"
import { runWorkload, skipReason } from "../src/runWorkload.ts"
import { xorshift } from "../src/Workload.ts"
import { type YcsbOp, ycsbMixes, ycsbPresets, ycsbRequests, Zipfian } from "../src/Ycsb.ts"
import { fakeEngine } from "./fakeEngine.ts"

const draws = 100_000

const histogram = (preset: (typeof ycsbPresets)[number]) => {
  const next = ycsbRequests(preset, 10_000, xorshift(5))
  const ops = new Map<YcsbOp, number>()
  const keys = new Map<number, number>()
  let maxKey = 0
  let scanTotal = 0
  for (let i = 0; i < draws; i++) {
    const r = next()
    ops.set(r.op, (ops.get(r.op) ?? 0) + 1)
    keys.set(r.key, (keys.get(r.key) ?? 0) + 1)
    maxKey = Math.max(maxKey, r.key)
    scanTotal += r.scanLength
  }
  return { ops, keys, maxKey, scanTotal }
}

describe("YCSB presets", () => {
  it("draw each preset's operation mix (YCSB's proportions, within 1 %)", () => {
    for (const preset of ycsbPresets) {
      const { ops } = histogram(preset)
      for (const [op, p] of ycsbMixes[preset].ops) expect(Math.abs((ops.get(op) ?? 0) / draws - p), `${preset} ${op}`).toBeLessThan(0.01)
      expect([...ops.keys()].every((op) => ycsbMixes[preset].ops.some(([o]) => o === op))).toBe(true)
    }
  })

  it("zipfian: item 0 is the most frequent, and the hottest 1 % of items take far more than 1 % of draws", () => {
    const z = new Zipfian(10_000, xorshift(9))
    const counts = new Array<number>(10_000).fill(0)
    for (let i = 0; i < draws; i++) counts[z.next()]!++
    expect(Math.max(...counts)).toBe(counts[0])
    const hot = [...counts].sort((a, b) => b - a).slice(0, 100)
    expect(hot.reduce((a, b) => a + b, 0) / draws).toBeGreaterThan(0.3)
    expect(counts.every((c, i) => i < 10_000 || c === 0)).toBe(true)
  })

  it("D reads the latest inserts most, E scans 1-100 records and inserts past the loaded ones", () => {
    const d = histogram("ycsb-d")
    // Inserts append: the newest key is past the 10,000 loaded ones, and it is read most.
    expect(d.maxKey).toBeGreaterThanOrEqual(10_000 + 0.04 * draws)
    const top = [...d.keys].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0
    expect(top).toBeGreaterThan(10_000)
    const e = histogram("ycsb-e")
    const scans = e.ops.get("scan") ?? 0
    expect(e.scanTotal / scans).toBeGreaterThan(45)
    expect(e.scanTotal / scans).toBeLessThan(56)
  })

  it("runs a preset on an engine with reads (every operation counted), and skips engines without reads", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "compare-ycsb-"))
    const spec = { workload: "ycsb-a", sync: false, writers: 4, keySize: 16, valueSize: 100, maxOps: 500, seconds: null } as const
    const r = await runWorkload(fakeEngine(), dir, spec)
    expect(r.ops).toBe(500)
    // About half are updates, each one write through the engine's groups.
    const grouped = (r.groups?.count ?? 0) * (r.groups?.meanSize ?? 0)
    expect(grouped).toBeGreaterThan(200)
    expect(grouped).toBeLessThan(300)
    expect(skipReason(limitSync, { workload: "ycsb-c", sync: false })).toBe("a limit has no reads")
  })
})
