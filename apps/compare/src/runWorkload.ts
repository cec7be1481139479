/**
 * One round: one engine, one workload, one durability mode, N writers, on a fresh folder.
 *
 * Closed loop: each writer awaits its own write before issuing the next, so N is also the
 * number of writes in flight. Writers share one operation counter and stop when it reaches
 * `maxOps` or the round's time is up; throughput is completed writes over the time until the
 * last writer finished. Open, preload and close are outside the timed part, and so is
 * worker start-up: every writer is created and parked on one start latch before the clock
 * starts. Engines with `measure` (db_bench, the device limit) time themselves.
 */
import * as os from "node:os"
import { performance } from "node:perf_hooks"
import type { Engine, EngineHandle, EngineStats } from "./Engine.ts"
import { LatencyRecorder } from "./LatencyRecorder.ts"
import type { Result } from "./Report.ts"
import type { Round } from "./Round.ts"
import { summarizeRounds } from "./summarizeRounds.ts"
import { makeTurnGuard } from "./turnGuard.ts"
import { keyStream, makeKey, needsPreload, preloadKeys, valueSource, type Workload, xorshift } from "./Workload.ts"
import { isYcsb, type YcsbRequest, ycsbRequests } from "./Ycsb.ts"

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

export { skippedResult } from "./summarizeRounds.ts"

const scanEvery = 16
const scanLength = 100
const preloadConcurrency = 64

/** Why an engine does not run this spec, or null. */
export const skipReason = (engine: Engine, spec: Pick<RunSpec, "workload" | "sync">): string | null => {
  const own = engine.skipWorkload?.(spec.workload) ?? null
  if (own !== null) return own
  if (spec.workload === "txn" && engine.supportsTxn !== true) return "no two-phase commit (prepare + commit)"
  if ((spec.workload === "readwhilewriting" || isYcsb(spec.workload)) && engine.supportsReads === false)
    return `${engine.kind === "limit" ? "a limit" : "this engine"} has no reads`
  if (spec.sync && engine.supportsSync === false) return "no durable mode (memtable insert only)"
  if (!spec.sync && engine.syncOnly === true) return "fdatasync only: no no-sync mode"
  return null
}

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

const statsBetween = (a: EngineStats | undefined, b: EngineStats | undefined): EngineStats | null => {
  if (a === undefined || b === undefined) return null
  const groups = b.groups - a.groups
  const grouped = b.meanGroupSize * b.groups - a.meanGroupSize * a.groups
  return { groups, meanGroupSize: groups === 0 ? 0 : grouped / groups, walSyncs: b.walSyncs - a.walSyncs }
}

const loadNow = (): number => os.loadavg()[0] ?? 0

/** Runs one round of `spec` on `engine` in `dir` (an empty folder). Rejects when the engine fails. */
/**
 * An engine opened (and preloaded) once for all rounds of one cell: round r runs on what
 * rounds 0..r-1 left, with its own key stream. Engines that measure themselves get the
 * same folder back each round (`MeasureSpec.round`).
 */
export interface Session {
  readonly dir: string
  readonly db: EngineHandle | null
  /** Rounds run so far. */
  round: number
}

/** Opens (and preloads) an engine for a cell's rounds, outside any timed window. */
export const openSession = async (engine: Engine, dir: string, spec: RunSpec): Promise<Session> => {
  if (engine.measure !== undefined) return { dir, db: null, round: 0 }
  if (needsPreload(spec.workload) && engine.kind !== "limit") await preload(engine, dir, spec)
  return { dir, db: await engine.open(dir, { sync: spec.sync, writers: spec.writers }), round: 0 }
}

export const closeSession = async (session: Session): Promise<void> => {
  await session.db?.close()
}

/**
 * Runs one round of `spec`: on `session` when given (the next round of a cell), else on a
 * session of its own in `dir` (an empty folder), closed afterwards. Rejects when the engine fails.
 */
export const runRound = async (
  engine: Engine,
  dir: string,
  spec: RunSpec,
  progress: RunProgress = { done: 0 },
  session?: Session,
): Promise<Round> => {
  if (spec.maxOps === null && spec.seconds === null) throw new Error("a run needs maxOps or seconds")
  const own = session === undefined ? await openSession(engine, dir, spec) : undefined
  const s = (session ?? own) as Session
  try {
    return await timedRound(engine, s, spec, progress)
  } finally {
    s.round++
    if (own !== undefined) await closeSession(own)
  }
}

const timedRound = async (engine: Engine, session: Session, spec: RunSpec, progress: RunProgress): Promise<Round> => {
  if (engine.measure !== undefined) {
    const start = loadNow()
    const m = await engine.measure(session.dir, { ...spec, round: session.round })
    progress.done += m.ops
    return {
      ops: m.ops,
      seconds: m.seconds,
      opsPerSec: m.seconds > 0 ? m.ops / m.seconds : 0,
      latency: m.latency,
      stats: m.stats,
      reads: null,
      load: { start, end: loadNow() },
    }
  }
  const db = session.db
  if (db === null) throw new Error(`${engine.name}: no open database`)
  {
    // Each round its own keys: a later round of fillrandom writes new keys, not round 1's again.
    const keys = keyStream(spec.workload, spec.keySize, 301 + session.round)
    const values = valueSource(spec.valueSize)
    const latency = new LatencyRecorder()
    const options = { sync: spec.sync }
    const maxOps = spec.maxOps ?? Number.MAX_SAFE_INTEGER
    let next = 0
    let writersLeft = spec.writers
    let deadline = Number.POSITIVE_INFINITY
    // The first failure stops every writer, so nothing writes to the engine after close.
    let failure: { readonly error: unknown } | undefined
    // Every writer is created and waits here; the clock starts when it opens.
    let openStart!: () => void
    const started = new Promise<void>((resolve) => {
      openStart = resolve
    })

    const request = isYcsb(spec.workload) ? ycsbRequests(spec.workload, preloadKeys, xorshift(11 + session.round)) : undefined
    const ycsb = async (i: number): Promise<void> => {
      const r = (request as () => YcsbRequest)()
      const key = makeKey(r.key, spec.keySize)
      switch (r.op) {
        case "read":
          await db.get?.(key)
          return
        case "scan":
          await db.scan?.(key, makeKey(r.key + r.scanLength, spec.keySize), r.scanLength)
          return
        case "rmw":
          await db.get?.(key)
          return db.put(key, values(i), options)
        default:
          return db.put(key, values(i), options)
      }
    }
    const write = async (i: number, w: number): Promise<void> => {
      if (request !== undefined) return ycsb(i)
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
      await started
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

    const writing = Array.from({ length: spec.writers }, (_, w) => writer(w))
    const loadStart = loadNow()
    const before = db.stats?.()
    const start = performance.now()
    if (spec.seconds !== null) deadline = start + spec.seconds * 1000
    openStart()
    const reading =
      spec.workload === "readwhilewriting"
        ? reader(db, spec, () => writersLeft === 0).catch((error: unknown) => {
            failure ??= { error }
            return 0
          })
        : Promise.resolve(null)
    await Promise.all(writing)
    const seconds = (performance.now() - start) / 1000
    const reads = await reading
    if (failure !== undefined) throw failure.error
    const after = db.stats?.()
    const ops = latency.count
    return {
      ops,
      seconds,
      opsPerSec: seconds > 0 ? ops / seconds : 0,
      latency,
      stats: statsBetween(before, after),
      reads,
      load: { start: loadStart, end: loadNow() },
    }
  }
}

/** Runs one round and summarizes it as a Result (a single-round cell). */
export const runWorkload = async (engine: Engine, dir: string, spec: RunSpec, progress: RunProgress = { done: 0 }): Promise<Result> =>
  summarizeRounds(engine, spec, [await runRound(engine, dir, spec, progress)])
