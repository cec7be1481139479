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
import { Arrivals, assignSequences, countGroup, groupRoom, mergeGroup, writerOptions, yieldToArrivals } from "./groupCommit.ts"

export class PipelinedWriteImpl {
  private readonly env: WritePathEnvService
  readonly wt: WriteThreadImpl
  private readonly arrivals = new Arrivals()
  private readonly drain: () => Promise<void> | undefined

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
    const { env, wt } = this
    const joined = wt.joinBatchGroup(w)
    if (joined !== undefined) await joined // YIELD 1

    if (w.state === STATE_GROUP_LEADER) {
      if (this.arrivals.othersInFlight) {
        env.stats.leaderYields++
        await yieldToArrivals() // YIELD 2
      }
      const pre = env.preprocessWrite(w, this.drain)
      let status: WriteStatus = pre instanceof Promise ? await pre : pre // YIELD 2
      const group = new WriteGroup()
      wt.enterAsBatchGroupLeader(w, group)
      this.arrivals.formed(group.size)
      if (status === undefined) {
        const { total } = countGroup(group)
        const room = groupRoom(group, env.mutableMemTable())
        if (room > 0) {
          const r = env.reserveRoom(room, this.drain)
          status = r instanceof Promise ? await r : r // YIELD 2 (a memtable switch)
        }
        if (status !== undefined) {
          const exited = wt.exitAsBatchGroupLeader(group, status)
          if (exited !== undefined) await exited
          return
        }
        // Sequences handed out by the WAL stage run ahead of publication (`UpdateLastSequence`).
        const first = env.versions.allocate(total)
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
        // Members that will not reach the memtable stage give their room back now; the others after their insert.
        if (status !== undefined) env.releaseRoom(room)
      }
      const exited = wt.exitAsBatchGroupLeader(group, status)
      if (exited !== undefined) await exited // YIELD 4
    }

    if (w.state === STATE_MEMTABLE_WRITER_LEADER) {
      const group = new WriteGroup()
      wt.enterAsMemTableWriter(w, group)
      let status: WriteStatus
      group.forEach((m) => {
        if (!m.shouldWriteToMemtable()) return
        if (status === undefined) status = env.insertInto(m.batch!, m.sequence)
        env.releaseRoom(env.mutableMemTable().maxArenaBytesFor(m.batch!))
      })
      group.status = status
      // Memtable groups publish strictly in WAL order: this queue is FIFO and one group runs at a time.
      if (status === undefined) env.versions.publish(group.lastSequence)
      else env.handleMemTableInsertFailure(status)
      wt.exitAsMemTableWriter(w, group)
    }
    if (w.state !== STATE_COMPLETED) throw new Error(`pipelined writer ended as ${stateName(w.state)}`)
  }
}
