/**
 * `DBImpl::WriteImplWALOnly` on the second queue (`nonmem_write_thread_`, WRITE-PATH.md
 * 2.4) for WriteCommitted: WAL-only writes (2PC prepares) grouped and appended, never
 * published (`kDontPublishLastSeq`). Unlike RocksDB (`kDontAssignOrder`) they consume their
 * sequences, so that recovery assigns the same ones (see groupCommit.countGroup). The leader's
 * stall check (`preprocessWalOnlyWrite`) raises this queue's barrier, never the main queue's.
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
import {
  Arrivals,
  assignSequences,
  countGroup,
  mergeGroup,
  reportFailedGroup,
  toStatus,
  writerOptions,
  yieldToArrivals,
} from "./groupCommit.ts"

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
    const joined = this.wt.joinBatchGroup(w)
    if (joined !== undefined) await joined
    if (w.state === STATE_GROUP_LEADER) await this.lead(w)
    if (w.state !== STATE_COMPLETED && w.state !== STATE_GROUP_LEADER) throw new Error(`WAL-only writer ended as ${stateName(w.state)}`)
  }

  /**
   * The leader, from GROUP_LEADER to leaving its group. Whatever throws in between, it
   * leaves the group with that error (forming it first if needed): no follower stays parked.
   */
  private async lead(w: Writer): Promise<void> {
    const { env, wt } = this
    const group = new WriteGroup()
    let formed = false
    let allocated = false
    try {
      if (this.arrivals.othersInFlight) {
        env.stats.leaderYields++
        await yieldToArrivals()
      }
      // The check runs on this queue: a stop raises this queue's barrier, never the main one's.
      const pre = env.preprocessWalOnlyWrite(w, wt)
      let status = pre instanceof Promise ? await pre : pre
      wt.enterAsBatchGroupLeader(w, group)
      formed = true
      this.arrivals.formed(group.size)
      if (status === undefined) {
        // Sequences are consumed (see countGroup) but never published by this queue.
        const { total } = countGroup(group)
        const first = env.versions.allocate(total)
        allocated = true
        assignSequences(group, first)
        const merged = mergeGroup(group)
        if (merged !== undefined) {
          merged.sequence = first
          const r = env.writeToWAL(merged, w.sync)
          status = r instanceof Promise ? await r : r
        }
      }
      wt.exitAsBatchGroupLeader(group, status)
    } catch (e) {
      const error = toStatus(e)
      if (allocated) reportFailedGroup(env, error)
      if (!formed) wt.enterAsBatchGroupLeader(w, group)
      wt.exitAsBatchGroupLeader(group, error)
    }
  }
}
