import { deadFollower, deadLeader, killMidStress, stress } from "../../packages/core-queue/test/support/sharedScenarios.ts"
import type { Suite } from "../harness.ts"

/**
 * The cross-thread WriteThread under this runtime's workers and Atomics: the same
 * scenarios the core-queue vitest project runs on Node, smaller where they only repeat.
 */
export const sharedQueueSuite: Suite = () => [
  {
    name: "threads: 3 workers x 4 async writers, serial and parallel memtable: every write once, dense, in order, admission rules",
    run: async () => {
      await stress({ threads: 3, writersPerThread: 4, writesPerWriter: 250, parallel: false, waitMode: "async", spinIterations: 200 })
      await stress({ threads: 3, writersPerThread: 4, writesPerWriter: 250, parallel: true, waitMode: "async", spinIterations: 200 })
    },
  },
  {
    name: "threads: 3 workers x 1 blocking writer, no spin (every wait parks)",
    run: async () => {
      await stress({ threads: 3, writersPerThread: 1, writesPerWriter: 1500, parallel: true, waitMode: "block", spinIterations: 0 })
    },
  },
  { name: "threads: a worker dead while queued is skipped and its slot freed", run: deadFollower },
  { name: "threads: a worker dead while leading poisons the queue, nobody waits forever", run: deadLeader },
  {
    name: "threads: a worker terminated mid-stream does not wedge the others",
    run: async () => {
      await killMidStress("async")
    },
  },
]
