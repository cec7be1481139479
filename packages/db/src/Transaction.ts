/**
 * A WriteCommitted two-phase-commit transaction (RocksDB's `WriteCommittedTxn`).
 *
 *   started --prepare--> prepared --commit--> committed
 *      |                    '-----rollback--> rolledBack
 *      '----commit (no prepare)----> committed     '--rollback--> rolledBack
 *
 * - prepare writes the batch `BeginPrepare ... EndPrepare(name)` to the WAL only
 *   (disableMemtable): with the two-queue strategy it goes through the second
 *   queue and never waits for memtable inserts. It consumes one sequence per
 *   record (deliberately, unlike RocksDB: recovery then assigns the same ones), and
 *   publishes none.
 * - commit writes `Commit(name)` to the WAL and, past the WAL termination point,
 *   the prepared data to the memtable, through the main queue: the data becomes
 *   visible atomically at the commit's sequences. Recovery rebuilds it from the
 *   prepare section when it meets the commit marker.
 * - rollback of a prepared transaction writes `Rollback(name)` so recovery drops it.
 *
 * Owns: its batch and state. Invariants: 1. the batch starts with the Noop
 * placeholder (markBeginPrepare) until prepare rewrites it; 2. a state change
 * happens only after the write that records it was acknowledged, so a failed
 * prepare/commit leaves the transaction where it was. Yields at each write (a
 * lock drop: another call on the same transaction is refused meanwhile).
 */
import { WriteBatch } from "@writepath/batch"
import type { WriteOptions } from "@writepath/strategies"
import { InvalidArgument } from "./DbError.ts"

/** Where a transaction is in its life (see the diagram above). */
export type TransactionState = "started" | "prepared" | "committed" | "rolledBack"

/** @internal How a transaction reaches the write path; the engine supplies it. */
export interface TransactionWriter {
  /** WAL-only write (disableMemtable): the prepare of transaction `name`. */
  writeWalOnly(batch: WriteBatch, wo: WriteOptions, name: string): Promise<void>
  /** Main-queue write: commit or rollback markers, and the commit's memtable data. */
  write(batch: WriteBatch, wo: WriteOptions): Promise<void>
  /** Called once the transaction is finished, so its name can be reused. */
  release(name: string): void
}

type Bytes = Uint8Array | string

/**
 * A WriteCommitted two-phase-commit transaction, from `db.beginTransaction({ name })` (or
 * `Db.withTransaction`). Writes are buffered until commit.
 *
 * @example
 * ```ts
 * const t = db.beginTransaction({ name: "order-42" })
 * t.put("stock/7", "41")
 * await t.prepare() // durable in the WAL, not visible
 * await t.commit() // visible atomically
 * ```
 */
export class Transaction {
  /** The name given at begin (RocksDB's transaction name, the xid in the WAL). */
  readonly name: string
  private readonly batch: WriteBatch
  private readonly writer: TransactionWriter
  private readonly wo: WriteOptions
  private state_: TransactionState
  private busy = false

  private constructor(name: string, batch: WriteBatch, writer: TransactionWriter, wo: WriteOptions, state: "started" | "prepared") {
    this.name = name
    this.batch = batch
    this.writer = writer
    this.wo = wo
    this.state_ = state
  }

  /** @internal `db.beginTransaction` makes them. */
  static begin(name: string, writer: TransactionWriter, wo: WriteOptions): Transaction {
    return new Transaction(name, new WriteBatch().markBeginPrepare(), writer, wo, "started")
  }

  /** @internal A transaction found prepared in the WAL at open. */
  static recovered(name: string, batch: WriteBatch, writer: TransactionWriter, wo: WriteOptions): Transaction {
    return new Transaction(name, batch, writer, wo, "prepared")
  }

  /** started, prepared, committed or rolledBack. */
  get state(): TransactionState {
    return this.state_
  }

  /** Buffers a put (only while started). */
  put(key: Bytes, value: Bytes): void {
    this.mutable("put")
    this.batch.put(key, value)
  }

  /** Buffers a delete (only while started). */
  delete(key: Bytes): void {
    this.mutable("delete")
    this.batch.delete(key)
  }

  /** Writes the buffered batch to the WAL as a prepared section: durable, not yet visible. */
  async prepare(): Promise<void> {
    this.expect("prepare", "started")
    const b = WriteBatch.fromBytes(this.batch.data)
    b.markEndPrepare(this.name)
    await this.run(() => this.writer.writeWalOnly(b, this.wo, this.name))
    this.batch.markEndPrepare(this.name)
    this.state_ = "prepared"
  }

  /** Makes the writes visible atomically (prepared or not). */
  async commit(): Promise<void> {
    this.expect("commit", "started", "prepared")
    let b: WriteBatch
    if (this.state_ === "prepared") {
      // WAL: the Commit marker only. Memtable: the prepared data (its markers are ignored there).
      b = new WriteBatch({ reservedBytes: this.batch.byteSize + 32 }).markCommit(this.name)
      b.markWalTerminationPoint()
      WriteBatch.append(b, this.batch)
    } else {
      b = this.batch
    }
    await this.run(() => this.writer.write(b, this.wo))
    this.finish("committed")
  }

  /** Drops the writes; a prepared transaction records the rollback in the WAL. */
  async rollback(): Promise<void> {
    this.expect("rollback", "started", "prepared")
    if (this.state_ === "prepared") await this.run(() => this.writer.write(new WriteBatch().markRollback(this.name), this.wo))
    this.finish("rolledBack")
  }

  private finish(s: TransactionState): void {
    this.state_ = s
    this.writer.release(this.name)
  }

  private async run(f: () => Promise<void>): Promise<void> {
    this.busy = true
    try {
      await f()
    } finally {
      this.busy = false
    }
  }

  private mutable(op: string): void {
    this.expect(op, "started")
  }

  private expect(op: string, ...states: TransactionState[]): void {
    if (this.busy) throw new InvalidArgument({ reason: `transaction ${this.name}: ${op} while another operation is in flight` })
    if (!states.includes(this.state_)) {
      throw new InvalidArgument({ reason: `transaction ${this.name}: cannot ${op} in state ${this.state_}` })
    }
  }
}
