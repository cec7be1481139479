/**
 * LogsWithPrepTracker: which WALs 2PC still needs (RocksDB's `LogsWithPrepTracker` and
 * `MemTable::min_prep_log_referenced`). A WriteCommitted prepare is only in the WAL; its
 * data reaches a memtable at commit. So a WAL holding a prepare section must outlive the
 * flush of its own memtable while the transaction is prepared, and after the commit (or
 * rollback) until the memtable holding the commit is flushed: before that, recovery needs
 * the prepare section to rebuild the commit's data.
 *
 * Owns: the prepare WAL of every live prepared transaction, and per unflushed memtable the
 * oldest prepare WAL a finished transaction's commit in it refers to.
 * Invariants:
 *  1. A recorded number is <= the WAL the prepare section really is in (recorded before the
 *     prepare is written, and the current WAL only grows), so keeping from it is safe.
 *  2. A finished transaction's reference moves to the mutable memtable at the time it
 *     finished: its commit went there or into an older memtable, which flushes no later.
 *     Recovery does the same for every commit it replays into a memtable (the next open
 *     replays that commit again, and needs the prepare section again).
 * Nothing here yields.
 */
import type { MemTable } from "@writepath/memtable"

export class LogsWithPrepTracker {
  private readonly prepared = new Map<string, number>()
  private readonly byMemtable = new Map<MemTable, number>()

  /** A prepare recovered from WAL `log`, or about to be written while `log` is current. */
  markPrepared(name: string, log: number): void {
    const had = this.prepared.get(name)
    if (had === undefined || log < had) this.prepared.set(name, log)
  }

  /** The transaction finished while `mutable` was the mutable memtable. */
  markFinished(name: string, mutable: MemTable): void {
    const log = this.prepared.get(name)
    if (log === undefined) return
    this.prepared.delete(name)
    this.markMemtableReference(mutable, log)
  }

  /** Recovery replayed into `m` a commit whose prepare section is in WAL `log`. */
  markMemtableReference(m: MemTable, log: number): void {
    const had = this.byMemtable.get(m)
    if (had === undefined || log < had) this.byMemtable.set(m, log)
  }

  /** `m` is in a table: the commits in it no longer need their prepare WALs. */
  memtableFlushed(m: MemTable): void {
    this.byMemtable.delete(m)
  }

  /** The oldest WAL 2PC needs, or Infinity. */
  minLogContainingPrepSection(): number {
    let min = Number.POSITIVE_INFINITY
    for (const n of this.prepared.values()) min = Math.min(min, n)
    for (const n of this.byMemtable.values()) min = Math.min(min, n)
    return min
  }
}
