/** Assembles the report of a finished matrix and validates it against the JSON contract. */
import * as os from "node:os"
import * as path from "node:path"
import type { CompareConfig } from "./CompareConfig.ts"
import { type Report, ReportSchema, type Result } from "./Report.ts"
import { machineInfo, runtimeLabel, uvThreadpoolSize } from "./runtimeInfo.ts"

export const makeReport = (config: CompareConfig, startedAt: Date, results: readonly Result[]): Report =>
  ReportSchema.parse({
    runtime: runtimeLabel(),
    machine: machineInfo(),
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    uvThreadpoolSize: uvThreadpoolSize(),
    settings: {
      engines: config.engines,
      strategies: config.strategies,
      workloads: config.workloads,
      writers: config.writers,
      sync: config.sync,
      keySize: config.keySize,
      valueSize: config.valueSize,
      maxOps: config.ops,
      budgetSeconds: config.budgetSeconds,
      quick: config.quick,
      full: config.full,
      rounds: config.rounds,
      headlineSeconds: config.headlineSeconds,
      warmUp: config.warmUp,
      dir: path.resolve(config.dir ?? os.tmpdir()),
    },
    results,
  })
