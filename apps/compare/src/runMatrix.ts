/**
 * The whole comparison: every selected engine x workload x durability mode x writer
 * count, in a temporary folder removed afterwards.
 *
 * Runs are ordered so that all engines of one cell (workload, mode, writers) run back to
 * back: on a shared, noisy machine the figures compared with each other are measured
 * close together. The time budget is re-split before each run over the runs left, after
 * subtracting what opening, preloading and closing have been costing, so the matrix ends
 * on time whatever the engines' setup costs.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { performance } from "node:perf_hooks"
import type { CompareConfig } from "./CompareConfig.ts"
import { syncModes } from "./CompareConfig.ts"
import { type Engine, engineLabel } from "./Engine.ts"
import { allEngines } from "./engines/allEngines.ts"
import type { Progress } from "./Progress.ts"
import type { Result } from "./Report.ts"
import { type RunSpec, runWorkload, skippedResult, skipReason } from "./runWorkload.ts"

// Bounds of one run's share of the budget: long enough for a few hundred fsyncs, short
// enough that no single engine eats the matrix.
const minRunSeconds = 0.1
const maxRunSeconds = 10
// Until measured, what one run costs beyond its timed part (open, preload, close, rm).
const initialOverheadSeconds = 0.15
// Untimed warm-up per engine before the matrix, so the first cell does not measure the JIT.
const warmUp = { workload: "fillrandom", sync: false, writers: 8, maxOps: null, seconds: 0.15 } as const

/** Engines selected by a config, in report order. */
export const selectEngines = (config: Pick<CompareConfig, "engines" | "strategies">, engines: readonly Engine[] = allEngines): Engine[] =>
  engines.filter((e) =>
    e.kind === "writepath"
      ? config.engines.includes("writepath") && config.strategies.some((s) => s === e.strategy)
      : config.engines.some((n) => n === e.name),
  )

interface Planned {
  readonly engine: Engine
  readonly spec: RunSpec
  readonly skip: string | null
}

export interface MatrixOptions {
  readonly engines?: readonly Engine[]
  readonly progress?: Progress
}

/** Runs the matrix of `config` and returns one result per (engine, workload, mode, writers). */
export const runMatrix = async (config: CompareConfig, options: MatrixOptions = {}): Promise<Result[]> => {
  const engines = selectEngines(config, options.engines)
  const probes = new Map<Engine, string | null>()
  for (const e of engines) probes.set(e, await e.probe())

  const plan: Planned[] = []
  for (const workload of config.workloads)
    for (const sync of syncModes(config.sync))
      for (const writers of config.writers)
        for (const engine of engines) {
          const spec: RunSpec = {
            workload,
            sync,
            writers,
            keySize: config.keySize,
            valueSize: config.valueSize,
            maxOps: config.ops,
            seconds: null,
          }
          plan.push({ engine, spec, skip: probes.get(engine) ?? skipReason(engine, spec) })
        }

  const runnable = plan.filter((p) => p.skip === null).length
  const base = path.resolve(config.dir ?? os.tmpdir())
  fs.mkdirSync(base, { recursive: true })
  const root = fs.mkdtempSync(path.join(base, "writepath-compare-"))
  const removeRoot = (): void => fs.rmSync(root, { recursive: true, force: true })
  // An interrupted run still leaves no folder behind.
  const onSignal = (signal: NodeJS.Signals): void => {
    removeRoot()
    process.kill(process.pid, signal)
  }
  process.once("SIGINT", onSignal)
  process.once("SIGTERM", onSignal)

  const budgetEnd = config.budgetSeconds === null ? null : performance.now() + config.budgetSeconds * 1000
  for (const [i, e] of engines.entries()) {
    if (!config.warmUp || probes.get(e) !== null) continue
    options.progress?.note(`warming up ${engineLabel(e.name, e.strategy)}`)
    const dir = path.join(root, `warm-up-${i}`)
    fs.mkdirSync(dir)
    // A failure here shows again, with its reason, in the engine's runs.
    await runWorkload(e, dir, { ...warmUp, keySize: config.keySize, valueSize: config.valueSize }).catch(() => undefined)
    fs.rmSync(dir, { recursive: true, force: true })
  }
  let overhead = initialOverheadSeconds
  let ran = 0
  const results: Result[] = []
  try {
    for (const [index, p] of plan.entries()) {
      if (p.skip !== null) {
        results.push(skippedResult(p.engine, p.spec, p.skip))
        continue
      }
      const left = runnable - ran
      const seconds =
        budgetEnd === null
          ? null
          : Math.min(maxRunSeconds, Math.max(minRunSeconds, (budgetEnd - performance.now()) / 1000 / left - overhead))
      const spec: RunSpec = { ...p.spec, seconds }
      const dir = path.join(root, String(index))
      fs.mkdirSync(dir)
      const ticket = {
        label: `${engineLabel(p.engine.name, p.engine.strategy)} ${spec.workload} ${spec.sync ? "sync" : "nosync"} w=${spec.writers}`,
        index: ran,
        total: runnable,
        seconds,
        maxOps: spec.maxOps,
        progress: { done: 0 },
      }
      options.progress?.start(ticket)
      const t0 = performance.now()
      let result: Result
      try {
        result = await runWorkload(p.engine, dir, spec, ticket.progress)
      } catch (e) {
        result = skippedResult(p.engine, spec, `failed: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`)
      }
      fs.rmSync(dir, { recursive: true, force: true })
      const total = (performance.now() - t0) / 1000
      ran++
      overhead += (Math.max(0, total - result.seconds) - overhead) / ran
      options.progress?.finish(ticket, result)
      results.push(result)
    }
  } finally {
    process.off("SIGINT", onSignal)
    process.off("SIGTERM", onSignal)
    removeRoot()
  }
  return results
}
