import { STRATEGIES } from "@writepath/strategies"
import { dbConformanceSuite } from "@writepath/testkit"
import { open } from "../src/index.ts"

// The engine conformance suite, once per write strategy.
for (const strategy of STRATEGIES) {
  dbConformanceSuite(strategy, (options) =>
    open({ ...options, strategy, ...(strategy === "concurrent-memtable" ? { concurrentMemtableWorkers: 1 } : {}) }),
  )
}
