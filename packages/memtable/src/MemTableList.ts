/**
 * MemTableList: the mutable memtable and the immutable ones waiting for flush,
 * newest first (RocksDB's `mem` + `imm`, `db/memtable_list.h`). A lookup goes through
 * the mutable memtable, then each immutable one from newest to oldest, and stops at
 * the first one that decides the key; merge operands found on the way are collected
 * newest first (RocksDB `MemTableListVersion::Get` with a MergeContext).
 *
 * Not shared between threads: the DB changes it under its own serialization (the
 * write leader switches memtables in PreprocessWrite, flush removes them); lookups
 * may run meanwhile because each call reads the current arrays synchronously.
 */
import type { Deleted, Found, GetResult } from "./GetResult.ts"
import { notFound } from "./GetResult.ts"
import { MAX_SAFE_SEQUENCE } from "./InternalKey.ts"
import type { MemTable } from "./MemTable.ts"

export class MemTableList {
  private mem: MemTable
  /** Newest first. Replaced, never mutated, so an array handed out stays a consistent version. */
  private imm: ReadonlyArray<MemTable>

  constructor(mutable: MemTable) {
    this.mem = mutable
    this.imm = []
  }

  get mutable(): MemTable {
    return this.mem
  }

  /** Immutable memtables, newest first. */
  get immutables(): ReadonlyArray<MemTable> {
    return this.imm
  }

  /**
   * `SwitchMemtable` steps 3-4 (WRITE-PATH.md 5.2): `next` becomes the mutable memtable
   * and the current one the newest immutable. Returns the memtable switched out.
   */
  switchMemTable(next: MemTable): MemTable {
    const old = this.mem
    this.imm = [old, ...this.imm]
    this.mem = next
    return old
  }

  /** Drops flushed immutable memtables (RocksDB `RemoveMemTablesOrRestore` on success). */
  removeFlushed(flushed: ReadonlyArray<MemTable>): void {
    this.imm = this.imm.filter((m) => !flushed.includes(m))
  }

  /** Oldest immutables first: the order a flush picks them (`PickMemtablesToFlush`). */
  pickMemtablesToFlush(): ReadonlyArray<MemTable> {
    return [...this.imm].reverse()
  }

  /** The newest entry for `key` visible at `snapshot` across all memtables. */
  get(key: Uint8Array, snapshot: number = MAX_SAFE_SEQUENCE): GetResult {
    let operands: Uint8Array[] | undefined
    const finish = (base: Found | Deleted | typeof notFound): GetResult =>
      operands === undefined ? base : { _tag: "MergeOperands", operands, base }
    const r0 = this.mem.get(key, snapshot)
    const imm = this.imm
    for (let i = -1; i < imm.length; i++) {
      const r = i < 0 ? r0 : imm[i]!.get(key, snapshot)
      if (r._tag === "NotFound") continue
      if (r._tag !== "MergeOperands") return finish(r)
      if (operands === undefined) operands = [...r.operands]
      else operands.push(...r.operands)
      if (r.base._tag !== "NotFound") return finish(r.base)
    }
    return finish(notFound)
  }

  get numImmutable(): number {
    return this.imm.length
  }

  /** Entries in all memtables. */
  get numEntries(): number {
    let n = this.mem.numEntries
    for (const m of this.imm) n += m.numEntries
    return n
  }

  /** Sum of `approximateMemoryUsage` (RocksDB's cur-size-all-mem-tables). */
  approximateMemoryUsage(): number {
    let n = this.mem.approximateMemoryUsage()
    for (const m of this.imm) n += m.approximateMemoryUsage()
    return n
  }
}
