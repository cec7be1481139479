/**
 * Interleaved rounds: the rotation order, the schedule (cell by cell, round by round), the
 * summary of a cell's rounds (median, min, max, merged latency, load flags), and runMatrix
 * running them in that order (one engine session per cell: later rounds reuse the first's
 * database) with the time split between headline and other cells.
 */
import { Buffer } from "node:buffer"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { type CompareConfig, defaultConfig, isHeadline } from "../src/CompareConfig.ts"
import type { Engine } from "../src/Engine.ts"
import { LatencyRecorder } from "../src/LatencyRecorder.ts"
import type { Round } from "../src/Round.ts"
import { planCells, roundOrder, roundSchedule, runMatrix } from "../src/runMatrix.ts"
import { median, summarizeRounds } from "../src/summarizeRounds.ts"

const spec = { workload: "fillrandom", sync: true, writers: 4, keySize: 16, valueSize: 100 } as const

const round = (opsPerSec: number, micros: readonly number[], load = { start: 0.5, end: 0.5 }): Round => {
  const latency = new LatencyRecorder()
  for (const m of micros) latency.record(m)
  return { ops: micros.length, seconds: micros.length / opsPerSec, opsPerSec, latency, stats: null, reads: null, load }
}

/** An engine that measures itself and logs each round it is asked for, with the folder round number. */
const recordingEngine = (name: string, log: string[]): Engine => ({
  name,
  strategy: null,
  kind: "peer",
  probe: async () => null,
  open: async () => {
    throw new Error("measure only")
  },
  async measure(_dir, s) {
    log.push(`${name} w=${s.writers} r${s.round}`)
    const latency = new LatencyRecorder()
    latency.recordCount(10, s.maxOps ?? 0)
    return { ops: s.maxOps ?? 0, seconds: 0.01, latency, stats: null }
  },
})

describe("roundOrder", () => {
  it("rotates the engines one further each round, so each goes first once per cycle", () => {
    const engines = ["a", "b", "c"]
    expect([0, 1, 2, 3].map((r) => roundOrder(engines, r).join(""))).toEqual(["abc", "bca", "cab", "abc"])
    expect(roundOrder([], 2)).toEqual([])
  })

  it("schedules cell by cell, all engines of round r before round r + 1, rotated, skipping skipped engines", () => {
    const a = { name: "a" } as Engine
    const b = { name: "b" } as Engine
    const c = { name: "c" } as Engine
    const cell = (skipC: boolean) => ({
      spec: { ...spec, maxOps: null, seconds: null },
      headline: false,
      engines: [
        { engine: a, skip: null },
        { engine: b, skip: null },
        { engine: c, skip: skipC ? "no" : null },
      ],
    })
    const order = roundSchedule([cell(false), cell(true)], 3).map((s) => `${s.cell}${s.round}${s.engine.name}`)
    expect(order).toEqual(["00a", "00b", "00c", "01b", "01c", "01a", "02c", "02a", "02b", "10a", "10b", "11b", "11a", "12a", "12b"])
  })
})

describe("summarizeRounds", () => {
  it("reports the median round with min and max, keeps every round, merges latencies and flags loaded rounds", () => {
    const engine = { name: "e", strategy: null, kind: "peer" } as Engine
    const r = summarizeRounds(engine, spec, [round(300, [10, 20]), round(100, [30, 40, 50], { start: 1, end: 2.5 }), round(200, [60])], {
      cores: 2,
      headline: true,
    })
    expect([r.opsPerSec, r.opsPerSecMin, r.opsPerSecMax]).toEqual([200, 100, 300])
    expect(r.rounds).toEqual([300, 100, 200])
    expect(r.ops).toBe(6)
    expect(r.headline).toBe(true)
    expect(r.roundLoads.map((l) => l.overloaded)).toEqual([false, true, false])
    expect(r.latencyUs.max).toBe(60)
    expect(r.latencyUs.p50).toBe(30)
    expect(r.latencyUs.cdf.at(-1)).toEqual([100, 60])
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(() => median([])).toThrow(/median of nothing/)
    expect(() => summarizeRounds(engine, spec, [])).toThrow(/no rounds/)
  })
})

describe("runMatrix rounds", () => {
  const config: CompareConfig = {
    ...defaultConfig,
    engines: ["classic-level", "rocksdb", "lmdb"],
    workloads: ["fillrandom"],
    writers: [1, 2],
    sync: "off",
    ops: 20,
    budgetSeconds: null,
    rounds: 3,
    warmUp: false,
    headline: { workloads: ["fillrandom"], sync: [false] },
  }

  it("runs every cell's rounds interleaved and rotated, one result per engine with one rate per round", async () => {
    const log: string[] = []
    const engines = ["classic-level", "rocksdb", "lmdb"].map((n) => recordingEngine(n, log))
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "compare-rounds-"))
    const results = await runMatrix({ ...config, dir }, { engines })
    expect(fs.readdirSync(dir)).toEqual([])
    const names = (w: number, order: string[]) => order.map((n, i) => `${n} w=${w} r${Math.floor(i / 3)}`)
    expect(log).toEqual([
      ...names(1, ["classic-level", "rocksdb", "lmdb", "rocksdb", "lmdb", "classic-level", "lmdb", "classic-level", "rocksdb"]),
      ...names(2, ["classic-level", "rocksdb", "lmdb", "rocksdb", "lmdb", "classic-level", "lmdb", "classic-level", "rocksdb"]),
    ])
    expect(results.map((r) => `${r.engine} ${r.writers} ${r.rounds.length} ${r.ops} ${r.headline}`)).toEqual([
      "classic-level 1 3 60 false",
      "rocksdb 1 3 60 false",
      "lmdb 1 3 60 false",
      "classic-level 2 3 60 true",
      "rocksdb 2 3 60 true",
      "lmdb 2 3 60 true",
    ])
  })

  it("gives headline cells their fixed round length and splits the budget over the other rounds", async () => {
    const asked: { headline: boolean; seconds: number | null }[] = []
    const timed: Engine = {
      name: "timed",
      strategy: null,
      kind: "limit",
      probe: async () => null,
      open: async () => {
        throw new Error("measure only")
      },
      async measure(_dir, s) {
        asked.push({ headline: s.writers === 2, seconds: s.seconds })
        return { ops: 1, seconds: s.seconds ?? 0, latency: new LatencyRecorder(), stats: null }
      },
    }
    const cfg = { ...config, engines: ["timed"], ops: null, budgetSeconds: 0.5, headlineSeconds: 0.2 } as unknown as CompareConfig
    await runMatrix(cfg, { engines: [timed] })
    expect(asked.filter((a) => a.headline).map((a) => a.seconds)).toEqual([0.2, 0.2, 0.2])
    const other = asked.filter((a) => !a.headline).map((a) => a.seconds ?? 0)
    expect(other).toHaveLength(3)
    // The budget left after the headline rounds, split over 3 rounds, never below 0.1 s.
    for (const s of other) expect(s).toBeGreaterThanOrEqual(0.1)
    expect(other.every((s) => s < 0.5)).toBe(true)
  })

  it("marks the largest writer count's headline workloads and modes as headline cells", () => {
    expect(isHeadline(defaultConfig, { workload: "fillrandom", sync: true, writers: 64 })).toBe(true)
    expect(isHeadline(defaultConfig, { workload: "fillrandom", sync: false, writers: 64 })).toBe(false)
    expect(isHeadline(defaultConfig, { workload: "overwrite", sync: true, writers: 64 })).toBe(false)
    expect(isHeadline(defaultConfig, { workload: "txn", sync: true, writers: 64 })).toBe(false)
    const extra = { name: "x", strategy: null, kind: "peer", headlineOnly: true } as unknown as Engine
    const cells = planCells(defaultConfig, [extra], new Map([[extra, null]]))
    expect(cells.filter((c) => c.headline).map((c) => `${c.spec.workload} ${c.spec.writers}`)).toEqual(["fillrandom 64"])
    // An extra row runs in the headline cells only, and everywhere under --full.
    expect(cells.filter((c) => c.engines[0]?.skip === null).map((c) => `${c.spec.workload} ${c.spec.writers}`)).toEqual(["fillrandom 64"])
    expect(cells.find((c) => !c.headline)?.engines[0]?.skip).toMatch(/extra row of the headline cells/)
    const full = planCells({ ...defaultConfig, full: true }, [extra], new Map([[extra, null]]))
    expect(full.some((c) => /extra row/.test(c.engines[0]?.skip ?? ""))).toBe(false)
    // 4 workloads x 2 modes x 2 writer counts, less txn (no two-phase commit).
    expect(full.filter((c) => c.engines[0]?.skip === null)).toHaveLength(12)
  })
})

describe("cell sessions", () => {
  it("opens each engine once per cell and runs its rounds on that database, each round with new keys", async () => {
    const { fakeEngine } = await import("./fakeEngine.ts")
    let opens = 0
    const keys = new Set<string>()
    const base = fakeEngine()
    const counting: Engine = {
      ...base,
      async open(dir, o) {
        opens++
        const db = await base.open(dir, o)
        return {
          ...db,
          put(k, v, w) {
            keys.add(Buffer.from(k).toString("latin1"))
            return db.put(k, v, w)
          },
        }
      },
    }
    const config: CompareConfig = {
      ...defaultConfig,
      engines: ["writepath"],
      strategies: ["classic"],
      workloads: ["fillrandom"],
      writers: [2],
      sync: "off",
      ops: 50,
      budgetSeconds: null,
      rounds: 3,
      warmUp: false,
    }
    const [r] = await runMatrix(config, { engines: [counting] })
    expect(opens).toBe(1)
    expect(r?.rounds).toHaveLength(3)
    expect(r?.ops).toBe(150)
    // fillrandom over 10^9 keys: three rounds of new keys, not round 1's keys three times.
    expect(keys.size).toBe(150)
  })
})
