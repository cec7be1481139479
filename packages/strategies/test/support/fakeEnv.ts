/**
 * A fake WritePathEnv (Pebble's commitEnv idea) for driving the shipped strategies without a
 * database: a WAL that records what it was given (the writers in each record, optionally
 * failing, or syncing on a latch, on the next macrotask or on a per-record hook), real
 * MemTables (switched on request, the old one kept so a late insert into it shows), a real
 * Sequencer that records every publication, and a real WriteController whose stops and
 * delays go through core-queue's `delayWrite` on the caller's own queue, as the engine does.
 * Any stage can be made to throw (`throwAt`) or to return an error (`failAt`), to check that
 * a leader always leaves its group. Mocks only for fault injection: the protocol is the
 * shipped one.
 *
 * Writer identity: a batch written by `writerBatch(id)` has keys `w<id>.<j>`, so a WAL record
 * or an insert names the writers it holds (`writersOf`).
 */
import { WriteBatch } from "@writepath/batch"
import { delayWrite, SequencerImpl, WriteControllerImpl, type Writer, type WriteStatus, type WriteThreadImpl } from "@writepath/core-queue"
import { MemTable } from "@writepath/memtable"
import { Cause, Effect, Exit, Layer } from "effect"
import {
  makeWritePathStats,
  parseEngineOptions,
  Strategy,
  type StrategyName,
  WritePathEnv,
  type WritePathEnvService,
  WriteStrategy,
  type WriteStrategyService,
} from "../../src/index.ts"

export const flush = (): Promise<void> => new Promise((r) => setImmediate(r))

export class Latch {
  private resolve!: () => void
  readonly promise = new Promise<void>((r) => {
    this.resolve = r
  })
  open(): void {
    this.resolve()
  }
}

export interface WalRecord {
  readonly sequence: number
  readonly count: number
  readonly sync: boolean
  readonly publishedBefore: number
  /** The ids of the writers whose batches the record holds, in record order (see `writerBatch`). */
  readonly writers: ReadonlyArray<number>
}

export interface InsertRecord {
  readonly sequence: number
  readonly count: number
  readonly writers: ReadonlyArray<number>
  /** Index into `FakeEnv.memtables` of the memtable it went into. */
  readonly memtable: number
  /** The last published sequence when it ran. */
  readonly lastPublished: number
}

/** A batch of `count` puts with keys `w<id>.0 .. w<id>.<count-1>`; `merge` adds a Merge. */
export const writerBatch = (id: number, count = 1, merge = false): WriteBatch => {
  const b = new WriteBatch()
  for (let j = 0; j < count; j++) b.put(`w${id}.${j}`, "v")
  if (merge) b.merge(`w${id}.m`, "+1")
  return b
}

const decoder = new TextDecoder()

/** The distinct writer ids of a batch's `w<id>.` keys, in order of first appearance. */
export const writersOf = (batch: WriteBatch): number[] => {
  const ids: number[] = []
  for (const r of batch.records()) {
    if (!("key" in r)) continue
    const m = /^w(\d+)\./.exec(decoder.decode(r.key))
    if (m === null) continue
    const id = Number(m[1])
    if (ids.at(-1) !== id && !ids.includes(id)) ids.push(id)
  }
  return ids
}

/** Where a fault can be injected: every call a strategy makes on its env. */
export const STAGES = [
  "preprocessWrite",
  "preprocessWalOnlyWrite",
  "mutableMemTable",
  "reserveRoom",
  "allocate",
  "writeToWAL",
  "walSync",
  "insertInto",
  "publish",
] as const
export type Stage = (typeof STAGES)[number]

/** The stages whose call returns a status, where `failAt` can inject a returned error. */
export const STATUS_STAGES = ["preprocessWrite", "preprocessWalOnlyWrite", "reserveRoom", "writeToWAL", "walSync", "insertInto"] as const

export class InjectedFault extends Error {
  readonly stage: Stage
  constructor(stage: Stage) {
    super(`injected throw at ${stage}`)
    this.stage = stage
  }
}

/** A Sequencer whose allocate/publish can throw (fault injection). */
class FaultySequencer extends SequencerImpl {
  private readonly env: FakeEnv
  constructor(env: FakeEnv) {
    super(0)
    this.env = env
  }
  override allocate(n: number): number {
    this.env.maybeThrow("allocate")
    return super.allocate(n)
  }
  override publish(seq: number): void {
    this.env.maybeThrow("publish")
    this.env.published.push(seq)
    super.publish(seq)
  }
}

export class FakeEnv implements WritePathEnvService {
  readonly options = parseEngineOptions({ path: "/unused", concurrentMemtableWorkers: 1, strategy: "concurrent-memtable" }, {})
  readonly versions: SequencerImpl = new FaultySequencer(this)
  readonly stats = makeWritePathStats()
  readonly wal: WalRecord[] = []
  /** Every memtable, oldest first; the last is the mutable one. */
  readonly memtables: MemTable[] = [MemTable.make({ writeBufferSize: 8 << 20 })]
  /** Serial inserts (`insertInto`), in the order they ran. */
  readonly inserts: InsertRecord[] = []
  /** Every `publish`, in order. */
  readonly published: number[] = []
  /**
   * One memtable switch, at the next call of that stage (then cleared): the caller's
   * `drainMemtableStage` first (pipelined), then a fresh mutable memtable.
   */
  switchAt: "preprocessWrite" | "reserveRoom" | undefined
  /** Per switch: lastAllocated and lastPublished when the new memtable took over. */
  readonly switches: Array<{ readonly lastAllocated: number; readonly lastPublished: number }> = []
  /** Runs in `preprocessWrite` after the fault checks (a stall barrier, a latch to hold the leader). */
  preprocessHook: ((leader: Writer, queue: WriteThreadImpl) => WriteStatus | Promise<WriteStatus>) | undefined
  /** Runs after each WAL append; a returned Promise is the record's sync (a yield). */
  walHook: ((record: WalRecord, index: number) => WriteStatus | Promise<WriteStatus>) | undefined
  readonly controller = new WriteControllerImpl(1 << 20)
  /** While set, sync appends wait for it. */
  syncGate: Latch | undefined
  /** Simulated fdatasync: resolves on the next macrotask (the thread pool's callback). */
  asyncSync = false
  failWal: Error | undefined
  /** Batches (by identity) whose insert fails after inserting them (a group half in the memtable). */
  readonly failInsertOf = new Set<WriteBatch>()
  failure: Error | undefined
  /** The stage that throws, on its `throwOnCall`-th call (1-based), once. */
  throwAt: Stage | undefined
  throwOnCall = 1
  /** The stage that returns an error (a status, not a throw) on its `failOnCall`-th call, once. */
  failAt: Stage | undefined
  failOnCall = 1
  readonly failError = new Error("injected failure")
  private readonly calls = new Map<Stage, number>()
  /** Per insert: the last published sequence when it ran. */
  readonly insertedWhenPublished: Array<{ readonly sequence: number; readonly lastPublished: number }> = []

  get mem(): MemTable {
    return this.memtables.at(-1)!
  }

  /** Counts the call; throws at `throwAt`; returns the injected error at `failAt`. */
  maybeThrow(stage: Stage): WriteStatus {
    const n = (this.calls.get(stage) ?? 0) + 1
    this.calls.set(stage, n)
    if (this.throwAt === stage && n === this.throwOnCall) throw new InjectedFault(stage)
    return this.failAt === stage && n === this.failOnCall ? this.failError : undefined
  }

  /** The number of calls a stage has had. */
  callsOf(stage: Stage): number {
    return this.calls.get(stage) ?? 0
  }

  private switchMemtable(drain: (() => Promise<void> | undefined) | undefined): Promise<WriteStatus> {
    this.switchAt = undefined
    return Promise.resolve(drain?.()).then(() => {
      this.switches.push({ lastAllocated: this.versions.lastAllocated, lastPublished: this.versions.lastPublished })
      this.memtables.push(MemTable.make({ writeBufferSize: 8 << 20 }))
      return undefined
    })
  }

  private throttle(leader: Writer, queue: WriteThreadImpl, timed: boolean): WriteStatus | Promise<WriteStatus> {
    if (!this.controller.isStopped() && !(timed && this.controller.needsDelay())) return undefined
    return Effect.runPromiseExit(
      delayWrite(queue, this.controller, queue.lastBatchGroupSize, { noSlowdown: leader.noSlowdown, timed }),
    ).then((exit) => (Exit.isFailure(exit) ? (Cause.squash(exit.cause) as Error) : undefined))
  }

  preprocessWrite(
    leader: Writer,
    queue: WriteThreadImpl,
    drainMemtableStage?: () => Promise<void> | undefined,
  ): WriteStatus | Promise<WriteStatus> {
    const failed = this.maybeThrow("preprocessWrite")
    if (failed !== undefined) return failed
    const steps: Array<() => WriteStatus | Promise<WriteStatus>> = []
    if (this.switchAt === "preprocessWrite") steps.push(() => this.switchMemtable(drainMemtableStage))
    const hook = this.preprocessHook
    if (hook !== undefined) steps.push(() => hook(leader, queue))
    steps.push(() => this.throttle(leader, queue, true))
    return runSteps(steps)
  }
  preprocessWalOnlyWrite(leader: Writer, queue: WriteThreadImpl): WriteStatus | Promise<WriteStatus> {
    const failed = this.maybeThrow("preprocessWalOnlyWrite")
    if (failed !== undefined) return failed
    return this.throttle(leader, queue, false)
  }
  reserved = 0
  reserveRoom(bytes: number, drainMemtableStage?: () => Promise<void> | undefined): WriteStatus | Promise<WriteStatus> {
    const failed = this.maybeThrow("reserveRoom")
    if (failed !== undefined) return failed
    const reserve = (): WriteStatus => {
      this.reserved += bytes
      return undefined
    }
    if (this.switchAt === "reserveRoom") return this.switchMemtable(drainMemtableStage).then(reserve)
    return reserve()
  }
  releaseRoom(bytes: number): void {
    this.reserved -= bytes
  }
  writeToWAL(merged: WriteBatch, sync: boolean): WriteStatus | Promise<WriteStatus> {
    const failed = this.maybeThrow("writeToWAL")
    if (failed !== undefined) return failed
    const record = {
      sequence: merged.sequence,
      count: merged.count,
      sync,
      publishedBefore: this.versions.lastPublished,
      writers: writersOf(merged),
    }
    this.wal.push(record)
    this.stats.walRecords++
    if (this.failWal !== undefined) return this.failWal
    if (this.walHook !== undefined) return this.walHook(record, this.wal.length - 1)
    if (this.throwAt === "walSync" || this.failAt === "walSync") return flush().then(() => this.maybeThrow("walSync"))
    if (sync && this.syncGate !== undefined) return this.syncGate.promise.then(() => undefined)
    if (sync && this.asyncSync) return flush().then(() => undefined)
    return undefined
  }
  insertInto(batch: WriteBatch, sequence: number): WriteStatus {
    const failed = this.maybeThrow("insertInto")
    if (failed !== undefined) return failed
    this.insertedWhenPublished.push({ sequence, lastPublished: this.versions.lastPublished })
    this.inserts.push({
      sequence,
      count: batch.count,
      writers: writersOf(batch),
      memtable: this.memtables.length - 1,
      lastPublished: this.versions.lastPublished,
    })
    this.mem.insertBatch(batch, sequence)
    if (this.failInsertOf.has(batch)) return new Error("insert failed")
    return undefined
  }
  mutableMemTable(): MemTable {
    this.maybeThrow("mutableMemTable")
    return this.mem
  }
  handleMemTableInsertFailure(error: Error): void {
    this.failure ??= error
  }
}

/** Runs steps in order, yielding only when one returns a Promise; stops at the first error. */
const runSteps = (steps: ReadonlyArray<() => WriteStatus | Promise<WriteStatus>>, from = 0): WriteStatus | Promise<WriteStatus> => {
  for (let i = from; i < steps.length; i++) {
    const r = steps[i]!()
    if (r instanceof Promise) return r.then((s) => (s !== undefined ? s : runSteps(steps, i + 1)))
    if (r !== undefined) return r
  }
  return undefined
}

/** Builds the strategy layer over `env` and runs `f` while its scope is open. */
export const withStrategy = async (name: StrategyName, env: FakeEnv, f: (s: WriteStrategyService) => Promise<void>): Promise<void> => {
  await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const ctx = yield* Layer.build(Strategy.layerFor(name))
        const s = ctx.unsafeMap.get(WriteStrategy.key) as WriteStrategyService
        yield* Effect.promise(() => f(s))
      }).pipe(Effect.provideService(WritePathEnv, env)),
    ),
  )
}
