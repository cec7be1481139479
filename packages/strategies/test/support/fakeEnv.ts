/**
 * A fake WritePathEnv (Pebble's commitEnv idea) for driving the shipped strategies without a
 * database: a WAL that records what it was given (optionally failing, or syncing on a latch
 * or on the next macrotask), a real MemTable, a real Sequencer, and a real WriteController
 * whose stops and delays go through core-queue's `delayWrite` on the caller's own queue,
 * as the engine does. Any stage can be made to throw (`throwAt`), to check that a leader
 * always leaves its group. Mocks only for fault injection: the protocol is the shipped one.
 */
import type { WriteBatch } from "@writepath/batch"
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
    super.publish(seq)
  }
}

export class FakeEnv implements WritePathEnvService {
  readonly options = parseEngineOptions({ path: "/unused", concurrentMemtableWorkers: 1, strategy: "concurrent-memtable" }, {})
  readonly versions: SequencerImpl = new FaultySequencer(this)
  readonly stats = makeWritePathStats()
  readonly wal: WalRecord[] = []
  readonly mem = MemTable.make({ writeBufferSize: 8 << 20 })
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
  private readonly calls = new Map<Stage, number>()
  /** Per insert: the last published sequence when it ran. */
  readonly insertedWhenPublished: Array<{ readonly sequence: number; readonly lastPublished: number }> = []

  maybeThrow(stage: Stage): void {
    const n = (this.calls.get(stage) ?? 0) + 1
    this.calls.set(stage, n)
    if (this.throwAt === stage && n === this.throwOnCall) throw new InjectedFault(stage)
  }

  private throttle(leader: Writer, queue: WriteThreadImpl, timed: boolean): WriteStatus | Promise<WriteStatus> {
    if (!this.controller.isStopped() && !(timed && this.controller.needsDelay())) return undefined
    return Effect.runPromiseExit(
      delayWrite(queue, this.controller, queue.lastBatchGroupSize, { noSlowdown: leader.noSlowdown, timed }),
    ).then((exit) => (Exit.isFailure(exit) ? (Cause.squash(exit.cause) as Error) : undefined))
  }

  preprocessWrite(leader: Writer, queue: WriteThreadImpl): WriteStatus | Promise<WriteStatus> {
    this.maybeThrow("preprocessWrite")
    return this.throttle(leader, queue, true)
  }
  preprocessWalOnlyWrite(leader: Writer, queue: WriteThreadImpl): WriteStatus | Promise<WriteStatus> {
    this.maybeThrow("preprocessWalOnlyWrite")
    return this.throttle(leader, queue, false)
  }
  reserved = 0
  reserveRoom(bytes: number): WriteStatus {
    this.maybeThrow("reserveRoom")
    this.reserved += bytes
    return undefined
  }
  releaseRoom(bytes: number): void {
    this.reserved -= bytes
  }
  writeToWAL(merged: WriteBatch, sync: boolean): WriteStatus | Promise<WriteStatus> {
    this.maybeThrow("writeToWAL")
    this.wal.push({ sequence: merged.sequence, count: merged.count, sync, publishedBefore: this.versions.lastPublished })
    this.stats.walRecords++
    if (this.failWal !== undefined) return this.failWal
    if (this.throwAt === "walSync") return flush().then(() => this.maybeThrow("walSync")) as Promise<WriteStatus>
    if (sync && this.syncGate !== undefined) return this.syncGate.promise.then(() => undefined)
    if (sync && this.asyncSync) return flush().then(() => undefined)
    return undefined
  }
  insertInto(batch: WriteBatch, sequence: number): WriteStatus {
    this.maybeThrow("insertInto")
    this.insertedWhenPublished.push({ sequence, lastPublished: this.versions.lastPublished })
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
