/**
 * Replays recovered WAL records into the memtable, with RocksDB's recovery-mode
 * `MemTableInserter` rules for WriteCommitted 2PC (WRITE-PATH.md 2.4, 2.6):
 *
 *  - records between BeginPrepare and EndPrepare(xid) are not inserted: they are
 *    rebuilt into a batch kept as a recovered (prepared) transaction; they advance the
 *    sequence (the prepare consumed its sequences when it was written);
 *  - Commit(xid) inserts that rebuilt batch at the current sequence (the commit's
 *    WAL record carries only the marker: its batch was cut at the WAL termination
 *    point, but the group consumed one sequence per data record);
 *  - Rollback(xid) drops it; a Commit/Rollback of an unknown xid is ignored (the
 *    transaction finished before the WAL we are reading);
 *  - every other counted record is inserted with the next sequence.
 *
 * Owns: the map of prepared transactions found so far and the running sequence.
 * Invariants: 1. `nextSequence` only grows; 2. a prepared section is either fully
 * rebuilt (EndPrepare seen) or dropped at the end of its WAL record (a torn
 * prepare is not a transaction). Nothing here yields.
 */
import { WriteBatch, type WriteBatchHandler } from "@writepath/batch"

export interface RecoveredTransaction {
  readonly name: string
  /** The prepared batch as written: Begin/EndPrepare markers around the data. */
  readonly batch: WriteBatch
  /** The WAL it was prepared in (it must stay live until commit or rollback). */
  readonly walNumber: number
}

/** What a replayed record does to the memtable; the engine supplies it. */
export interface RecoveryTarget {
  put(key: Uint8Array, value: Uint8Array, seq: number): void
  delete(key: Uint8Array, seq: number): void
  singleDelete(key: Uint8Array, seq: number): void
  deleteRange(begin: Uint8Array, end: Uint8Array, seq: number): void
  merge(key: Uint8Array, value: Uint8Array, seq: number): void
  /**
   * A Commit's data was just replayed; its prepare section is in WAL `prepareWal`. That WAL
   * must outlive the memtable the data went to (the prepare is the only copy of the data).
   */
  committed?(prepareWal: number): void
}

export class RecoveryInserter {
  readonly prepared = new Map<string, RecoveredTransaction>()
  /** Highest sequence consumed so far + 1. */
  nextSequence: number
  private rebuilding: WriteBatch | undefined
  private walNumber = 0
  private seq = 0
  private readonly handler: WriteBatchHandler
  private readonly target: RecoveryTarget

  constructor(target: RecoveryTarget, startSequence: number) {
    this.target = target
    this.nextSequence = startSequence
    this.handler = {
      put: (cf, k, v) => (this.rebuilding ? void this.rebuilding.put(k, v, cf) : this.target.put(k, v, this.seq++)),
      delete: (cf, k) => (this.rebuilding ? void this.rebuilding.delete(k, cf) : this.target.delete(k, this.seq++)),
      singleDelete: (cf, k) => (this.rebuilding ? void this.rebuilding.singleDelete(k, cf) : this.target.singleDelete(k, this.seq++)),
      deleteRange: (cf, a, b) => (this.rebuilding ? void this.rebuilding.deleteRange(a, b, cf) : this.target.deleteRange(a, b, this.seq++)),
      merge: (cf, k, v) => (this.rebuilding ? void this.rebuilding.merge(k, v, cf) : this.target.merge(k, v, this.seq++)),
      markBeginPrepare: () => {
        this.rebuilding = new WriteBatch().markBeginPrepare()
      },
      markEndPrepare: (xid) => {
        const b = this.rebuilding
        this.rebuilding = undefined
        if (b === undefined) return
        const name = new TextDecoder().decode(xid)
        b.markEndPrepare(xid)
        this.prepared.set(name, { name, batch: b, walNumber: this.walNumber })
      },
      markCommit: (xid) => {
        const name = new TextDecoder().decode(xid)
        const t = this.prepared.get(name)
        if (t === undefined) return
        this.prepared.delete(name)
        // The rebuilt batch's markers are ignored here: rebuilding is off, so its records go to the target.
        t.batch.iterate(this.dataOnly)
        this.target.committed?.(t.walNumber)
      },
      markRollback: (xid) => {
        this.prepared.delete(new TextDecoder().decode(xid))
      },
    }
    this.dataOnly = {
      put: this.handler.put!,
      delete: this.handler.delete!,
      singleDelete: this.handler.singleDelete!,
      deleteRange: this.handler.deleteRange!,
      merge: this.handler.merge!,
    }
  }

  private readonly dataOnly: WriteBatchHandler

  /** Replays one WAL record (a whole group's batch) read from WAL `walNumber`. Throws the batch's corruption errors. */
  replay(record: Uint8Array, walNumber: number): void {
    this.walNumber = walNumber
    const b = WriteBatch.fromBytes(record)
    this.seq = b.sequence
    try {
      b.iterate(this.handler)
    } finally {
      this.rebuilding = undefined
    }
    this.nextSequence = Math.max(this.nextSequence, this.seq, b.sequence + b.count)
  }

  get lastSequence(): number {
    return this.nextSequence - 1
  }
}
