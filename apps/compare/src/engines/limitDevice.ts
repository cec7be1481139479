/**
 * `limit-device`: the ceiling of any durable write path on this disk. No engine, no
 * writers, no event loop: one thread appends a group's bytes (`writers` records, at most
 * 64, of key + value each) with a synchronous write and a synchronous fdatasync, back to
 * back, for the whole round. Each fdatasync acknowledges a group, so ops/s = group size x
 * fdatasyncs/s; the latency of an op is its group's write + fdatasync.
 *
 * Sync rounds only: without fdatasync there is no device in the loop.
 */
import { Buffer } from "node:buffer"
import * as fs from "node:fs"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import type { Engine, Measurement, MeasureSpec } from "../Engine.ts"
import { LatencyRecorder } from "../LatencyRecorder.ts"

/** The largest group the limit writes per fdatasync (RocksDB-style groups at 64 writers). */
export const deviceGroupRecords = 64

export const limitDevice: Engine = {
  name: "limit-device",
  strategy: null,
  kind: "limit",
  supportsReads: false,
  syncOnly: true,
  skipWorkload: (workload) => (workload.startsWith("ycsb-") ? "a limit has no reads" : null),
  probe: async () => null,
  async open() {
    throw new Error("limit-device measures itself: measure(), not open()")
  },
  async measure(dir: string, spec: MeasureSpec): Promise<Measurement> {
    if (!spec.sync) throw new Error("limit-device is fdatasync only (sync rounds)")
    const group = Math.min(spec.writers, deviceGroupRecords)
    const bytes = Buffer.alloc(group * (spec.keySize + spec.valueSize), 0x61)
    const fd = fs.openSync(join(dir, "device.log"), "a")
    const latency = new LatencyRecorder()
    try {
      const maxGroups = spec.maxOps === null ? Number.POSITIVE_INFINITY : Math.ceil(spec.maxOps / group)
      const start = performance.now()
      const end = spec.seconds === null ? Number.POSITIVE_INFINITY : start + spec.seconds * 1000
      let groups = 0
      let now = start
      while (now < end && groups < maxGroups) {
        const t0 = now
        fs.writeSync(fd, bytes)
        fs.fdatasyncSync(fd)
        now = performance.now()
        latency.recordCount((now - t0) * 1000, group)
        groups++
      }
      return {
        ops: groups * group,
        seconds: (now - start) / 1000,
        latency,
        stats: { groups, meanGroupSize: group, walSyncs: groups },
      }
    } finally {
      fs.closeSync(fd)
    }
  },
}
