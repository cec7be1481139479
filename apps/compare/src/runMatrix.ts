/**
 * The whole comparison: every selected engine x workload x durability mode x writer
 * count, each cell measured in `rounds` interleaved rounds, in a temporary folder removed
 * afterwards.
 *
 * Order: cell by cell; inside a cell, round 1 of every engine, then round 2..., and each
 * round starts one engine further along the list (round r runs the engines rotated by r),
 * so slow drift of the disk or the machine and the cost of going first hit every engine
 * alike. Each engine is opened (and preloaded) once per cell, in a folder of its own, at its
 * first round, and closed when the cell's rounds are done: open, preload, worker start-up
 * and close stay outside every timed window, and are paid once per cell, not per round.
 *
 * Time: headline cells get `headlineSeconds` per round; the other rounds share what is left
 * of the budget, re-split before each round over the rounds left, after subtracting what
 * opening, preloading and closing have been costing, so the run ends on time whatever the
 * engines' setup costs.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { performance } from "node:perf_hooks"
import type { CompareConfig } from "./CompareConfig.ts"
import { isHeadline, syncModes } from "./CompareConfig.ts"
import { type Engine, engineLabel } from "./Engine.ts"
import { allEngines } from "./engines/allEngines.ts"
import type { Progress } from "./Progress.ts"
import type { Result } from "./Report.ts"
import type { Round } from "./Round.ts"
import { closeSession, openSession, type RunSpec, runRound, type Session, skipReason } from "./runWorkload.ts"
import { skippedResult, summarizeRounds } from "./summarizeRounds.ts"

// Bounds of a non-headline round's share of the budget.
const minRunSeconds = 0.1
const maxRunSeconds = 10
// Until measured, what one round costs beyond its timed part (open, preload, close, rm).
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

/** The engines of round `round` (0-based) in the order they run: the list rotated left by `round`. */
export const roundOrder = <T>(items: readonly T[], round: number): T[] => {
  if (items.length === 0) return []
  const k = round % items.length
  return [...items.slice(k), ...items.slice(0, k)]
}

export interface PlannedCell {
  readonly spec: RunSpec
  readonly headline: boolean
  /** Every selected engine with its skip reason (null: it runs). */
  readonly engines: readonly { readonly engine: Engine; readonly skip: string | null }[]
}

/** The cells of a config, in run order, each with its engines and their skip reasons. */
export const planCells = (config: CompareConfig, engines: readonly Engine[], probes: ReadonlyMap<Engine, string | null>): PlannedCell[] => {
  const cells: PlannedCell[] = []
  for (const workload of config.workloads)
    for (const sync of syncModes(config.sync))
      for (const writers of config.writers) {
        const spec: RunSpec = {
          workload,
          sync,
          writers,
          keySize: config.keySize,
          valueSize: config.valueSize,
          maxOps: config.ops,
          seconds: null,
        }
        const headline = isHeadline(config, spec)
        const extra = (e: Engine): string | null =>
          e.headlineOnly === true && !headline && !config.full ? "an extra row of the headline cells (every cell with --full)" : null
        cells.push({
          spec,
          headline,
          engines: engines.map((engine) => ({ engine, skip: probes.get(engine) ?? skipReason(engine, spec) ?? extra(engine) })),
        })
      }
  return cells
}

/** Every round in run order: (cell, round, engine). */
export const roundSchedule = (cells: readonly PlannedCell[], rounds: number): { cell: number; round: number; engine: Engine }[] =>
  cells.flatMap((c, cell) => {
    const runnable = c.engines.filter((e) => e.skip === null).map((e) => e.engine)
    return Array.from({ length: rounds }, (_, round) => roundOrder(runnable, round).map((engine) => ({ cell, round, engine }))).flat()
  })

export interface MatrixOptions {
  readonly engines?: readonly Engine[]
  readonly progress?: Progress
}

const failed = (e: unknown): string => `failed: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`

/** Runs the matrix of `config` and returns one result per (engine, workload, mode, writers). */
export const runMatrix = async (config: CompareConfig, options: MatrixOptions = {}): Promise<Result[]> => {
  const engines = selectEngines(config, options.engines)
  const probes = new Map<Engine, string | null>()
  for (const e of engines) probes.set(e, await e.probe())
  const cells = planCells(config, engines, probes)
  const schedule = roundSchedule(cells, config.rounds)

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
    if (!config.warmUp || probes.get(e) !== null || e.measure !== undefined) continue
    options.progress?.note(`warming up ${engineLabel(e.name, e.strategy, e.variant)}`)
    const dir = path.join(root, `warm-up-${i}`)
    fs.mkdirSync(dir)
    // A failure here shows again, with its reason, in the engine's runs.
    await runRound(e, dir, { ...warmUp, keySize: config.keySize, valueSize: config.valueSize }).catch(() => undefined)
    fs.rmSync(dir, { recursive: true, force: true })
  }

  // Rounds of each (cell, engine), and the first failure, which ends that engine's rounds in the cell.
  const measured = new Map<string, Round[]>()
  const failures = new Map<string, string>()
  const key = (cell: number, e: Engine): string => `${cell}:${engines.indexOf(e)}`
  let headlineLeft = schedule.filter((s) => cells[s.cell]?.headline).length
  let otherLeft = schedule.length - headlineLeft
  let overhead = initialOverheadSeconds
  let ran = 0
  // The open engines of the cell that is running.
  const sessions = new Map<string, Session>()
  const closeCell = async (): Promise<void> => {
    for (const [k, session] of sessions) {
      await closeSession(session).catch((e: unknown) => {
        if (!failures.has(k)) failures.set(k, failed(e))
      })
      fs.rmSync(session.dir, { recursive: true, force: true })
    }
    sessions.clear()
  }
  let currentCell = -1
  try {
    for (const [index, s] of schedule.entries()) {
      const cell = cells[s.cell] as PlannedCell
      const k = key(s.cell, s.engine)
      if (s.cell !== currentCell) {
        await closeCell()
        currentCell = s.cell
      }
      if (cell.headline) headlineLeft--
      else otherLeft--
      if (failures.has(k)) continue
      let seconds: number | null = null
      if (budgetEnd !== null) {
        if (cell.headline) seconds = config.headlineSeconds
        else {
          const left = (budgetEnd - performance.now()) / 1000 - headlineLeft * (config.headlineSeconds + overhead)
          seconds = Math.min(maxRunSeconds, Math.max(minRunSeconds, left / (otherLeft + 1) - overhead))
        }
      }
      const spec: RunSpec = { ...cell.spec, seconds }
      const label = engineLabel(s.engine.name, s.engine.strategy, s.engine.variant)
      const ticket = {
        label: `${label} ${spec.workload} ${spec.sync ? "sync" : "nosync"} w=${spec.writers} r${s.round + 1}/${config.rounds}`,
        index,
        total: schedule.length,
        seconds,
        maxOps: spec.maxOps,
        progress: { done: 0 },
      }
      options.progress?.start(ticket)
      const t0 = performance.now()
      let round: Round | undefined
      try {
        let session = sessions.get(k)
        if (session === undefined) {
          const dir = path.join(root, k.replace(":", "-"))
          fs.mkdirSync(dir)
          session = await openSession(s.engine, dir, spec)
          sessions.set(k, session)
        }
        round = await runRound(s.engine, session.dir, spec, ticket.progress, session)
        measured.set(k, [...(measured.get(k) ?? []), round])
      } catch (e) {
        failures.set(k, failed(e))
        const session = sessions.get(k)
        sessions.delete(k)
        if (session !== undefined) await closeSession(session).catch(() => undefined)
      }
      const total = (performance.now() - t0) / 1000
      ran++
      overhead += (Math.max(0, total - (round?.seconds ?? 0)) - overhead) / ran
      options.progress?.finish(ticket, round, failures.get(k) ?? null)
    }
    await closeCell()
  } finally {
    process.off("SIGINT", onSignal)
    process.off("SIGTERM", onSignal)
    removeRoot()
  }
  return cells.flatMap((cell, c) =>
    cell.engines.map(({ engine, skip }) => {
      if (skip !== null) return skippedResult(engine, cell.spec, skip, cell.headline)
      const failure = failures.get(key(c, engine))
      if (failure !== undefined) return skippedResult(engine, cell.spec, failure, cell.headline)
      return summarizeRounds(engine, cell.spec, measured.get(key(c, engine)) ?? [], { headline: cell.headline })
    }),
  )
}
