/**
 * rocksdb-cpp through Debian's db_bench, on output captured now from the real binary (the
 * setup installs rocksdb-tools with apt-get when db_bench is missing, as the browser test
 * installs Chromium): the parser against the counts db_bench was asked for, and the engine
 * through the app's round runner.
 */
import { execFileSync, execSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { dbBenchArgs, findDbBench } from "../src/engines/dbBench.ts"
import { DbBenchOutputError, groupStats, parseDbBench } from "../src/engines/parseDbBench.ts"
import { rocksdbCppEngines } from "../src/engines/rocksdbCpp.ts"
import { closeSession, openSession, runRound, skipReason } from "../src/runWorkload.ts"

let dbBench = ""
const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "compare-dbbench-"))

beforeAll(() => {
  if (findDbBench() === null) execSync("apt-get update -qq && apt-get install -y -qq rocksdb-tools", { stdio: "inherit", timeout: 600_000 })
  dbBench = findDbBench() ?? ""
}, 900_000)

const capture = (args: string[]): string =>
  execFileSync(dbBench, args, { maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "ignore"] }).toString()

describe("db_bench output", () => {
  it("parses ops/s, seconds, operations, percentiles, the histogram and the write-group tickers of a real run", () => {
    const threads = 4
    const writes = 150
    const out = capture(
      dbBenchArgs({
        benchmark: "fillrandom",
        mode: "classic",
        db: tempDir(),
        sync: true,
        threads,
        keySize: 16,
        valueSize: 100,
        num: 1_000_000,
        seconds: null,
        writesPerThread: writes,
        useExistingDb: false,
        seed: 301,
      }),
    )
    const run = parseDbBench(out, "fillrandom")
    expect(run.operations).toBe(threads * writes)
    expect(run.seconds).toBeGreaterThan(0)
    // db_bench rounds ops/s to an integer from its own elapsed time.
    expect(Math.abs(run.opsPerSec - run.operations / run.seconds)).toBeLessThan(run.opsPerSec * 0.01 + 1)
    expect(run.buckets.reduce((a, [, n]) => a + n, 0)).toBe(run.operations)
    expect([...run.percentiles.keys()]).toEqual(["P50", "P75", "P99", "P99.9", "P99.99"])
    const p50 = run.percentiles.get("P50") ?? 0
    const p99 = run.percentiles.get("P99") ?? 0
    expect(p50).toBeGreaterThan(0)
    expect(p99).toBeGreaterThanOrEqual(p50)
    // Every write is a leader's own (write.self) or done for it by a leader (write.other);
    // with sync on and no pipelining each group is one WAL sync.
    const g = groupStats(run)
    expect(run.tickers.get("rocksdb.write.self")! + run.tickers.get("rocksdb.write.other")!).toBe(run.operations)
    expect(g.walSyncs).toBe(g.groups)
    expect(g.meanGroupSize).toBeCloseTo(run.operations / g.groups, 9)
    expect(g.meanGroupSize).toBeGreaterThanOrEqual(1)
  }, 120_000)

  it("names what is missing when the output lacks a part", () => {
    const out = capture(["--benchmarks=fillseq", `--db=${tempDir()}`, "--num=100", "--compression_type=none"])
    expect(parseDbBench(out, "fillseq").operations).toBe(100)
    expect(() => parseDbBench(out, "fillrandom")).toThrow(DbBenchOutputError)
    // Without --statistics=1 there are no tickers.
    expect(() => groupStats(parseDbBench(out, "fillseq"))).toThrow(/rocksdb.write.self/)
    const noSummary = out
      .split("\n")
      .filter((l) => !l.startsWith("fillseq"))
      .join("\n")
    expect(() => parseDbBench(noSummary, "fillseq")).toThrow(/"fillseq : ... ops\/sec" line/)
  }, 60_000)
})

describe("rocksdb-cpp", () => {
  it("has one engine per RocksDB mode, and skips the workloads db_bench cannot run, with the reason", async () => {
    expect(rocksdbCppEngines.map((e) => e.variant)).toEqual(["classic", "concurrent-memtable", "pipelined", "unordered"])
    const e = rocksdbCppEngines[0]!
    expect(await e.probe()).toBeNull()
    expect(skipReason(e, { workload: "readwhilewriting", sync: true })).toMatch(/N readers and one writer/)
    expect(skipReason(e, { workload: "txn", sync: true })).toMatch(/two-phase commit/)
    expect(skipReason(e, { workload: "ycsb-a", sync: true })).toMatch(/no YCSB/)
    expect(skipReason(e, { workload: "fillrandom", sync: true })).toBeNull()
    const saved = process.env.PATH
    process.env.PATH = tempDir()
    try {
      expect(await e.probe()).toMatch(/db_bench is not on PATH .*apt-get install rocksdb-tools/)
    } finally {
      process.env.PATH = saved
    }
  })

  it("measures two rounds of a cell in one folder for fillrandom and overwrite with each mode's own flags", async () => {
    for (const engine of rocksdbCppEngines) {
      for (const workload of ["fillrandom", "overwrite"] as const) {
        const spec = { workload, sync: true, writers: 4, keySize: 16, valueSize: 100, maxOps: 200, seconds: null }
        const session = await openSession(engine, tempDir(), spec)
        // The second round runs where the first left its database (db_bench refuses a reused one for fillrandom).
        for (const round of [0, 1]) {
          const r = await runRound(engine, session.dir, spec, { done: 0 }, session)
          expect(r.ops, `${engine.variant} ${workload} round ${round}`).toBe(200)
          expect(r.latency.count).toBe(200)
          expect(r.stats?.walSyncs).toBeGreaterThan(0)
          expect(r.stats?.groups).toBeGreaterThan(0)
        }
        expect(session.round).toBe(2)
        await closeSession(session)
      }
    }
    const noSync = await runRound(rocksdbCppEngines[0]!, tempDir(), {
      workload: "fillrandom",
      sync: false,
      writers: 2,
      keySize: 16,
      valueSize: 100,
      maxOps: 100,
      seconds: null,
    })
    expect(noSync.stats?.walSyncs).toBe(0)
  }, 180_000)
})

describe("db_bench's stopping rule", () => {
  const spec = { workload: "fillrandom", sync: true, writers: 4, keySize: 16, valueSize: 100, maxOps: null, seconds: 0.5 }
  it("runs whole seconds when it can, sizes shorter rounds from the last rate, and honours --ops", async () => {
    const { dbBenchStop } = await import("../src/engines/rocksdbCpp.ts")
    expect(dbBenchStop({ ...spec, seconds: 2.4 }, 1000)).toEqual({ seconds: 2, writesPerThread: null })
    expect(dbBenchStop(spec, undefined)).toEqual({ seconds: 1, writesPerThread: null })
    // 8,000 ops/s for 0.5 s over 4 threads.
    expect(dbBenchStop(spec, 8000)).toEqual({ seconds: null, writesPerThread: 1000 })
    expect(dbBenchStop(spec, 10)).toEqual({ seconds: null, writesPerThread: 20 })
    expect(dbBenchStop({ ...spec, seconds: null, maxOps: 200 }, undefined)).toEqual({ seconds: null, writesPerThread: 50 })
  })
})
