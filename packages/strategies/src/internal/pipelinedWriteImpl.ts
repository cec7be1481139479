/**
 * `DBImpl::PipelinedWriteImpl` (WRITE-PATH.md 2.3): a WAL stage on the main queue and a
 * memtable stage on the memtable-writer queue.
 *
 * Yield points (lock drops):
 *  1. joinBatchGroup: parked until a WAL-leader, memtable-leader or completed role;
 *  2. the WAL leader's adaptive yield and preprocessWrite (it owns the main queue);
 *  3. the WAL append's sync (it owns the main queue; its group is formed);
 *  4. exitAsBatchGroupLeader: the old WAL leader waits for its memtable-stage role while
 *     the next WAL group is already being written. This is the overlap the strategy buys.
 */
import type { WriteBatch } from "@writepath/batch"
import {
  STATE_COMPLETED,
  STATE_GROUP_LEADER,
  STATE_MEMTABLE_WRITER_LEADER,
  stateName,
  WriteGroup,
  Writer,
  type WriteStatus,
  type WriteThreadImpl,
} from "@writepath/core-queue"
import type { WriteOptions } from "../EngineOptions.ts"
import type { WritePathEnvService } from "../WritePathEnv.ts"
import {
  Arrivals,
  assignSequences,
  countGroup,
  groupRoom,
  mergeGroup,
  reportFailedGroup,
  toStatus,
  writerOptions,
  yieldToArrivals,
} from "./groupCommit.ts"

export class PipelinedWriteImpl {
  private readonly env: WritePathEnvService
  readonly wt: WriteThreadImpl
  private readonly arrivals = new Arrivals()
  private readonly drain: () => Promise<void> | undefined
  /**
   * The first failure of a group whose sequences were allocated (a WAL error, a failed
   * insert, a throw): every later memtable group fails with it, unpublished.
   */
  private failed: WriteStatus

  constructor(env: WritePathEnvService, wt: WriteThreadImpl) {
    this.env = env
    this.wt = wt
    this.drain = () => wt.waitForMemTableWriters()
  }

  write(batch: WriteBatch, options: WriteOptions, disableMemtable: boolean): Promise<void> {
    return this.arrivals.run(new Writer(batch, writerOptions(options, disableMemtable)), this)
  }

  /** @internal Called through `Arrivals.run`. */
  async writeImpl(w: Writer): Promise<void> {
    const joined = this.wt.joinBatchGroup(w)
    if (joined !== undefined) await joined // YIELD 1
    if (w.state === STATE_GROUP_LEADER) await this.leadWalStage(w)
    if (w.state === STATE_MEMTABLE_WRITER_LEADER) this.leadMemtableStage(w)
    if (w.state !== STATE_COMPLETED) throw new Error(`pipelined writer ended as ${stateName(w.state)}`)
  }

  /**
   * The WAL leader, from GROUP_LEADER to its pipelined exit. Whatever throws in between, it
   * leaves its group with that error (forming it first if needed), so no follower stays
   * parked; a group whose sequences were allocated is reported as a failed group (fatal).
   */
  private async leadWalStage(w: Writer): Promise<void> {
    const { env, wt } = this
    const group = new WriteGroup()
    let formed = false
    let exited = false
    let allocated = false
    let room = 0
    const exit = async (status: WriteStatus): Promise<void> => {
      exited = true
      if (status !== undefined && room > 0) {
        // Members that will not reach the memtable stage give their room back now; the others after their insert.
        env.releaseRoom(room)
        room = 0
      }
      const exited_ = wt.exitAsBatchGroupLeader(group, status)
      if (exited_ !== undefined) await exited_ // YIELD 4
    }
    try {
      if (this.arrivals.othersInFlight) {
        env.stats.leaderYields++
        await yieldToArrivals() // YIELD 2
      }
      const pre = env.preprocessWrite(w, wt, this.drain)
      let status: WriteStatus = pre instanceof Promise ? await pre : pre // YIELD 2
      wt.enterAsBatchGroupLeader(w, group)
      formed = true
      this.arrivals.formed(group.size)
      if (status !== undefined) return await exit(status)
      const { total } = countGroup(group)
      const need = groupRoom(group, env.mutableMemTable())
      if (need > 0) {
        const r = env.reserveRoom(need, this.drain)
        status = r instanceof Promise ? await r : r // YIELD 2 (a memtable switch)
        if (status !== undefined) return await exit(status)
        room = need
      }
      // Sequences handed out by the WAL stage run ahead of publication (`UpdateLastSequence`).
      const first = env.versions.allocate(total)
      allocated = true
      assignSequences(group, first)
      env.stats.groups++
      env.stats.groupMembers += group.size
      if (!w.disableWAL) {
        const merged = mergeGroup(group)
        if (merged !== undefined) {
          merged.sequence = first
          const r = env.writeToWAL(merged, w.sync)
          status = r instanceof Promise ? await r : r // YIELD 3
        }
      }
      if (status !== undefined) this.failed ??= status
      await exit(status)
    } catch (e) {
      if (exited) throw e
      const error = toStatus(e)
      if (allocated) {
        this.failed ??= error
        reportFailedGroup(env, error)
      }
      if (!formed) wt.enterAsBatchGroupLeader(w, group)
      await exit(error)
    }
  }

  /**
   * The memtable-writer leader: inserts its group serially, publishes, exits. A group whose
   * sequences follow those of a failed group fails with that error without inserting: its
   * publication would make the failed group's entries (below it) visible. Whatever throws,
   * the group exits with the error.
   */
  private leadMemtableStage(w: Writer): void {
    const { env, wt } = this
    const group = new WriteGroup()
    wt.enterAsMemTableWriter(w, group)
    let status: WriteStatus = this.failed
    try {
      group.forEach((m) => {
        if (!m.shouldWriteToMemtable()) return
        if (status === undefined) status = env.insertInto(m.batch!, m.sequence)
        env.releaseRoom(env.mutableMemTable().maxArenaBytesFor(m.batch!))
      })
      // Memtable groups publish strictly in WAL order: this queue is FIFO and one group runs at a time.
      if (status === undefined) env.versions.publish(group.lastSequence)
      else if (status !== this.failed) env.handleMemTableInsertFailure(status)
    } catch (e) {
      status ??= toStatus(e)
      reportFailedGroup(env, status)
    } finally {
      if (status !== undefined) this.failed ??= status
      group.status = status
      wt.exitAsMemTableWriter(w, group)
    }
  }
}
