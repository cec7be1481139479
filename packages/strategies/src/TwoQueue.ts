/**
 * TwoQueue: `two_write_queues` with WriteCommitted two-phase commit (WRITE-PATH.md 2.4).
 *
 * Guarantee: writes with memtable work use the main queue exactly as Classic (group
 * commit, serial insert, publication before release). WAL-only writes (a transaction's
 * prepare: `BeginPrepare ... EndPrepare(xid)`) use a second queue with its own leaders
 * and groups: they are appended to the same WAL and consume their sequences (unlike
 * RocksDB's WriteCommitted prepare; see groupCommit.countGroup) but publish nothing, so a prepare never waits for a memtable insert and a main-queue group never
 * waits for a prepare's fdatasync. A commit (`Commit(xid)` in the WAL, the prepared
 * data in the memtable) and a rollback go through the main queue. The engine keeps
 * lastAllocated (both queues' WAL order) apart from lastPublished (what readers see).
 *
 * Cost: two leaders may sync the WAL at once (each sync covers everything appended
 * before it), and a memtable switch or close must own both queues.
 */
import { WriteThread } from "@writepath/core-queue"
import { Effect, Layer } from "effect"
import { ClassicWriteImpl } from "./internal/classicWriteImpl.ts"
import { exclusive } from "./internal/exclusive.ts"
import { groupCapFor } from "./internal/groupCommit.ts"
import { WalOnlyWriteImpl } from "./internal/walOnlyWriteImpl.ts"
import { WritePathEnv, type WritePathEnvService } from "./WritePathEnv.ts"
import { WriteStrategy, type WriteStrategyService } from "./WriteStrategy.ts"

export const make = (env: WritePathEnvService): WriteStrategyService => {
  const options = { maxWriteBatchGroupSizeBytes: groupCapFor(env.options.maxWriteBatchGroupSizeBytes, env.options.writeBufferSize) }
  const main = WriteThread.unsafeMake(options)
  const nonmem = WriteThread.unsafeMake(options)
  const mainImpl = new ClassicWriteImpl(env, main)
  const walOnly = new WalOnlyWriteImpl(env, nonmem)
  return {
    name: "two-queue",
    write: (batch, wo, disableMemtable = false) => (disableMemtable ? walOnly.write(batch, wo) : mainImpl.write(batch, wo, false)),
    exclusive: (f) => exclusive([main, nonmem], f),
    writeThread: main,
    close: async () => undefined,
  }
}

export const layer: Layer.Layer<WriteStrategy, never, WritePathEnv> = Layer.effect(WriteStrategy, Effect.map(WritePathEnv, make))
