/**
 * Pipelined: `enable_pipelined_write` (WRITE-PATH.md 2.3). Two queues: the WAL stage
 * (main queue) and the memtable stage (memtable-writer queue).
 *
 * Guarantee: as Classic. The WAL leader allocates sequences, writes and syncs the
 * group's record, then moves the members that have memtable work onto the memtable
 * queue (in WAL order) and hands the main queue on at once; writers without memtable
 * work (WAL-only writes such as a 2PC prepare) return right after the WAL stage. The
 * memtable-writer leader inserts its group serially and publishes; memtable groups are
 * formed and published one at a time in WAL order, so LastSequence only rises and a
 * writer returns only after its own group is published.
 *
 * Cost: two queue hand-offs per group instead of one. What it buys: the WAL write and
 * fdatasync of group N+1 overlap the memtable insert of group N (in one isolate the
 * insert runs while the fdatasync of the next group is in flight on the thread pool).
 * A memtable switch must first drain the memtable stage.
 */
import { WriteThread } from "@writepath/core-queue"
import { Effect, Layer } from "effect"
import { exclusive } from "./internal/exclusive.ts"
import { groupCapFor } from "./internal/groupCommit.ts"
import { PipelinedWriteImpl } from "./internal/pipelinedWriteImpl.ts"
import { WritePathEnv, type WritePathEnvService } from "./WritePathEnv.ts"
import { WriteStrategy, type WriteStrategyService } from "./WriteStrategy.ts"

export const make = (env: WritePathEnvService): WriteStrategyService => {
  const wt = WriteThread.unsafeMake({
    maxWriteBatchGroupSizeBytes: groupCapFor(env.options.maxWriteBatchGroupSizeBytes, env.options.writeBufferSize),
    enablePipelinedWrite: true,
  })
  const impl = new PipelinedWriteImpl(env, wt)
  return {
    name: "pipelined",
    write: (batch, options, disableMemtable = false) => impl.write(batch, options, disableMemtable),
    exclusive: (f) => exclusive([wt], f),
    writeThread: wt,
    close: async () => undefined,
  }
}

export const layer: Layer.Layer<WriteStrategy, never, WritePathEnv> = Layer.effect(WriteStrategy, Effect.map(WritePathEnv, make))
