/** Verdicts from the rounds' ranges, the target lines, and the strategy advice with its exact configuration. */
import { describe, expect, it } from "vitest"
import { adviceText, advise, strategyConfig } from "../src/advice.ts"
import { targetLines, verdicts } from "../src/analyze.ts"
import type { Result } from "../src/Report.ts"
import { rangeVerdict } from "../src/verdict.ts"

const row = (engine: string, strategy: string | null, rounds: number[], over: Partial<Result> = {}): Result => ({
  engine,
  strategy,
  variant: null,
  workload: "fillrandom",
  sync: true,
  writers: 64,
  keySize: 16,
  valueSize: 100,
  ops: 1000,
  seconds: 3,
  opsPerSec: [...rounds].sort((a, b) => a - b)[rounds.length >> 1] ?? 0,
  opsPerSecMin: Math.min(...rounds),
  opsPerSecMax: Math.max(...rounds),
  rounds,
  roundLoads: rounds.map(() => ({ start: 1, end: 1, overloaded: false })),
  headline: true,
  latencyUs: { p50: 1, p99: 2, max: 3, cdf: [] },
  groups: null,
  walSyncs: null,
  skipped: null,
  readsPerSec: null,
  ...over,
})

describe("rangeVerdict", () => {
  it("is ahead only when the worst round beats the other's best, behind only the other way, else within noise", () => {
    const r = (rounds: number[]) => row("x", null, rounds)
    expect(rangeVerdict(r([110, 120, 130]), r([90, 100, 109]))).toBe("ahead")
    expect(rangeVerdict(r([90, 100, 109]), r([110, 120, 130]))).toBe("behind")
    // Medians 2x apart, but one slow round overlaps the other's range: noise.
    expect(rangeVerdict(r([50, 200, 210]), r([90, 100, 105]))).toBe("within noise")
    expect(rangeVerdict(r([100, 101]), r([101, 102]))).toBe("within noise")
    // One round is one sample.
    expect(rangeVerdict(r([1000]), r([1]))).toBe("one round")
  })
})

describe("advice", () => {
  const cell = [
    row("writepath", "classic", [100, 110, 120]),
    row("writepath", "two-queue", [150, 160, 170]),
    row("writepath", "pipelined", [125, 130, 155]),
    row("lmdb", null, [80, 90, 95]),
    row("rocksdb-cpp", null, [200, 210, 220], { variant: "classic" }),
    row("limit-sync", null, [300, 310, 320]),
    row("limit-device", null, [400, 420, 440]),
    // A smaller writer count does not count for the advice.
    row("writepath", "classic", [900, 900, 900], { writers: 1 }),
  ]

  it("names the fastest strategy at the largest writer count, its margin, and whether it is more than noise", () => {
    const [a, ...rest] = advise(cell)
    expect(rest).toHaveLength(0)
    expect(a).toMatchObject({ workload: "fillrandom", sync: true, writers: 64, strategy: "two-queue", opsPerSec: 160 })
    expect(a?.next).toEqual({ strategy: "pipelined", opsPerSec: 130 })
    expect(a?.margin).toBeCloseTo(160 / 130, 9)
    // two-queue's worst (150) is below pipelined's best (155).
    expect(a?.verdict).toBe("within noise")
    expect(adviceText(a!)).toBe(
      'fillrandom, sync, 64 writers: use two-queue (160 ops/s median); within noise of pipelined (1.23x by median; the rounds overlap). open({ path, strategy: "two-queue" }) | Db.layer({ path, strategy: "two-queue" }) | WRITEPATH_STRATEGY=two-queue',
    )
    const clear = advise(cell.map((r) => (r.strategy === "pipelined" ? row("writepath", "pipelined", [125, 130, 140]) : r)))
    expect(clear[0]?.verdict).toBe("ahead")
    expect(adviceText(clear[0]!)).toMatch(/1\.23x pipelined, ahead in every round\./)
  })

  it("gives the three ways to select a strategy", () => {
    expect(strategyConfig("concurrent-memtable")).toEqual({
      open: 'open({ path, strategy: "concurrent-memtable" })',
      layer: 'Db.layer({ path, strategy: "concurrent-memtable" })',
      env: "WRITEPATH_STRATEGY=concurrent-memtable",
    })
  })

  it("has no advice where no strategy ran, and says so when only one did", () => {
    expect(advise(cell.filter((r) => r.engine !== "writepath"))).toEqual([])
    const one = advise([row("writepath", "two-queue", [10, 11], { workload: "txn" })])
    expect(one[0]?.next).toBeNull()
    expect(adviceText(one[0]!)).toMatch(/the only strategy that ran/)
  })
})

describe("target lines", () => {
  it("puts the fastest strategy against the best peer, the best rocksdb-cpp mode and each limit, with range verdicts", () => {
    const cell = [
      row("writepath", "classic", [100, 110, 120]),
      row("lmdb", null, [80, 90, 95]),
      row("sqlite", null, [10, 11, 12]),
      row("rocksdb-cpp", null, [200, 210, 220], { variant: "classic" }),
      row("rocksdb-cpp", null, [100, 115, 130], { variant: "pipelined" }),
      row("limit-sync", null, [300, 310, 320]),
      row("limit-device", null, [105, 112, 118]),
    ]
    expect(targetLines(cell).map((l) => `${l.subject} vs ${l.against}: ${l.verdict}`)).toEqual([
      "writepath/classic vs lmdb: ahead",
      "writepath/classic vs rocksdb-cpp/classic: behind",
      "writepath/classic vs limit-sync: behind",
      "writepath/classic vs limit-device: within noise",
    ])
    expect(verdicts(cell)[0]?.text).toBe(
      "sync, 64 writers, writepath/classic: ahead of lmdb (1.22x), behind rocksdb-cpp/classic (0.52x), behind limit-sync (0.35x), within noise of limit-device (0.98x).",
    )
  })
})

describe("verdicts without anything to compare", () => {
  it("says the strategy ran alone, not that no strategy ran", () => {
    const txn = [
      row("writepath", "two-queue", [10, 11, 12], { workload: "txn" }),
      row("lmdb", null, [], { workload: "txn", skipped: "no two-phase commit (prepare + commit)", ops: 0 }),
    ]
    expect(verdicts(txn)).toEqual([
      { workload: "txn", text: "only writepath/two-queue ran (11 ops/s at 64 writers): no peer or limit runs this workload." },
    ])
  })
})
