import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it, vi } from "vitest"
import { ratios, verdicts } from "../src/analyze.ts"
import { type CompareConfig, defaultConfig } from "../src/CompareConfig.ts"
import { limitSync } from "../src/engines/limitSync.ts"
import { writepathEngines } from "../src/engines/writepath.ts"
import { makeReport } from "../src/makeReport.ts"
import { ReportSchema } from "../src/Report.ts"
import { adviceLines, renderTable } from "../src/renderTable.ts"
import { runMatrix } from "../src/runMatrix.ts"
import { runWorkload } from "../src/runWorkload.ts"
import { fakeEngine } from "./fakeEngine.ts"

const tiny: CompareConfig = {
  ...defaultConfig,
  engines: ["writepath", "limit-sync", "limit-memtable"],
  strategies: ["classic"],
  workloads: ["fillrandom", "readwhilewriting", "txn"],
  writers: [1, 4],
  ops: 200,
  budgetSeconds: null,
  rounds: 1,
  warmUp: false,
}

// Real fdatasyncs on a shared, loaded 2-core machine: seconds, not milliseconds.
vi.setConfig({ testTimeout: 60_000 })

const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "compare-test-"))

describe("runWorkload", () => {
  it("does exactly maxOps writes with at most `writers` in flight, and reports the engine's groups", async () => {
    const engine = fakeEngine()
    const spec = { workload: "fillrandom", sync: true, writers: 8, keySize: 16, valueSize: 100, maxOps: 1000, seconds: null } as const
    const r = await runWorkload(engine, tempDir(), spec)
    expect(r.ops).toBe(1000)
    expect(engine.maxInFlight).toBe(8)
    // Every writer issues within one turn: groups of 8 (a slow turn can split one).
    expect(r.groups?.count).toBeGreaterThanOrEqual(125)
    expect(r.groups?.count).toBeLessThanOrEqual(130)
    expect(r.groups?.meanSize).toBeGreaterThan(7.6)
    expect(r.walSyncs).toBe(r.groups?.count)
    expect(r.latencyUs.p50).toBeGreaterThan(0)
  })

  it("limit-sync groups perfectly: one fdatasync per `writers` records", async () => {
    const spec = { workload: "fillseq", sync: true, writers: 5, keySize: 16, valueSize: 10, maxOps: 100, seconds: null } as const
    const r = await runWorkload(limitSync, tempDir(), spec)
    expect([r.ops, r.groups?.count, r.groups?.meanSize, r.walSyncs]).toEqual([100, 20, 5, 20])
  })

  it("stops on the time cap", async () => {
    const spec = { workload: "fillseq", sync: false, writers: 2, keySize: 16, valueSize: 10, maxOps: null, seconds: 0.2 } as const
    const r = await runWorkload(fakeEngine(), tempDir(), spec)
    expect(r.seconds).toBeGreaterThanOrEqual(0.2)
    expect(r.seconds).toBeLessThan(1)
    expect(r.ops).toBeGreaterThan(10)
  })

  it("reads while writing, and runs prepare + commit pairs for txn", async () => {
    const base = { sync: false, writers: 2, keySize: 16, valueSize: 10, maxOps: 300, seconds: null } as const
    const rww = await runWorkload(fakeEngine(), tempDir(), { ...base, workload: "readwhilewriting" })
    expect(rww.readsPerSec).toBeGreaterThan(0)
    const txn = await runWorkload(fakeEngine(), tempDir(), { ...base, workload: "txn" })
    expect(txn.ops).toBe(300)
    expect(txn.groups?.count).toBe(300) // two writers, prepare then commit: 600 writes in groups of 2
  })
})

describe("runMatrix", () => {
  it("runs every cell, reports skips with reasons, and cleans its folder", async () => {
    const dir = tempDir()
    const results = await runMatrix(
      { ...tiny, dir, strategies: ["classic", "pipelined"] },
      { engines: [fakeEngine({ strategy: "classic" }), fakeEngine({ strategy: "pipelined", failAt: 3 }), limitSync] },
    )
    expect(fs.readdirSync(dir)).toEqual([])
    // 3 workloads x 2 modes x 2 writer counts x 3 engines (limit-memtable is not in `engines` here).
    expect(results).toHaveLength(36)
    // Its txn runs never call put, so only they survive the injected failure.
    const failed = results.filter((r) => r.strategy === "pipelined" && r.workload !== "txn")
    expect(failed).toHaveLength(8)
    expect(failed.every((r) => r.skipped === "failed: injected failure")).toBe(true)
    const limit = results.filter((r) => r.engine === "limit-sync")
    expect(limit.filter((r) => r.skipped === null).map((r) => r.workload)).toEqual(Array(4).fill("fillrandom"))
    expect(new Set(limit.map((r) => r.skipped))).toEqual(new Set([null, "a limit has no reads", "no two-phase commit (prepare + commit)"]))
    const ok = results.filter((r) => r.strategy === "classic")
    expect(ok.every((r) => r.skipped === null && r.ops === 200)).toBe(true)
  })

  it("runs the four writepath strategies through @writepath/db (or reports why not)", async () => {
    const db = (await import("@writepath/db")) as Record<string, unknown>
    const config = {
      ...tiny,
      engines: ["writepath"],
      strategies: writepathEngines.map((e) => e.strategy),
      workloads: ["fillrandom", "txn"],
      writers: [4],
    } as const
    const results = await runMatrix(config as unknown as CompareConfig)
    // workload x mode x strategy, in that order
    expect(results.map((r) => r.strategy)).toEqual(
      Array(4)
        .fill(writepathEngines.map((e) => e.strategy))
        .flat(),
    )
    if (typeof db.open !== "function") {
      expect(new Set(results.map((r) => r.skipped))).toEqual(new Set(["engine not built yet"]))
      return
    }
    const ran = results.filter((r) => r.skipped === null)
    expect(ran.map((r) => `${r.workload} ${r.strategy}`)).toEqual([
      ...Array(2).fill(["fillrandom classic", "fillrandom pipelined", "fillrandom two-queue", "fillrandom concurrent-memtable"]).flat(),
      "txn two-queue",
      "txn two-queue",
    ])
    for (const r of ran) {
      expect(r.ops).toBe(200)
      expect(r.groups?.count).toBeGreaterThan(0)
      // Sync runs (transactions too) reach the WAL's fdatasync; the others never do.
      if (r.sync) expect(r.walSyncs).toBeGreaterThan(0)
      else expect(r.walSyncs).toBe(0)
    }
  }, 120_000)
})

describe("report", () => {
  it("matches the JSON contract, survives a round trip, and feeds the table and the verdicts", async () => {
    const config = { ...tiny, strategies: ["classic", "two-queue"], rounds: 2 } as const
    const results = await runMatrix(config, { engines: [fakeEngine(), fakeEngine({ strategy: "two-queue" }), limitSync] })
    const report = makeReport(config, new Date(), results)
    const parsed = ReportSchema.parse(JSON.parse(JSON.stringify(report)))
    expect(parsed).toEqual(report)
    expect(parsed.runtime).toMatch(/^node 20\./)
    expect(parsed.uvThreadpoolSize).toBe(Number(process.env.UV_THREADPOOL_SIZE ?? 4))
    const first = parsed.results[0]!
    expect(Object.keys(first).sort()).toEqual(
      [
        "engine",
        "strategy",
        "variant",
        "workload",
        "sync",
        "writers",
        "keySize",
        "valueSize",
        "ops",
        "seconds",
        "opsPerSec",
        "opsPerSecMin",
        "opsPerSecMax",
        "rounds",
        "roundLoads",
        "headline",
        "latencyUs",
        "groups",
        "walSyncs",
        "skipped",
        "readsPerSec",
      ].sort(),
    )
    // limit-sync has no reads or transactions, so only fillrandom has a limit to compare with.
    const r = ratios(parsed.results)
    expect(r).toHaveLength(24)
    expect(r.filter((x) => x.limit === "limit-sync" && x.vsLimit !== null).map((x) => x.workload)).toEqual(Array(8).fill("fillrandom"))
    const v = verdicts(parsed.results)
    expect(v.map((x) => x.workload)).toEqual(["fillrandom", "readwhilewriting", "txn"])
    expect(v[0]?.text).toMatch(
      /^sync, 4 writers, writepath\/(classic|two-queue): (ahead of|behind|within noise of) limit-sync \([\d.]+x\)\. no-sync, 4 writers, /,
    )
    // Two rounds each, the median between min and max, latency over both rounds.
    for (const row of parsed.results.filter((x) => x.skipped === null)) {
      expect(row.rounds).toHaveLength(2)
      expect(row.roundLoads).toHaveLength(2)
      expect(row.opsPerSec).toBe((row.rounds[0]! + row.rounds[1]!) / 2)
      expect(row.ops).toBe(400)
    }
    const table = renderTable(parsed)
    expect(table).toMatch(/writepath\/two-queue/)
    expect(table).toMatch(/2 rounds per cell, median ops\/s with the rounds' min\.\.max/)
    // --advise prints only these lines: one per workload and mode where a strategy ran.
    const advice = adviceLines(parsed)
    expect(advice.map((l) => l.trim().split(",")[0])).toEqual([
      "fillrandom",
      "fillrandom",
      "readwhilewriting",
      "readwhilewriting",
      "txn",
      "txn",
    ])
    expect(advice.every((l) => /open\(\{ path, strategy: "(classic|two-queue)" \}\) \| Db\.layer/.test(l))).toBe(true)
    expect(table.endsWith(advice.join("\n"))).toBe(true)
  })

  it("rejects a report that breaks the contract", () => {
    const good = makeReport(tiny, new Date(), [])
    expect(ReportSchema.safeParse(good).success).toBe(true)
    expect(ReportSchema.safeParse({ ...good, runtime: "" }).success).toBe(false)
    const row = {
      engine: "x",
      strategy: null,
      workload: "fillseq",
      sync: true,
      writers: 1,
      keySize: 16,
      valueSize: 100,
      ops: 1,
      seconds: 1,
    }
    const full = {
      ...row,
      variant: null,
      opsPerSec: 1,
      opsPerSecMin: 1,
      opsPerSecMax: 1,
      rounds: [1],
      roundLoads: [{ start: 0.5, end: 0.7, overloaded: false }],
      headline: false,
      latencyUs: { p50: 1, p99: 1, max: 1, cdf: [[50, 1]] },
      groups: null,
      walSyncs: null,
      skipped: null,
      readsPerSec: null,
    }
    expect(ReportSchema.safeParse({ ...good, results: [full] }).success).toBe(true)
    expect(ReportSchema.safeParse({ ...good, results: [{ ...full, workload: "scan" }] }).success).toBe(false)
    expect(ReportSchema.safeParse({ ...good, results: [{ ...full, latencyUs: { p50: 1 } }] }).success).toBe(false)
    expect(ReportSchema.safeParse({ ...good, results: [row] }).success).toBe(false)
    expect(ReportSchema.safeParse({ ...good, results: [{ ...full, rounds: [-1] }] }).success).toBe(false)
    expect(ReportSchema.safeParse({ ...good, results: [{ ...full, roundLoads: [{ start: 1 }] }] }).success).toBe(false)
  })
})
