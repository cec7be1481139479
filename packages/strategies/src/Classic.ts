/**
 * Classic: RocksDB's default write path with serial memtable insert
 * (`allow_concurrent_memtable_write = false`; WRITE-PATH.md 2.1).
 *
 * Guarantee: one group at a time. The leader allocates the group's sequences, writes one
 * WAL record (one fdatasync if its writer asked for sync; non-sync writers may ride a
 * sync leader), inserts every member's batch into the memtable in order, publishes the
 * last sequence, names the next leader and then releases the followers. Atomic batch
 * visibility, immutable snapshots, read-your-own-write, WAL order = sequence order =
 * publication order.
 *
 * Cost: the next group waits for this group's memtable insert, and the insert runs on
 * one thread. Simplest, and the fastest when inserts are cheap next to the WAL append.
 */
import { WriteThread } from "@writepath/core-queue"
import { Effect, Layer } from "effect"
import { ClassicWriteImpl } from "./internal/classicWriteImpl.ts"
import { exclusive } from "./internal/exclusive.ts"
import { groupCapFor } from "./internal/groupCommit.ts"
import { WritePathEnv, type WritePathEnvService } from "./WritePathEnv.ts"
import { WriteStrategy, type WriteStrategyService } from "./WriteStrategy.ts"

export const make = (env: WritePathEnvService): WriteStrategyService => {
  const wt = WriteThread.unsafeMake({
    maxWriteBatchGroupSizeBytes: groupCapFor(env.options.maxWriteBatchGroupSizeBytes, env.options.writeBufferSize),
  })
  const impl = new ClassicWriteImpl(env, wt)
  return {
    name: "classic",
    write: (batch, options, disableMemtable = false) => impl.write(batch, options, disableMemtable),
    exclusive: (f) => exclusive([wt], f),
    writeThread: wt,
    close: async () => undefined,
  }
}

export const layer: Layer.Layer<WriteStrategy, never, WritePathEnv> = Layer.effect(WriteStrategy, Effect.map(WritePathEnv, make))
