/**
 * Pieces every strategy's leader uses: merging a group into one WAL record
 * (`MergeBatch`), assigning sequences in group order, and the adaptive leader yield.
 */
import { WriteBatch } from "@writepath/batch"
import type { WriteGroup } from "@writepath/core-queue"

/**
 * One batch for the WAL from the members that pass their callback and write the WAL
 * (`DBImpl::MergeBatch`): a lone member without a WAL termination point is written as
 * is; otherwise members are appended (each cut at its termination point). Returns
 * undefined when no member writes the WAL.
 */
export const mergeGroup = (group: WriteGroup): WriteBatch | undefined => {
  const leader = group.leader!
  if (group.size === 1) {
    if (!leader.shouldWriteToWAL()) return undefined
    const b = leader.batch!
    if (b.walTerminationPoint === undefined) return b
  }
  let bytes = 12
  group.forEach((m) => {
    if (m.shouldWriteToWAL()) bytes += m.batch!.byteSize - 12
  })
  let merged: WriteBatch | undefined
  group.forEach((m) => {
    if (!m.shouldWriteToWAL()) return
    merged ??= new WriteBatch({ reservedBytes: bytes })
    WriteBatch.append(merged, m.batch!, true)
  })
  return merged
}

/**
 * Sums the counts of the members whose callback passes (running the callbacks, as the
 * leader does) and reports whether a member with memtable work has a Merge.
 *
 * Every counted record consumes a sequence, WAL-only members (2PC prepares) included.
 * RocksDB's WriteCommitted prepare consumes none at write time but its recovery
 * advances the sequence over the rebuilt records (`MaybeAdvanceSeq`), so sequences at
 * write time and after recovery can differ; consuming them up front makes both agree
 * and keeps WAL header sequences strictly increasing. A prepare burns its sequences.
 */
export const countGroup = (group: WriteGroup): { total: number; hasMerge: boolean } => {
  let total = 0
  let hasMerge = false
  group.forEach((m) => {
    if (m.checkCallback() && m.status === undefined) {
      total += m.batch!.count
      if (m.shouldWriteToMemtable()) hasMerge ||= m.batch!.hasMerge
    }
  })
  return { total, hasMerge }
}

/** Gives each member its first sequence, in group order, from `first` (see countGroup). */
export const assignSequences = (group: WriteGroup, first: number): void => {
  let next = first
  group.forEach((m) => {
    if (m.callbackFailed() || m.status !== undefined) return
    m.sequence = next
    next += m.batch!.count
  })
}

/**
 * A macrotask boundary. In one isolate, writers "arrive" only when their code runs:
 * the members a leader just released re-enter the queue in the microtasks that follow
 * its exit, so a new leader that formed its group at once would take only the writers
 * already queued (steady state: two alternating half-size groups). Yielding once lets
 * every pending continuation run and enqueue first. This is the isolate's counterpart
 * of RocksDB's adaptive yield (`enable_write_thread_adaptive_yield`): it is taken only
 * when the previous group had company, so a lone writer never pays for it.
 */
export const yieldToArrivals = (): Promise<void> =>
  new Promise((resolve) => {
    setImmediate(resolve)
  })
