/**
 * ConcurrentMemtable: classic group commit with parallel memtable insert
 * (`allow_concurrent_memtable_write = true`; WRITE-PATH.md 2.2, 1.7).
 *
 * Guarantee: as Classic. The WAL stage is the same; then, for a group of more than one
 * member and no Merge, the leader launches the members as parallel memtable writers
 * (RocksDB's launch, with the sqrt-stride CALLER wake-up for groups of 20 or more): each
 * member's batch is inserted into the one lock-free skiplist living in a
 * SharedArrayBuffer, by a pool of worker threads, while the leader inserts its own batch
 * on the main thread. The last member to finish publishes the group's last sequence and
 * exits the group, so publication still precedes every release. One-member groups and
 * groups with a Merge insert serially.
 *
 * Cost: a worker round trip per group (messages are packed per worker and tick) and a
 * copy of the batch bytes to the worker; it pays when groups are large and inserts are
 * expensive (big batches, many keys), and the insert stage then scales with cores.
 */
import { WriteThread } from "@writepath/core-queue"
import { Effect, Layer } from "effect"
import { ClassicWriteImpl } from "./internal/classicWriteImpl.ts"
import { exclusive } from "./internal/exclusive.ts"
import { groupCapFor } from "./internal/groupCommit.ts"
import { InsertPool } from "./internal/InsertPool.ts"
import { WritePathEnv, type WritePathEnvService } from "./WritePathEnv.ts"
import { WriteStrategy, type WriteStrategyService } from "./WriteStrategy.ts"

export const make = async (env: WritePathEnvService): Promise<WriteStrategyService> => {
  const wt = WriteThread.unsafeMake({
    maxWriteBatchGroupSizeBytes: groupCapFor(env.options.maxWriteBatchGroupSizeBytes, env.options.writeBufferSize),
    allowConcurrentMemtableWrite: true,
  })
  const pool = await InsertPool.start(env.options.concurrentMemtableWorkers)
  const impl = new ClassicWriteImpl(env, wt, {
    insert: (batch, sequence, leader) => pool.insert(env.mutableMemTable(), batch, sequence, leader),
  })
  return {
    name: "concurrent-memtable",
    write: (batch, options, disableMemtable = false) => impl.write(batch, options, disableMemtable),
    exclusive: (f) => exclusive([wt], f),
    writeThread: wt,
    close: () => pool.close(),
  }
}

/** The strategy with its worker pool, terminated when the layer's scope closes. */
export const layer: Layer.Layer<WriteStrategy, never, WritePathEnv> = Layer.scoped(
  WriteStrategy,
  Effect.flatMap(WritePathEnv, (env) =>
    Effect.acquireRelease(
      Effect.promise(() => make(env)),
      (s) => Effect.promise(() => s.close()),
    ),
  ),
)
