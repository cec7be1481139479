import { describe, expect, it } from "vitest"
import { deadFollower, deadLeader, killMidStress, stress } from "./support/sharedScenarios.ts"

// Real worker threads on a shared, loaded 2-core machine: generous per-test limits; the
// scenarios themselves fail fast (with the queue's state) when no write completes for 30 s.
const LIMIT = 180_000

describe("SharedWriteThread across worker threads", () => {
  it(
    "4 workers x 8 async writers, serial memtable: every write once, dense, in order, admission rules",
    async () => {
      const r = await stress({
        threads: 4,
        writersPerThread: 8,
        writesPerWriter: 300,
        parallel: false,
        waitMode: "async",
        spinIterations: 200,
      })
      expect(r.largestGroup).toBeGreaterThan(1)
    },
    LIMIT,
  )

  it(
    "4 workers x 8 async writers, parallel memtable writers",
    async () => {
      const r = await stress({
        threads: 4,
        writersPerThread: 8,
        writesPerWriter: 300,
        parallel: true,
        waitMode: "async",
        spinIterations: 200,
      })
      expect(r.largestGroup).toBeGreaterThan(1)
    },
    LIMIT,
  )

  it(
    "4 workers x 1 writer in block mode (Atomics.wait), serial and parallel",
    async () => {
      await stress({ threads: 4, writersPerThread: 1, writesPerWriter: 1500, parallel: false, waitMode: "block", spinIterations: 1000 })
      await stress({ threads: 4, writersPerThread: 1, writesPerWriter: 1500, parallel: true, waitMode: "block", spinIterations: 1000 })
    },
    LIMIT,
  )

  it(
    "no lost wake-up: 40,000 writes with no spin, so every wait parks and races its wake",
    async () => {
      await stress({ threads: 4, writersPerThread: 1, writesPerWriter: 5000, parallel: true, waitMode: "block", spinIterations: 0 })
      await stress({ threads: 4, writersPerThread: 4, writesPerWriter: 1250, parallel: false, waitMode: "async", spinIterations: 0 })
    },
    LIMIT,
  )

  it("a worker that dies while queued is completed, skipped by the handoff, and its slot freed", deadFollower, LIMIT)

  it("a worker that dies while leading poisons the queue instead of wedging it", deadLeader, LIMIT)

  it(
    "a worker terminated mid-stream does not wedge the others (async and block modes)",
    async () => {
      for (const mode of ["async", "block"] as const) {
        const r = await killMidStress(mode)
        expect(r.acked).toBeGreaterThan(0)
      }
    },
    LIMIT,
  )
})
