/**
 * Pieces every strategy's leader uses: merging a group into one WAL record
 * (`MergeBatch`), assigning sequences in group order, and the adaptive leader yield.
 */
import { WriteBatch } from "@writepath/batch"
import type { WriteGroup, Writer, WriterOptions } from "@writepath/core-queue"
import type { MemTable } from "@writepath/memtable"
import type { WriteOptions } from "../EngineOptions.ts"
import type { WritePathEnvService } from "../WritePathEnv.ts"

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

/** Arena room the members with memtable work need in `mem` (`MemTable.maxArenaBytesFor`). */
export const groupRoom = (group: WriteGroup, mem: MemTable): number => {
  let bytes = 0
  group.forEach((m) => {
    if (m.shouldWriteToMemtable()) bytes += mem.maxArenaBytesFor(m.batch!)
  })
  return bytes
}

/**
 * The byte cap of a group: RocksDB's `max_write_batch_group_size_bytes`, and at most an
 * eighth of a memtable so that a group always fits the room left when the memtable is
 * nearly full (our arena is fixed-size, RocksDB's grows).
 */
export const groupCapFor = (maxWriteBatchGroupSizeBytes: number, writeBufferSize: number): number =>
  Math.min(maxWriteBatchGroupSizeBytes, Math.max(4096, Math.floor(writeBufferSize / 8)))

export const toStatus = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)))

/**
 * A group that failed after its sequences were allocated (its record may be in the WAL, some
 * of its entries in the memtable): reported to the engine as a memtable failure, which is
 * fatal (read-only until reopen), so those entries are never published, never flushed and
 * never resumed over. A throw from the report itself is swallowed: the leader is already
 * failing its group with the first error.
 */
export const reportFailedGroup = (env: WritePathEnvService, error: Error): void => {
  try {
    env.handleMemTableInsertFailure(error)
  } catch {
    // the group fails with `error` regardless
  }
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
 * When a new leader should let other writers arrive before it forms its group.
 *
 * In one isolate, writers "arrive" only when their code runs. A non-sync write runs
 * start to finish without yielding, so without help every group would have one member;
 * and the members a leader just released re-enter the queue only in the microtasks
 * after its exit, so a new leader that formed its group at once would take only the
 * writers already queued (with sync writes: two alternating half-size groups). The
 * isolate's counterpart of RocksDB's adaptive yield (`enable_write_thread_adaptive_yield`)
 * is to yield once, to the next macrotask, so every pending continuation runs and links
 * first. It is taken only when there is company: other writes of this queue in flight
 * (started and not yet returned to their caller), or a previous group of more than one
 * (its members may be on their way back; by the time the first of them leads, the
 * others have returned and no longer count as in flight). A lone writer never pays.
 */
export class Arrivals {
  /** Writes started and not yet returned to their caller (kept by the write impls). */
  inflight = 0
  private lastGroupSize = 1

  /** Records the size of the group a leader just formed. */
  formed(size: number): void {
    this.lastGroupSize = size
  }

  /**
   * Runs one writer through `impl` counting it as in flight until its caller resumes, then
   * throws the writer's final status if it failed.
   */
  async run(w: Writer, impl: { writeImpl(w: Writer): Promise<void> }): Promise<void> {
    this.inflight++
    try {
      await impl.writeImpl(w)
    } finally {
      this.inflight--
    }
    const status = w.finalStatus()
    if (status !== undefined) throw status
  }

  /** True when other writes are in flight: the leader should `yieldToArrivals` first. */
  get othersInFlight(): boolean {
    return this.inflight > 1 || this.lastGroupSize > 1
  }
}

export const yieldToArrivals = (): Promise<void> =>
  new Promise((resolve) => {
    setImmediate(resolve)
  })

/**
 * The Writer options for a write: one shared frozen object per combination, so building
 * a Writer allocates nothing else.
 */
const WRITER_OPTIONS: ReadonlyArray<WriterOptions> = Array.from({ length: 32 }, (_, b) =>
  Object.freeze({
    sync: (b & 1) !== 0,
    disableWAL: (b & 2) !== 0,
    noSlowdown: (b & 4) !== 0,
    lowPri: (b & 8) !== 0,
    disableMemtable: (b & 16) !== 0,
  }),
)

export const writerOptions = (o: WriteOptions, disableMemtable: boolean): WriterOptions =>
  WRITER_OPTIONS[(o.sync ? 1 : 0) | (o.disableWAL ? 2 : 0) | (o.noSlowdown ? 4 : 0) | (o.lowPri ? 8 : 0) | (disableMemtable ? 16 : 0)]!
