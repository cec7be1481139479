/**
 * `DBImpl::WriteImplWALOnly` on the second queue (`nonmem_write_thread_`, WRITE-PATH.md
 * 2.4) for WriteCommitted: WAL-only writes (2PC prepares) grouped and appended, never
 * published (`kDontPublishLastSeq`). Unlike RocksDB (`kDontAssignOrder`) they consume their
 * sequences, so that recovery assigns the same ones (see groupCommit.countGroup).
 *
 * The append is synchronous, so it cannot interleave with the main queue's record
 * (RocksDB's `wal_write_mutex_`): WAL order = allocation order across both queues.
 *
 * Yield points: joinBatchGroup (followers), the leader's adaptive yield and its check
 * (only while stopped), and the sync after the append (the leader owns this queue).
 */
import type { WriteBatch } from "@writepath/batch"
import { STATE_COMPLETED, STATE_GROUP_LEADER, stateName, WriteGroup, Writer, type WriteThreadImpl } from "@writepath/core-queue"
import type { WriteOptions } from "../EngineOptions.ts"
import type { WritePathEnvService } from "../WritePathEnv.ts"
import { Arrivals, assignSequences, countGroup, mergeGroup, writerOptions, yieldToArrivals } from "./groupCommit.ts"

export class WalOnlyWriteImpl {
  private readonly env: WritePathEnvService
  readonly wt: WriteThreadImpl
  private readonly arrivals = new Arrivals()

  constructor(env: WritePathEnvService, wt: WriteThreadImpl) {
    this.env = env
    this.wt = wt
  }

  write(batch: WriteBatch, options: WriteOptions): Promise<void> {
    return this.arrivals.run(new Writer(batch, writerOptions(options, true)), this)
  }

  /** @internal Called through `Arrivals.run`. */
  async writeImpl(w: Writer): Promise<void> {
    const { env, wt } = this
    const joined = wt.joinBatchGroup(w)
    if (joined !== undefined) await joined
    if (w.state === STATE_GROUP_LEADER) {
      if (this.arrivals.othersInFlight) {
        env.stats.leaderYields++
        await yieldToArrivals()
      }
      const pre = env.preprocessWalOnlyWrite(w)
      let status = pre instanceof Promise ? await pre : pre
      const group = new WriteGroup()
      wt.enterAsBatchGroupLeader(w, group)
      this.arrivals.formed(group.size)
      if (status === undefined) {
        // Sequences are consumed (see countGroup) but never published by this queue.
        const { total } = countGroup(group)
        const first = env.versions.allocate(total)
        assignSequences(group, first)
        const merged = mergeGroup(group)
        if (merged !== undefined) {
          merged.sequence = first
          const r = env.writeToWAL(merged, w.sync)
          status = r instanceof Promise ? await r : r
        }
      }
      wt.exitAsBatchGroupLeader(group, status)
    }
    if (w.state !== STATE_COMPLETED && w.state !== STATE_GROUP_LEADER) throw new Error(`WAL-only writer ended as ${stateName(w.state)}`)
  }
}
