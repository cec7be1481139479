import { describe, expect, it } from "vitest"
import { DEFAULT_DELAYED_WRITE_RATE, InvalidOptions, parseEngineOptions, parseWriteOptions } from "../src/EngineOptions.ts"

const noEnv = {}
const err = (f: () => unknown): InvalidOptions => {
  try {
    f()
  } catch (e) {
    if (e instanceof InvalidOptions) return e
    throw e
  }
  throw new Error("expected InvalidOptions")
}

describe("parseEngineOptions", () => {
  it("fills RocksDB's defaults", () => {
    const o = parseEngineOptions({ path: "/tmp/x" }, noEnv)
    expect(o).toMatchObject({
      strategy: "classic",
      createIfMissing: true,
      errorIfExists: false,
      writeBufferSize: 64 * 1024 * 1024,
      maxWriteBufferNumber: 2,
      maxWriteBatchGroupSizeBytes: 1 << 20,
      walRecoveryMode: "point-in-time",
      manualWalFlush: false,
      useFsync: false,
      delayedWriteRate: DEFAULT_DELAYED_WRITE_RATE,
      level0FileNumCompactionTrigger: 4,
      level0SlowdownWritesTrigger: 20,
      level0StopWritesTrigger: 36,
      targetFileSizeBase: 64 * 1024 * 1024,
      maxBytesForLevelBase: 256 * 1024 * 1024,
      maxBytesForLevelMultiplier: 10,
      disableAutoCompactions: false,
      compression: "snappy",
    })
    expect(o.concurrentMemtableWorkers).toBeGreaterThanOrEqual(1)
  })

  it("sanitizes the level-0 triggers as RocksDB does: slowdown >= compaction trigger, stop >= slowdown", () => {
    const o = parseEngineOptions(
      { path: "/x", level0FileNumCompactionTrigger: 10, level0SlowdownWritesTrigger: 5, level0StopWritesTrigger: 3 },
      noEnv,
    )
    expect([o.level0FileNumCompactionTrigger, o.level0SlowdownWritesTrigger, o.level0StopWritesTrigger]).toEqual([10, 10, 10])
    expect(err(() => parseEngineOptions({ path: "/x", targetFileSizeBase: 1000 }, noEnv)).field).toBe("targetFileSizeBase")
    expect(err(() => parseEngineOptions({ path: "/x", level0StopWritesTrigger: 0 }, noEnv)).field).toBe("level0StopWritesTrigger")
  })

  it("rejects unknown keys, naming them", () => {
    const e = err(() => parseEngineOptions({ path: "/x", writeBuferSize: 1 }, noEnv))
    expect(e.field).toBe("writeBuferSize")
    expect(e.message).toContain("option `writeBuferSize`: unknown option")
  })

  it("rejects wrong types and ranges, naming the field", () => {
    expect(err(() => parseEngineOptions({ path: "/x", writeBufferSize: "big" }, noEnv)).field).toBe("writeBufferSize")
    expect(err(() => parseEngineOptions({ path: "/x", maxWriteBufferNumber: 1 }, noEnv)).message).toContain("at least 2")
    expect(err(() => parseEngineOptions({ path: "/x", walRecoveryMode: "paranoid" }, noEnv)).field).toBe("walRecoveryMode")
    expect(err(() => parseEngineOptions({ path: "/x", strategy: "fast" }, noEnv)).field).toBe("strategy")
    expect(err(() => parseEngineOptions({}, noEnv)).field).toBe("path")
    expect(err(() => parseEngineOptions(null, noEnv)).field).toBe("(options)")
  })

  it("maps RocksDB's mode flags to strategies and rejects contradictions (WRITE-PATH.md 2.8)", () => {
    expect(parseEngineOptions({ path: "/x", enablePipelinedWrite: true }, noEnv).strategy).toBe("pipelined")
    expect(parseEngineOptions({ path: "/x", twoWriteQueues: true }, noEnv).strategy).toBe("two-queue")
    expect(parseEngineOptions({ path: "/x", allowConcurrentMemtableWrite: true }, noEnv).strategy).toBe("concurrent-memtable")
    expect(err(() => parseEngineOptions({ path: "/x", twoWriteQueues: true, enablePipelinedWrite: true }, noEnv)).field).toBe(
      "twoWriteQueues, enablePipelinedWrite",
    )
    expect(err(() => parseEngineOptions({ path: "/x", unorderedWrite: true }, noEnv)).field).toBe("unorderedWrite")
    expect(err(() => parseEngineOptions({ path: "/x", strategy: "classic", enablePipelinedWrite: true }, noEnv)).field).toBe("strategy")
    expect(err(() => parseEngineOptions({ path: "/x", strategy: "pipelined", concurrentMemtableWorkers: 2 }, noEnv)).field).toBe(
      "concurrentMemtableWorkers",
    )
  })

  it("enablePipelinedWrite with allowConcurrentMemtableWrite is InvalidOptions naming both (no parallel pipelined stage)", () => {
    const e = err(() => parseEngineOptions({ path: "/x", enablePipelinedWrite: true, allowConcurrentMemtableWrite: true }, noEnv))
    expect(e._tag).toBe("InvalidOptions")
    expect(e.field).toBe("enablePipelinedWrite, allowConcurrentMemtableWrite")
    expect(parseEngineOptions({ path: "/x", enablePipelinedWrite: true, allowConcurrentMemtableWrite: false }, noEnv).strategy).toBe(
      "pipelined",
    )
  })

  it("takes the strategy from WRITEPATH_STRATEGY when the config names none", () => {
    expect(parseEngineOptions({ path: "/x" }, { WRITEPATH_STRATEGY: "pipelined" }).strategy).toBe("pipelined")
    expect(parseEngineOptions({ path: "/x", strategy: "classic" }, { WRITEPATH_STRATEGY: "pipelined" }).strategy).toBe("classic")
    expect(err(() => parseEngineOptions({ path: "/x" }, { WRITEPATH_STRATEGY: "turbo" })).field).toBe("WRITEPATH_STRATEGY")
  })

  it("sanitizes like RocksDB: recycling off with tolerate/absolute recovery, delayedWriteRate 0 -> 16 MiB/s", () => {
    expect(parseEngineOptions({ path: "/x", recycleLogFileNum: 4, walRecoveryMode: "absolute-consistency" }, noEnv).recycleLogFileNum).toBe(
      0,
    )
    expect(parseEngineOptions({ path: "/x", recycleLogFileNum: 4 }, noEnv).recycleLogFileNum).toBe(4)
    expect(parseEngineOptions({ path: "/x", delayedWriteRate: 1000 }, noEnv).delayedWriteRate).toBe(1000)
  })
})

describe("parseWriteOptions", () => {
  it("defaults and plain booleans", () => {
    expect(parseWriteOptions(undefined)).toEqual({ sync: false, disableWAL: false, noSlowdown: false, lowPri: false })
    expect(parseWriteOptions({ sync: true })).toEqual({ sync: true, disableWAL: false, noSlowdown: false, lowPri: false })
  })

  it("sync with disableWAL is RocksDB's InvalidArgument", () => {
    expect(() => parseWriteOptions({ sync: true, disableWAL: true })).toThrow("Sync writes has to enable WAL.")
  })

  it("disableWAL with WAL recycling is rejected", () => {
    expect(err(() => parseWriteOptions({ disableWAL: true }, 2)).field).toBe("disableWAL")
  })

  it("unknown keys and wrong types name the field", () => {
    expect(err(() => parseWriteOptions({ fsync: true })).field).toBe("fsync")
    expect(err(() => parseWriteOptions({ sync: "yes" })).field).toBe("sync")
    expect(err(() => parseWriteOptions(5)).field).toBe("(options)")
  })
})
