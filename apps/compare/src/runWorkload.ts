/**
 * One run: one engine, one workload, one durability mode, N writers, on a fresh folder.
 *
 * Closed loop: each writer awaits its own write before issuing the next, so N is also the
 * number of writes in flight. Writers share one operation counter and stop when it reaches
 * `maxOps` or the run's time is up; throughput is completed writes over the time until the
 * last writer finished. Open, preload and close are outside the timed part.
 */
import { performance } from "node:perf_hooks"
import type { Engine, EngineHandle, EngineStats } from "./Engine.ts"
import { LatencyRecorder } from "./LatencyRecorder.ts"
import type { Result } from "./Report.ts"
import { makeTurnGuard } from "./turnGuard.ts"
import { keyStream, makeKey, needsPreload, preloadKeys, valueSource, type Workload, xorshift } from "./Workload.ts"

export interface RunSpec {
  readonly workload: Workload
  readonly sync: boolean
  readonly writers: number
  readonly keySize: number
  readonly valueSize: number
  /** Stop after this many writes (null: no cap). */
  readonly maxOps: number | null
  /** Stop after this long, seconds (null: no cap). One of the caps must be set. */
  readonly seconds: number | null
}

/** Read by the progress display while the run goes. */
export interface RunProgress {
  done: number
}

const scanEvery = 16
const scanLength = 100
const preloadConcurrency = 64

/** Why an engine does not run this spec, or null. */
export const skipReason = (engine: Engine, spec: Pick<RunSpec, "workload" | "sync">): string | null => {
  if (spec.workload === "txn" && engine.supportsTxn !== true) return "no two-phase commit (prepare + commit)"
  if (spec.workload === "readwhilewriting" && engine.supportsReads === false) return "a limit has no reads"
  if (spec.sync && engine.supportsSync === false) return "no durable mode (memtable insert only)"
  return null
}

/** A result row that did not run. */
export const skippedResult = (engine: Engine, spec: RunSpec, reason: string): Result => ({
  engine: engine.name,
  strategy: engine.strategy,
  workload: spec.workload,
  sync: spec.sync,
  writers: spec.writers,
  keySize: spec.keySize,
  valueSize: spec.valueSize,
  ops: 0,
  seconds: 0,
  opsPerSec: 0,
  latencyUs: { p50: 0, p99: 0, max: 0 },
  groups: null,
  walSyncs: null,
  skipped: reason,
  readsPerSec: null,
})

const preload = async (engine: Engine, dir: string, spec: RunSpec): Promise<void> => {
  const db = await engine.open(dir, { sync: false, writers: preloadConcurrency })
  const values = valueSource(spec.valueSize)
  let next = 0
  const worker = async (): Promise<void> => {
    for (let i = next++; i < preloadKeys; i = next++) await db.put(makeKey(i, spec.keySize), values(i), { sync: false })
  }
  await Promise.all(Array.from({ length: preloadConcurrency }, worker))
  await db.close()
}

const reader = async (db: EngineHandle, spec: RunSpec, stopped: () => boolean): Promise<number> => {
  const { get, scan } = db
  if (get === undefined || scan === undefined) throw new Error("engine has no get/scan")
  const random = xorshift(7)
  const guard = makeTurnGuard()
  let reads = 0
  while (!stopped()) {
    const n = Math.floor(random() * preloadKeys)
    if (reads % scanEvery === 0) await scan.call(db, makeKey(n, spec.keySize), makeKey(n + scanLength, spec.keySize), scanLength)
    else await get.call(db, makeKey(n, spec.keySize))
    reads++
    const turn = guard(performance.now())
    if (turn !== undefined) await turn
  }
  return reads
}

const groupsBetween = (a: EngineStats | undefined, b: EngineStats | undefined): Pick<Result, "groups" | "walSyncs"> => {
  if (a === undefined || b === undefined) return { groups: null, walSyncs: null }
  const count = b.groups - a.groups
  const grouped = b.meanGroupSize * b.groups - a.meanGroupSize * a.groups
  return { groups: { count, meanSize: count === 0 ? 0 : grouped / count }, walSyncs: b.walSyncs - a.walSyncs }
}

/** Runs `spec` on `engine` in `dir` (an empty folder). Rejects when the engine fails. */
export const runWorkload = async (engine: Engine, dir: string, spec: RunSpec, progress: RunProgress = { done: 0 }): Promise<Result> => {
  if (spec.maxOps === null && spec.seconds === null) throw new Error("a run needs maxOps or seconds")
  if (needsPreload(spec.workload) && engine.kind !== "limit") await preload(engine, dir, spec)
  const db = await engine.open(dir, { sync: spec.sync, writers: spec.writers })
  try {
    const keys = keyStream(spec.workload, spec.keySize)
    const values = valueSource(spec.valueSize)
    const latency = new LatencyRecorder()
    const options = { sync: spec.sync }
    const maxOps = spec.maxOps ?? Number.MAX_SAFE_INTEGER
    const before = db.stats?.()
    const start = performance.now()
    const deadline = spec.seconds === null ? Number.POSITIVE_INFINITY : start + spec.seconds * 1000
    let next = 0
    let writersLeft = spec.writers
    // The first failure stops every writer, so nothing writes to the engine after close.
    let failure: { readonly error: unknown } | undefined

    const write = async (i: number, w: number): Promise<void> => {
      const key = keys(i)
      const value = values(i)
      if (spec.workload !== "txn") return db.put(key, value, options)
      const txn = db.beginTransaction?.(`w${w}-${i}`, options)
      if (txn === undefined) throw new Error("engine has no transactions")
      txn.put(key, value)
      await txn.prepare()
      await txn.commit()
    }
    const writer = async (w: number): Promise<void> => {
      // Its own guard: another task's slice must never make this writer yield (see turnGuard.ts).
      const guard = makeTurnGuard()
      try {
        for (let i = next++; i < maxOps; i = next++) {
          const t0 = performance.now()
          if (t0 >= deadline || failure !== undefined) break
          await write(i, w)
          const t1 = performance.now()
          latency.record((t1 - t0) * 1000)
          progress.done++
          const turn = guard(t1)
          if (turn !== undefined) await turn
        }
      } catch (error) {
        failure ??= { error }
      } finally {
        writersLeft--
      }
    }

    const reading =
      spec.workload === "readwhilewriting"
        ? reader(db, spec, () => writersLeft === 0).catch((error: unknown) => {
            failure ??= { error }
            return 0
          })
        : Promise.resolve(0)
    await Promise.all(Array.from({ length: spec.writers }, (_, w) => writer(w)))
    const seconds = (performance.now() - start) / 1000
    const reads = await reading
    if (failure !== undefined) throw failure.error
    const after = db.stats?.()
    const ops = latency.count
    return {
      ...skippedResult(engine, spec, ""),
      ops,
      seconds,
      opsPerSec: seconds > 0 ? ops / seconds : 0,
      latencyUs: latency.summary(),
      ...groupsBetween(before, after),
      skipped: null,
      readsPerSec: spec.workload === "readwhilewriting" && seconds > 0 ? reads / seconds : null,
    }
  } finally {
    await db.close()
  }
}
