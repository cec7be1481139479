/** The Effect face: services from layers, Clock-driven stall statistics, Waits as Effects. */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, TestClock } from "effect"
import { Sequencer, STATE_COMPLETED, STATE_GROUP_LEADER, WriteController, WriteGroup, Writer, WriteThread } from "../src/index.ts"
import { smallBatch } from "./support/batches.ts"

const Live = Layer.mergeAll(WriteThread.layer({ maxWriteBatchGroupSizeBytes: 4096 }), Sequencer.layer(41), WriteController.layer())

describe("Effect services", () => {
  it.effect("layers provide a WriteThread, a Sequencer and a WriteController", () =>
    Effect.gen(function* () {
      const wt = yield* WriteThread
      const seq = yield* Sequencer
      const wc = yield* WriteController
      expect(wt.maxWriteBatchGroupSizeBytes).toBe(4096)
      expect(seq.lastPublished).toBe(41)
      expect(wc.isStopped()).toBe(false)
      // One group commit on the provided services: the leader allocates, publishes, releases.
      const ws = [0, 1, 2].map(() => new Writer(smallBatch()))
      expect(wt.joinBatchGroup(ws[0]!)).toBeUndefined()
      const waits = ws.slice(1).map((w) => wt.joinBatchGroup(w))
      const group = new WriteGroup()
      wt.enterAsBatchGroupLeader(ws[0]!, group)
      expect(group.size).toBe(3)
      const first = seq.allocate(3)
      seq.publish(first + 2)
      expect(wt.exitAsBatchGroupLeader(group, undefined)).toBeUndefined()
      yield* Effect.forEach(waits, (w) => WriteThread.await(w))
      expect(ws.map((w) => [w.state, w.finalStatus()])).toEqual([
        [STATE_GROUP_LEADER, undefined],
        [STATE_COMPLETED, undefined],
        [STATE_COMPLETED, undefined],
      ])
      expect([first, seq.lastAllocated, seq.lastPublished]).toEqual([42, 44, 44])
    }).pipe(Effect.provide(Live)),
  )

  it.effect("stall time is measured on the context's Clock (TestClock)", () =>
    Effect.gen(function* () {
      const wt = yield* WriteThread
      const leader = new Writer(smallBatch())
      yield* WriteThread.await(wt.joinBatchGroup(leader))
      wt.beginWriteStall()
      yield* TestClock.adjust(Duration.millis(250))
      wt.endWriteStall()
      expect(wt.stats.stallMicros).toBe(250_000)
      expect(wt.stats.snapshot().stallDuration.max).toBe(250_000)
    }).pipe(Effect.provide(WriteThread.layer())),
  )

  it.effect("WriteThread.await suspends only on a real wait", () =>
    Effect.gen(function* () {
      const wt = WriteThread.unsafeMake()
      const a = new Writer(smallBatch())
      const b = new Writer(smallBatch())
      const waitA = wt.joinBatchGroup(a)
      expect(waitA).toBeUndefined()
      yield* WriteThread.await(waitA)
      const waitB = wt.joinBatchGroup(b)
      expect(waitB).toBeInstanceOf(Promise)
      const fiber = yield* Effect.fork(WriteThread.await(waitB))
      const g = new WriteGroup()
      wt.enterAsBatchGroupLeader(a, g)
      expect(wt.exitAsBatchGroupLeader(g, undefined)).toBeUndefined()
      yield* Fiber.join(fiber)
      expect(b.state).toBe(STATE_COMPLETED)
    }),
  )
})
