/**
 * WriteGroup (`WriteThread::WriteGroup`): the members a leader commits together, a run of
 * the queue from `leader` to `lastWriter` following `linkNewer`.
 *
 * Owned by the leader that formed it (the WAL leader, then the memtable-writer leader in
 * pipelined mode). `status` and `running` are shared with parallel memtable writers: each
 * member folds its error into `status` before it decrements `running`, and only the
 * member that brings `running` to 0 reads `status` (there is no other reader, so no lock).
 */
import type { Writer, WriteStatus } from "./Writer.ts"

export class WriteGroup {
  leader: Writer | undefined = undefined
  lastWriter: Writer | undefined = undefined
  /** Last sequence of the group, set by the strategy (classic) or `enterAsMemTableWriter`. */
  lastSequence = 0
  /** First error of any member's memtable insert (parallel mode) or of the group. */
  status: WriteStatus = undefined
  /** Parallel members that have not finished their insert yet. */
  running = 0
  size = 0

  forEach(f: (w: Writer, index: number) => void): void {
    const last = this.lastWriter
    let i = 0
    for (let w = this.leader; w !== undefined; w = w === last ? undefined : w.linkNewer) f(w, i++)
  }

  /** Members as an array, leader first (tests and diagnostics). */
  toArray(): Writer[] {
    const out: Writer[] = []
    this.forEach((w) => {
      out.push(w)
    })
    return out
  }

  /** Members from leader to lastWriter. `forEach` is the allocation-free form. */
  *[Symbol.iterator](): Generator<Writer> {
    const last = this.lastWriter
    for (let w = this.leader; w !== undefined; w = w === last ? undefined : w.linkNewer) yield w
  }
}
